use super::*;
use crate::automation::memory::{FixedFacts, MemoryLedger, MemoryRules, RecordingEffects};
use crate::automation::rule::Trigger;
use crate::automation::rule::tests::rule;
use crate::automation::walk::Control;
use serde_json::json;

struct Rig {
    rules: Arc<MemoryRules>,
    facts: Arc<FixedFacts>,
    ledger: Arc<MemoryLedger>,
    effects: Arc<RecordingEffects>,
    engine: Engine,
}

fn rig_with(effects: RecordingEffects) -> Rig {
    let rules = Arc::new(MemoryRules::default());
    let facts = Arc::new(FixedFacts::default());
    let ledger = Arc::new(MemoryLedger::default());
    let effects = Arc::new(effects);
    let engine = Engine::new(
        EnginePorts {
            rules: rules.clone(),
            facts: facts.clone(),
            ledger: ledger.clone(),
            effects: effects.clone(),
        },
        Clock::system(),
    );
    Rig {
        rules,
        facts,
        ledger,
        effects,
        engine,
    }
}

fn rig() -> Rig {
    rig_with(RecordingEffects::default())
}

fn event(id: &str, cause: Option<Cause>) -> Incoming {
    Incoming {
        org_id: "org_1".into(),
        event_id: id.into(),
        trigger: Trigger::MessageReceived,
        conversation_id: Some("cv_1".into()),
        contact_id: Some("ct_1".into()),
        payload_hash: "hash".into(),
        cause,
        occurred_ms: None,
    }
}

fn named(id: &str, priority: i32, stop: bool, actions: serde_json::Value) -> Rule {
    let mut r = rule(
        json!([{"type": "message_text", "op": "contains", "value": "price"}]),
        actions,
    );
    r.rule_id = id.into();
    r.priority = priority;
    r.stop_on_match = stop;
    r
}

fn says(rig: &Rig, text: &str) {
    rig.facts.0.lock().unwrap().message_text = Some(text.into());
    rig.facts.0.lock().unwrap().conversation_id = Some("cv_1".into());
}

#[tokio::test]
async fn matching_rules_run_in_priority_order_and_stop_on_match_ends_the_walk() {
    let rig = rig();
    *rig.rules.rules.lock().unwrap() = vec![
        named("aut_late", 30, false, json!([{"type": "resolve"}])),
        named("aut_first", 10, false, json!([{"type": "add_tags", "tags": ["price"]}])),
        named(
            "aut_stop",
            20,
            true,
            json!([{"type": "send_text", "text": "Our prices: ..."}]),
        ),
    ];
    says(&rig, "what's the PRICE?");
    let runs = rig.engine.handle(&event("e1", None), &json!({})).await.unwrap();
    let ran: Vec<&str> = runs.iter().map(|r| r.rule_id.as_str()).collect();
    assert_eq!(ran, ["aut_first", "aut_stop"], "the walk stops after aut_stop");
    let applied: Vec<String> = rig
        .effects
        .applied
        .lock()
        .unwrap()
        .iter()
        .map(|(_, a)| action_name(a))
        .collect();
    assert_eq!(applied, ["add_tags", "send_text"]);
    let (cx, _) = rig.effects.applied.lock().unwrap()[1].clone();
    assert_eq!(
        cx.cause,
        Cause {
            rule_id: "aut_stop".into(),
            depth: 1
        }
    );
    assert_eq!(cx.idempotency_key(), "automation:aut_stop:e1:0");
    // Not matching: nothing runs, nothing is recorded.
    says(&rig, "hello");
    assert!(
        rig.engine
            .handle(&event("e2", None), &json!({}))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(rig.ledger.runs.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_redelivered_event_runs_nothing_twice_and_walks_the_same_way() {
    let rig = rig();
    *rig.rules.rules.lock().unwrap() = vec![
        named("aut_stop", 10, true, json!([{"type": "send_text", "text": "hi"}])),
        named("aut_after", 20, false, json!([{"type": "resolve"}])),
    ];
    says(&rig, "price");
    rig.engine.handle(&event("e1", None), &json!({})).await.unwrap();
    let again = rig.engine.handle(&event("e1", None), &json!({})).await.unwrap();
    assert_eq!(again.len(), 1, "stopped at the same rule");
    assert_eq!(again[0].skipped, Some(Skip::AlreadyRun));
    assert_eq!(rig.effects.applied.lock().unwrap().len(), 1, "one send");
    // The same id with another payload is refused and recorded.
    let mut changed = event("e1", None);
    changed.payload_hash = "other".into();
    let runs = rig.engine.handle(&changed, &json!({})).await.unwrap();
    assert_eq!(runs[0].skipped, Some(Skip::PayloadChanged));
    assert_eq!(rig.effects.applied.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_crash_mid_rule_reruns_its_actions_with_the_same_keys() {
    let rig = rig_with(RecordingEffects {
        crashes: std::sync::Mutex::new(1),
        ..RecordingEffects::default()
    });
    *rig.rules.rules.lock().unwrap() = vec![named("aut_1", 10, false, json!([{"type": "send_text", "text": "hi"}]))];
    says(&rig, "price");
    assert!(
        rig.engine.handle(&event("e1", None), &json!({})).await.is_err(),
        "retried by SQS"
    );
    let runs = rig.engine.handle(&event("e1", None), &json!({})).await.unwrap();
    assert!(runs[0].executed && runs[0].skipped.is_none());
    let applied = rig.effects.applied.lock().unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].0.idempotency_key(), "automation:aut_1:e1:0");
}

#[tokio::test]
async fn a_rules_own_effect_does_not_start_it_again_and_chains_stop_at_depth_three() {
    let rig = rig();
    let mut assigns = named(
        "aut_assign",
        10,
        false,
        json!([{"type": "assign_agent", "agent_id": "agt_1"}]),
    );
    assigns.conditions.clear();
    assigns.trigger = Trigger::ConversationAssigned;
    *rig.rules.rules.lock().unwrap() = vec![assigns];
    let mut first = event("conversation.assigned:1", None);
    first.trigger = Trigger::ConversationAssigned;
    assert!(rig.engine.handle(&first, &json!({})).await.unwrap()[0].executed);
    // Its assignment comes back as an event it caused: recorded as skipped, no action.
    let caused = Incoming {
        event_id: "conversation.assigned:2".into(),
        cause: Some(Cause {
            rule_id: "aut_assign".into(),
            depth: 1,
        }),
        ..first.clone()
    };
    let runs = rig.engine.handle(&caused, &json!({})).await.unwrap();
    assert_eq!(runs[0].skipped, Some(Skip::OwnEffect));
    let deep = Incoming {
        event_id: "conversation.assigned:3".into(),
        cause: Some(Cause {
            rule_id: "aut_other".into(),
            depth: 4,
        }),
        ..first
    };
    assert_eq!(
        rig.engine.handle(&deep, &json!({})).await.unwrap()[0].skipped,
        Some(Skip::LoopDepth)
    );
    assert_eq!(rig.effects.applied.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn cooldown_pause_and_failed_actions() {
    let rig = rig_with(RecordingEffects {
        failing: vec!["add_note".into()],
        ..RecordingEffects::default()
    });
    let mut r = named(
        "aut_1",
        10,
        false,
        json!([{"type": "add_note", "content": "n"}, {"type": "resolve"}]),
    );
    r.cooldown_secs = 3600;
    *rig.rules.rules.lock().unwrap() = vec![r];
    says(&rig, "price");
    let runs = rig.engine.handle(&event("e1", None), &json!({})).await.unwrap();
    let results: Vec<(bool, &str)> = runs[0].results.iter().map(|r| (r.ok, r.action.as_str())).collect();
    assert_eq!(
        results,
        [(false, "add_note"), (true, "resolve")],
        "a failed action is recorded, the rest run"
    );
    let runs = rig.engine.handle(&event("e2", None), &json!({})).await.unwrap();
    assert_eq!(
        runs[0].skipped,
        Some(Skip::Cooldown),
        "within the hour, for this conversation"
    );
    *rig.rules.control.lock().unwrap() = Control {
        is_paused: true,
        ..Control::default()
    };
    assert!(
        rig.engine
            .handle(&event("e3", None), &json!({}))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(rig.effects.applied.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn the_memory_ledger_keeps_the_ledger_contract() {
    crate::automation::contract::ledger_contract(&MemoryLedger::default(), "org_c").await;
    crate::automation::contract::streak_contract(&MemoryLedger::default(), "org_c").await;
}

#[tokio::test]
async fn a_rule_failing_runs_in_a_row_raises_one_alert_per_streak() {
    let rig = rig_with(RecordingEffects {
        failing: vec!["send_text".into()],
        ..RecordingEffects::default()
    });
    let mut failing = named("aut_fail", 10, false, json!([{"type": "send_text", "text": "hi"}]));
    failing.alert_settings = Some(crate::automation::rule::AlertSettings { after_failures: 2 });
    *rig.rules.rules.lock().unwrap() = vec![failing];
    says(&rig, "price?");
    let detail = json!({});
    rig.engine.handle(&event("e1", None), &detail).await.unwrap();
    assert!(
        rig.effects.alerts.lock().unwrap().is_empty(),
        "one failure is not a streak of two"
    );
    rig.engine.handle(&event("e2", None), &detail).await.unwrap();
    rig.engine.handle(&event("e3", None), &detail).await.unwrap();
    let alerts = rig.effects.alerts.lock().unwrap().clone();
    assert_eq!(alerts.len(), 1, "once per streak: {alerts:?}");
    assert_eq!(
        (alerts[0].1, alerts[0].2.as_str(), alerts[0].3.as_str()),
        (2, "e1", "send_text failed")
    );
}
