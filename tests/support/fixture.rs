//! The one test fixture: a private stack on moto, a fake Graph API, two organizations (`a`, the
//! one a test acts for, and `b`, which must never see `a`'s data), and the functions' real
//! services built from the template's environment, as a Lambda sandbox builds them.

use crate::inbox::Inbox;
use crate::{TestStack, api_request, ingest_event, json_body, notification, unique_phone_number_id};
use api::{ApiConfig, ApiService};
use fake_graph::FakeGraph;
use ingest::{IngestConfig, IngestService};
use lambda_http::http::StatusCode;
use media::{MediaConfig, MediaService};
use sender::{SenderConfig, SenderService};
use serde_json::{Value, json};
use shared::access::tenancy::WhatsAppAccount;
use webhook::{WebhookConfig, WebhookService};

/// An organization with one WhatsApp account and its first API key (in clear).
pub struct Tenant {
    pub key: String,
    pub account: WhatsAppAccount,
}

impl Tenant {
    /// The account's app secret (webhook signatures) and verify token (the GET handshake).
    pub fn app_secret(name: &str) -> String {
        format!("{name}-secret")
    }

    pub fn verify_token(name: &str) -> String {
        format!("{name}-verify-token-0123")
    }
}

pub struct Fixture {
    pub stack: TestStack,
    pub graph: FakeGraph,
    pub a: Tenant,
    pub b: Tenant,
    /// One warm API and one warm webhook, as requests in a row would meet them.
    pub api: ApiService,
    pub webhook: WebhookService,
}

impl Fixture {
    pub async fn new() -> Self {
        let mut stack = TestStack::new().await;
        let graph = stack.fake_graph().await;
        let a = tenant(&stack, "a").await;
        let b = tenant(&stack, "b").await;
        let api = ApiService::from_aws(
            &ApiConfig::from_env(&stack.env_of("ApiFunction")).expect("template gives the API its config"),
            &stack.aws,
        );
        let webhook = WebhookService::from_aws(
            &WebhookConfig::from_env(&stack.env_of("WebhookFunction")).expect("template gives the webhook its config"),
            &stack.aws,
        );
        Self {
            stack,
            graph,
            a,
            b,
            api,
            webhook,
        }
    }

    pub fn inbox(&self) -> Inbox {
        self.stack.inbox()
    }

    /// A fresh ingest service, as a new Lambda sandbox would build it (no warm caches).
    pub fn ingest(&self) -> IngestService {
        IngestService::from_aws(
            &IngestConfig::from_env(&self.stack.env_of("IngestFunction")).expect("template gives ingest its config"),
            &self.stack.aws,
        )
    }

    /// A fresh sender, as a new Lambda sandbox would build it.
    pub fn sender(&self) -> SenderService {
        SenderService::from_aws(
            &SenderConfig::from_env(&self.stack.env_of("SenderFunction"))
                .expect("template gives the sender its config"),
            &self.stack.aws,
        )
    }

    /// Runs the sender over every job in the outbound queue; answers how many there were.
    pub async fn send_queued(&self) -> usize {
        let jobs = self.stack.drain("OutboundQueue").await;
        if !jobs.is_empty() {
            let (response, _) = self.sender().process(crate::outreach::sqs_event_of(&jobs)).await;
            assert!(response.batch_item_failures.is_empty());
        }
        jobs.len()
    }

    /// A fresh campaigns function, as a new Lambda sandbox would build it.
    pub fn campaigns(&self) -> campaigns::CampaignsService {
        campaigns::CampaignsService::from_aws(
            &campaigns::CampaignsConfig::from_env(&self.stack.env_of("CampaignsFunction"))
                .expect("template gives the campaigns function its config"),
            &self.stack.aws,
        )
    }

    /// A fresh deliveries function (outgoing webhooks), as a new Lambda sandbox would build it.
    pub fn deliveries(&self) -> deliveries::DeliveriesService {
        deliveries::DeliveriesService::from_aws(
            &deliveries::DeliveriesConfig::from_env(&self.stack.env_of("DeliveriesFunction"))
                .expect("template gives the deliveries function its config"),
            &self.stack.aws,
        )
    }

    /// Runs the deliveries function over its queue (events from the bus, queued attempts) until it
    /// is empty but for delayed retries; answers how many records it processed.
    pub async fn deliver_queued(&self) -> usize {
        let service = self.deliveries();
        let mut processed = 0;
        loop {
            let records = self.stack.drain("DeliveriesQueue").await;
            if records.is_empty() {
                return processed;
            }
            processed += records.len();
            let (response, _) = service.process(crate::outreach::sqs_event_of(&records)).await;
            assert!(response.batch_item_failures.is_empty(), "{response:?}");
        }
    }

    /// A fresh automation function, as a new Lambda sandbox would build it.
    pub fn automation(&self) -> automation::AutomationService {
        automation::AutomationService::from_aws(
            &automation::AutomationConfig::from_env(&self.stack.env_of("AutomationFunction"))
                .expect("template gives the automation function its config"),
            &self.stack.aws,
        )
    }

    /// Runs `service` over the automation queue until it is empty; answers every record it
    /// processed (a test may deliver them again).
    pub async fn automate_queued(&self, service: &automation::AutomationService) -> Vec<aws_sdk_sqs::types::Message> {
        let mut all = Vec::new();
        loop {
            let records = self.stack.drain("AutomationQueue").await;
            if records.is_empty() {
                return all;
            }
            let (response, _) = service.process(crate::outreach::sqs_event_of(&records)).await;
            assert!(response.batch_item_failures.is_empty(), "{response:?}");
            all.extend(records);
        }
    }

    /// A fresh AI agents function whose model is Bedrock at `bedrock` (the fake), as a new Lambda
    /// sandbox would build it; the turn queue's burst wait is set to 0 so tests need not sleep.
    pub async fn ai_agents(&self, bedrock: &str) -> ai_agents::AiAgentsService {
        self.stack
            .sqs()
            .set_queue_attributes()
            .queue_url(self.stack.queue_url("AiTurnsQueue"))
            .attributes(aws_sdk_sqs::types::QueueAttributeName::DelaySeconds, "0")
            .send()
            .await
            .expect("the turn queue's delay set");
        let model = shared::ai::bedrock::BedrockModel::at(&self.stack.aws, bedrock);
        ai_agents::AiAgentsService::with_model(
            &ai_agents::AiAgentsConfig::from_env(&self.stack.env_of("AiAgentsFunction"))
                .expect("template gives the AI agents function its config"),
            &self.stack.aws,
            std::sync::Arc::new(model),
        )
    }

    /// Answers every turn on the AI turn queue, one at a time as the FIFO queue hands them out,
    /// deleting each (as Lambda does); answers the records it processed.
    pub async fn answer_turns(&self, service: &ai_agents::AiAgentsService) -> Vec<aws_sdk_sqs::types::Message> {
        let mut all = Vec::new();
        loop {
            let answered = self.answer_next_turn(service).await;
            if answered.is_empty() {
                return all;
            }
            all.extend(answered);
        }
    }

    /// Answers the next turn on the AI turn queue (batch size 1, as the template's event source
    /// mapping), deleting it.
    async fn answer_next_turn(&self, service: &ai_agents::AiAgentsService) -> Vec<aws_sdk_sqs::types::Message> {
        let url = self.stack.queue_url("AiTurnsQueue");
        let received = self
            .stack
            .sqs()
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(1)
            .wait_time_seconds(0)
            .send()
            .await
            .expect("receive")
            .messages
            .unwrap_or_default();
        if received.is_empty() {
            return received;
        }
        let (response, _) = service.process(crate::outreach::sqs_event_of(&received)).await;
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
        for message in &received {
            self.stack
                .sqs()
                .delete_message()
                .queue_url(&url)
                .receipt_handle(message.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
        received
    }

    /// A fresh media function, as a new Lambda sandbox would build it.
    pub fn media(&self) -> MediaService {
        MediaService::from_aws(
            &MediaConfig::from_env(&self.stack.env_of("MediaFunction")).expect("template gives media its config"),
            &self.stack.aws,
        )
    }

    /// An agent API call with `key`; the answer's status and JSON body.
    pub async fn call(&self, method: &str, path: &str, key: Option<&str>, body: Option<&str>) -> (StatusCode, Value) {
        let response = self.api.handle(api_request(method, path, key, body)).await.unwrap();
        (response.status(), json_body(&response))
    }

    /// A webhook notification to `a`'s number from the customer Sheena Nelson.
    pub fn notification(&self, messages: Value, statuses: Value) -> Vec<u8> {
        notification(
            &self.a.account.phone_number_id,
            json!([{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}]),
            messages,
            statuses,
        )
    }

    /// An inbound text from a customer of `tenant`, at Meta time `timestamp`.
    pub async fn inbound(&self, tenant: &Tenant, wamid: &str, timestamp: i64) {
        self.inbound_from(tenant, "16505551234", "Sheena Nelson", wamid, timestamp)
            .await;
    }

    /// An inbound text from customer `wa_id` of `tenant`, at Meta time `timestamp`, ingested.
    pub async fn inbound_from(&self, tenant: &Tenant, wa_id: &str, name: &str, wamid: &str, timestamp: i64) {
        let body = notification(
            &tenant.account.phone_number_id,
            json!([{"profile": {"name": name}, "wa_id": wa_id}]),
            json!([{"from": wa_id, "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": {"body": format!("hello {wamid}")}}]),
            Value::Null,
        );
        let (response, _) = self
            .ingest()
            .process(ingest_event(&[("m", &tenant.account, &body)]))
            .await;
        assert!(
            response.batch_item_failures.is_empty(),
            "the inbound message was stored"
        );
    }

    /// A message of `kind` (its `kind` object is `body`) from the customer 16505551234 of `tenant`,
    /// through ingest as Meta delivers it; answers the batch response.
    pub async fn customer_sends(
        &self,
        tenant: &Tenant,
        wamid: &str,
        timestamp: i64,
        kind: &str,
        body: Value,
    ) -> aws_lambda_events::event::sqs::SqsBatchResponse {
        let mut message = json!({"from": "16505551234", "id": wamid, "timestamp": timestamp.to_string(), "type": kind});
        message[kind] = body;
        let notification = notification(
            &tenant.account.phone_number_id,
            json!([{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}]),
            json!([message]),
            Value::Null,
        );
        let (response, _) = self
            .ingest()
            .process(ingest_event(&[("m", &tenant.account, &notification)]))
            .await;
        response
    }

    /// A conversation's messages (first page, newest first), through the API as `tenant` sees them.
    pub async fn messages(&self, tenant: &Tenant, conversation_id: &str) -> Vec<Value> {
        let path = format!("/v1/conversations/{conversation_id}/messages");
        let (status, body) = self.call("GET", &path, Some(&tenant.key), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"].as_array().cloned().unwrap_or_default()
    }

    /// The id of `tenant`'s most recent conversation, through the API.
    pub async fn conversation_id(&self, tenant: &Tenant) -> String {
        let (status, body) = self.call("GET", "/v1/conversations", Some(&tenant.key), None).await;
        assert_eq!(status, StatusCode::OK);
        body["data"][0]["id"].as_str().expect("a conversation").to_string()
    }
}

async fn tenant(stack: &TestStack, name: &str) -> Tenant {
    let (account, key) = stack
        .tenant_with_key(
            &unique_phone_number_id(),
            &Tenant::app_secret(name),
            &Tenant::verify_token(name),
        )
        .await;
    Tenant { key, account }
}
