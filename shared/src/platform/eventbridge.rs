//! EventBridge: publishes domain events in PutEvents calls of up to 10 entries.

use crate::platform::StoreError;
use crate::platform::event_bus::{EventPublisher, MAX_ENTRIES_PER_CALL};
use crate::platform::events::{DomainEvent, SOURCE};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgePublisher {
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }
}

#[async_trait::async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: &[DomainEvent]) -> Vec<usize> {
        let mut failed = Vec::new();
        for (chunk_index, chunk) in events.chunks(MAX_ENTRIES_PER_CALL).enumerate() {
            let offset = chunk_index * MAX_ENTRIES_PER_CALL;
            let entries: Vec<PutEventsRequestEntry> = chunk
                .iter()
                .map(|e| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(SOURCE)
                        .detail_type(e.detail_type)
                        .detail(e.detail.to_string())
                        .build()
                })
                .collect();
            match self.client.put_events().set_entries(Some(entries)).send().await {
                Ok(output) => {
                    for (i, entry) in output.entries().iter().enumerate() {
                        if entry.error_code().is_some() {
                            failed.push(offset + i);
                        }
                    }
                }
                Err(err) => {
                    tracing::error!(error = %StoreError::aws("PutEvents", err), "publishing events failed");
                    failed.extend(offset..offset + chunk.len());
                }
            }
        }
        failed
    }
}
