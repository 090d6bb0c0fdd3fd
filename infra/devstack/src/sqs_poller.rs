//! Lambda's SQS event source mapping, locally: long-polls a queue, hands batches to the function as
//! SQS events, deletes what succeeded and leaves what failed for redelivery (and, after the queue's
//! maxReceiveCount, for moto to move to the dead-letter queue).

use crate::functions::SqsHandler;
use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::time::Duration;
use tracing::{info, warn};

pub struct SqsPoller {
    pub client: aws_sdk_sqs::Client,
    pub function: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub region: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
    /// Lambda leaves a failed message invisible for the queue's whole visibility timeout. Locally
    /// that can be shortened so the redelivery / DLQ path is seen in seconds, not minutes.
    pub failed_visibility_seconds: Option<i32>,
    pub handler: SqsHandler,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollOutcome {
    pub received: usize,
    pub deleted: usize,
    pub failed: usize,
}

impl SqsPoller {
    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                outcome = self.poll_once(2) => match outcome {
                    Ok(outcome) if outcome.received > 0 => info!(function = %self.function, ?outcome, "sqs batch"),
                    Ok(_) => {}
                    Err(err) => {
                        warn!(function = %self.function, "poll failed: {err}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }

    /// One receive → invoke → delete cycle.
    pub async fn poll_once(&self, wait_seconds: i32) -> Result<PollOutcome, String> {
        let received = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size.clamp(1, 10) as i32)
            .wait_time_seconds(wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(PollOutcome::default());
        }
        let event_json = sqs_event(&messages, &self.queue_arn, &self.region);
        let event: SqsEvent = serde_json::from_value(event_json).map_err(|e| format!("SQS event not accepted: {e}"))?;
        let all_ids: HashSet<String> = messages.iter().filter_map(|m| m.message_id.clone()).collect();
        let failed: HashSet<String> = match (self.handler)(event).await {
            Err(err) => {
                warn!(function = %self.function, "invocation failed, whole batch returns to the queue: {err}");
                all_ids.clone()
            }
            Ok(_) if !self.report_batch_item_failures => HashSet::new(),
            Ok(response) => {
                let ids: HashSet<String> = response
                    .batch_item_failures
                    .into_iter()
                    .map(|f| f.item_identifier)
                    .collect();
                // Lambda treats an unknown or empty identifier as a failure of the whole batch.
                if ids.iter().all(|id| all_ids.contains(id)) {
                    ids
                } else {
                    all_ids.clone()
                }
            }
        };
        let mut deletions = Vec::new();
        for message in &messages {
            let (Some(id), Some(handle)) = (&message.message_id, &message.receipt_handle) else {
                continue;
            };
            if failed.contains(id) {
                if let Some(seconds) = self.failed_visibility_seconds {
                    let _ = self
                        .client
                        .change_message_visibility()
                        .queue_url(&self.queue_url)
                        .receipt_handle(handle)
                        .visibility_timeout(seconds)
                        .send()
                        .await;
                }
            } else {
                deletions.push(
                    DeleteMessageBatchRequestEntry::builder()
                        .id(id)
                        .receipt_handle(handle)
                        .build()
                        .map_err(|e| e.to_string())?,
                );
            }
        }
        let deleted = deletions.len();
        if !deletions.is_empty() {
            self.client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(deletions))
                .send()
                .await
                .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        }
        Ok(PollOutcome {
            received: messages.len(),
            deleted,
            failed: failed.len(),
        })
    }
}

/// The event Lambda's SQS integration sends for `messages`.
pub fn sqs_event(messages: &[Message], queue_arn: &str, region: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|message| {
            let attributes: Map<String, Value> = message
                .attributes()
                .into_iter()
                .flatten()
                .map(|(name, value)| (name.as_str().to_string(), Value::String(value.clone())))
                .collect();
            let message_attributes: Map<String, Value> = message
                .message_attributes()
                .into_iter()
                .flatten()
                .map(|(name, value)| {
                    let mut attribute =
                        json!({"dataType": value.data_type(), "stringListValues": [], "binaryListValues": []});
                    if let Some(text) = value.string_value() {
                        attribute["stringValue"] = Value::String(text.to_string());
                    }
                    if let Some(binary) = value.binary_value() {
                        attribute["binaryValue"] = Value::String(base64::Engine::encode(
                            &base64::engine::general_purpose::STANDARD,
                            binary.as_ref(),
                        ));
                    }
                    (name.clone(), attribute)
                })
                .collect();
            json!({
                "messageId": message.message_id(),
                "receiptHandle": message.receipt_handle(),
                "body": message.body(),
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": message.md5_of_body(),
                "md5OfMessageAttributes": message.md5_of_message_attributes(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    json!({ "Records": records })
}
