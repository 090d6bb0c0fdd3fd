use super::*;
use serde_json::json;

pub(crate) fn rule(conditions: serde_json::Value, actions: serde_json::Value) -> Rule {
    serde_json::from_value(json!({
        "org_id": "org_1", "rule_id": "aut_1", "name": "price", "is_active": true,
        "trigger": "message_received", "conditions": conditions, "actions": actions,
        "priority": 10, "rollout_percentage": 100, "stop_on_match": false, "cooldown_secs": 0,
        "created_by": "agt_1", "updated_by": "agt_1", "created_at": "2026-12-01T00:00:00Z",
        "updated_at": "2026-12-01T00:00:00Z"
    }))
    .unwrap()
}

#[test]
fn a_rule_of_the_documented_shape_is_accepted() {
    let ok = rule(
        json!([{"type": "message_text", "op": "matches", "value": "^(price|cost)s?\\b"},
               {"type": "any", "conditions": [{"type": "contact_tag", "tag": "vip"}, {"type": "first_message", "is": true}]}]),
        json!([{"type": "add_tags", "tags": ["asked-price"]}, {"type": "send_text", "text": "Prices: ..."}, {"type": "resolve"}]),
    );
    assert_eq!(check(&ok), Ok(()));
    assert_eq!(
        Trigger::of_event("conversation.assigned"),
        Some(Trigger::ConversationAssigned)
    );
    assert_eq!(Trigger::of_event("message.sent"), None);
}

#[test]
fn each_refusal_names_its_field() {
    let field_of = |conditions: serde_json::Value, actions: serde_json::Value| {
        check(&rule(conditions, actions)).unwrap_err().field
    };
    let send = json!([{"type": "resolve"}]);
    assert_eq!(field_of(json!([]), json!([])), "actions");
    assert_eq!(
        field_of(
            json!([{"type": "message_text", "op": "matches", "value": "(unclosed"}]),
            send.clone()
        ),
        "conditions[0].value"
    );
    assert_eq!(
        field_of(json!([{"type": "all", "conditions": []}]), send.clone()),
        "conditions[0].conditions"
    );
    let many: Vec<_> = (0..21).map(|_| json!({"type": "first_message", "is": true})).collect();
    assert_eq!(field_of(json!(many), send.clone()), "conditions");
    let nested = json!([{"type": "all", "conditions": [{"type": "any", "conditions": [{"type": "all", "conditions": [{"type": "first_message", "is": true}]}]}]}]);
    assert_eq!(
        field_of(nested, send.clone()),
        "conditions[0].conditions[0].conditions[0].conditions"
    );
    assert_eq!(
        field_of(json!([]), json!([{"type": "assign_agent", "agent_id": "Not An Id"}])),
        "actions[0].agent_id"
    );
    assert_eq!(
        field_of(json!([]), json!([{"type": "add_tags", "tags": []}])),
        "actions[0].tags"
    );
    // A pattern whose automaton would be huge is refused, not compiled at each event.
    assert_eq!(
        field_of(
            json!([{"type": "message_text", "op": "matches", "value": "\\w{1000}\\w{1000}"}]),
            send
        ),
        "conditions[0].value"
    );
    let mut r = rule(json!([]), json!([{"type": "resolve"}]));
    r.rollout_percentage = 101;
    assert_eq!(check(&r).unwrap_err().field, "rollout_percentage");
}
