use super::*;
use crate::automation::rule::tests::rule;
use crate::inbox::memory::new_conversation;

const T0: i64 = 1_765_000_000_000;
const MINUTE: i64 = 60_000;

fn waiting_rule(id: &str, trigger: &str, minutes: u32, active: bool) -> Rule {
    let mut r = rule(json!([]), json!([{"type": "resolve"}]));
    r.rule_id = id.into();
    r.trigger = serde_json::from_value(json!(trigger)).unwrap();
    r.wait_minutes = Some(minutes);
    r.is_active = active;
    r
}

fn conversation() -> Conversation {
    new_conversation("org_1", "cv_1", "acc_1", "ct_1", "2026-12-06T00:00:00Z")
}

fn begun(side: Side, at_ms: i64) -> Started {
    Started {
        side,
        org_id: "org_1".into(),
        conversation_id: "cv_1".into(),
        at_ms,
    }
}

#[test]
fn a_wait_holds_the_active_rules_thresholds_of_its_side_shortest_first() {
    let rules = [
        waiting_rule("aut_a", "no_agent_reply", 60, true),
        waiting_rule("aut_b", "no_agent_reply", 15, true),
        waiting_rule("aut_c", "no_agent_reply", 60, true),
        waiting_rule("aut_d", "no_agent_reply", 5, false),
        waiting_rule("aut_e", "no_customer_reply", 1440, true),
    ];
    assert_eq!(thresholds(&rules, Side::Agent), vec![15, 60]);
    assert_eq!(thresholds(&rules, Side::Customer), vec![1440]);
    let wait = arming(&begun(Side::Agent, T0), Some(&conversation()), &rules).unwrap();
    assert_eq!(
        (wait.since_ms, wait.next, wait.due_ms()),
        (T0, 0, Some(T0 + 15 * MINUTE))
    );
    // No rule waits on this side, or the conversation is resolved or gone: nothing is armed.
    assert_eq!(
        arming(&begun(Side::Customer, T0), Some(&conversation()), &rules[..4]),
        None
    );
    let mut resolved = conversation();
    resolved.status = ConversationStatus::Resolved;
    assert_eq!(arming(&begun(Side::Agent, T0), Some(&resolved), &rules), None);
    assert_eq!(arming(&begun(Side::Agent, T0), None, &rules), None);
    // A person answered after this (late) message: nothing is awaited.
    let mut answered = conversation();
    answered.last_agent_reply_ms = Some(T0 + 1);
    assert_eq!(arming(&begun(Side::Agent, T0), Some(&answered), &rules), None);
}

#[test]
fn each_threshold_fires_once_in_order_until_the_awaited_party_writes() {
    let mut wait = Wait {
        org_id: "org_1".into(),
        conversation_id: "cv_1".into(),
        side: Side::Agent,
        since_ms: T0,
        waits: vec![15, 60],
        next: 0,
    };
    let mut c = conversation();
    assert_eq!(step(&wait, Some(&c), T0 + 14 * MINUTE), WaitStep::Later);
    assert_eq!(step(&wait, Some(&c), T0 + 15 * MINUTE), WaitStep::Fire(15));
    wait.next = 1;
    assert_eq!(step(&wait, Some(&c), T0 + 20 * MINUTE), WaitStep::Later);
    assert_eq!(step(&wait, Some(&c), T0 + 61 * MINUTE), WaitStep::Fire(60));
    wait.next = 2;
    assert_eq!(step(&wait, Some(&c), T0 + 90 * MINUTE), WaitStep::Spent);
    // The bot's or a rule's message does not answer for a person; a person's reply does.
    c.last_message_ms = T0 + 5 * MINUTE;
    assert_eq!(step(&wait, Some(&c), T0 + 90 * MINUTE), WaitStep::Spent);
    c.last_agent_reply_ms = Some(T0 + 5 * MINUTE);
    assert_eq!(step(&wait, Some(&c), T0 + 90 * MINUTE), WaitStep::End);
    // The customer's side ends when the customer writes.
    let customer = Wait {
        side: Side::Customer,
        next: 0,
        ..wait.clone()
    };
    let mut c = conversation();
    c.last_inbound_ms = Some(T0 - MINUTE);
    assert_eq!(step(&customer, Some(&c), T0 + 15 * MINUTE), WaitStep::Fire(15));
    c.last_inbound_ms = Some(T0 + MINUTE);
    assert_eq!(step(&customer, Some(&c), T0 + 15 * MINUTE), WaitStep::End);
    assert_eq!(step(&customer, None, T0 + 15 * MINUTE), WaitStep::End);
}

#[test]
fn a_thresholds_event_is_the_same_on_every_look_and_names_its_wait() {
    let wait = Wait {
        org_id: "org_1".into(),
        conversation_id: "cv_1".into(),
        side: Side::Customer,
        since_ms: T0,
        waits: vec![30],
        next: 0,
    };
    let (first, detail) = wait.incoming("ct_1", 30);
    let (again, _) = wait.incoming("ct_1", 30);
    assert_eq!(first, again);
    assert_eq!(first.trigger, Trigger::NoCustomerReply);
    assert_eq!(first.event_id, format!("conversation.no_customer_reply:cv_1:{T0}:30"));
    assert_eq!(first.occurred_ms, Some(T0 + 30 * MINUTE));
    assert_eq!(detail["wait_minutes"], 30);
}

#[test]
fn only_a_customers_message_or_a_business_send_starts_a_wait() {
    let envelope = |kind: &str| {
        json!({"source": "switchboard", "detail-type": kind, "detail": {
            "org_id": "org_1", "conversation_id": "cv_1", "occurred_at": "2026-12-06T00:00:00.000Z"}})
    };
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T00:00:00Z")
        .unwrap()
        .timestamp_millis();
    assert_eq!(started(&envelope("message.received")), Some(begun(Side::Agent, at)));
    assert_eq!(started(&envelope("message.sent")), Some(begun(Side::Customer, at)));
    assert_eq!(started(&envelope("conversation.assigned")), None);
    let mut no_time = envelope("message.sent");
    no_time["detail"]["occurred_at"] = json!("yesterday");
    assert_eq!(started(&no_time), None);
}
