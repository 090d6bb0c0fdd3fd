//! CPU of one event's walk through an organization's 100 active rules, without I/O: every rule's
//! verdict (pause, snooze, loop guard, conditions, rollout), as the automation function decides
//! before its claims. A third of the rules use a `matches` pattern (compiled once per warm Lambda).

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use shared::automation::conditions::Facts;
use shared::automation::rule::{Rule, Trigger};
use shared::automation::walk::{Control, Incoming, rules_for, verdict};
use std::hint::black_box;

fn rules(count: usize) -> Vec<Rule> {
    (0..count)
        .map(|i| {
            let condition = match i % 3 {
                0 => json!({"type": "message_text", "op": "matches", "value": format!("\\b(price|cost|item{i})s?\\b")}),
                1 => json!({"type": "message_text", "op": "contains", "value": format!("word{i}")}),
                _ => json!({"type": "any", "conditions": [{"type": "contact_tag", "tag": format!("tag{i}")},
                                                           {"type": "division", "division_id": "div_x"}]}),
            };
            serde_json::from_value(json!({
                "org_id": "org_bench", "rule_id": format!("aut_{i:03}"), "name": format!("rule {i}"),
                "is_active": true, "trigger": "message_received", "conditions": [condition],
                "actions": [{"type": "add_tags", "tags": ["t"]}], "priority": i, "rollout_percentage": 100,
                "stop_on_match": false, "cooldown_secs": 0, "created_by": "agt_1", "updated_by": "agt_1",
                "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
            }))
            .expect("a well-formed rule")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = rules(100);
    let event = Incoming {
        org_id: "org_bench".into(),
        event_id: "message.received:wamid.bench".into(),
        trigger: Trigger::MessageReceived,
        conversation_id: Some("cv_bench".into()),
        contact_id: Some("ct_bench".into()),
        payload_hash: "h".into(),
        cause: None,
        occurred_ms: None,
    };
    let facts = Facts {
        conversation_id: Some("cv_bench".into()),
        message_text: Some("Hello, what does the navy jacket cost in size M? Thanks!".into()),
        message_type: Some("text".into()),
        contact_tags: vec!["vip".into(), "wholesale".into()],
        status: Some("open".into()),
        division_id: Some("div_1".into()),
        ..Facts::default()
    };
    let control = Control::default();
    c.bench_function("walk of 100 rules (verdicts, no I/O)", |b| {
        b.iter(|| {
            let matched = rules_for(black_box(&rules), Trigger::MessageReceived)
                .into_iter()
                .filter(|rule| {
                    verdict(rule, &event, &facts, &control, "2026-12-05T12:00:00Z")
                        .skip
                        .is_none()
                })
                .count();
            black_box(matched)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
