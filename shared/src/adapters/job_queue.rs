//! A work queue (media, outbound): JSON jobs sent in SendMessageBatch calls of up to 10.

use super::StoreError;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Sends `bodies`; returns the indexes of the ones that were not accepted.
    async fn send_all(&self, bodies: &[String]) -> Vec<usize>;
    /// Sends one body to this queue (used to move a job to a dead-letter queue).
    async fn send_one(&self, body: &str) -> Result<(), StoreError>;
    /// Sends one body that becomes visible after `delay_seconds` (at most 900, SQS's limit).
    async fn send_later(&self, body: &str, delay_seconds: u32) -> Result<(), StoreError>;
}

pub struct SqsJobQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsJobQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

#[async_trait::async_trait]
impl JobQueue for SqsJobQueue {
    async fn send_all(&self, bodies: &[String]) -> Vec<usize> {
        let mut failed = Vec::new();
        for (chunk_index, chunk) in bodies.chunks(10).enumerate() {
            let offset = chunk_index * 10;
            let entries: Vec<SendMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .expect("id and body are set")
                })
                .collect();
            match self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
            {
                Ok(output) => failed.extend(
                    output
                        .failed()
                        .iter()
                        .filter_map(|f| f.id().parse::<usize>().ok())
                        .map(|i| offset + i),
                ),
                Err(err) => {
                    tracing::error!(error = %StoreError::aws("SendMessageBatch", err), "enqueueing jobs failed");
                    failed.extend(offset..offset + chunk.len());
                }
            }
        }
        failed
    }

    async fn send_one(&self, body: &str) -> Result<(), StoreError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("SendMessage", e))
    }

    async fn send_later(&self, body: &str, delay_seconds: u32) -> Result<(), StoreError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .delay_seconds(delay_seconds.min(900) as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("SendMessage(delayed)", e))
    }
}
