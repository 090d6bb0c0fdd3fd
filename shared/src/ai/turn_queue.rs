//! The queue of turns in SQS: a FIFO queue, grouped by conversation so its turns are answered in
//! order one at a time, deduplicated by the customer's message so a redelivered event queues one
//! turn. The queue's delay is the burst wait: a turn is read once the customer paused.

use crate::ai::ports::{TurnJob, TurnQueue};
use crate::platform::StoreError;
use sha2::{Digest, Sha256};

pub struct SqsTurnQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsTurnQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

/// The message group: one per conversation (SQS allows 128 characters; ids are shorter, and a
/// longer one is hashed).
pub fn group_of(job: &TurnJob) -> String {
    let group = format!("{}:{}", job.org_id, job.conversation_id);
    match group.len() <= 128 {
        true => group,
        false => hex::encode(Sha256::digest(group.as_bytes())),
    }
}

#[async_trait::async_trait]
impl TurnQueue for SqsTurnQueue {
    async fn enqueue(&self, job: &TurnJob) -> Result<(), StoreError> {
        let body = serde_json::to_string(job).map_err(|e| StoreError::io("TurnJob", e))?;
        let dedup = hex::encode(Sha256::digest(format!("{}:{}", job.org_id, job.wamid).as_bytes()));
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_group_id(group_of(job))
            .message_deduplication_id(dedup)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("SendMessage(AI turn)", e))
    }
}
