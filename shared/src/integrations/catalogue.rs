//! Which domain events an endpoint may subscribe to, and the shape of each one's `data` (the
//! OpenAPI document's `webhooks` section is generated from this table). Every delivery's body is
//! the Standard Webhooks envelope `{"type", "timestamp", "data"}`; `data` always carries
//! `event_id` (also the `webhook-id` header), `org_id` and `occurred_at`, the time the change
//! happened, by which a receiver orders the copies it gets.

use serde_json::{Value, json};

/// One subscribable event: its name, what it means, and its own `data` fields (name, JSON Schema).
pub struct EventKind {
    pub name: &'static str,
    pub summary: &'static str,
    pub fields: &'static [(&'static str, &'static str)],
}

const ID: &str = r#"{"type":"string"}"#;
const ID_OR_NULL: &str = r#"{"type":["string","null"]}"#;
const EPOCH_S: &str = r#"{"type":"integer","description":"Meta's timestamp, epoch seconds"}"#;
const TIME: &str = r#"{"type":"string","format":"date-time"}"#;
const TEXT: &str = r#"{"type":"string"}"#;

/// Both SLA notices: which clock, of which policy, in which resolution cycle, due when.
const SLA_NOTICE: &[(&str, &str)] = &[
    ("conversation_id", ID),
    ("sla_policy_id", ID),
    ("kind", r#"{"type":"string","enum":["first_response","resolution"]}"#),
    ("cycle", r#"{"type":"integer"}"#),
    ("at", TIME),
];

pub const EVENTS: &[EventKind] = &[
    EventKind {
        name: "message.received",
        summary: "A customer's message was stored",
        fields: &[
            ("account_id", ID),
            ("conversation_id", ID),
            ("contact_id", ID),
            ("wamid", ID),
            ("type", TEXT),
            ("timestamp", EPOCH_S),
            (
                "text",
                r#"{"type":["string","null"],"maxLength":1024,"description":"what the customer wrote or chose (text, caption, a reply's title), its first 1,024 characters"}"#,
            ),
            (
                "reply_id",
                r#"{"type":["string","null"],"description":"the id of the reply button or list row chosen"}"#,
            ),
            ("first_in_conversation", r#"{"type":"boolean"}"#),
        ],
    },
    EventKind {
        name: "message.sent",
        summary: "Meta accepted an outbound message (agent, campaign, scheduled or automatic)",
        fields: &[("conversation_id", ID), ("message_id", ID), ("wamid", ID)],
    },
    EventKind {
        name: "message.status",
        summary: "An outbound message's delivery state moved (sent, delivered, read, failed)",
        fields: &[
            ("wamid", ID),
            (
                "status",
                r#"{"type":"string","enum":["sent","delivered","read","failed","deleted","played"]}"#,
            ),
            ("timestamp", EPOCH_S),
            ("conversation_id", TEXT),
            ("message_id", TEXT),
        ],
    },
    EventKind {
        name: "message.failed",
        summary: "An outbound message ended failed",
        fields: &[
            ("conversation_id", ID),
            ("message_id", ID),
            ("code", r#"{"type":"integer"}"#),
            ("reason", TEXT),
        ],
    },
    EventKind {
        name: "message.edited",
        summary: "A customer edited one of their messages",
        fields: &[("conversation_id", ID), ("message_id", ID), ("wamid", ID)],
    },
    EventKind {
        name: "message.revoked",
        summary: "A customer deleted one of their messages",
        fields: &[("conversation_id", ID), ("message_id", ID), ("wamid", ID)],
    },
    EventKind {
        name: "conversation.created",
        summary: "A customer's message opened a conversation",
        fields: &[("account_id", ID), ("conversation_id", ID), ("contact_id", ID)],
    },
    EventKind {
        name: "conversation.resolved",
        summary: "An agent resolved a conversation",
        fields: &[("conversation_id", ID), ("resolved_by", ID)],
    },
    EventKind {
        name: "conversation.assigned",
        summary: "A conversation was assigned, transferred or unassigned",
        fields: &[
            ("conversation_id", ID),
            ("agent_id", ID_OR_NULL),
            ("division_id", ID_OR_NULL),
            ("assigned_by", ID),
        ],
    },
    EventKind {
        name: "conversation.auto_resolved",
        summary: "An idle conversation was resolved by its chat expiration rule",
        fields: &[("conversation_id", ID)],
    },
    EventKind {
        name: "contact.created",
        summary: "A contact was created (a new customer wrote, or an agent added one)",
        fields: &[("contact_id", ID), ("account_id", ID_OR_NULL)],
    },
    EventKind {
        name: "scheduled_message.sent",
        summary: "A scheduled message was handed to the outbound path",
        fields: &[
            ("conversation_id", ID),
            ("scheduled_message_id", ID),
            ("message_id", ID),
        ],
    },
    EventKind {
        name: "scheduled_message.failed",
        summary: "A scheduled message could not be sent",
        fields: &[("conversation_id", ID), ("scheduled_message_id", ID), ("reason", TEXT)],
    },
    EventKind {
        name: "sla.warning",
        summary: "An SLA clock reached its warning threshold",
        fields: SLA_NOTICE,
    },
    EventKind {
        name: "sla.breached",
        summary: "An SLA clock passed its target",
        fields: SLA_NOTICE,
    },
    EventKind {
        name: "csat.rated",
        summary: "A customer rated a satisfaction survey",
        fields: &[
            ("conversation_id", ID),
            ("survey_id", ID),
            ("rating", r#"{"type":"integer","minimum":1,"maximum":5}"#),
            ("agent_id", ID_OR_NULL),
        ],
    },
    EventKind {
        name: "agent.password_reset_requested",
        summary: "An admin asked for an agent's password reset (the token is never sent)",
        fields: &[
            ("agent_id", ID),
            ("email", TEXT),
            ("expires_at", TIME),
            ("requested_by", ID),
        ],
    },
    EventKind {
        name: "automation.alert",
        summary: "An automation rule failed as many runs in a row as its alert_settings allow (once per streak)",
        fields: &[
            ("rule_id", ID),
            ("rule_name", TEXT),
            ("failures", r#"{"type":"integer","minimum":1}"#),
            ("last_error", TEXT),
        ],
    },
    EventKind {
        name: "webhook.disabled",
        summary: "An endpoint was disabled: it answered 410 Gone, or had no success for five days",
        fields: &[
            ("webhook_id", ID),
            ("reason", r#"{"type":"string","enum":["gone","failing"]}"#),
        ],
    },
    EventKind {
        name: "webhook.test",
        summary: "Sent by POST /v1/webhooks/{id}/test to that endpoint only",
        fields: &[("webhook_id", ID)],
    },
];

/// The event a name stands for.
pub fn kind(name: &str) -> Option<&'static EventKind> {
    EVENTS.iter().find(|kind| kind.name == name)
}

/// The names in `requested` that are not subscribable events (in their order, once each).
pub fn unknown_events(requested: &[String]) -> Vec<String> {
    let mut unknown: Vec<String> = Vec::new();
    for name in requested {
        if kind(name).is_none() && !unknown.contains(name) {
            unknown.push(name.clone());
        }
    }
    unknown
}

/// The JSON Schema of one event's delivered body (the envelope with its `data`).
pub fn body_schema(kind: &EventKind) -> Value {
    let mut properties = serde_json::Map::new();
    let mut required = vec![json!("event_id"), json!("org_id"), json!("occurred_at")];
    properties.insert(
        "event_id".into(),
        json!({"type": "string", "description": "the same as the webhook-id header; equal on every retry and redelivery"}),
    );
    properties.insert("org_id".into(), json!({"type": "string"}));
    properties.insert(
        "occurred_at".into(),
        json!({"type": "string", "format": "date-time", "description": "when the change happened; order copies of one object by it"}),
    );
    for (name, schema) in kind.fields {
        properties.insert(
            (*name).into(),
            serde_json::from_str(schema).unwrap_or_else(|_| json!({})),
        );
        required.push(json!(name));
    }
    json!({
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "const": kind.name},
            "timestamp": {"type": "string", "format": "date-time", "description": "when the event was published"},
            "data": {"type": "object", "required": required, "properties": properties},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_schema_parses_and_names_are_unique() {
        for kind in EVENTS {
            for (name, schema) in kind.fields {
                assert!(serde_json::from_str::<Value>(schema).is_ok(), "{}.{name}", kind.name);
            }
            assert_eq!(EVENTS.iter().filter(|k| k.name == kind.name).count(), 1);
        }
        let schema = body_schema(kind("message.received").unwrap());
        assert_eq!(schema["properties"]["type"]["const"], "message.received");
        assert!(
            schema["properties"]["data"]["required"]
                .as_array()
                .unwrap()
                .contains(&json!("wamid"))
        );
    }

    #[test]
    fn unknown_names_are_reported_once_in_order() {
        let requested = ["message.received", "nope", "x.y", "nope"].map(String::from);
        assert_eq!(unknown_events(&requested), vec!["nope".to_string(), "x.y".to_string()]);
    }
}
