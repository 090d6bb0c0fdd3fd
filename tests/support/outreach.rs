//! Templates and campaigns in tests: Meta's webhooks that the fake Graph API keeps in its outbox,
//! delivered through the real webhook and ingest functions, and approved templates made through the
//! real API.

use crate::{Fixture, Tenant, webhook_post};
use aws_lambda_events::event::sqs::SqsEvent;
use fake_graph::{Review, StatusWebhooks};
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// The SQS event Lambda would deliver for these received messages (their attributes included).
pub fn sqs_event_of(messages: &[aws_sdk_sqs::types::Message]) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> = m
                .message_attributes()
                .map(|attrs| {
                    attrs
                        .iter()
                        .map(|(name, value)| {
                            (name.clone(), json!({"stringValue": value.string_value(), "dataType": value.data_type(), "stringListValues": [], "binaryListValues": []}))
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000", "SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1700000000000"},
                "messageAttributes": attributes,
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:Queue",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    serde_json::from_value(json!({"Records": records})).expect("SQS event")
}

/// Where the fake reports `tenant`'s webhooks: its outbox, signed with the tenant's app secret.
pub fn outbox_of(tenant: &Tenant, name: &str) -> StatusWebhooks {
    StatusWebhooks {
        url: String::new(),
        app_secret: Tenant::app_secret(name),
        waba_id: tenant.account.waba_id.clone(),
        display_phone_number: tenant.account.display_phone_number.clone(),
        step: Duration::ZERO,
    }
}

#[async_trait::async_trait]
pub trait OutreachFixture {
    /// Posts every webhook the fake has kept to `tenant`'s webhook URL, then ingests what the
    /// webhook function queued. Answers how many were delivered.
    async fn deliver_webhooks(&self, tenant: &Tenant) -> usize;
    /// Waits (up to 5 s) for the fake to have kept at least one webhook, then delivers them.
    async fn deliver_webhooks_soon(&self, tenant: &Tenant) -> usize;
    /// A template created through the API and approved by the fake's review: its id.
    async fn approved_template(&self, tenant: &Tenant, name: &str, category: &str, components: Value) -> String;
}

#[async_trait::async_trait]
impl OutreachFixture for Fixture {
    async fn deliver_webhooks(&self, tenant: &Tenant) -> usize {
        let deliveries = self.graph.take_webhooks();
        for delivery in &deliveries {
            let request = webhook_post(
                &tenant.account.account_id,
                delivery.body.as_bytes(),
                Some(&delivery.signature),
                false,
            );
            let response = self.webhook.handle(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "the fake's signature is Meta's");
        }
        let queued = self.stack.drain("IngestQueue").await;
        if !queued.is_empty() {
            let (response, _) = self.ingest().process(sqs_event_of(&queued)).await;
            assert!(response.batch_item_failures.is_empty(), "every webhook ingested");
        }
        deliveries.len()
    }

    async fn deliver_webhooks_soon(&self, tenant: &Tenant) -> usize {
        for _ in 0..100 {
            let delivered = self.deliver_webhooks(tenant).await;
            if delivered > 0 {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        0
    }

    async fn approved_template(&self, tenant: &Tenant, name: &str, category: &str, components: Value) -> String {
        let tenant_name = if tenant.key == self.a.key { "a" } else { "b" };
        self.graph.review_templates(Review {
            webhooks: outbox_of(tenant, tenant_name),
            delay: Duration::ZERO,
            verdict: "APPROVED".into(),
            reason: "NONE".into(),
        });
        let body = json!({"account_id": tenant.account.account_id, "name": name, "category": category, "language": "en_US", "components": components});
        let (status, created) = self
            .call("POST", "/v1/templates", Some(&tenant.key), Some(&body.to_string()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(self.deliver_webhooks_soon(tenant).await > 0, "the review arrived");
        let id = created["id"].as_str().unwrap().to_string();
        let (_, template) = self
            .call("GET", &format!("/v1/templates/{id}"), Some(&tenant.key), None)
            .await;
        assert_eq!(template["status"], "APPROVED");
        id
    }
}
