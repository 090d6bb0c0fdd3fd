//! What an event tells a rule (its [`Facts`], read once per event) and whether a rule's
//! conditions hold for them: pure, so the dry run and the live walk decide alike.

use crate::automation::rule::{Condition, ContactField, TextOp, pattern};

/// The event and the conversation and contact it concerns, as conditions see them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Facts {
    pub conversation_id: Option<String>,
    pub account_id: Option<String>,
    /// What the customer wrote or chose (text, caption, a reply's title).
    pub message_text: Option<String>,
    pub message_type: Option<String>,
    /// Whether the message opened its conversation.
    pub first_message: Option<bool>,
    pub contact_tags: Vec<String>,
    pub status: Option<String>,
    pub division_id: Option<String>,
    pub assignee_id: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// Read only when a rule asks (`None`: not read, and the condition does not hold).
    pub in_working_hours: Option<bool>,
    /// The conversation's priority (`none` when it has none).
    pub priority: Option<String>,
}

/// Patterns compiled once per warm Lambda (a compile costs far more than a match); bounded, and
/// emptied whole when full (rules change rarely).
const COMPILED_PATTERNS: usize = 2_000;

type Compiled = std::collections::HashMap<(String, bool), Option<std::sync::Arc<regex::Regex>>>;

static PATTERNS: std::sync::LazyLock<std::sync::Mutex<Compiled>> = std::sync::LazyLock::new(Default::default);

fn compiled(value: &str, case_sensitive: bool) -> Option<std::sync::Arc<regex::Regex>> {
    let key = (value.to_string(), case_sensitive);
    let mut patterns = PATTERNS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(found) = patterns.get(&key) {
        return found.clone();
    }
    if patterns.len() >= COMPILED_PATTERNS {
        patterns.clear();
    }
    // Checked when the rule was stored; a pattern that no longer compiles matches nothing.
    let regex = pattern(value, case_sensitive).ok().map(std::sync::Arc::new);
    patterns.insert(key, regex.clone());
    regex
}

fn compare(op: TextOp, value: &str, case_sensitive: bool, text: &str) -> bool {
    if op == TextOp::Matches {
        return compiled(value, case_sensitive).is_some_and(|re| re.is_match(text));
    }
    let (text, value) = match case_sensitive {
        true => (text.trim().to_string(), value.trim().to_string()),
        false => (text.trim().to_lowercase(), value.trim().to_lowercase()),
    };
    match op {
        TextOp::Equals => text == value,
        TextOp::Contains => text.contains(&value),
        TextOp::StartsWith => text.starts_with(&value),
        TextOp::Matches => false,
    }
}

/// Whether `condition` holds for `facts` (a fact the event does not have makes it false).
pub fn holds(condition: &Condition, facts: &Facts) -> bool {
    match condition {
        Condition::All { conditions } => conditions.iter().all(|c| holds(c, facts)),
        Condition::Any { conditions } => conditions.iter().any(|c| holds(c, facts)),
        Condition::MessageText {
            op,
            value,
            case_sensitive,
        } => facts
            .message_text
            .as_deref()
            .is_some_and(|text| compare(*op, value, *case_sensitive, text)),
        Condition::MessageType { any_of } => facts.message_type.as_ref().is_some_and(|t| any_of.contains(t)),
        Condition::ContactTag { tag, absent } => {
            let has = facts.contact_tags.iter().any(|t| t.eq_ignore_ascii_case(tag));
            has != *absent
        }
        Condition::ConversationStatus { any_of } => facts.status.as_ref().is_some_and(|s| any_of.contains(s)),
        Condition::Division { division_id } => facts.conversation_id.is_some() && facts.division_id == *division_id,
        Condition::Assignee { agent_id } => facts.conversation_id.is_some() && facts.assignee_id == *agent_id,
        Condition::Account { account_id } => facts.account_id.as_deref() == Some(account_id.as_str()),
        Condition::FirstMessage { is } => facts.first_message == Some(*is),
        Condition::ContactField {
            field,
            op,
            value,
            case_sensitive,
        } => {
            let known = match field {
                ContactField::Name => &facts.contact_name,
                ContactField::Email => &facts.contact_email,
                ContactField::Phone => &facts.contact_phone,
            };
            known
                .as_deref()
                .is_some_and(|text| compare(*op, value, *case_sensitive, text))
        }
        Condition::InWorkingHours { is } => facts.in_working_hours == Some(*is),
        Condition::Priority { any_of } => facts.priority.as_ref().is_some_and(|p| any_of.contains(p)),
    }
}

/// Each top-level condition's outcome (the rule matches when all are true; none: always).
pub fn outcomes(conditions: &[Condition], facts: &Facts) -> Vec<bool> {
    conditions.iter().map(|c| holds(c, facts)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn condition(value: serde_json::Value) -> Condition {
        serde_json::from_value(value).unwrap()
    }

    fn facts() -> Facts {
        Facts {
            conversation_id: Some("cv_1".into()),
            account_id: Some("acc_1".into()),
            message_text: Some("  What is the PRICE of the navy jacket?".into()),
            message_type: Some("text".into()),
            first_message: Some(true),
            contact_tags: vec!["VIP".into()],
            status: Some("open".into()),
            division_id: Some("div_1".into()),
            assignee_id: None,
            contact_name: Some("Ada Lovelace".into()),
            contact_email: Some("ada@example.com".into()),
            contact_phone: Some("4915112345678".into()),
            in_working_hours: Some(false),
            priority: Some("high".into()),
        }
    }

    #[test]
    fn priority_is_matched_by_name_and_none_is_a_value() {
        let f = facts();
        assert!(holds(
            &condition(json!({"type": "priority", "any_of": ["urgent", "high"]})),
            &f
        ));
        assert!(!holds(&condition(json!({"type": "priority", "any_of": ["none"]})), &f));
        let none = Facts {
            priority: Some("none".into()),
            ..facts()
        };
        assert!(holds(
            &condition(json!({"type": "priority", "any_of": ["none"]})),
            &none
        ));
        let no_conversation = Facts {
            priority: None,
            ..facts()
        };
        assert!(!holds(
            &condition(json!({"type": "priority", "any_of": ["none"]})),
            &no_conversation
        ));
    }

    #[test]
    fn contact_fields_and_working_hours() {
        let f = facts();
        let yes = |v: serde_json::Value| holds(&condition(v), &f);
        assert!(yes(
            json!({"type": "contact_field", "field": "name", "op": "starts_with", "value": "ada"})
        ));
        assert!(yes(
            json!({"type": "contact_field", "field": "email", "op": "matches", "value": "@example\\.com$"})
        ));
        assert!(yes(
            json!({"type": "contact_field", "field": "phone", "op": "starts_with", "value": "49"})
        ));
        assert!(!yes(
            json!({"type": "contact_field", "field": "name", "op": "equals", "value": "ada", "case_sensitive": true})
        ));
        assert!(yes(json!({"type": "in_working_hours", "is": false})));
        assert!(!yes(json!({"type": "in_working_hours", "is": true})));
        let unread = Facts {
            in_working_hours: None,
            ..facts()
        };
        assert!(!holds(
            &condition(json!({"type": "in_working_hours", "is": false})),
            &unread
        ));
        assert!(
            condition(json!({"type": "any", "conditions": [{"type": "in_working_hours", "is": true}]}))
                .needs_working_hours()
        );
    }

    #[test]
    fn text_conditions_compare_without_case_unless_asked() {
        let f = facts();
        for (value, expected) in [
            (
                json!({"type": "message_text", "op": "contains", "value": "price"}),
                true,
            ),
            (
                json!({"type": "message_text", "op": "contains", "value": "price", "case_sensitive": true}),
                false,
            ),
            (
                json!({"type": "message_text", "op": "starts_with", "value": "what is"}),
                true,
            ),
            (
                json!({"type": "message_text", "op": "equals", "value": "what is the price of the navy jacket?"}),
                true,
            ),
            (json!({"type": "message_text", "op": "equals", "value": "price"}), false),
            (
                json!({"type": "message_text", "op": "matches", "value": "\\b(price|cost)\\b"}),
                true,
            ),
            (
                json!({"type": "message_text", "op": "matches", "value": "^price"}),
                false,
            ),
        ] {
            assert_eq!(holds(&condition(value.clone()), &f), expected, "{value}");
        }
        let no_text = Facts {
            message_text: None,
            ..facts()
        };
        assert!(!holds(
            &condition(json!({"type": "message_text", "op": "contains", "value": "a"})),
            &no_text
        ));
    }

    #[test]
    fn conversation_and_contact_conditions_and_groups() {
        let f = facts();
        let yes = |v: serde_json::Value| holds(&condition(v), &f);
        assert!(yes(json!({"type": "contact_tag", "tag": "vip"})));
        assert!(!yes(json!({"type": "contact_tag", "tag": "vip", "absent": true})));
        assert!(yes(json!({"type": "contact_tag", "tag": "churned", "absent": true})));
        assert!(yes(json!({"type": "assignee", "agent_id": null})), "unassigned");
        assert!(!yes(json!({"type": "assignee", "agent_id": "agt_1"})));
        assert!(yes(json!({"type": "division", "division_id": "div_1"})));
        assert!(yes(
            json!({"type": "conversation_status", "any_of": ["open", "pending"]})
        ));
        assert!(yes(json!({"type": "account", "account_id": "acc_1"})));
        assert!(yes(json!({"type": "first_message", "is": true})));
        assert!(yes(json!({"type": "message_type", "any_of": ["text"]})));
        assert!(yes(
            json!({"type": "any", "conditions": [{"type": "first_message", "is": false}, {"type": "contact_tag", "tag": "vip"}]})
        ));
        assert!(!yes(
            json!({"type": "all", "conditions": [{"type": "first_message", "is": false}, {"type": "contact_tag", "tag": "vip"}]})
        ));
        let outcome = outcomes(
            &[
                condition(json!({"type": "first_message", "is": true})),
                condition(json!({"type": "account", "account_id": "acc_2"})),
            ],
            &f,
        );
        assert_eq!(outcome, vec![true, false]);
        // Without a conversation, its conditions do not hold (a contact.created event).
        let contact_only = Facts {
            conversation_id: None,
            division_id: None,
            ..facts()
        };
        assert!(!holds(
            &condition(json!({"type": "division", "division_id": null})),
            &contact_only
        ));
    }
}
