//! Outbound sender (outbound queue → Graph API `POST /{phone-number-id}/messages`).
//!
//! Exactly one request per message reaches Meta, or the message ends in a state that says why not.
//! Everything fallible is done first (read the message and account, build the request, presign an
//! upload, take a pacing slot), so a failure or a death there leaves the message queued and uses no
//! send attempt; then the send is claimed (queued → sending, conditional) and the request leaves at
//! once. Meta's answer decides what follows ([`shared::inbox::outbound::after_error`]):
//! - accepted: `sent` with its wamid (a status that got there first is kept);
//! - refused for now (5xx, throttling, 131056 with 4^x backoff, a connection never made): the claim
//!   is given back and the job retried later; a refused token re-reads the account once;
//! - refused for good (131047, 131026, 132000, 190 twice, ...): `failed` with Meta's code and title,
//!   and a `message.failed` event;
//! - no answer (timeout, connection reset, an answer without a wamid): `unknown`, never resent.
//!   Every send carries our message id as `biz_opaque_callback_data`; Meta's status webhook echoes
//!   it and settles the message even though the wamid was never seen here. Without a status within
//!   [`shared::inbox::send_policy::SETTLE_PERIOD_MS`] the sweeper marks it `failed` (unconfirmed, so a later
//!   status still wins).
//!
//! A redelivered job of a message whose claim is fresh waits for the claim's holder; a claim older
//! than the sender's timeout plus a margin was left by a dead invocation, and as the request may
//! have left, the message becomes `unknown`. A job on its last receive that did not send fails its
//! still-queued message with the reason. The sweeper covers what no job is left for (see
//! `shared::inbox::send_policy`).
//!
//! Time: [`SEND_TIMEOUT`] + [`MAX_PACING_WAIT`] + a margin fit in the function's timeout (a test
//! reads template.yaml), so an invocation always gets to record what Meta answered.

mod campaign;
mod prepare;
#[cfg(test)]
mod tests;

use prepare::Prepared;
pub use shared::inbox::send_port::{SendAccounts, SendLedger, SendPacer, UploadLinks, WamidLinks};
use shared::platform::clock::Clock;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use shared::access::account_cache::AccountCache;
use shared::access::tenancy_store::TenancyStore;
use shared::inbox::ingest_port::ReplyWatch;
use shared::inbox::media_links::MediaLinks;
use shared::inbox::outbound::{self, AfterError, OutboundJob};
use shared::inbox::outbound_store::{ClaimOutcome, OutboundStore, PendingSend};
use shared::inbox::pacer::Pacer;
use shared::inbox::send_policy::{self, Next, SendState};
use shared::inbox::send_port::StoredUploads;
use shared::inbox::sender_job::SenderJob;
use shared::inbox::store::{InboundLedger, StatusLedger};
use shared::inbox::upload_store::UploadStore;
use shared::meta::MetaError;
use shared::meta::graph::{GraphClient, GraphError, MessageSender};
use shared::outreach::campaign_sends::CampaignSends;
use shared::outreach::campaign_store::CampaignStore;
use shared::platform::StoreError;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::event_bus::{EventBridgePublisher, EventPublisher, announce_failed_send};
use shared::platform::events::DomainEvent;
use shared::platform::secret_keeper::KmsSecretKeeper;
use shared::platform::sqs_batch::{Attempt, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use shared::platform::telemetry::emit_metric;
use shared::platform::ttl_cache::TtlCache;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::{info, warn};

/// Longest wait for Meta's answer to one send.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a send may wait for a pacing slot before it is put back on the queue.
pub const MAX_PACING_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub table_name: String,
    /// The KMS key that seals account secrets.
    pub secrets_key_id: String,
    pub graph_api_base_url: String,
    pub graph_api_version: String,
    pub media_bucket: String,
    pub event_bus_name: String,
    pub consumer: ConsumerSettings,
}

impl SenderConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            secrets_key_id: env.required(vars::SECRETS_KEY_ID)?,
            graph_api_base_url: env.required(vars::GRAPH_API_BASE_URL)?,
            graph_api_version: env.required(vars::GRAPH_API_VERSION)?,
            media_bucket: env.required(vars::MEDIA_BUCKET)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            consumer: ConsumerSettings::from_env(env, vars::OUTBOUND_QUEUE_URL)?,
        })
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendSummary {
    pub sent: u32,
    pub failed: u32,
    pub unknown: u32,
    pub retrying: u32,
    pub skipped: u32,
}

/// What became of one record, for the batch summary.
#[derive(Debug, Clone, Copy)]
enum Tally {
    Sent,
    Failed,
    Unknown,
    Skipped,
    Waiting,
}

/// What the sender works through, each a port: DynamoDB, KMS, S3, EventBridge and the Graph API
/// in Lambda ([`SenderPorts::from_aws`]), in-memory fakes in its unit tests.
#[derive(Clone)]
pub struct SenderPorts {
    pub ledger: Arc<dyn SendLedger>,
    pub pacer: Arc<dyn SendPacer>,
    pub wamids: Arc<dyn WamidLinks>,
    pub accounts: Arc<dyn SendAccounts>,
    pub uploads: Arc<dyn UploadLinks>,
    pub graph: Arc<dyn MessageSender>,
    pub events: Arc<dyn EventPublisher>,
    pub campaigns: Arc<dyn CampaignSends>,
    /// Marks a reached customer's open conversation for the reply's attribution.
    pub replies: Arc<dyn ReplyWatch>,
}

impl SenderPorts {
    pub fn from_aws(config: &SenderConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let table = &config.table_name;
        Self {
            ledger: Arc::new(OutboundStore::new(dynamo.clone(), table)),
            pacer: Arc::new(Pacer::new(dynamo.clone(), table)),
            wamids: Arc::new(StatusLedger::new(dynamo.clone(), table)),
            accounts: Arc::new(AccountCache::opening_tokens(
                TenancyStore::new(dynamo.clone(), table),
                KmsSecretKeeper::shared(aws, &config.secrets_key_id),
            )),
            uploads: Arc::new(StoredUploads {
                uploads: UploadStore::new(dynamo.clone(), table),
                links: MediaLinks::new(aws_sdk_s3::Client::new(aws), &config.media_bucket),
            }),
            graph: Arc::new(GraphClient::new(
                &config.graph_api_base_url,
                &config.graph_api_version,
                SEND_TIMEOUT,
            )),
            events: Arc::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                &config.event_bus_name,
            )),
            campaigns: Arc::new(CampaignStore::new(dynamo.clone(), table)),
            replies: Arc::new(InboundLedger::new(dynamo, table)),
        }
    }
}

pub struct SenderService {
    ports: SenderPorts,
    runner: BatchRunner,
    /// Whether a campaign is running, briefly cached: (org, campaign) → running.
    campaign_status: TtlCache<(String, String), bool>,
    clock: Clock,
    /// `message.sent` events of the batch running, published together at its end (ten to a
    /// PutEvents call).
    sent_events: Mutex<Vec<DomainEvent>>,
}

/// One batch: the service and what its records came to.
struct SenderBatch<'a> {
    service: &'a SenderService,
    summary: Mutex<SendSummary>,
}

#[async_trait::async_trait]
impl RecordHandler for SenderBatch<'_> {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, attempt: Attempt) -> Result<Outcome, StoreError> {
        let (outcome, tally) = self.service.process_record(record, attempt).await?;
        let mut summary = self.summary.lock().unwrap_or_else(|p| p.into_inner());
        match (tally, &outcome) {
            (_, Outcome::Retry { .. }) => summary.retrying += 1,
            (Tally::Sent, _) => summary.sent += 1,
            (Tally::Failed, _) => summary.failed += 1,
            (Tally::Unknown, _) => summary.unknown += 1,
            (Tally::Skipped | Tally::Waiting, _) => summary.skipped += 1,
        }
        Ok(outcome)
    }

    /// The batch's `message.sent` events, ten to a call. The sends stand whether or not the bus
    /// takes them: a refused one is logged and counted, not retried (a retry would send nothing).
    async fn finish_batch(&self) -> Vec<(String, Outcome)> {
        let events = std::mem::take(&mut *self.service.sent_events.lock().unwrap_or_else(|p| p.into_inner()));
        for chunk in events.chunks(shared::platform::event_bus::MAX_ENTRIES_PER_CALL) {
            let refused = self.service.ports.events.publish(chunk).await;
            if !refused.is_empty() {
                warn!(refused = refused.len(), "message.sent not published");
                emit_metric(
                    "SentNotAnnounced",
                    refused.len() as f64,
                    "Count",
                    &[("Function", "sender")],
                );
            }
        }
        Vec::new()
    }

    /// The job will not come back: a message it left queued is failed with the reason.
    async fn on_final_failure(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError> {
        let Ok(SenderJob::Message(job)) = SenderJob::parse(record.body.as_deref().unwrap_or_default()) else {
            return Ok(());
        };
        match self.service.ports.ledger.pending(&job.message_key()).await? {
            Some(pending) if matches!(pending.state, SendState::Queued { .. }) => {
                self.service
                    .fail(&pending, refusal(format!("not sent: {reason}")), true)
                    .await
            }
            _ => Ok(()),
        }
    }
}

fn refusal(title: impl Into<String>) -> MetaError {
    MetaError {
        code: 0,
        title: Some(title.into()),
        message: None,
        details: None,
    }
}

impl SenderService {
    pub fn new(ports: SenderPorts, runner: BatchRunner, clock: Clock) -> Self {
        Self {
            ports,
            runner,
            campaign_status: TtlCache::new(1_000),
            clock,
            sent_events: Mutex::new(Vec::new()),
        }
    }

    pub fn from_aws(config: &SenderConfig, aws: &aws_config::SdkConfig) -> Self {
        let runner = BatchRunner::from_aws(
            "sender",
            aws_sdk_sqs::Client::new(aws),
            &config.consumer,
            Order::Concurrent,
        );
        Self::new(SenderPorts::from_aws(config, aws), runner, Clock::system())
    }

    /// Sends through `graph` (a test gives a Graph client a shorter timeout than [`SEND_TIMEOUT`]).
    pub fn with_graph(mut self, graph: Arc<dyn MessageSender>) -> Self {
        self.ports.graph = graph;
        self
    }

    /// Wraps the send ledger (fault injection in tests: a store that fails at a chosen step).
    pub fn wrap_ledger(mut self, wrap: impl FnOnce(Arc<dyn SendLedger>) -> Arc<dyn SendLedger>) -> Self {
        self.ports.ledger = wrap(self.ports.ledger);
        self
    }

    /// Reads accounts through `accounts` instead (a bench whose table lives elsewhere than its KMS).
    pub fn with_accounts(mut self, accounts: impl SendAccounts + 'static) -> Self {
        self.ports.accounts = Arc::new(accounts);
        self
    }

    /// Wraps the pacer, likewise.
    pub fn wrap_pacer(mut self, wrap: impl FnOnce(Arc<dyn SendPacer>) -> Arc<dyn SendPacer>) -> Self {
        self.ports.pacer = wrap(self.ports.pacer);
        self
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        // Boxed: keeps the Lambda runtime's future (and the compiler's layout queries) shallow.
        Ok(Box::pin(self.process(event.payload)).await.0)
    }

    /// Sends a batch; records run concurrently (each is paced on its own).
    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, SendSummary) {
        let batch = SenderBatch {
            service: self,
            summary: Mutex::new(SendSummary::default()),
        };
        let (response, _) = self.runner.run(&batch, &event).await;
        let summary = batch.summary.into_inner().unwrap_or_else(|p| p.into_inner());
        for (name, value) in [
            ("MessagesSent", summary.sent),
            ("SendsFailed", summary.failed),
            ("SendsUnknown", summary.unknown),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "sender")]);
            }
        }
        (response, summary)
    }

    async fn process_record(&self, record: &SqsMessage, _: Attempt) -> Result<(Outcome, Tally), StoreError> {
        let body = record.body.as_deref().unwrap_or_default();
        let job = match SenderJob::parse(body) {
            Ok(SenderJob::Message(job)) => job,
            Ok(SenderJob::CampaignSend(send)) => {
                let span = tracing::info_span!("campaign_send", campaign = %send.campaign_id);
                return tracing::Instrument::instrument(Box::pin(self.send_campaign(send)), span).await;
            }
            Err(err) => return Ok((Outcome::failed(format!("not an outbound job: {err}")), Tally::Skipped)),
        };
        // Read first, make everything ready (account, request, pacing slot), then claim and send
        // at once: a death while preparing leaves the message queued for the retry, and a job that
        // waited for a slot has used no send attempt.
        let Some(pending) = self.ports.ledger.pending(&job.message_key()).await? else {
            warn!("outbound message does not exist; dropped");
            return Ok((Outcome::Done, Tally::Skipped));
        };
        if !matches!(pending.state, SendState::Queued { .. }) {
            return self.not_sendable(&pending).await;
        }
        let (account, request) = match self.prepare(&job, &pending).await? {
            Prepared::Ready { account, request } => (account, request),
            Prepared::Refused(error) => return self.fail_now(&pending, error).await,
            Prepared::NoSlot => {
                return Ok((Outcome::retry(1, "no send slot within the pacing wait"), Tally::Waiting));
            }
        };
        let token = account.access_token()?.expose();
        let pending = match self.ports.ledger.claim(&job.org_id, &job.message_key()).await? {
            ClaimOutcome::Claimed(pending) => pending,
            ClaimOutcome::NotQueued(pending) => return self.not_sendable(&pending).await,
            ClaimOutcome::Missing => {
                warn!("outbound message does not exist; dropped");
                return Ok((Outcome::Done, Tally::Skipped));
            }
        };
        let SendState::Sending { claimed_ms } = pending.state else {
            return Err(StoreError::io("claim", "a claimed message is not sending"));
        };
        let answer = self
            .ports
            .graph
            .send_message(&account.phone_number_id, token, &request)
            .await;
        self.settle(&job, &pending, claimed_ms, answer, token).await
    }

    /// What a job of a message that is not `queued` comes to.
    async fn not_sendable(&self, pending: &PendingSend) -> Result<(Outcome, Tally), StoreError> {
        Ok(match send_policy::on_job(pending.state, self.clock.now_ms()) {
            // Given back between our claim and the read: try again soon.
            Next::Send => (Outcome::retry(1, "released meanwhile"), Tally::Waiting),
            Next::WaitUntil(at) => {
                let seconds = ((at - self.clock.now_ms()).max(0) / 1000 + 1) as u32;
                (
                    Outcome::retry(seconds, "another invocation holds the send"),
                    Tally::Waiting,
                )
            }
            Next::MarkUnknown => {
                if let SendState::Sending { claimed_ms } = pending.state {
                    warn!("the claim's holder died; the request may have left: unknown");
                    self.ports.ledger.mark_unknown(pending, claimed_ms).await?;
                }
                (Outcome::Done, Tally::Unknown)
            }
            _ => {
                info!(status = %pending.message.status, "not queued any more; nothing to send");
                (Outcome::Done, Tally::Skipped)
            }
        })
    }

    async fn settle(
        &self,
        job: &OutboundJob,
        pending: &PendingSend,
        claimed_ms: i64,
        answer: Result<String, GraphError>,
        token_used: &str,
    ) -> Result<(Outcome, Tally), StoreError> {
        let err = match answer {
            Ok(wamid) => {
                self.record_sent(pending, &wamid).await?;
                info!(%wamid, "sent");
                return Ok((Outcome::Done, Tally::Sent));
            }
            Err(err) => err,
        };
        let attempt = pending.attempts;
        warn!(error = %err, attempt, "send not accepted");
        match outbound::after_error(&err, attempt) {
            AfterError::Unknown => {
                self.ports.ledger.mark_unknown(pending, claimed_ms).await?;
                Ok((Outcome::Done, Tally::Unknown))
            }
            AfterError::Retry(delay) => {
                self.ports.ledger.release(pending, claimed_ms).await?;
                Ok((Outcome::retry(delay, err), Tally::Waiting))
            }
            AfterError::RetryWithFreshAccount => {
                // On any attempt: worth a retry only when the stored token is not the refused one.
                self.ports.accounts.forget(&job.org_id, &job.account_id);
                if self
                    .token_was_replaced(&job.org_id, &job.account_id, token_used)
                    .await?
                {
                    self.ports.ledger.release(pending, claimed_ms).await?;
                    return Ok((Outcome::retry(1, err), Tally::Waiting));
                }
                match outbound::after_error(&err, u32::MAX) {
                    AfterError::Fail(error) => self.fail_now(pending, error).await,
                    _ => self.fail_now(pending, refusal("the access token was refused")).await,
                }
            }
            AfterError::Fail(error) => self.fail_now(pending, error).await,
        }
    }

    /// Whether the account's stored token differs from `token_used` (read past the cache).
    pub(crate) async fn token_was_replaced(
        &self,
        org_id: &str,
        account_id: &str,
        token_used: &str,
    ) -> Result<bool, StoreError> {
        let Some(account) = self.ports.accounts.account(org_id, account_id).await? else {
            return Ok(false);
        };
        Ok(account.access_token().is_ok_and(|token| token.expose() != token_used))
    }

    /// Meta accepted: the wamid is worth a few tries to keep, as only a status can bring it back.
    async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<(), StoreError> {
        let mut tries = 0;
        loop {
            match self.ports.ledger.record_sent(pending, wamid).await {
                Ok(_) => break,
                Err(err) if tries < 2 => {
                    tries += 1;
                    warn!(error = %err, "recording the send failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * tries)).await;
                }
                Err(err) => return Err(err),
            }
        }
        self.ports
            .wamids
            .link_outbound(&pending.message.org_id, wamid, &pending.key)
            .await?;
        // Integrations hear of it at the batch's end (`finish_batch`).
        let message = &pending.message;
        let event = DomainEvent::message_sent(&message.org_id, &message.conversation_id, &message.message_id, wamid);
        self.sent_events.lock().unwrap_or_else(|p| p.into_inner()).push(event);
        Ok(())
    }

    /// A claimed message that cannot be sent.
    async fn fail_now(&self, pending: &PendingSend, error: MetaError) -> Result<(Outcome, Tally), StoreError> {
        self.fail(pending, error, true).await?;
        Ok((Outcome::Done, Tally::Failed))
    }

    /// Announces, then records, a failed send.
    async fn fail(&self, pending: &PendingSend, error: MetaError, confirmed: bool) -> Result<(), StoreError> {
        announce_failed_send(self.ports.events.as_ref(), &pending.message, &error).await?;
        warn!(code = error.code, reason = ?error.title, "send failed");
        self.ports.ledger.fail(pending, &error, confirmed).await.map(|_| ())
    }
}
