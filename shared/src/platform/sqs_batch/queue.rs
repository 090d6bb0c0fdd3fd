//! The queue side of the batch runner: delays and dead-letter moves on SQS, and where a
//! consumer's queues and receive limit are configured.

use super::{FAILURE_REASON_ATTRIBUTE, MAX_VISIBILITY_SECONDS};
use crate::platform::StoreError;
use crate::platform::config::{ConfigError, EnvSource};
use aws_lambda_events::event::sqs::SqsMessage;
use aws_sdk_sqs::types::MessageAttributeValue;

/// The two queue operations the runner needs besides Lambda's own deletes.
#[async_trait::async_trait]
pub trait QueueControl: Send + Sync {
    async fn retry_after(&self, receipt_handle: &str, seconds: u32) -> Result<(), StoreError>;
    async fn dead_letter(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError>;
}

pub struct SqsQueueControl {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    dead_letter_queue_url: String,
}

impl SqsQueueControl {
    pub fn new(client: aws_sdk_sqs::Client, settings: &ConsumerSettings) -> Self {
        Self {
            client,
            queue_url: settings.queue_url.clone(),
            dead_letter_queue_url: settings.dead_letter_queue_url.clone(),
        }
    }
}

#[async_trait::async_trait]
impl QueueControl for SqsQueueControl {
    async fn retry_after(&self, receipt_handle: &str, seconds: u32) -> Result<(), StoreError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(seconds.min(MAX_VISIBILITY_SECONDS) as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("ChangeMessageVisibility", e))
    }

    async fn dead_letter(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.dead_letter_queue_url)
            .message_body(record.body.clone().unwrap_or_default());
        for (name, attribute) in &record.message_attributes {
            let value = MessageAttributeValue::builder()
                .data_type(attribute.data_type.clone().unwrap_or_else(|| "String".into()))
                .set_string_value(attribute.string_value.clone())
                .set_binary_value(attribute.binary_value.clone().map(|b| b.0.into()))
                .build()
                .map_err(|e| StoreError::io("MessageAttributeValue", e))?;
            request = request.message_attributes(name, value);
        }
        // A FIFO queue's record goes to its FIFO dead-letter queue in its group, once.
        if let Some(group) = record.attributes.get("MessageGroupId") {
            let dedup = record
                .attributes
                .get("MessageDeduplicationId")
                .cloned()
                .or_else(|| record.message_id.clone())
                .unwrap_or_default();
            request = request.message_group_id(group).message_deduplication_id(dedup);
        }
        let reason: String = reason.chars().take(1_000).collect();
        let reason = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(if reason.is_empty() { "unknown".into() } else { reason })
            .build()
            .map_err(|e| StoreError::io("MessageAttributeValue", e))?;
        request
            .message_attributes(FAILURE_REASON_ATTRIBUTE, reason)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("SendMessage(dead letter)", e))
    }
}

/// Where a consumer's queue, its dead-letter queue and its receive limit are (template.yaml sets
/// `maxReceiveCount` on the queue and `MAX_RECEIVE_COUNT` on the function; a test keeps them equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSettings {
    pub queue_url: String,
    pub dead_letter_queue_url: String,
    pub max_receive_count: u32,
}

impl ConsumerSettings {
    pub fn from_env(env: &impl EnvSource, queue_url_var: &'static str) -> Result<Self, ConfigError> {
        let max = crate::platform::config::vars::MAX_RECEIVE_COUNT;
        let value = env.required(max)?;
        Ok(Self {
            queue_url: env.required(queue_url_var)?,
            dead_letter_queue_url: env.required(crate::platform::config::vars::DEAD_LETTER_QUEUE_URL)?,
            max_receive_count: value.trim().parse().ok().filter(|n| (1..=1000).contains(n)).ok_or(
                ConfigError::Invalid {
                    name: max,
                    value,
                    reason: "expected SQS's maxReceiveCount, 1 to 1000",
                },
            )?,
        })
    }
}
