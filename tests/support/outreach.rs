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
    async fn approved_template(&self, tenant: &Tenant, name: &str, category: &str, components: Value) -> String {
        let secret = Tenant::app_secret(if tenant.key == self.a().key { "a" } else { "b" });
        self.approved_template_signed(tenant, &secret, name, category, components)
            .await
    }
    /// The same, for an account whose app secret was replaced by `app_secret`.
    async fn approved_template_signed(
        &self,
        tenant: &Tenant,
        app_secret: &str,
        name: &str,
        category: &str,
        components: Value,
    ) -> String;
    fn a(&self) -> &Tenant;
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

    fn a(&self) -> &Tenant {
        &self.a
    }

    async fn approved_template_signed(
        &self,
        tenant: &Tenant,
        app_secret: &str,
        name: &str,
        category: &str,
        components: Value,
    ) -> String {
        let mut webhooks = outbox_of(tenant, "a");
        webhooks.app_secret = app_secret.to_string();
        self.graph.review_templates(Review {
            webhooks,
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

/// The SQS event of one campaign job, as Lambda delivers it from the campaign queue.
pub fn campaign_job_event(job: &shared::outreach::campaign::CampaignJob) -> SqsEvent {
    let record = json!({
        "messageId": ulid::Ulid::new().to_string(),
        "receiptHandle": "handle",
        "body": serde_json::to_string(job).unwrap(),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000", "SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1700000000000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:CampaignQueue",
        "awsRegion": "us-east-1",
    });
    serde_json::from_value(json!({"Records": [record]})).expect("SQS event")
}

#[async_trait::async_trait]
pub trait CampaignFixture {
    /// `count` contacts of `tenant` with `tag`, made through the API: their ids and phones.
    async fn tagged_contacts(&self, tenant: &Tenant, tag: &str, first_phone: u64, count: u64) -> Vec<(String, String)>;
    /// Runs every job waiting on the campaign queue through a fresh campaigns function.
    async fn run_campaign_jobs(&self) -> usize;
    /// Runs every send waiting on the outbound queue through a fresh sender.
    async fn run_sends(&self) -> usize;
    /// A feed step of `campaign_id` (as the delayed follow-up would bring it).
    async fn feed(&self, tenant: &Tenant, campaign_id: &str);
    /// Runs campaign jobs, sends and feed steps until the campaign leaves `in_progress`/`preparing`
    /// (at most `rounds` rounds): its final status.
    async fn run_campaign(&self, tenant: &Tenant, campaign_id: &str, rounds: usize) -> Value;
}

#[async_trait::async_trait]
impl CampaignFixture for Fixture {
    async fn tagged_contacts(&self, tenant: &Tenant, tag: &str, first_phone: u64, count: u64) -> Vec<(String, String)> {
        let mut made = Vec::new();
        for chunk in (0..count).collect::<Vec<_>>().chunks(20) {
            let calls = chunk.iter().map(|i| {
                let phone = (first_phone + i).to_string();
                async move {
                    let body = json!({"phone_number": format!("+{phone}"), "name": format!("Customer {phone}"), "tags": [tag]});
                    let (status, contact) = self
                        .call("POST", "/v1/contacts", Some(&tenant.key), Some(&body.to_string()))
                        .await;
                    assert_eq!(status, StatusCode::CREATED, "{contact}");
                    (contact["id"].as_str().unwrap().to_string(), phone)
                }
            });
            made.extend(futures::future::join_all(calls).await);
        }
        made
    }

    async fn run_campaign_jobs(&self) -> usize {
        let jobs = self.stack.drain("CampaignQueue").await;
        if !jobs.is_empty() {
            let (response, _) = self.campaigns().process(sqs_event_of(&jobs)).await;
            assert!(response.batch_item_failures.is_empty(), "every campaign job ran");
        }
        jobs.len()
    }

    async fn run_sends(&self) -> usize {
        let mut total = 0;
        let sender = self.sender();
        loop {
            let jobs = self.stack.drain("OutboundQueue").await;
            if jobs.is_empty() {
                return total;
            }
            total += jobs.len();
            for chunk in jobs.chunks(10) {
                let (response, _) = sender.process(sqs_event_of(chunk)).await;
                assert!(response.batch_item_failures.is_empty(), "every send settled at once");
            }
        }
    }

    async fn feed(&self, tenant: &Tenant, campaign_id: &str) {
        let job = shared::outreach::campaign::CampaignJob::Feed {
            org_id: tenant.account.org_id.clone(),
            campaign_id: campaign_id.to_string(),
        };
        let (response, _) = self.campaigns().process(campaign_job_event(&job)).await;
        assert!(response.batch_item_failures.is_empty());
    }

    async fn run_campaign(&self, tenant: &Tenant, campaign_id: &str, rounds: usize) -> Value {
        let path = format!("/v1/campaigns/{campaign_id}");
        for _ in 0..rounds {
            self.run_campaign_jobs().await;
            self.run_sends().await;
            let (_, campaign) = self.call("GET", &path, Some(&tenant.key), None).await;
            match campaign["status"].as_str() {
                Some("in_progress") => self.feed(tenant, campaign_id).await,
                Some("preparing") => {}
                _ => return campaign,
            }
        }
        let (_, campaign) = self.call("GET", &path, Some(&tenant.key), None).await;
        campaign
    }
}

/// `count` contacts tagged `tag`, written directly in batches (setup, not measured).
pub async fn seed_tagged_contacts(stack: &crate::TestStack, org_id: &str, tag: &str, first_phone: u64, count: usize) {
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let now = shared::platform::items::now_rfc3339();
    let mut requests: Vec<aws_sdk_dynamodb::types::WriteRequest> = Vec::new();
    for i in 0..count {
        let phone = (first_phone + i as u64).to_string();
        let contact = shared::inbox::Contact {
            org_id: org_id.into(),
            contact_id: format!("ct_bench{i:07}"),
            wa_id: Some(phone.clone()),
            user_id: None,
            profile_name: None,
            name: Some(format!("Customer {i}")),
            email: None,
            tags: vec![tag.into()],
            blocked_scenarios: vec![],
            description: None,
            country: None,
            llm_context: None,
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        let contact_item = shared::platform::items::record_item(
            &contact,
            &shared::platform::table::contact(org_id, &contact.contact_id),
            "Contact",
        )
        .unwrap();
        let mut tag_item =
            shared::platform::items::key_item(&shared::platform::table::contact_tag(org_id, tag, &contact.contact_id));
        tag_item.insert("entity".into(), shared::platform::items::s("ContactTag"));
        tag_item.insert("contact_id".into(), shared::platform::items::s(&contact.contact_id));
        for item in [contact_item, tag_item] {
            requests.push(
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(
                        aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(item))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            );
        }
    }
    let chunks: Vec<Vec<aws_sdk_dynamodb::types::WriteRequest>> = requests.chunks(25).map(|c| c.to_vec()).collect();
    let calls = chunks.into_iter().map(|chunk| {
        let dynamo = dynamo.clone();
        let table = table.clone();
        async move {
            let mut pending = chunk;
            while !pending.is_empty() {
                let output = dynamo
                    .batch_write_item()
                    .request_items(&table, pending)
                    .send()
                    .await
                    .unwrap();
                pending = output
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&table))
                    .unwrap_or_default();
            }
        }
    });
    use futures::StreamExt;
    futures::stream::iter(calls)
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
}
