//! A domain event as the deliveries function reads it from the bus, and the body each endpoint
//! gets for it: the Standard Webhooks envelope.

use serde_json::{Value, json};

/// A domain event as the bus delivered it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedEvent {
    pub detail_type: String,
    pub detail: Value,
    /// When it happened (`occurred_at`, else the bus's `time`), epoch ms.
    pub time_ms: i64,
}

impl PublishedEvent {
    /// Reads an EventBridge envelope; `None` for anything else (or an event with no org or id).
    pub fn from_envelope(envelope: &Value) -> Option<Self> {
        let detail = envelope.get("detail")?.clone();
        detail.get("org_id")?.as_str()?;
        detail.get("event_id")?.as_str()?;
        // When it happened, to the millisecond (the bus's `time` has whole seconds): the
        // delivery log's order and the envelope's `timestamp`.
        let occurred_ms = detail
            .get("occurred_at")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_millis());
        Some(Self {
            detail_type: envelope.get("detail-type")?.as_str()?.to_string(),
            time_ms: occurred_ms.or_else(|| crate::platform::tick::event_time_ms(envelope))?,
            detail,
        })
    }

    /// A string field of the event's detail.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.detail.get(field).and_then(Value::as_str)
    }
}

/// The envelope body of a delivery: Standard Webhooks' `{"type", "timestamp", "data"}`.
pub fn envelope(event_type: &str, time_ms: i64, data: &Value) -> String {
    let timestamp = chrono::DateTime::from_timestamp_millis(time_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({"type": event_type, "timestamp": timestamp, "data": data}).to_string()
}
