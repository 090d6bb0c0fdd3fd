//! A work queue (media, outbound): JSON jobs sent in SendMessageBatch calls of up to 10.

use crate::platform::StoreError;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures::StreamExt;

#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Sends `bodies`; returns the indexes of the ones that were not accepted.
    async fn send_all(&self, bodies: &[String]) -> Vec<usize>;
    /// Sends one body to this queue (used to move a job to a dead-letter queue).
    async fn send_one(&self, body: &str) -> Result<(), StoreError>;
    /// Sends one body that becomes visible after `delay_seconds` (at most 900, SQS's limit).
    async fn send_later(&self, body: &str, delay_seconds: u32) -> Result<(), StoreError>;
}

/// SendMessageBatch requests one `send_all` keeps in flight.
pub const BATCHES_IN_FLIGHT: usize = 8;

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
    /// Ten bodies per SendMessageBatch, up to [`BATCHES_IN_FLIGHT`] requests at once: the fan-out
    /// queues 5,000 sends per step at 1,000 mps, which one request at a time could not do in 5 s.
    async fn send_all(&self, bodies: &[String]) -> Vec<usize> {
        // Owned requests: the futures must not borrow `bodies` (the trait's future is `Send`).
        let requests: Vec<(usize, usize, Vec<SendMessageBatchRequestEntry>)> = bodies
            .chunks(10)
            .enumerate()
            .map(|(chunk_index, chunk)| {
                let entries = chunk
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
                (chunk_index * 10, chunk.len(), entries)
            })
            .collect();
        let batches = requests.into_iter().map(|(offset, len, entries)| {
            let request = self
                .client
                .send_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries));
            async move {
                match request.send().await {
                    Ok(output) => output
                        .failed()
                        .iter()
                        .filter_map(|f| f.id().parse::<usize>().ok())
                        .map(|i| offset + i)
                        .collect::<Vec<_>>(),
                    Err(err) => {
                        tracing::error!(error = %StoreError::aws("SendMessageBatch", err), "enqueueing jobs failed");
                        (offset..offset + len).collect()
                    }
                }
            }
        });
        let mut failed: Vec<usize> = futures::stream::iter(batches)
            .buffer_unordered(BATCHES_IN_FLIGHT)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .flatten()
            .collect();
        failed.sort_unstable();
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
