//! Scheduled messages in memory: the [`ScheduledMessages`] port for tests, held to the same
//! contract as the DynamoDB store (`scheduled_contract.rs`). The due index is ordered as
//! DynamoDB's: per minute and organization shard, by due time, then ids.

use crate::inbox::reads::{ConversationReads, MemoryInbox};
use crate::outreach::schedule::{ScheduledDue, ScheduledMessage, ScheduledStatus};
use crate::outreach::scheduled_port::{HandOver, QueuedSend, ScheduledMessages};
use crate::platform::StoreError;
use crate::platform::table::{DUE_SHARDS, shard_of};
use crate::platform::tick::{ShardPages, minute_of};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Due entries a page holds (as the DynamoDB store's Query limit).
const PAGE: usize = 100;

type Id = (String, String, String);
/// (minute, shard) → (sort key → entry).
type Due = BTreeMap<(String, u32), BTreeMap<String, ScheduledDue>>;

/// Hand-overs write into the inbox's conversations: they must exist (as in DynamoDB).
pub struct MemoryScheduled {
    inbox: std::sync::Arc<MemoryInbox>,
    messages: Mutex<HashMap<Id, ScheduledMessage>>,
    due: Mutex<Due>,
    /// The outbound messages hand-overs created, in order.
    pub handed: Mutex<Vec<QueuedSend>>,
}

fn id_of(org_id: &str, conversation_id: &str, scheduled_id: &str) -> Id {
    (org_id.into(), conversation_id.into(), scheduled_id.into())
}

fn place(due: &ScheduledDue) -> ((String, u32), String) {
    (
        (minute_of(due.scheduled_at_ms), shard_of(&due.org_id, DUE_SHARDS)),
        format!(
            "{:013}#{}#{}#{}",
            due.scheduled_at_ms.max(0),
            due.org_id,
            due.conversation_id,
            due.scheduled_id
        ),
    )
}

impl MemoryScheduled {
    pub fn new(inbox: std::sync::Arc<MemoryInbox>) -> Self {
        Self {
            inbox,
            messages: Mutex::default(),
            due: Mutex::default(),
            handed: Mutex::default(),
        }
    }

    /// Moves a pending message to `to` (with `change`); false when it was no longer pending.
    fn leave_pending(&self, message: &ScheduledMessage, change: impl FnOnce(&mut ScheduledMessage)) -> bool {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        let id = id_of(&message.org_id, &message.conversation_id, &message.scheduled_id);
        match messages.get_mut(&id) {
            Some(stored) if stored.status == ScheduledStatus::Pending => {
                change(stored);
                true
            }
            _ => false,
        }
    }

    /// How many due entries the index holds.
    pub fn due_entries(&self) -> usize {
        self.due
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(BTreeMap::len)
            .sum()
    }
}

#[async_trait::async_trait]
impl ShardPages<ScheduledDue> for MemoryScheduled {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<ScheduledDue>, Option<String>), StoreError> {
        let due = self.due.lock().unwrap_or_else(|e| e.into_inner());
        let Some(entries) = due.get(&(minute.to_string(), shard)) else {
            return Ok((vec![], None));
        };
        let page: Vec<(&String, &ScheduledDue)> = entries
            .iter()
            .filter(|(sk, _)| after.as_ref().is_none_or(|after| *sk > after))
            .take(PAGE)
            .collect();
        let next = (page.len() == PAGE).then(|| page[PAGE - 1].0.clone());
        Ok((page.into_iter().map(|(_, entry)| entry.clone()).collect(), next))
    }
}

#[async_trait::async_trait]
impl ScheduledMessages for MemoryScheduled {
    async fn create(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        let id = id_of(&message.org_id, &message.conversation_id, &message.scheduled_id);
        if messages.contains_key(&id) {
            return Err(StoreError::Conflict("scheduled message id".into()));
        }
        messages.insert(id, message.clone());
        let entry = ScheduledDue::of(message);
        let (partition, sk) = place(&entry);
        self.due
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(partition)
            .or_default()
            .insert(sk, entry);
        Ok(())
    }

    async fn message(
        &self,
        org_id: &str,
        conversation_id: &str,
        scheduled_id: &str,
    ) -> Result<Option<ScheduledMessage>, StoreError> {
        let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        Ok(messages.get(&id_of(org_id, conversation_id, scheduled_id)).cloned())
    }

    async fn cancel(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        if !self.leave_pending(message, |m| {
            m.status = ScheduledStatus::Cancelled;
            m.announced = true;
        }) {
            return Err(StoreError::Conflict("not pending".into()));
        }
        self.drop_due(&ScheduledDue::of(message)).await
    }

    async fn due_messages(
        &self,
        entries: Vec<ScheduledDue>,
    ) -> Result<Vec<(ScheduledDue, Option<ScheduledMessage>)>, StoreError> {
        let messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries
            .into_iter()
            .map(|due| {
                let message = messages
                    .get(&id_of(&due.org_id, &due.conversation_id, &due.scheduled_id))
                    .cloned();
                (due, message)
            })
            .collect())
    }

    async fn hand_over(&self, message: &ScheduledMessage, send: &QueuedSend) -> Result<HandOver, StoreError> {
        let conversation = self
            .inbox
            .conversation(&message.org_id, &message.conversation_id)
            .await?;
        if conversation.is_none() {
            return Err(StoreError::NotFound("conversation".into()));
        }
        let handed = self.leave_pending(message, |m| {
            m.status = ScheduledStatus::Sent;
            m.message_id = Some(send.message.message_id.clone());
            m.sent_at = Some(crate::platform::items::now_rfc3339());
        });
        if !handed {
            return Ok(HandOver::NotPending);
        }
        self.handed.lock().unwrap_or_else(|e| e.into_inner()).push(send.clone());
        Ok(HandOver::Handed)
    }

    async fn fail(&self, message: &ScheduledMessage, reason: &str) -> Result<bool, StoreError> {
        Ok(self.leave_pending(message, |m| {
            m.status = ScheduledStatus::Failed;
            m.error_message = Some(reason.to_string());
        }))
    }

    async fn announced(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        {
            let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
            let id = id_of(&message.org_id, &message.conversation_id, &message.scheduled_id);
            if let Some(stored) = messages.get_mut(&id) {
                stored.announced = true;
            }
        }
        self.drop_due(&ScheduledDue::of(message)).await
    }

    async fn drop_due(&self, due: &ScheduledDue) -> Result<(), StoreError> {
        let (partition, sk) = place(due);
        if let Some(entries) = self.due.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&partition) {
            entries.remove(&sk);
        }
        Ok(())
    }
}
