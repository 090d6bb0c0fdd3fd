//! The send path under faults: a fault at each step, against moto and the fake Graph API, with the
//! real API, sender, ingest and sweeper handlers. Every test asserts the message's final state and
//! how many sends the fake accepted: at most one, and exactly one wherever Meta accepted.

mod lost_jobs;
mod unanswered;

use api::{ApiConfig, ApiService};
use aws_lambda_events::event::sqs::SqsEvent;
use fake_graph::{Failure, FakeGraph, Route};
use ingest::{IngestConfig, IngestService};
use integration_tests::*;
use lambda_http::http::StatusCode;
use sender::{SendLedger, SendPacer, SenderConfig, SenderService};
use serde_json::{Value, json};
use shared::inbox::Message;
use shared::inbox::outbound_store::{ClaimOutcome, OutboundStore, PendingSend};
use shared::inbox::send_policy::{CLAIM_STALE_AFTER_MS, QUEUED_GRACE_MS, SETTLE_PERIOD_MS, UNCONFIRMED_FAILURE_RANK};
use shared::meta::MetaError;
use shared::platform::StoreError;
use shared::platform::sqs_batch::FAILURE_REASON_ATTRIBUTE;
use shared::platform::table::Key;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use sweeper::{SweeperConfig, SweeperService};

const CUSTOMER: &str = "16505551234";

struct Fx {
    stack: TestStack,
    graph: FakeGraph,
    api: ApiService,
    account: shared::access::tenancy::WhatsAppAccount,
    key: String,
    conversation: String,
}

impl Fx {
    /// A tenant whose customer just wrote (the window is open) and the fake Graph API.
    async fn new() -> Self {
        let mut stack = TestStack::new().await;
        let graph = stack.fake_graph().await;
        let (account, key) = stack
            .tenant_with_key(&unique_phone_number_id(), "faults-secret", "faults-verify-token")
            .await;
        let api = ApiService::from_aws(&ApiConfig::from_env(&stack.env_of("ApiFunction")).unwrap(), &stack.aws);
        let mut fx = Self {
            stack,
            graph,
            api,
            account,
            key,
            conversation: String::new(),
        };
        let now = chrono::Utc::now().timestamp();
        fx.customer_writes("wamid.hello", now).await;
        let (_, list) = fx.call("GET", "/v1/conversations", None, None).await;
        fx.conversation = list["data"][0]["id"].as_str().expect("a conversation").to_string();
        fx
    }

    async fn customer_writes(&self, wamid: &str, timestamp: i64) {
        let body = notification(
            &self.account.phone_number_id,
            json!([{"profile": {"name": "Kai"}, "wa_id": CUSTOMER}]),
            json!([{"from": CUSTOMER, "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": {"body": "hi"}}]),
            Value::Null,
        );
        self.ingest(&body).await;
    }

    async fn ingest(&self, body: &[u8]) {
        let ingest = IngestService::from_aws(
            &IngestConfig::from_env(&self.stack.env_of("IngestFunction")).unwrap(),
            &self.stack.aws,
        );
        let (response, _) = ingest.process(ingest_event(&[("d", &self.account, body)])).await;
        assert!(response.batch_item_failures.is_empty());
    }

    /// Meta's status webhook for a send the fake accepted, echoing our message id as Meta does.
    async fn meta_reports(&self, sent: &fake_graph::SentMessage, status: &str) {
        let body = notification(
            &self.account.phone_number_id,
            Value::Null,
            Value::Null,
            json!([{"id": sent.wamid, "status": status, "timestamp": chrono::Utc::now().timestamp().to_string(), "recipient_id": CUSTOMER,
                "biz_opaque_callback_data": sent.body["biz_opaque_callback_data"]}]),
        );
        self.ingest(&body).await;
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| b.to_string());
        let mut request = api_request(method, path, Some(&self.key), body.as_deref());
        if let Some(key) = idempotency_key {
            request
                .headers_mut()
                .insert("idempotency-key", http::HeaderValue::from_str(key).unwrap());
        }
        let response = self.api.handle(request).await.unwrap();
        (response.status(), json_body(&response))
    }

    /// An agent's reply through the API: the new message's id.
    async fn reply(&self, text: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                &format!("/v1/conversations/{}/messages", self.conversation),
                Some(json!({"type": "text", "content": {"text": text}})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        body["id"].as_str().unwrap().to_string()
    }

    fn sender(&self) -> SenderService {
        SenderService::from_aws(
            &SenderConfig::from_env(&self.stack.env_of("SenderFunction")).unwrap(),
            &self.stack.aws,
        )
    }

    async fn sweep_at(&self, offset_ms: i64) -> sweeper::SweepSummary {
        let sweeper = SweeperService::from_aws(
            &SweeperConfig::from_env(&self.stack.env_of("SweeperFunction")).unwrap(),
            &self.stack.aws,
        );
        let mut event = read_event("sweeper-schedule.json");
        let at = chrono::Utc::now() + chrono::Duration::milliseconds(offset_ms);
        event["time"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        sweeper.sweep(&event).await.unwrap()
    }

    /// The outbound queue's jobs as Lambda delivers them (real receipt handles), as receive
    /// number `receive_count` of their queue.
    async fn jobs(&self, receive_count: u32) -> SqsEvent {
        let received = self
            .stack
            .sqs()
            .receive_message()
            .queue_url(self.stack.queue_url("OutboundQueue"))
            .max_number_of_messages(10)
            .visibility_timeout(600)
            .send()
            .await
            .unwrap();
        let records: Vec<Value> = received
            .messages()
            .iter()
            .map(|m| json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                "attributes": {"ApproximateReceiveCount": receive_count.to_string()}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
            .collect();
        serde_json::from_value(json!({"Records": records})).unwrap()
    }

    async fn key_of(&self, message_id: &str) -> Key {
        OutboundStore::new(
            aws_sdk_dynamodb::Client::new(&self.stack.aws),
            self.stack.name_of("Table"),
        )
        .key_of(&self.account.org_id, message_id)
        .await
        .unwrap()
        .expect("the message's id lookup")
    }

    async fn message(&self, message_id: &str) -> Message {
        let key = self.key_of(message_id).await;
        self.stack.inbox().message(&key).await.unwrap().unwrap()
    }
}

/// Fails `record_sent` the next `times` calls, as a throttled DynamoDB would.
struct FailingRecordSent {
    inner: std::sync::Arc<dyn SendLedger>,
    times: AtomicUsize,
}

fn throttled(operation: &'static str) -> StoreError {
    StoreError::Aws {
        operation,
        detail: "ProvisionedThroughputExceededException: injected".into(),
    }
}

#[async_trait::async_trait]
impl SendLedger for FailingRecordSent {
    async fn pending(&self, key: &Key) -> Result<Option<PendingSend>, StoreError> {
        self.inner.pending(key).await
    }
    async fn claim(&self, org_id: &str, key: &Key) -> Result<ClaimOutcome, StoreError> {
        self.inner.claim(org_id, key).await
    }
    async fn release(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        self.inner.release(pending, claimed_ms).await
    }
    async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<bool, StoreError> {
        if self
            .times
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| t.checked_sub(1))
            .is_ok()
        {
            return Err(throttled("UpdateItem(record sent)"));
        }
        self.inner.record_sent(pending, wamid).await
    }
    async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        self.inner.mark_unknown(pending, claimed_ms).await
    }
    async fn fail(&self, pending: &PendingSend, error: &MetaError, confirmed: bool) -> Result<bool, StoreError> {
        self.inner.fail(pending, error, confirmed).await
    }
}

fn failing_record_sent(times: usize) -> impl FnOnce(std::sync::Arc<dyn SendLedger>) -> std::sync::Arc<dyn SendLedger> {
    move |inner| {
        std::sync::Arc::new(FailingRecordSent {
            inner,
            times: AtomicUsize::new(times),
        })
    }
}

#[tokio::test]
async fn a_dynamodb_error_after_meta_accepted_keeps_the_wamid_and_sends_once() {
    let f = Fx::new().await;
    // Once: the wamid is written on a second try.
    let id = f.reply("first").await;
    let (response, summary) = f
        .sender()
        .wrap_ledger(failing_record_sent(1))
        .process(f.jobs(1).await)
        .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.sent, 1);
    let message = f.message(&id).await;
    assert_eq!(message.status, "sent");
    assert_eq!(message.wamid.as_deref(), Some(f.graph.sent()[0].wamid.as_str()));

    // Always: the record is retried, its redelivery waits for the claim, the dead claim becomes
    // unknown, and Meta's status (carrying our id) settles it. Still one send.
    let id = f.reply("second").await;
    let jobs = f.jobs(1).await;
    let (response, _) = f
        .sender()
        .wrap_ledger(failing_record_sent(usize::MAX))
        .process(jobs.clone())
        .await;
    assert_eq!(response.batch_item_failures.len(), 1, "retried");
    assert_eq!(f.message(&id).await.status, "sending");
    let (response, summary) = f.sender().process(jobs).await;
    assert_eq!(
        (response.batch_item_failures.len(), summary.retrying),
        (1, 1),
        "a live claim is waited for"
    );
    assert_eq!(f.graph.sends_of(&id), 1);
    assert_eq!(f.sweep_at(CLAIM_STALE_AFTER_MS + 1_000).await.marked_unknown, 1);
    assert_eq!(f.message(&id).await.status, "unknown");
    let sent = f
        .graph
        .sent()
        .into_iter()
        .find(|s| s.body["biz_opaque_callback_data"] == id.as_str())
        .unwrap();
    f.meta_reports(&sent, "delivered").await;
    let message = f.message(&id).await;
    assert_eq!(
        (message.status.as_str(), message.wamid.as_deref()),
        ("delivered", Some(sent.wamid.as_str()))
    );
    assert_eq!(f.graph.sends_of(&id), 1);
}

#[tokio::test]
async fn a_process_death_mid_send_never_sends_twice() {
    let f = Fx::new().await;
    // Dies while Meta is answering (the fake has accepted).
    let id = f.reply("dies after").await;
    f.graph
        .fail_next(Route::SendMessage, Failure::AcceptThenDelay(Duration::from_secs(3)), 1);
    let jobs = f.jobs(1).await;
    let sender = f.sender();
    assert!(
        tokio::time::timeout(Duration::from_millis(1_500), sender.process(jobs.clone()))
            .await
            .is_err()
    );
    assert_eq!(f.message(&id).await.status, "sending");
    let (_, summary) = f.sender().process(jobs).await;
    assert_eq!(summary.retrying, 1, "the redelivered job waits for the claim");
    assert_eq!(f.sweep_at(CLAIM_STALE_AFTER_MS + 1_000).await.marked_unknown, 1);
    let sent = f.graph.sent().remove(0);
    f.meta_reports(&sent, "read").await;
    assert_eq!(
        (f.message(&id).await.status.as_str(), f.graph.sends_of(&id)),
        ("read", 1)
    );

    // Dies while waiting for a pacing slot: nothing is claimed before the slot, so the message is
    // still queued, no attempt is used, and the redelivered job sends it once.
    let id = f.reply("dies before").await;
    let jobs = f.jobs(1).await;
    let stalled = f.sender().wrap_pacer(|_| std::sync::Arc::new(Stalled));
    assert!(
        tokio::time::timeout(Duration::from_millis(300), stalled.process(jobs.clone()))
            .await
            .is_err()
    );
    let waiting = f.message(&id).await;
    assert_eq!(waiting.status, "queued", "a death while preparing leaves it queued");
    assert_eq!(f.sender().process(jobs).await.1.sent, 1);
    assert_eq!(
        (f.message(&id).await.status.as_str(), f.graph.sends_of(&id)),
        ("sent", 1)
    );
}

/// A pacer that never answers.
struct Stalled;

#[async_trait::async_trait]
impl SendPacer for Stalled {
    async fn acquire(&self, _: &str, _: &str, _: u32, _: Duration) -> Result<Option<i64>, StoreError> {
        std::future::pending().await
    }
}
