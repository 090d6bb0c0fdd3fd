use super::*;

fn rule(trigger: Trigger, target: Option<&str>, stop: bool) -> HandoffRule {
    HandoffRule {
        rule_id: "aho_1".into(),
        trigger,
        target_division_id: target.map(str::to_string),
        stop_ai_after_handoff: stop,
        is_active: true,
        created_at: "2026-12-01".into(),
    }
}

#[test]
fn a_keyword_in_the_message_hands_over_by_its_rule_folded_and_as_whole_words() {
    let rules = vec![rule(
        Trigger::Keywords {
            keywords: vec!["Reclamação".into(), "refund".into()],
        },
        Some("div_claims"),
        true,
    )];
    let handoff = in_message(&rules, "Quero fazer uma RECLAMACAO!").unwrap();
    assert_eq!(
        handoff.reason,
        Reason::Keyword {
            keyword: "Reclamação".into()
        }
    );
    assert_eq!(handoff.target_division_id.as_deref(), Some("div_claims"));
    assert!(handoff.stop_ai);
    assert_eq!(in_message(&rules, "refunds are slow?"), None, "whole words only");
    assert_eq!(in_message(&rules, ""), None);
}

#[test]
fn asking_for_a_person_hands_over_only_with_a_human_request_rule() {
    let text = "Can I talk to someone real please";
    assert_eq!(in_message(&[], text), None);
    let rules = vec![rule(Trigger::HumanRequest {}, None, false)];
    let handoff = in_message(&rules, text).unwrap();
    assert_eq!(handoff.reason, Reason::HumanRequest);
    assert!(!handoff.stop_ai);
    assert_eq!(in_message(&rules, "quiero hablar con alguien"), Some(handoff.clone()));
    assert_eq!(in_message(&rules, "humane society"), None);
}

#[test]
fn a_cause_without_a_rule_still_hands_over_silencing_the_ai() {
    let rules = vec![
        rule(Trigger::TokenLimit {}, Some("div_ops"), false),
        rule(Trigger::MaxTurns { turns: 8 }, None, true),
    ];
    let by_limit = decide(&rules, Reason::TokenLimit);
    assert_eq!(
        (by_limit.target_division_id.as_deref(), by_limit.stop_ai),
        (Some("div_ops"), false)
    );
    let failing = decide(&rules, Reason::ModelFailure { detail: "x".into() });
    assert_eq!((failing.target_division_id, failing.stop_ai), (None, true));
    assert_eq!(turn_limit(&rules, Some(20)), Some(8));
    assert_eq!(turn_limit(&rules, Some(3)), Some(3));
    assert_eq!(turn_limit(&[], None), None);
}

#[test]
fn rules_refuse_empty_keywords_and_zero_turns() {
    let empty = rule(Trigger::Keywords { keywords: vec![] }, None, true);
    assert_eq!(empty.check().unwrap_err().field, "config.keywords");
    let punctuation = rule(
        Trigger::Keywords {
            keywords: vec!["ok".into(), "?!".into()],
        },
        None,
        true,
    );
    assert_eq!(punctuation.check().unwrap_err().field, "config.keywords[1]");
    assert_eq!(
        rule(Trigger::MaxTurns { turns: 0 }, None, true)
            .check()
            .unwrap_err()
            .field,
        "config.turns"
    );
    let wire = serde_json::to_value(rule(Trigger::MaxTurns { turns: 4 }, None, true)).unwrap();
    assert_eq!(wire["rule_type"], "max_turns");
    assert_eq!(wire["config"]["turns"], 4);
}
