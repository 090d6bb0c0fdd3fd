//! In-memory stand-ins for the platform's ports (queues, the event bus, clock cursors), for tests
//! of orchestration that need no moto. `ClockCursors` keeps the DynamoDB cursor's contract (see
//! `clock_cursors_contract`).

use crate::platform::StoreError;
use crate::platform::event_bus::EventPublisher;
use crate::platform::events::DomainEvent;
use crate::platform::job_queue::JobQueue;
use crate::platform::tick::ClockCursors;
use std::collections::HashMap;
use std::sync::Mutex;

/// A queue that keeps every body it was given.
#[derive(Default)]
pub struct MemoryQueue {
    pub bodies: Mutex<Vec<String>>,
}

impl MemoryQueue {
    pub fn taken(&self) -> Vec<String> {
        std::mem::take(&mut *self.bodies.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[async_trait::async_trait]
impl JobQueue for MemoryQueue {
    async fn send_all(&self, bodies: &[String]) -> Vec<usize> {
        self.bodies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bodies);
        vec![]
    }

    async fn send_one(&self, body: &str) -> Result<(), StoreError> {
        self.bodies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(body.to_string());
        Ok(())
    }

    async fn send_later(&self, body: &str, _delay_seconds: u32) -> Result<(), StoreError> {
        self.send_one(body).await
    }
}

/// An event bus that keeps every event it was given.
#[derive(Default)]
pub struct MemoryEvents {
    pub events: Mutex<Vec<DomainEvent>>,
}

#[async_trait::async_trait]
impl EventPublisher for MemoryEvents {
    async fn publish(&self, events: &[DomainEvent]) -> Vec<usize> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(events);
        vec![]
    }
}

/// What a batch runner asked of its queue: delays by receipt handle, dead letters by body.
#[derive(Default)]
pub struct MemoryQueueControl {
    pub retries: Mutex<Vec<(String, u32)>>,
    pub dead_letters: Mutex<Vec<(String, String)>>,
}

#[async_trait::async_trait]
impl crate::platform::sqs_batch::QueueControl for std::sync::Arc<MemoryQueueControl> {
    async fn retry_after(&self, receipt_handle: &str, seconds: u32) -> Result<(), StoreError> {
        self.retries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((receipt_handle.into(), seconds));
        Ok(())
    }

    async fn dead_letter(
        &self,
        record: &aws_lambda_events::event::sqs::SqsMessage,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.dead_letters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((record.body.clone().unwrap_or_default(), reason.into()));
        Ok(())
    }
}

/// Clock cursors in memory.
#[derive(Default)]
pub struct MemoryCursors {
    cursors: Mutex<HashMap<String, i64>>,
}

#[async_trait::async_trait]
impl ClockCursors for MemoryCursors {
    async fn cursor(&self, function: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .cursors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(function)
            .copied())
    }

    async fn advance_cursor(&self, function: &str, minute_ms: i64) -> Result<(), StoreError> {
        let mut cursors = self.cursors.lock().unwrap_or_else(|e| e.into_inner());
        let cursor = cursors.entry(function.to_string()).or_insert(minute_ms);
        *cursor = (*cursor).max(minute_ms);
        Ok(())
    }
}

/// The contract of [`ClockCursors`]: none at first, then only forward, one per function.
pub async fn clock_cursors_contract(cursors: &dyn ClockCursors, function: &str) {
    assert_eq!(
        cursors.cursor(function).await.expect("read"),
        None,
        "no cursor at first"
    );
    cursors.advance_cursor(function, 120_000).await.expect("advance");
    assert_eq!(cursors.cursor(function).await.expect("read"), Some(120_000));
    cursors.advance_cursor(function, 60_000).await.expect("advance");
    assert_eq!(
        cursors.cursor(function).await.expect("read"),
        Some(120_000),
        "never back"
    );
    cursors.advance_cursor(function, 180_000).await.expect("advance");
    assert_eq!(cursors.cursor(function).await.expect("read"), Some(180_000));
    let other = format!("{function}-other");
    assert_eq!(cursors.cursor(&other).await.expect("read"), None, "one per function");
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_in_memory_cursors_keep_the_contract() {
        super::clock_cursors_contract(&super::MemoryCursors::default(), "a-clock").await;
    }
}

/// Claim-checked payloads by key, in a named bucket.
#[cfg(feature = "s3")]
#[derive(Default)]
pub struct MemoryPayloads {
    pub objects: Mutex<HashMap<String, Vec<u8>>>,
}

#[cfg(feature = "s3")]
#[async_trait::async_trait]
impl crate::platform::payload_store::PayloadStore for MemoryPayloads {
    fn bucket(&self) -> &str {
        "memory-payloads"
    }

    async fn put(&self, key: &str, body: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        self.objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.into(), body);
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
            .ok_or_else(|| StoreError::io("payload", format!("no object {key}")))
    }
}
