//! A bus event as the automation function receives it (the rule's SQS target delivers the
//! EventBridge envelope): what a walk needs of it, and the rules an organization has, cached.

use crate::automation::ports::RuleReads;
use crate::automation::rule::{Rule, Trigger};
use crate::automation::walk::{Cause, Control, Incoming};
use crate::platform::StoreError;
use crate::platform::ttl_cache::TtlCache;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The event a walk starts from, and its detail (for the facts); `Ok(None)`: an event no rule
/// starts on (nothing to do).
pub fn incoming_of(envelope: &Value) -> Result<Option<(Incoming, Value)>, String> {
    if envelope.get("source").and_then(Value::as_str) != Some(crate::platform::events::SOURCE) {
        return Err("not a Switchboard event".into());
    }
    let kind = envelope
        .get("detail-type")
        .and_then(Value::as_str)
        .ok_or("no detail-type")?;
    let Some(trigger) = Trigger::of_event(kind) else {
        return Ok(None);
    };
    let mut detail = envelope.get("detail").cloned().ok_or("no detail")?;
    let text = |name: &str| {
        detail
            .get(name)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let org_id = text("org_id").ok_or("no org_id")?;
    let event_id = text("event_id").ok_or("no event_id")?;
    if event_id.len() > 512 {
        return Err("an event_id longer than 512 bytes".into());
    }
    let cause = detail
        .get("caused_by")
        .cloned()
        .and_then(|c| serde_json::from_value::<Cause>(c).ok());
    let (conversation_id, contact_id) = (text("conversation_id"), text("contact_id"));
    let occurred_ms = text("occurred_at")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.timestamp_millis());
    // The publish time differs between two publications of one event; the rest may not.
    if let Some(map) = detail.as_object_mut() {
        map.remove("occurred_at");
    }
    let payload_hash = hex::encode(Sha256::digest(detail.to_string().as_bytes()));
    Ok(Some((
        Incoming {
            org_id,
            event_id,
            trigger,
            conversation_id,
            contact_id,
            payload_hash,
            cause,
            occurred_ms,
        },
        detail,
    )))
}

/// An organization's rules and switch, read at most once per `TTL` per warm Lambda: a change
/// through the API applies to new events within it.
pub struct CachedRules {
    inner: Box<dyn RuleReads>,
    entries: TtlCache<String, (Vec<Rule>, Control)>,
}

pub const TTL: Duration = Duration::from_secs(30);

impl CachedRules {
    pub fn new(inner: Box<dyn RuleReads>) -> Self {
        Self {
            inner,
            entries: TtlCache::new(1_000),
        }
    }

    async fn entry(&self, org_id: &str) -> Result<(Vec<Rule>, Control), StoreError> {
        if let Some(entry) = self.entries.get(&org_id.to_string()) {
            return Ok(entry);
        }
        let entry = (self.inner.rules(org_id).await?, self.inner.control(org_id).await?);
        self.entries.insert(org_id.to_string(), entry.clone(), TTL);
        Ok(entry)
    }
}

#[async_trait::async_trait]
impl RuleReads for CachedRules {
    async fn rules(&self, org_id: &str) -> Result<Vec<Rule>, StoreError> {
        Ok(self.entry(org_id).await?.0)
    }
    async fn control(&self, org_id: &str) -> Result<Control, StoreError> {
        Ok(self.entry(org_id).await?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(detail: Value) -> Value {
        json!({"source": "switchboard", "detail-type": "message.received", "detail": detail})
    }

    #[test]
    fn an_event_republished_later_hashes_the_same_and_its_cause_is_read() {
        let detail = json!({"org_id": "org_1", "event_id": "message.received:w1", "conversation_id": "cv_1",
            "contact_id": "ct_1", "text": "hi", "occurred_at": "2026-12-05T10:00:00.000Z"});
        let (a, _) = incoming_of(&envelope(detail.clone())).unwrap().unwrap();
        let mut later = detail.clone();
        later["occurred_at"] = json!("2026-12-05T10:05:00.000Z");
        let (b, _) = incoming_of(&envelope(later)).unwrap().unwrap();
        assert_eq!(a.payload_hash, b.payload_hash);
        let mut other = detail.clone();
        other["text"] = json!("bye");
        assert_ne!(
            incoming_of(&envelope(other)).unwrap().unwrap().0.payload_hash,
            a.payload_hash
        );
        assert_eq!(
            (a.trigger, a.conversation_id.as_deref()),
            (Trigger::MessageReceived, Some("cv_1"))
        );
        let mut caused = detail;
        caused["caused_by"] = json!({"rule_id": "aut_1", "depth": 2});
        let (c, _) = incoming_of(&envelope(caused)).unwrap().unwrap();
        assert_eq!(
            c.cause,
            Some(Cause {
                rule_id: "aut_1".into(),
                depth: 2
            })
        );
    }

    #[test]
    fn foreign_and_untriggering_events_are_told_apart() {
        assert!(incoming_of(&json!({"source": "aws.s3"})).is_err());
        assert!(incoming_of(&envelope(json!({"event_id": "e"}))).is_err(), "no org");
        let sent =
            json!({"source": "switchboard", "detail-type": "message.sent", "detail": {"org_id": "o", "event_id": "e"}});
        assert_eq!(incoming_of(&sent), Ok(None));
    }
}
