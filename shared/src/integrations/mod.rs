//! Integrations: outgoing webhooks. An organization's endpoints subscribe to domain events; each
//! event becomes one delivery per subscribed endpoint, signed the Standard Webhooks way, tried on
//! a schedule of about 27 hours, logged for 30 days and redeliverable.
//!
//! Pure: [`catalogue`] (the events and their schemas), [`signing`], [`delivery_policy`] (what
//! follows an attempt), [`address_policy`] (where a URL may lead). Ports: [`ports`]; DynamoDB:
//! [`endpoint_store`], [`delivery_store`]; in memory: [`memory`]; the orchestration both run
//! under: [`dispatcher`]. The SSRF-safe HTTP client: [`safe_http`].

pub mod address_policy;
pub mod attempt_queue;
pub mod catalogue;
#[cfg(any(test, feature = "fakes"))]
pub mod contract;
pub mod delivery_policy;
pub mod delivery_store;
pub mod dispatcher;
pub mod endpoint_store;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod ports;
pub mod published;
#[cfg(feature = "outbound")]
pub mod safe_http;
pub mod signing;
pub mod url_check;

use crate::platform::sealed_secret::SealedSecret;
use serde::{Deserialize, Serialize};

/// Endpoints one organization may have.
pub const MAX_ENDPOINTS_PER_ORG: usize = 20;
pub const MAX_NAME_CHARS: usize = 100;
/// A rotated-out secret still signs (beside the new one) this long.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 60 * 60 * 1000;
/// The sealed secret's field name (KMS encryption context, AEAD associated data).
pub const SECRET_FIELD: &str = "webhook_secret";

/// An outgoing webhook endpoint (seed 001's OutgoingWebhook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub org_id: String,
    pub webhook_id: String,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    /// Only this WhatsApp account's events (seed 004's per-number URL); `None`: every account's.
    #[serde(default)]
    pub account_id: Option<String>,
    pub is_active: bool,
    /// `gone` (410) or `failing` (five days without success) when disabled by delivery.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    pub secret: SealedSecret,
    /// The secret before the last rotation, signing beside the new one until `previous_until_ms`.
    #[serde(default)]
    pub previous_secret: Option<SealedSecret>,
    #[serde(default)]
    pub previous_until_ms: Option<i64>,
    #[serde(default)]
    pub consecutive_failures: u32,
    /// The first failure since the last success. Absent, not null, when there is none: the
    /// failure write keeps a streak's start with `if_not_exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since_ms: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
    #[serde(default)]
    pub last_triggered_at: Option<String>,
    #[serde(default)]
    pub last_success_at: Option<String>,
}

impl Endpoint {
    /// Whether this endpoint gets `event_type` for an event of `account_id`.
    pub fn wants(&self, event_type: &str, account_id: Option<&str>) -> bool {
        self.is_active
            && self.events.iter().any(|e| e == event_type)
            && match &self.account_id {
                None => true,
                Some(only) => account_id == Some(only.as_str()),
            }
    }

    /// The sealed secrets that sign now: the current one, and the previous during its overlap.
    pub fn signing_secrets(&self, now_ms: i64) -> Vec<&SealedSecret> {
        let mut secrets = vec![&self.secret];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_until_ms)
            && now_ms < until
        {
            secrets.push(previous);
        }
        secrets
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Created (a test, a redelivery), its attempt queued.
    Pending,
    /// An attempt is in flight.
    Sending,
    /// Waiting for its next attempt.
    Retrying,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Retrying => "retrying",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Sending,
            Self::Retrying,
            Self::Succeeded,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One event's delivery to one endpoint (seed 001's WebhookDelivery).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub org_id: String,
    pub webhook_id: String,
    pub delivery_id: String,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    pub event_id: String,
    pub event_type: String,
    /// The body as sent (the Standard Webhooks envelope), unchanged across attempts.
    pub payload: String,
    pub status: DeliveryStatus,
    /// Attempts made (or in flight).
    pub attempt: u32,
    pub max_attempts: u32,
    pub created_at: String,
    #[serde(default)]
    pub http_status: Option<u16>,
    #[serde(default)]
    pub response_body: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub next_retry_ms: Option<i64>,
    #[serde(default)]
    pub completed_at: Option<String>,
    /// When the attempt in flight started (a `sending` delivery older than the attempt's time
    /// limit died with its invocation).
    #[serde(default)]
    pub attempt_started_ms: Option<i64>,
}

/// A delivery's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeliveryRef {
    pub org_id: String,
    pub webhook_id: String,
    pub delivery_id: String,
}

impl Delivery {
    /// A delivery of one event (`data`, wrapped in its envelope) to one endpoint, not attempted
    /// yet, created at the event's time: its id derived from the event, so making it again names
    /// the same delivery.
    pub fn pending(
        org_id: &str,
        webhook_id: &str,
        event_id: &str,
        event_type: &str,
        event_time_ms: i64,
        data: &serde_json::Value,
        max_attempts: u32,
    ) -> Self {
        Self {
            org_id: org_id.to_string(),
            webhook_id: webhook_id.to_string(),
            delivery_id: delivery_id(event_time_ms, event_id, webhook_id),
            event_id: event_id.to_string(),
            event_type: event_type.to_string(),
            payload: published::envelope(event_type, event_time_ms, data),
            status: DeliveryStatus::Pending,
            attempt: 0,
            max_attempts,
            created_at: crate::platform::items::rfc3339_of_ms(event_time_ms),
            http_status: None,
            response_body: None,
            error_message: None,
            next_retry_ms: None,
            completed_at: None,
            attempt_started_ms: None,
        }
    }

    pub fn reference(&self) -> DeliveryRef {
        DeliveryRef {
            org_id: self.org_id.clone(),
            webhook_id: self.webhook_id.clone(),
            delivery_id: self.delivery_id.clone(),
        }
    }
}

/// A delivery's id: time-ordered by the event's time (so the log lists newest first) and
/// otherwise derived from (event, endpoint), so a redelivered event names the same delivery and
/// its conditional creation makes it once.
pub fn delivery_id(event_time_ms: i64, event_id: &str, webhook_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(event_id.as_bytes())
        .chain_update([0u8])
        .chain_update(webhook_id.as_bytes())
        .finalize();
    let mut random = [0u8; 16];
    random[6..].copy_from_slice(&digest[..10]);
    let ulid = ulid::Ulid::from_parts(event_time_ms.max(0) as u64, u128::from_be_bytes(random));
    format!("dlv_{}", ulid.to_string().to_lowercase())
}

/// The event time a delivery id carries (its ULID's milliseconds).
pub fn delivery_time_ms(delivery_id: &str) -> Option<i64> {
    let ulid = ulid::Ulid::from_string(&delivery_id.strip_prefix("dlv_")?.to_uppercase()).ok()?;
    i64::try_from(ulid.timestamp_ms()).ok()
}

/// An attempt to make, as queued: which delivery, and which attempt it is (a job for an attempt
/// already made or settled finds the delivery moved on and does nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptJob {
    #[serde(flatten)]
    pub delivery: DeliveryRef,
    /// The delivery's `attempt` when the job was queued.
    pub after_attempt: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_ids_are_stable_per_event_and_endpoint_and_ordered_by_time() {
        let a = delivery_id(1_000, "evt_1", "wh_1");
        assert_eq!(a, delivery_id(1_000, "evt_1", "wh_1"));
        assert_ne!(a, delivery_id(1_000, "evt_1", "wh_2"));
        assert_ne!(a, delivery_id(1_000, "evt_2", "wh_1"));
        assert!(delivery_id(2_000, "evt_0", "wh_1") > a);
        assert!(crate::platform::ids::is_well_formed(&a));
        assert_eq!(delivery_time_ms(&a), Some(1_000));
        assert_eq!(delivery_time_ms("dlv_nope"), None);
    }
}
