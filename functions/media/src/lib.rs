//! Inbound media (media queue → Graph API → S3). For each job: find the message through its wamid
//! claim, ask Graph for a download URL with the account's token, download it (a 404 means the
//! 5-minute URL expired: ask for a new one once), check size and SHA-256, store it in S3 under the
//! organization's prefix and record the S3 key on the message.
//!
//! Transient failures (Graph 5xx/429, timeouts, message not stored yet) retry with a backoff of
//! 30 s · 2^n, at most an hour, for as long as Meta keeps the media id (7 days): the queue's
//! `maxReceiveCount` is large enough for that (a unit test sums the delays). Permanent ones (unknown
//! or expired media id, too large, bad token), and a job whose last receive fails, mark the
//! message's media `failed` with the reason and go to the media DLQ; the message and its text are
//! untouched.
//!
//! Time: each job has [`JOB_DEADLINE`] for all its Graph calls and the S3 write, and the function
//! takes one job per invocation, so a job ends (stored, or retried) before Lambda's timeout cuts it.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use sha2::{Digest, Sha256};
use shared::access::account_cache::AccountCache;
use shared::access::tenancy_store::TenancyStore;
use shared::inbox::MediaState;
use shared::inbox::media_job::{MediaJob, decode_sha256};
use shared::inbox::store::{MediaResult, MessageStore};
use shared::meta::graph::{GraphClient, GraphError};
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::payload_store::{PayloadStore, S3PayloadStore};
use shared::platform::secret_keeper::KmsSecretKeeper;
use shared::platform::sqs_batch::{Attempt, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use std::time::Duration;
use tracing::info;

#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub table_name: String,
    /// The KMS key that seals account secrets.
    pub secrets_key_id: String,
    pub media_bucket: String,
    pub graph_api_base_url: String,
    pub graph_api_version: String,
    pub consumer: ConsumerSettings,
}

impl MediaConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            secrets_key_id: env.required(vars::SECRETS_KEY_ID)?,
            media_bucket: env.required(vars::MEDIA_BUCKET)?,
            graph_api_base_url: env.required(vars::GRAPH_API_BASE_URL)?,
            graph_api_version: env.required(vars::GRAPH_API_VERSION)?,
            consumer: ConsumerSettings::from_env(env, vars::MEDIA_QUEUE_URL)?,
        })
    }
}

/// Longest wait for one Graph API answer (metadata, or a whole download).
pub const GRAPH_TIMEOUT: Duration = Duration::from_secs(20);
/// A job's whole time: two metadata requests and two downloads at the most, and the S3 write.
pub const JOB_DEADLINE: Duration = Duration::from_secs(45);

#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("will retry: {0}")]
    Transient(String),
    #[error("gave up: {0}")]
    Permanent(String),
}

impl From<StoreError> for JobError {
    fn from(err: StoreError) -> Self {
        JobError::Transient(err.to_string())
    }
}

impl From<GraphError> for JobError {
    fn from(err: GraphError) -> Self {
        if err.is_transient() {
            JobError::Transient(err.to_string())
        } else {
            JobError::Permanent(err.to_string())
        }
    }
}

/// What one batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MediaSummary {
    pub stored: u32,
    pub already_stored: u32,
    pub retrying: u32,
    pub dead_lettered: u32,
}

pub struct MediaService {
    messages: MessageStore,
    accounts: AccountCache,
    objects: Box<dyn PayloadStore>,
    graph: GraphClient,
    runner: BatchRunner,
    clock: Clock,
}

const BASE_BACKOFF_SECONDS: u32 = 30;
const MAX_BACKOFF_SECONDS: u32 = 3_600;

/// Visibility before the next attempt of a job received `receive_count` times.
pub fn backoff_seconds(receive_count: u32) -> u32 {
    let exponent = receive_count.saturating_sub(1).min(16);
    (BASE_BACKOFF_SECONDS.saturating_mul(1 << exponent)).min(MAX_BACKOFF_SECONDS)
}

/// How long a job keeps being retried when every one of `max_receives` receives fails.
pub fn retry_window_seconds(max_receives: u32) -> u64 {
    (1..max_receives).map(|n| backoff_seconds(n) as u64).sum()
}

#[async_trait::async_trait]
impl RecordHandler for MediaService {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, attempt: Attempt) -> Result<Outcome, StoreError> {
        let job: MediaJob = match serde_json::from_str(record.body.as_deref().unwrap_or_default()) {
            Ok(job) => job,
            Err(err) => return Ok(Outcome::failed(format!("not a media job: {err}"))),
        };
        let copied = tokio::time::timeout(JOB_DEADLINE, self.copy(&job))
            .await
            .unwrap_or_else(|_| Err(JobError::Transient("job deadline passed".into())));
        Ok(match copied {
            Ok(_) => Outcome::Done,
            Err(JobError::Transient(reason)) if !job.is_expired(self.now_ms()) => {
                Outcome::retry(backoff_seconds(attempt.receive_count), reason)
            }
            Err(JobError::Transient(reason) | JobError::Permanent(reason)) => Outcome::failed(reason),
        })
    }

    /// The job will not run again: its message shows the media as failed, with the reason.
    async fn on_final_failure(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError> {
        let Ok(job) = serde_json::from_str::<MediaJob>(record.body.as_deref().unwrap_or_default()) else {
            return Ok(());
        };
        if let Some(key) = self.messages.key_of_wamid(&job.org_id, &job.wamid).await? {
            let failed = MediaResult {
                state: MediaState::Failed,
                s3_key: None,
                size: None,
                failure: Some(reason),
            };
            self.messages.set_media_result(&key, &failed).await?;
        }
        Ok(())
    }
}

impl MediaService {
    pub fn from_aws(config: &MediaConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        Self {
            messages: MessageStore::new(dynamo.clone(), &config.table_name),
            accounts: AccountCache::opening_tokens(
                TenancyStore::new(dynamo, &config.table_name),
                KmsSecretKeeper::shared(aws, &config.secrets_key_id),
            ),
            objects: Box::new(S3PayloadStore::new(aws_sdk_s3::Client::new(aws), &config.media_bucket)),
            graph: GraphClient::new(&config.graph_api_base_url, &config.graph_api_version, GRAPH_TIMEOUT),
            runner: BatchRunner::from_aws(
                "media",
                aws_sdk_sqs::Client::new(aws),
                &config.consumer,
                Order::Sequential,
            ),
            clock: Clock::system(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.clock.now_ms().max(0) as u64
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        // Boxed: the batch future is deep, and keeping it behind a pointer keeps the Lambda
        // runtime's future (and the compiler's layout queries on it) shallow.
        Ok(Box::pin(self.process(event.payload)).await.0)
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, MediaSummary) {
        let (response, counts) = self.runner.run(self, &event).await;
        let summary = MediaSummary {
            stored: counts.done,
            already_stored: 0,
            retrying: counts.retried + counts.unsettled,
            dead_lettered: counts.dead_lettered,
        };
        (response, summary)
    }

    /// Copies the file; `Ok(false)` when an earlier attempt already did.
    async fn copy(&self, job: &MediaJob) -> Result<bool, JobError> {
        let message_key = self
            .messages
            .key_of_wamid(&job.org_id, &job.wamid)
            .await?
            .ok_or_else(|| JobError::Transient("message not stored yet".into()))?;
        let message = self
            .messages
            .message(&message_key)
            .await?
            .ok_or_else(|| JobError::Transient("message not stored yet".into()))?;
        if message.media.as_ref().is_some_and(|m| m.state == MediaState::Stored) {
            return Ok(false);
        }
        if job.is_expired(self.now_ms()) {
            return Err(JobError::Permanent("media id older than Meta's 7-day validity".into()));
        }
        let account = self
            .accounts
            .get(&job.org_id, &job.account_id)
            .await?
            .ok_or_else(|| JobError::Permanent("account no longer exists".into()))?;
        let token = account.access_token()?.expose();
        let limit = job.media_kind.max_bytes();
        let mut metadata = self.graph.media_metadata(&job.media_id, token).await?;
        if let Some(size) = metadata.file_size.filter(|size| *size > limit) {
            return Err(JobError::Permanent(GraphError::TooLarge { size, limit }.to_string()));
        }
        let bytes = match self.graph.download(&metadata.url, token, limit).await {
            Err(GraphError::Http { status: 404, .. }) => {
                info!(media_id = %job.media_id, "download URL expired; asking for a new one");
                metadata = self.graph.media_metadata(&job.media_id, token).await?;
                self.graph.download(&metadata.url, token, limit).await?
            }
            other => other?,
        };
        let digest = Sha256::digest(&bytes).to_vec();
        for expected in [metadata.sha256.as_deref(), job.sha256.as_deref()]
            .into_iter()
            .flatten()
        {
            if decode_sha256(expected).is_some_and(|e| e != digest) {
                return Err(JobError::Transient(
                    "downloaded bytes do not match Meta's SHA-256".into(),
                ));
            }
        }
        let key = job.s3_key();
        let content_type = metadata
            .mime_type
            .or_else(|| job.mime_type.clone())
            .unwrap_or_else(|| "application/octet-stream".into());
        let size = bytes.len() as u64;
        self.objects.put(&key, bytes, &content_type).await?;
        let stored = MediaResult {
            state: MediaState::Stored,
            s3_key: Some(&key),
            size: Some(size),
            failure: None,
        };
        self.messages.set_media_result(&message_key, &stored).await?;
        info!(media_id = %job.media_id, size, "media stored");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(5), 480);
        assert_eq!(backoff_seconds(7), 1_920);
        assert_eq!(backoff_seconds(8), 3_600);
        assert_eq!(backoff_seconds(600), 3_600);
    }
}
