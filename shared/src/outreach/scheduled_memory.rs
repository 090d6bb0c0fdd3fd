//! Scheduled messages in memory: the [`ScheduledMessages`] port for tests, held to the same
//! contract as the DynamoDB store (`scheduled_contract.rs`). The due index is ordered as
//! DynamoDB's: per minute and organization shard, by due time, then ids.

use crate::inbox::reads::{ConversationReads, MemoryInbox};
use crate::outreach::schedule::{ScheduledDue, ScheduledMessage, ScheduledStatus};
use crate::outreach::scheduled_port::{HandOver, QueuedSend, ScheduledMessages};
use crate::platform::StoreError;
use crate::platform::memory::MemoryDue;
use crate::platform::tick::ShardPages;
use std::collections::HashMap;
use std::sync::Mutex;

type Id = (String, String, String);

/// Hand-overs write into the inbox's conversations: they must exist (as in DynamoDB).
pub struct MemoryScheduled {
    inbox: std::sync::Arc<MemoryInbox>,
    messages: Mutex<HashMap<Id, ScheduledMessage>>,
    due: MemoryDue<ScheduledDue>,
    /// The outbound messages hand-overs created, in order.
    pub handed: Mutex<Vec<QueuedSend>>,
}

fn id_of(org_id: &str, conversation_id: &str, scheduled_id: &str) -> Id {
    (org_id.into(), conversation_id.into(), scheduled_id.into())
}

/// The entry's id in the due index (after its time and organization, as DynamoDB's sort key).
fn due_id(due: &ScheduledDue) -> String {
    format!("{}#{}", due.conversation_id, due.scheduled_id)
}

impl MemoryScheduled {
    pub fn new(inbox: std::sync::Arc<MemoryInbox>) -> Self {
        Self {
            inbox,
            messages: Mutex::default(),
            due: MemoryDue::default(),
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
        self.due.len()
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
        self.due.shard_page(minute, shard, after).await
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
        self.due
            .place(&entry.org_id, &due_id(&entry), entry.scheduled_at_ms, entry.clone());
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
        self.due.remove(&due.org_id, &due_id(due));
        Ok(())
    }
}
