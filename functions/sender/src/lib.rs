//! Outbound sender (outbound queue → Graph API `POST /{phone-number-id}/messages`).
//!
//! At most once per message: the send is claimed by a conditional write (queued → sending) and
//! only the winner calls Meta. Meta's answer decides what follows: accepted → wamid and `sent`
//! recorded (statuses that arrived first are applied); refused with a transient error (5xx, 130429,
//! 131056 with 4^x backoff, 131057, 131000, ...) → the claim is given back and the job retried later;
//! refused for good (131047 window closed, 131026, 131051, 132000, 132001, 190, 100, ...) → the
//! message is `failed` with Meta's code and title, never retried.
//!
//! Residual window, stated: if the process dies after Meta accepted a message but before `sent` is
//! written, the message stays `sending` and is not sent again (at most once wins over at least
//! once). A timeout is treated as "not accepted" and retried, so a send whose response was lost
//! after Meta accepted it can reach the customer twice; Meta offers no idempotency key.
//!
//! Pacing: every send first takes a slot of its number's per-second budget (see
//! `shared::adapters::pacer`), which holds across concurrent invocations.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use shared::adapters::StoreError;
use shared::adapters::account_cache::AccountCache;
use shared::adapters::desk_store::DeskStore;
use shared::adapters::inbox_store::{InboxStore, SendClaim};
use shared::adapters::media_links::MediaLinks;
use shared::adapters::pacer::Pacer;
use shared::adapters::tenancy_store::TenancyStore;
use shared::config::{ConfigError, EnvSource, vars};
use shared::graph::GraphClient;
use shared::meta::MetaError;
use shared::outbound::{self, OutboundJob, SendFailure};
use shared::table::Key;
use shared::telemetry::emit_metric;
use std::time::Duration;
use tracing::{Instrument, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub table_name: String,
    pub outbound_queue_url: String,
    pub graph_api_base_url: String,
    pub graph_api_version: String,
    pub media_bucket: String,
}

impl SenderConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            graph_api_base_url: env.required(vars::GRAPH_API_BASE_URL)?,
            graph_api_version: env.required(vars::GRAPH_API_VERSION)?,
            media_bucket: env.required(vars::MEDIA_BUCKET)?,
        })
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SendSummary {
    pub sent: u32,
    pub failed: u32,
    pub retrying: u32,
    pub skipped: u32,
}

enum Outcome {
    Sent,
    Failed,
    Skipped,
    Retry(u32),
}

/// How long a send may wait for a pacing slot before it is put back on the queue.
const MAX_PACING_WAIT: Duration = Duration::from_secs(5);

pub struct SenderService {
    inbox: InboxStore,
    accounts: AccountCache,
    pacer: Pacer,
    desk: DeskStore,
    media_links: MediaLinks,
    graph: GraphClient,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SenderService {
    pub fn from_aws(config: &SenderConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        Self {
            inbox: InboxStore::new(dynamo.clone(), &config.table_name),
            accounts: AccountCache::new(TenancyStore::new(dynamo.clone(), &config.table_name)),
            desk: DeskStore::new(dynamo.clone(), &config.table_name),
            pacer: Pacer::new(dynamo, &config.table_name),
            media_links: MediaLinks::new(aws_sdk_s3::Client::new(aws), &config.media_bucket),
            graph: GraphClient::new(&config.graph_api_base_url, &config.graph_api_version),
            sqs: aws_sdk_sqs::Client::new(aws),
            queue_url: config.outbound_queue_url.clone(),
        }
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        // Boxed: keeps the Lambda runtime's future (and the compiler's layout queries) shallow.
        Ok(Box::pin(self.process(event.payload)).await.0)
    }

    /// Sends a batch; records run concurrently (each is paced on its own).
    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, SendSummary) {
        let runs = event.records.iter().map(|record| {
            let span = info_span!("send", sqs_message_id = %record.message_id.clone().unwrap_or_default());
            async move { (record, self.process_record(record).await) }.instrument(span)
        });
        let results = futures::future::join_all(runs).await;
        let mut summary = SendSummary::default();
        let mut response = SqsBatchResponse::default();
        for (record, outcome) in results {
            match outcome {
                Ok(Outcome::Sent) => summary.sent += 1,
                Ok(Outcome::Failed) => summary.failed += 1,
                Ok(Outcome::Skipped) => summary.skipped += 1,
                Ok(Outcome::Retry(delay)) => {
                    summary.retrying += 1;
                    self.retry_later(record, delay).await;
                    response.batch_item_failures.push(failure_of(record));
                }
                Err(err) => {
                    warn!(error = %err, "send not attempted; will retry");
                    summary.retrying += 1;
                    response.batch_item_failures.push(failure_of(record));
                }
            }
        }
        for (name, value) in [
            ("MessagesSent", summary.sent),
            ("SendsFailed", summary.failed),
            ("SendRetries", summary.retrying),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "sender")]);
            }
        }
        (response, summary)
    }

    async fn retry_later(&self, record: &SqsMessage, delay: u32) {
        if let Some(handle) = &record.receipt_handle {
            let _ = self
                .sqs
                .change_message_visibility()
                .queue_url(&self.queue_url)
                .receipt_handle(handle)
                .visibility_timeout(delay.min(43_200) as i32)
                .send()
                .await;
        }
    }

    async fn process_record(&self, record: &SqsMessage) -> Result<Outcome, StoreError> {
        let job: OutboundJob = match serde_json::from_str(record.body.as_deref().unwrap_or_default()) {
            Ok(job) => job,
            Err(err) => {
                // Not ours to fix by retrying: left for the DLQ by failing every receive.
                warn!(error = %err, "not an outbound job");
                return Ok(Outcome::Retry(0));
            }
        };
        let key = Key {
            pk: job.message_pk.clone(),
            sk: job.message_sk.clone(),
        };
        let (message, attempt) = match self.inbox.claim_send(&key).await? {
            SendClaim::Claimed { message, attempt } => (message, attempt),
            SendClaim::NotQueued { status } => {
                info!(%status, "not queued any more; nothing to send");
                return Ok(Outcome::Skipped);
            }
            SendClaim::Missing => {
                warn!("outbound message does not exist; dropped");
                return Ok(Outcome::Skipped);
            }
        };
        let Some(account) = self.accounts.get(&job.org_id, &job.account_id).await? else {
            self.inbox
                .fail_send(
                    &key,
                    &MetaError {
                        code: 0,
                        title: Some("account no longer exists".into()),
                        message: None,
                        details: None,
                    },
                )
                .await?;
            return Ok(Outcome::Failed);
        };
        let link = match self.upload_link(&job.org_id, &message.content).await? {
            Ok(link) => link,
            Err(missing) => {
                self.inbox.fail_send(&key, &missing).await?;
                return Ok(Outcome::Failed);
            }
        };
        let body = outbound::graph_request(
            &job.to,
            &message.content,
            job.reply_to.as_deref(),
            link.as_deref(),
            &message.message_id,
        );
        // Everything is ready before the slot is taken, so the request leaves within its second;
        // a slot whose second ran out while waiting (a stalled process) is not used.
        let give_up_at = std::time::Instant::now() + MAX_PACING_WAIT;
        let paced = async {
            loop {
                let wait = give_up_at.saturating_duration_since(std::time::Instant::now());
                match self
                    .pacer
                    .acquire(&job.org_id, &job.account_id, account.throughput_mps, wait)
                    .await?
                {
                    Some(slot) if Pacer::still_within(slot) => return Ok::<bool, StoreError>(true),
                    Some(_) => warn!("pacing slot expired before the send left; taking another"),
                    None => return Ok(false),
                }
            }
        };
        if !paced.await? {
            self.inbox.release_send(&key).await?;
            return Ok(Outcome::Retry(1));
        }
        match self
            .graph
            .send_message(&account.phone_number_id, account.access_token.expose(), &body)
            .await
        {
            Ok(wamid) => {
                self.inbox.record_sent(&job.org_id, &key, &wamid).await?;
                info!(%wamid, "sent");
                Ok(Outcome::Sent)
            }
            // A refused token may be a cached one the business has since replaced: read the
            // account again and retry once before failing the message for good.
            Err(err) if err.code() == Some(190) && attempt == 1 => {
                warn!(error = %err, "access token refused; re-reading the account and retrying once");
                self.accounts.forget(&job.org_id, &job.account_id);
                self.inbox.release_send(&key).await?;
                Ok(Outcome::Retry(1))
            }
            Err(err) => match outbound::classify(err.status(), err.code(), attempt) {
                SendFailure::RetryAfter(delay) => {
                    warn!(error = %err, delay, attempt, "send refused for now; retrying later");
                    self.inbox.release_send(&key).await?;
                    Ok(Outcome::Retry(delay))
                }
                SendFailure::Permanent => {
                    warn!(error = %err, "send refused for good");
                    let (code, message) = match &err {
                        shared::graph::GraphError::Http { code, message, .. } => {
                            (code.unwrap_or_default(), message.clone())
                        }
                        other => (0, other.to_string()),
                    };
                    self.inbox
                        .fail_send(
                            &key,
                            &MetaError {
                                code,
                                title: Some(message),
                                message: None,
                                details: None,
                            },
                        )
                        .await?;
                    Ok(Outcome::Failed)
                }
            },
        }
    }
}

impl SenderService {
    /// For media uploaded through the API (`med_...`), a presigned link Meta fetches the file by;
    /// other media ids are Meta's own and are sent as they are. A vanished upload fails the send.
    async fn upload_link(
        &self,
        org_id: &str,
        content: &shared::meta::Content,
    ) -> Result<Result<Option<String>, MetaError>, StoreError> {
        let shared::meta::Content::Media { media_id, .. } = content else {
            return Ok(Ok(None));
        };
        if !media_id.starts_with(shared::desk::UPLOADED_MEDIA_PREFIX) {
            return Ok(Ok(None));
        }
        let missing = |title: &str| MetaError {
            code: 0,
            title: Some(title.to_string()),
            message: None,
            details: None,
        };
        match self.desk.upload(org_id, media_id).await? {
            Some(upload) => Ok(Ok(Some(self.media_links.presigned_get(&upload.s3_key).await?))),
            None => Ok(Err(missing("the uploaded media no longer exists"))),
        }
    }
}

fn failure_of(record: &SqsMessage) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = record.message_id.clone().unwrap_or_default();
    failure
}
