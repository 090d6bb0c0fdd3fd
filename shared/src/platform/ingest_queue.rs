//! The ingest queue: where accepted webhook deliveries wait for the ingest function.

use crate::inbox::delivery::attribute;
use crate::platform::StoreError;
use aws_sdk_sqs::types::MessageAttributeValue;

/// Routing facts of one accepted delivery, sent as SQS message attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttributes<'a> {
    pub org_id: &'a str,
    pub account_id: &'a str,
    pub received_at_ms: u64,
    pub payload_location: &'static str,
}

#[async_trait::async_trait]
pub trait IngestQueue: Send + Sync {
    async fn send(&self, attributes: &DeliveryAttributes<'_>, body: &str) -> Result<(), StoreError>;
}

pub struct SqsIngestQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsIngestQueue {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

fn string_attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .expect("data type is set")
}

#[async_trait::async_trait]
impl IngestQueue for SqsIngestQueue {
    async fn send(&self, attributes: &DeliveryAttributes<'_>, body: &str) -> Result<(), StoreError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .message_attributes(attribute::ORG_ID, string_attribute(attributes.org_id))
            .message_attributes(attribute::ACCOUNT_ID, string_attribute(attributes.account_id))
            .message_attributes(
                attribute::RECEIVED_AT_MS,
                MessageAttributeValue::builder()
                    .data_type("Number")
                    .string_value(attributes.received_at_ms.to_string())
                    .build()
                    .expect("data type is set"),
            )
            .message_attributes(
                attribute::PAYLOAD_LOCATION,
                string_attribute(attributes.payload_location),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("SendMessage(ingest)", e))
    }
}
