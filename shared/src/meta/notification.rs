//! The webhook envelope: `object` → `entry[]` → `changes[]` → `value`.

use super::content::Content;
use super::status::{MetaError, StatusUpdate};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("payload is not JSON: {0}")]
    NotJson(String),
    #[error("payload is not a WhatsApp Business Account notification: {0}")]
    NotANotification(String),
}

/// A customer as the `contacts[]` array of a messages change describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactProfile {
    /// Phone-number based id; may be empty for users with a username.
    pub wa_id: Option<String>,
    /// Business-scoped user id, when Meta sends one.
    pub user_id: Option<String>,
    pub profile_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub wamid: String,
    /// Sender's wa_id (`from`); may be empty.
    pub from: Option<String>,
    /// Sender's business-scoped user id, when present.
    pub from_user_id: Option<String>,
    /// Meta's time of the message, unix seconds: messages are ordered by it.
    pub timestamp: i64,
    pub message_type: String,
    pub content: Content,
    /// Reply / forward facts (`from`, `id`, `forwarded`, `frequently_forwarded`, `referred_product`).
    pub context: Option<Value>,
    /// Click-to-WhatsApp ad referral.
    pub referral: Option<Value>,
    pub errors: Vec<MetaError>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParsedChange {
    /// A `messages` change: inbound messages and/or statuses of one business number.
    Messages {
        waba_id: String,
        phone_number_id: String,
        display_phone_number: Option<String>,
        contacts: Vec<ContactProfile>,
        messages: Vec<InboundMessage>,
        statuses: Vec<StatusUpdate>,
        /// Elements of `messages[]` / `statuses[]` that could not be read at all (no id): kept raw.
        unreadable: Vec<(String, Value)>,
        errors: Vec<MetaError>,
    },
    /// Any other field (template status and quality, account updates, ...), kept for later features.
    Other {
        waba_id: String,
        field: String,
        value: Value,
    },
}

/// The latest time accepted from Meta (9999-12-31T23:59:59Z). Later or negative values are
/// clamped into range, so every sum and product in milliseconds downstream stays far from overflow.
pub const MAX_META_SECONDS: i64 = 253_402_300_799;

pub(crate) fn unix_seconds(value: Option<&Value>) -> Option<i64> {
    let raw: i64 = match value? {
        Value::String(s) => s.trim().parse().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    let clamped = raw.clamp(0, MAX_META_SECONDS);
    if clamped != raw {
        tracing::warn!(
            timestamp = raw,
            clamped,
            "absurd timestamp from Meta clamped into range"
        );
    }
    Some(clamped)
}

fn string(value: &Value, field: &str) -> Option<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn array<'a>(value: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    value.get(field).and_then(Value::as_array).into_iter().flatten()
}

/// Parses one webhook body. Fails only when the body is not a notification at all (a poison
/// delivery); everything inside is read element by element.
pub fn parse_notification(body: &[u8]) -> Result<Vec<ParsedChange>, ParseError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
    if root.get("object").and_then(Value::as_str) != Some("whatsapp_business_account") {
        return Err(ParseError::NotANotification(
            "object is not whatsapp_business_account".into(),
        ));
    }
    let entries = root
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::NotANotification("no entry array".into()))?;
    let mut changes = Vec::new();
    for entry in entries {
        let waba_id = string(entry, "id").unwrap_or_default();
        for change in array(entry, "changes") {
            let field = string(change, "field").unwrap_or_default();
            let value = change.get("value").cloned().unwrap_or(Value::Null);
            if field == "messages" {
                changes.push(messages_change(waba_id.clone(), &value));
            } else {
                changes.push(ParsedChange::Other {
                    waba_id: waba_id.clone(),
                    field,
                    value,
                });
            }
        }
    }
    Ok(changes)
}

fn messages_change(waba_id: String, value: &Value) -> ParsedChange {
    let metadata = value.get("metadata").unwrap_or(&Value::Null);
    let contacts = array(value, "contacts")
        .map(|c| ContactProfile {
            wa_id: string(c, "wa_id"),
            user_id: string(c, "user_id"),
            profile_name: c.pointer("/profile/name").and_then(Value::as_str).map(str::to_string),
        })
        .collect();
    let mut unreadable = Vec::new();
    let mut messages = Vec::new();
    for message in array(value, "messages") {
        match inbound_message(message) {
            Some(parsed) => messages.push(parsed),
            None => unreadable.push(("message without id or timestamp".to_string(), message.clone())),
        }
    }
    let mut statuses = Vec::new();
    for status in array(value, "statuses") {
        match StatusUpdate::from_value(status) {
            Ok(parsed) => statuses.push(parsed),
            Err(reason) => unreadable.push((reason, status.clone())),
        }
    }
    ParsedChange::Messages {
        waba_id,
        phone_number_id: string(metadata, "phone_number_id").unwrap_or_default(),
        display_phone_number: string(metadata, "display_phone_number"),
        contacts,
        messages,
        statuses,
        unreadable,
        errors: array(value, "errors").filter_map(MetaError::from_value).collect(),
    }
}

fn inbound_message(message: &Value) -> Option<InboundMessage> {
    let wamid = string(message, "id")?;
    let timestamp = unix_seconds(message.get("timestamp"))?;
    let message_type = string(message, "type").unwrap_or_else(|| "unknown".into());
    Some(InboundMessage {
        content: Content::from_message(&message_type, message),
        wamid,
        from: string(message, "from"),
        from_user_id: string(message, "from_user_id"),
        timestamp,
        message_type,
        context: message.get("context").cloned(),
        referral: message.get("referral").cloned(),
        errors: array(message, "errors").filter_map(MetaError::from_value).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{DeliveryStatus, MediaKind};
    use serde_json::json;

    fn notification(value: Value) -> Vec<u8> {
        json!({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":value}]}]}).to_string().into_bytes()
    }

    type Parts = (
        Vec<ContactProfile>,
        Vec<InboundMessage>,
        Vec<StatusUpdate>,
        Vec<(String, Value)>,
    );

    fn only_messages(body: &[u8]) -> Parts {
        match parse_notification(body).unwrap().remove(0) {
            ParsedChange::Messages {
                contacts,
                messages,
                statuses,
                unreadable,
                ..
            } => (contacts, messages, statuses, unreadable),
            other => panic!("{other:?}"),
        }
    }

    fn message_of(message: Value) -> InboundMessage {
        let (_, mut messages, _, _) = only_messages(&notification(
            json!({"metadata":{"phone_number_id":"1"},"messages":[message]}),
        ));
        messages.remove(0)
    }

    #[test]
    fn edits_and_revokes_name_the_original_message() {
        let edited = message_of(json!({"from": "1", "id": "wamid.e", "timestamp": "5", "type": "edit",
            "edit": {"original_message_id": "wamid.o", "message": {"type": "text", "text": {"body": "fixed"}}}}));
        assert!(
            matches!(edited.content, Content::Edit { ref original_message_id, ref message }
            if original_message_id == "wamid.o" && **message == Content::Text { body: "fixed".into() })
        );
        let revoked = message_of(json!({"from": "1", "id": "wamid.r", "timestamp": "6", "type": "revoke",
            "revoke": {"original_message_id": "wamid.o"}}));
        assert_eq!(
            revoked.content,
            Content::Revoke {
                original_message_id: "wamid.o".into()
            }
        );
        let broken = message_of(json!({"from": "1", "id": "wamid.b", "timestamp": "7", "type": "edit", "edit": {}}));
        assert!(matches!(broken.content, Content::Unsupported { .. }));
    }

    #[test]
    fn the_documented_samples_parse() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/meta/");
        let text = std::fs::read(format!("{root}inbound-text.json")).unwrap();
        let (contacts, messages, _, _) = only_messages(&text);
        assert_eq!(contacts[0].profile_name.as_deref(), Some("Sheena Nelson"));
        assert_eq!(messages[0].timestamp, 1749416383);
        assert_eq!(
            messages[0].content,
            Content::Text {
                body: "Does it come in another color?".into()
            }
        );

        let image = std::fs::read(format!("{root}inbound-image.json")).unwrap();
        let (_, messages, _, _) = only_messages(&image);
        assert_eq!(
            messages[0].content.media(),
            Some((MediaKind::Image, "1003383421387256"))
        );
        assert_eq!(messages[0].content.preview(), "[image] This one, in blue");

        let failed = std::fs::read(format!("{root}status-failed.json")).unwrap();
        let (_, _, statuses, _) = only_messages(&failed);
        assert_eq!(statuses[0].status, DeliveryStatus::Failed);
        assert_eq!(statuses[0].errors[0].code, 131049);
        assert!(
            statuses[0].errors[0]
                .details
                .as_deref()
                .unwrap()
                .contains("healthy ecosystem")
        );

        let template = std::fs::read(format!("{root}template-status-approved.json")).unwrap();
        match &parse_notification(&template).unwrap()[0] {
            ParsedChange::Other { field, value, .. } => {
                assert_eq!(field, "message_template_status_update");
                assert_eq!(value["event"], "APPROVED");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_message_type_maps_to_its_content() {
        let base = |t: &str, body: Value| {
            let mut m = json!({"from":"1","id":format!("wamid.{t}"),"timestamp":"1700000000","type":t});
            m[t] = body;
            m
        };
        assert!(matches!(
            message_of(base("audio", json!({"id":"a","mime_type":"audio/ogg","voice":true}))).content,
            Content::Media {
                media_kind: MediaKind::Audio,
                voice: Some(true),
                ..
            }
        ));
        assert!(matches!(
            message_of(base("video", json!({"id":"v"}))).content,
            Content::Media {
                media_kind: MediaKind::Video,
                ..
            }
        ));
        assert!(matches!(
            message_of(base("document", json!({"id":"d","filename":"a.pdf"}))).content,
            Content::Media {
                media_kind: MediaKind::Document,
                filename: Some(_),
                ..
            }
        ));
        assert!(matches!(
            message_of(base("sticker", json!({"id":"s","animated":false}))).content,
            Content::Media {
                media_kind: MediaKind::Sticker,
                ..
            }
        ));
        assert!(
            matches!(message_of(base("location", json!({"latitude":52.1,"longitude":"4.3","name":"HQ"}))).content, Content::Location { latitude, .. } if latitude == 52.1)
        );
        let mut contacts = json!({"from":"1","id":"wamid.c","timestamp":"1","type":"contacts"});
        contacts["contacts"] = json!([{"name":{"formatted_name":"Ada"}}]);
        assert!(matches!(message_of(contacts).content, Content::Contacts { .. }));
        assert!(
            matches!(message_of(base("interactive", json!({"type":"list_reply","list_reply":{"id":"l1","title":"Blue","description":"Navy"}}))).content, Content::Interactive { ref id, ref description, .. } if id.as_deref() == Some("l1") && description.as_deref() == Some("Navy"))
        );
        let flow = message_of(base(
            "interactive",
            json!({"type":"nfm_reply","nfm_reply":{"name":"flow","body":"Sent","response_json":"{\"size\":\"M\"}"}}),
        ));
        assert!(matches!(flow.content, Content::Interactive { response: Some(ref r), .. } if r["size"] == "M"));
        assert!(matches!(
            message_of(base("button", json!({"payload":"STOP","text":"Stop"}))).content,
            Content::Button { .. }
        ));
        assert!(matches!(
            message_of(base("reaction", json!({"message_id":"wamid.x","emoji":""}))).content,
            Content::Reaction { emoji: None, .. }
        ));
        assert!(matches!(
            message_of(base(
                "order",
                json!({"catalog_id":"c","product_items":[{"product_retailer_id":"p","quantity":1}]})
            ))
            .content,
            Content::Order { .. }
        ));
        assert!(
            matches!(message_of(base("system", json!({"type":"user_changed_number","wa_id":"2","body":"changed"}))).content, Content::System { ref new_wa_id, .. } if new_wa_id.as_deref() == Some("2"))
        );
        let mut unsupported = base("unsupported", Value::Null);
        unsupported["errors"] = json!([{"code":131051,"title":"Message type unknown"}]);
        let parsed = message_of(unsupported);
        assert!(matches!(parsed.content, Content::Unsupported { .. }));
        assert_eq!(parsed.errors[0].code, 131051);
    }

    #[test]
    fn absurd_timestamps_are_clamped_so_millisecond_arithmetic_cannot_overflow() {
        for (given, expected) in [
            (json!("9223372036854775807"), MAX_META_SECONDS),
            (json!(i64::MAX), MAX_META_SECONDS),
            (json!("-9223372036854775808"), 0),
            (json!(-1), 0),
            (json!(" 1700000000 "), 1_700_000_000),
        ] {
            let seconds = unix_seconds(Some(&given)).unwrap();
            assert_eq!(seconds, expected, "{given}");
            assert!(
                seconds
                    .checked_mul(1000)
                    .and_then(|ms| ms.checked_add(crate::inbox::SERVICE_WINDOW_SECONDS * 1000))
                    .is_some()
            );
        }
        for unreadable in [json!("18446744073709551616"), json!(1.5), json!("soon"), json!(null)] {
            assert_eq!(unix_seconds(Some(&unreadable)), None, "{unreadable}");
        }
    }

    #[test]
    fn unknown_types_and_bad_shapes_are_kept_raw_not_failed() {
        let future =
            message_of(json!({"from":"1","id":"wamid.f","timestamp":"1","type":"hologram","hologram":{"x":1}}));
        match future.content {
            Content::Unsupported { original_type, raw, .. } => {
                assert_eq!(original_type, "hologram");
                assert_eq!(raw["hologram"]["x"], 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            message_of(json!({"from":"1","id":"wamid.t","timestamp":"1","type":"text","text":{"b":1}})).content,
            Content::Unsupported { .. }
        ));
        let (_, messages, statuses, unreadable) = only_messages(&notification(json!({
            "metadata":{"phone_number_id":"1"},
            "messages":[{"type":"text"}, {"id":"wamid.ok","timestamp":"5","type":"text","text":{"body":"hi"}}],
            "statuses":[{"id":"wamid.s","status":"teleported","timestamp":"1"}, {"id":"wamid.s","status":"read","timestamp":"2"}],
        })));
        assert_eq!(messages.len(), 1);
        assert_eq!(statuses.len(), 1);
        assert_eq!(unreadable.len(), 2);
    }

    #[test]
    fn every_entry_and_change_is_read() {
        let body = json!({"object":"whatsapp_business_account","entry":[
            {"id":"w1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a","timestamp":"1","type":"text","text":{"body":"1"}}]}},
                                  {"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}}]},
            {"id":"w2","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"2"},"messages":[{"id":"b","timestamp":"2","type":"text","text":{"body":"2"}}]}}]}
        ]}).to_string();
        let changes = parse_notification(body.as_bytes()).unwrap();
        assert_eq!(changes.len(), 3);
        assert!(matches!(&changes[1], ParsedChange::Other { field, .. } if field == "account_update"));
        assert!(matches!(&changes[2], ParsedChange::Messages { phone_number_id, .. } if phone_number_id == "2"));
    }

    #[test]
    fn identity_fields_allow_an_empty_wa_id() {
        let (contacts, messages, _, _) = only_messages(&notification(json!({
            "metadata":{"phone_number_id":"1"},
            "contacts":[{"profile":{"name":"Kai"},"wa_id":"","user_id":"US.13491208655302741918"}],
            "messages":[{"from":"","from_user_id":"US.13491208655302741918","id":"wamid.u","timestamp":"9","type":"text","text":{"body":"hey"}}],
        })));
        assert_eq!(contacts[0].wa_id, None);
        assert_eq!(contacts[0].user_id.as_deref(), Some("US.13491208655302741918"));
        assert_eq!(messages[0].from, None);
        assert_eq!(messages[0].from_user_id.as_deref(), Some("US.13491208655302741918"));
    }

    #[test]
    fn non_notifications_are_errors() {
        assert!(matches!(parse_notification(b"nope"), Err(ParseError::NotJson(_))));
        assert!(matches!(
            parse_notification(br#"{"object":"page","entry":[]}"#),
            Err(ParseError::NotANotification(_))
        ));
        assert!(matches!(
            parse_notification(br#"{"object":"whatsapp_business_account"}"#),
            Err(ParseError::NotANotification(_))
        ));
    }

    #[test]
    fn status_ranks_are_forward_only() {
        use DeliveryStatus::*;
        assert!(
            Sent.rank() < Delivered.rank()
                && Delivered.rank() < Failed.rank()
                && Failed.rank() < Read.rank()
                && Read.rank() < Played.rank()
        );
    }
}
