//! Moves messages from a dead-letter queue back to the queue they came from, once the cause is
//! fixed: body and attributes as they were (less the failure reason the batch runner added), each
//! deleted from the DLQ only after its copy was accepted, so a failure midway loses nothing and at
//! worst repeats a message (every consumer is idempotent).

use crate::platform::StoreError;
use crate::platform::sqs_batch::FAILURE_REASON_ATTRIBUTE;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, SendMessageBatchRequestEntry};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Redriven {
    pub moved: usize,
    pub failed: usize,
}

/// Moves up to `max` messages from `from` (a DLQ) to `to`.
pub async fn redrive(client: &aws_sdk_sqs::Client, from: &str, to: &str, max: usize) -> Result<Redriven, StoreError> {
    let mut done = Redriven::default();
    while done.moved + done.failed < max {
        let received = client
            .receive_message()
            .queue_url(from)
            .max_number_of_messages(10.min(max - done.moved - done.failed) as i32)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .visibility_timeout(60)
            .wait_time_seconds(1)
            .send()
            .await
            .map_err(|e| StoreError::aws("ReceiveMessage(dead letters)", e))?;
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        let entries: Vec<SendMessageBatchRequestEntry> = messages
            .iter()
            .enumerate()
            .map(|(i, message)| {
                let mut attributes = message.message_attributes.clone().unwrap_or_default();
                attributes.remove(FAILURE_REASON_ATTRIBUTE);
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(message.body().unwrap_or_default())
                    .set_message_attributes(Some(attributes).filter(|a| !a.is_empty()))
                    .build()
                    .expect("id and body are set")
            })
            .collect();
        let sent = client
            .send_message_batch()
            .queue_url(to)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| StoreError::aws("SendMessageBatch(redrive)", e))?;
        let deletes: Vec<DeleteMessageBatchRequestEntry> = sent
            .successful()
            .iter()
            .filter_map(|ok| {
                let message = messages.get(ok.id().parse::<usize>().ok()?)?;
                DeleteMessageBatchRequestEntry::builder()
                    .id(ok.id())
                    .receipt_handle(message.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        done.failed += messages.len() - deletes.len();
        if deletes.is_empty() {
            break;
        }
        let deleted = client
            .delete_message_batch()
            .queue_url(from)
            .set_entries(Some(deletes))
            .send()
            .await
            .map_err(|e| StoreError::aws("DeleteMessageBatch(dead letters)", e))?;
        done.moved += deleted.successful().len();
        done.failed += deleted.failed().len();
    }
    Ok(done)
}
