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

/// A queue that keeps every body it was given (or, while `refusing`, takes none in a batch).
#[derive(Default)]
pub struct MemoryQueue {
    pub bodies: Mutex<Vec<String>>,
    pub refusing: std::sync::atomic::AtomicBool,
}

impl MemoryQueue {
    pub fn taken(&self) -> Vec<String> {
        std::mem::take(&mut *self.bodies.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl JobQueue for MemoryQueue {
    async fn send_all(&self, bodies: &[String]) -> Vec<usize> {
        if self.refusing.load(std::sync::atomic::Ordering::SeqCst) {
            return (0..bodies.len()).collect();
        }
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

/// An event bus that keeps every event it was given (or, while `refusing`, refuses them all).
#[derive(Default)]
pub struct MemoryEvents {
    pub events: Mutex<Vec<DomainEvent>>,
    pub refusing: std::sync::atomic::AtomicBool,
}

impl MemoryEvents {
    /// The ids of the events kept, in order.
    pub fn ids(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|e| e.detail["event_id"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    pub fn refuse(&self, refusing: bool) {
        self.refusing.store(refusing, std::sync::atomic::Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl EventPublisher for MemoryEvents {
    async fn publish(&self, events: &[DomainEvent]) -> Vec<usize> {
        if self.refusing.load(std::sync::atomic::Ordering::SeqCst) {
            return (0..events.len()).collect();
        }
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

/// Entries a due-index page holds (as the DynamoDB stores' Query limit).
pub const DUE_PAGE: usize = 100;

type Placement = ((String, u32), String);

struct DueState<T> {
    /// (minute, shard) → (sort key → entry).
    pages: std::collections::BTreeMap<(String, u32), std::collections::BTreeMap<String, T>>,
    /// (organization, entry id) → where it is indexed: one place per entry, as one item's index keys.
    placed: HashMap<(String, String), Placement>,
}

/// A due index in memory, ordered as DynamoDB's: per minute and organization shard
/// ([`crate::platform::table::DUE_SHARDS`]), by due time, then the entry's id.
pub struct MemoryDue<T> {
    state: Mutex<DueState<T>>,
}

impl<T> Default for MemoryDue<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new(DueState {
                pages: Default::default(),
                placed: HashMap::new(),
            }),
        }
    }
}

impl<T: Clone> MemoryDue<T> {
    fn state(&self) -> std::sync::MutexGuard<'_, DueState<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Indexes `entry` (`id`, of `org_id`) at `due_ms`, moving it from where it was.
    pub fn place(&self, org_id: &str, id: &str, due_ms: i64, entry: T) {
        use crate::platform::table::{DUE_SHARDS, shard_of};
        let mut state = self.state();
        Self::unplace(&mut state, org_id, id);
        let partition = (crate::platform::tick::minute_of(due_ms), shard_of(org_id, DUE_SHARDS));
        let sort = format!("{:013}#{org_id}#{id}", due_ms.max(0));
        state
            .pages
            .entry(partition.clone())
            .or_default()
            .insert(sort.clone(), entry);
        state.placed.insert((org_id.into(), id.into()), (partition, sort));
    }

    /// Takes the entry `id` of `org_id` out of the index (it is no longer due).
    pub fn remove(&self, org_id: &str, id: &str) {
        Self::unplace(&mut self.state(), org_id, id);
    }

    fn unplace(state: &mut DueState<T>, org_id: &str, id: &str) {
        if let Some((partition, sort)) = state.placed.remove(&(org_id.to_string(), id.to_string()))
            && let Some(page) = state.pages.get_mut(&partition)
        {
            page.remove(&sort);
        }
    }

    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.state().placed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait::async_trait]
impl<T: Clone + Send> crate::platform::tick::ShardPages<T> for MemoryDue<T> {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let state = self.state();
        let Some(entries) = state.pages.get(&(minute.to_string(), shard)) else {
            return Ok((vec![], None));
        };
        let page: Vec<(&String, &T)> = entries
            .iter()
            .filter(|(sort, _)| after.as_ref().is_none_or(|after| *sort > after))
            .take(DUE_PAGE)
            .collect();
        let next = (page.len() == DUE_PAGE).then(|| page[DUE_PAGE - 1].0.clone());
        Ok((page.into_iter().map(|(_, entry)| entry.clone()).collect(), next))
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_in_memory_cursors_keep_the_contract() {
        super::clock_cursors_contract(&super::MemoryCursors::default(), "a-clock").await;
    }
}
