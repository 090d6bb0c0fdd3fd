//! Inbound media (media queue → Graph API → S3). For each job: find the message through its wamid
//! claim, ask Graph for a download URL with the account's token, download it (a 404 means the
//! 5-minute URL expired: ask for a new one once), check size and SHA-256, store it in S3 under the
//! organization's prefix and record the S3 key on the message.
//!
//! Transient failures (Graph 5xx/429, timeouts, message not stored yet) fail the record and push
//! its next attempt out exponentially (30 s · 2^n, at most 15 min) within the media id's 7-day
//! validity. Permanent ones (unknown or expired media id, too large, bad token) mark the message's
//! media `failed` and move the job to the media DLQ at once; the message and its text are untouched.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use sha2::{Digest, Sha256};
use shared::adapters::StoreError;
use shared::adapters::inbox_store::InboxStore;
use shared::adapters::job_queue::{JobQueue, SqsJobQueue};
use shared::adapters::payload_store::{PayloadStore, S3PayloadStore};
use shared::adapters::tenancy_store::TenancyStore;
use shared::config::{ConfigError, EnvSource, vars};
use shared::graph::{GraphClient, GraphError};
use shared::inbox::MediaState;
use shared::media_job::{MediaJob, decode_sha256};
use shared::telemetry::emit_metric;
use tracing::{Instrument, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub table_name: String,
    pub media_bucket: String,
    pub media_queue_url: String,
    pub media_dead_letter_queue_url: String,
    pub graph_api_base_url: String,
    pub graph_api_version: String,
}

impl MediaConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            media_bucket: env.required(vars::MEDIA_BUCKET)?,
            media_queue_url: env.required(vars::MEDIA_QUEUE_URL)?,
            media_dead_letter_queue_url: env.required(vars::MEDIA_DEAD_LETTER_QUEUE_URL)?,
            graph_api_base_url: env.required(vars::GRAPH_API_BASE_URL)?,
            graph_api_version: env.required(vars::GRAPH_API_VERSION)?,
        })
    }
}

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
    inbox: InboxStore,
    tenancy: TenancyStore,
    objects: Box<dyn PayloadStore>,
    dead_letters: Box<dyn JobQueue>,
    graph: GraphClient,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

const BASE_BACKOFF_SECONDS: i32 = 30;
const MAX_BACKOFF_SECONDS: i32 = 900;

/// Visibility before the next attempt of a job received `receive_count` times.
pub fn backoff_seconds(receive_count: u32) -> i32 {
    let exponent = receive_count.saturating_sub(1).min(10);
    (BASE_BACKOFF_SECONDS.saturating_mul(1 << exponent)).min(MAX_BACKOFF_SECONDS)
}

impl MediaService {
    pub fn from_aws(config: &MediaConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        Self {
            inbox: InboxStore::new(dynamo.clone(), &config.table_name),
            tenancy: TenancyStore::new(dynamo, &config.table_name),
            objects: Box::new(S3PayloadStore::new(aws_sdk_s3::Client::new(aws), &config.media_bucket)),
            dead_letters: Box::new(SqsJobQueue::new(sqs.clone(), &config.media_dead_letter_queue_url)),
            graph: GraphClient::new(&config.graph_api_base_url, &config.graph_api_version),
            sqs,
            queue_url: config.media_queue_url.clone(),
        }
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        // Boxed: the batch future is deep, and keeping it behind a pointer keeps the Lambda
        // runtime's future (and the compiler's layout queries on it) shallow.
        Ok(Box::pin(self.process(event.payload)).await.0)
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, MediaSummary) {
        let mut summary = MediaSummary::default();
        let mut response = SqsBatchResponse::default();
        for record in &event.records {
            let id = record.message_id.clone().unwrap_or_default();
            let span = info_span!("media_job", sqs_message_id = %id);
            let failed = self.process_record(record, &mut summary).instrument(span).await;
            if failed {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
        for (name, value) in [
            ("MediaStored", summary.stored),
            ("MediaRetries", summary.retrying),
            ("MediaDeadLettered", summary.dead_lettered),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "media")]);
            }
        }
        (response, summary)
    }

    /// Returns true when the record must stay on the queue for another attempt.
    async fn process_record(&self, record: &SqsMessage, summary: &mut MediaSummary) -> bool {
        let body = record.body.as_deref().unwrap_or_default();
        let job: MediaJob = match serde_json::from_str(body) {
            Ok(job) => job,
            Err(err) => {
                warn!(error = %err, "not a media job; dead-lettered");
                return self.dead_letter(body, summary).await;
            }
        };
        match self.copy(&job).await {
            Ok(true) => {
                summary.stored += 1;
                false
            }
            Ok(false) => {
                summary.already_stored += 1;
                false
            }
            Err(JobError::Transient(reason)) if !job.is_expired(now_ms()) => {
                let receive_count: u32 = record
                    .attributes
                    .get("ApproximateReceiveCount")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                let delay = backoff_seconds(receive_count);
                warn!(media_id = %job.media_id, %reason, receive_count, delay, "media copy failed; retrying later");
                if let Some(handle) = &record.receipt_handle {
                    let _ = self
                        .sqs
                        .change_message_visibility()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .visibility_timeout(delay)
                        .send()
                        .await;
                }
                summary.retrying += 1;
                true
            }
            Err(JobError::Transient(reason) | JobError::Permanent(reason)) => {
                warn!(media_id = %job.media_id, %reason, "media copy failed for good; marked failed and dead-lettered");
                if let Ok(Some(key)) = self.inbox.message_key_of(&job.org_id, &job.wamid).await {
                    let _ = self
                        .inbox
                        .set_media_result(&key, MediaState::Failed, None, None, Some(&reason))
                        .await;
                }
                self.dead_letter(body, summary).await
            }
        }
    }

    async fn dead_letter(&self, body: &str, summary: &mut MediaSummary) -> bool {
        match self.dead_letters.send_one(body).await {
            Ok(()) => {
                summary.dead_lettered += 1;
                false
            }
            // Could not move it: leave it on the queue; the redrive policy gets it there in the end.
            Err(_) => true,
        }
    }

    /// Copies the file; `Ok(false)` when an earlier attempt already did.
    async fn copy(&self, job: &MediaJob) -> Result<bool, JobError> {
        let message_key = self
            .inbox
            .message_key_of(&job.org_id, &job.wamid)
            .await?
            .ok_or_else(|| JobError::Transient("message not stored yet".into()))?;
        let message = self
            .inbox
            .message(&message_key)
            .await?
            .ok_or_else(|| JobError::Transient("message not stored yet".into()))?;
        if message.media.as_ref().is_some_and(|m| m.state == MediaState::Stored) {
            return Ok(false);
        }
        if job.is_expired(now_ms()) {
            return Err(JobError::Permanent("media id older than Meta's 7-day validity".into()));
        }
        let account = self
            .tenancy
            .get_account(&job.org_id, &job.account_id)
            .await?
            .ok_or_else(|| JobError::Permanent("account no longer exists".into()))?;
        let token = account.access_token.expose();
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
        self.inbox
            .set_media_result(&message_key, MediaState::Stored, Some(&key), Some(size), None)
            .await?;
        info!(media_id = %job.media_id, size, "media stored");
        Ok(true)
    }
}

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_fifteen_minutes() {
        assert_eq!(backoff_seconds(1), 30);
        assert_eq!(backoff_seconds(2), 60);
        assert_eq!(backoff_seconds(5), 480);
        assert_eq!(backoff_seconds(6), 900);
        assert_eq!(backoff_seconds(60), 900);
    }
}
