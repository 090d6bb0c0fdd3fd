//! Outgoing webhooks on the wire: endpoints (their secret shown once, at creation and rotation),
//! and their delivery log.

use serde::{Deserialize, Serialize};
use shared::integrations::{self, Delivery, Endpoint};
use utoipa::ToSchema;

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Event types delivered (see the document's `webhooks` section).
    pub events: Vec<String>,
    /// Only this WhatsApp account's events; absent: every account's.
    pub account_id: Option<String>,
    pub is_active: bool,
    /// Why delivery disabled it: `gone` (410) or `failing` (five days without a success).
    pub disabled_reason: Option<String>,
    /// The start of the signing secret (`whsec_…`); the secret itself is shown once.
    pub secret_hint: String,
    /// Until when the secret before the last rotation still signs beside the new one.
    pub previous_secret_expires_at: Option<String>,
    pub consecutive_failures: u32,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// Written at most once a minute.
    pub last_triggered_at: Option<String>,
    /// Written at most once a minute.
    pub last_success_at: Option<String>,
}

impl From<&Endpoint> for Webhook {
    fn from(e: &Endpoint) -> Self {
        Self {
            id: e.webhook_id.clone(),
            name: e.name.clone(),
            url: e.url.clone(),
            events: e.events.clone(),
            account_id: e.account_id.clone(),
            is_active: e.is_active,
            disabled_reason: e.disabled_reason.clone(),
            secret_hint: e.secret.hint.clone(),
            previous_secret_expires_at: e.previous_until_ms.map(rfc3339),
            consecutive_failures: e.consecutive_failures,
            created_by: e.created_by.clone(),
            created_at: e.created_at.clone(),
            updated_at: e.updated_at.clone(),
            last_triggered_at: e.last_triggered_at.clone(),
            last_success_at: e.last_success_at.clone(),
        }
    }
}

list_of!(WebhookList, Webhook);

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_` + base64): shown in this response only. Verify deliveries with
    /// any Standard Webhooks library.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    pub name: Option<String>,
    /// `https`, to a public address.
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// Only this WhatsApp account's events.
    pub account_id: Option<String>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub name: Option<String>,
    pub url: Option<String>,
    /// Replaces the whole list.
    pub events: Option<Vec<String>>,
    /// Empty string: every account's events again.
    pub account_id: Option<String>,
    /// `true` re-enables a disabled endpoint (its failure streak starts over).
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecretRotated {
    /// The new secret: shown in this response only.
    pub secret: String,
    /// Until then the old secret signs too (a second `v1,` signature).
    pub previous_secret_expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    /// The `webhook-id` header: the same on every attempt and redelivery.
    pub event_id: String,
    pub event_type: String,
    /// The body as sent.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(value_type = String)]
    pub status: &'static str,
    pub attempt: u32,
    pub max_attempts: u32,
    pub http_status: Option<u16>,
    /// The first 2 KB of the last answer.
    pub response_body: Option<String>,
    pub error_message: Option<String>,
    pub next_retry_at: Option<String>,
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl From<&Delivery> for WebhookDelivery {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.delivery_id.clone(),
            webhook_id: d.webhook_id.clone(),
            event_id: d.event_id.clone(),
            event_type: d.event_type.clone(),
            payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
            status: d.status.as_str(),
            attempt: d.attempt,
            max_attempts: d.max_attempts,
            http_status: d.http_status,
            response_body: d.response_body.clone(),
            error_message: d.error_message.clone(),
            next_retry_at: d.next_retry_ms.map(rfc3339),
            created_at: d.created_at.clone(),
            completed_at: d.completed_at.clone(),
        }
    }
}

list_of!(WebhookDeliveryList, WebhookDelivery);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeliverFailed {
    /// RFC 3339: failed deliveries created since then (at most 30 days back).
    pub since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Redelivered {
    /// Deliveries queued again.
    pub redelivered: u32,
    /// More failed deliveries remain past this call's limit: call again.
    pub more: bool,
}

/// Every event type an endpoint may subscribe to.
pub fn event_names() -> Vec<&'static str> {
    integrations::catalogue::EVENTS.iter().map(|k| k.name).collect()
}
