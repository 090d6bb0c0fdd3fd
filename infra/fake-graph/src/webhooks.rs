//! Webhooks the fake sends as Meta would: signed with the app secret (`X-Hub-Signature-256`),
//! posted to a URL, or, when the URL is empty, kept in an outbox a test hands to the webhook
//! function itself.

use crate::FakeGraph;
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

/// Where and how the fake reports delivery statuses and template reviews, as Meta would.
#[derive(Debug, Clone)]
pub struct StatusWebhooks {
    /// Empty: keep deliveries in the outbox ([`FakeGraph::take_webhooks`]).
    pub url: String,
    pub app_secret: String,
    pub waba_id: String,
    pub display_phone_number: String,
    /// Pause before each status.
    pub step: Duration,
}

/// One webhook delivery: the raw body and its `X-Hub-Signature-256` header value.
#[derive(Debug, Clone)]
pub struct SignedWebhook {
    pub body: String,
    pub signature: String,
}

pub(crate) fn sign(app_secret: &str, body: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn epoch_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl FakeGraph {
    /// Signs one change of `field` and delivers it.
    pub(crate) async fn deliver(&self, webhooks: &StatusWebhooks, field: &str, value: Value) {
        let body = json!({"object": "whatsapp_business_account", "entry": [{"id": webhooks.waba_id, "time": epoch_seconds(), "changes": [{"field": field, "value": value}]}]}).to_string();
        let signature = sign(&webhooks.app_secret, &body);
        if webhooks.url.is_empty() {
            self.state().outbox.push(SignedWebhook { body, signature });
            return;
        }
        let sent = reqwest::Client::new()
            .post(&webhooks.url)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await;
        if let Err(err) = sent {
            tracing::warn!("fake Graph API could not deliver a webhook: {err}");
        }
    }

    /// Every delivery kept for a test since the last call (oldest first).
    pub fn take_webhooks(&self) -> Vec<SignedWebhook> {
        std::mem::take(&mut self.state().outbox)
    }
}

/// Posts `sent`, `delivered` and `read` for one message, each signed like Meta's deliveries.
pub(crate) async fn report_statuses(
    fake: FakeGraph,
    webhooks: StatusWebhooks,
    phone_number_id: String,
    wamid: String,
    recipient: String,
    callback_data: Option<String>,
) {
    for status in ["sent", "delivered", "read"] {
        tokio::time::sleep(webhooks.step).await;
        let mut value = json!({
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": webhooks.display_phone_number, "phone_number_id": phone_number_id},
            "statuses": [{"id": wamid, "status": status, "timestamp": epoch_seconds().to_string(), "recipient_id": recipient}],
        });
        if let Some(data) = &callback_data {
            value["statuses"][0]["biz_opaque_callback_data"] = json!(data);
        }
        if status == "sent" {
            value["statuses"][0]["pricing"] =
                json!({"billable": true, "pricing_model": "PMP", "type": "regular", "category": "service"});
        }
        fake.deliver(&webhooks, "messages", value).await;
    }
}
