//! The scheduled messages' port: what the scheduled-sends function (and the API) do with them,
//! whatever stores them: DynamoDB (`scheduled_store.rs`) or memory (`scheduled_memory.rs`, for
//! tests). Both pass one contract suite (`scheduled_contract.rs`).

use crate::inbox::Message;
use crate::inbox::outbound::OutboundJob;
use crate::outreach::schedule::{ScheduledDue, ScheduledMessage};
use crate::platform::StoreError;
use crate::platform::table::Key;
use crate::platform::tick::ShardPages;

/// A queued outbound message as `shared::inbox::compose` builds it, with its list preview.
#[derive(Debug, Clone)]
pub struct QueuedSend {
    pub key: Key,
    pub message: Message,
    pub preview: String,
    pub job: OutboundJob,
}

/// What a hand-over came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// The outbound message exists and the scheduled one is `sent`, written together.
    Handed,
    /// It was no longer pending (another run, a cancel): nothing written.
    NotPending,
}

/// Scheduled messages and their due entries. Every transition is conditioned on the status it was
/// decided from; the due entries are read a shard's page at a time ([`ShardPages`]).
#[async_trait::async_trait]
pub trait ScheduledMessages: ShardPages<ScheduledDue> + Send + Sync {
    /// Stores a new pending message with its due entry; `Conflict` when the id exists.
    async fn create(&self, message: &ScheduledMessage) -> Result<(), StoreError>;

    async fn message(
        &self,
        org_id: &str,
        conversation_id: &str,
        scheduled_id: &str,
    ) -> Result<Option<ScheduledMessage>, StoreError>;

    /// pending → cancelled, its due entry gone; `Conflict` when it is no longer pending.
    async fn cancel(&self, message: &ScheduledMessage) -> Result<(), StoreError>;

    /// The messages a page of due entries points at, each beside its entry (`None`: gone).
    async fn due_messages(
        &self,
        entries: Vec<ScheduledDue>,
    ) -> Result<Vec<(ScheduledDue, Option<ScheduledMessage>)>, StoreError>;

    /// pending → sent, creating the queued outbound message in the same write.
    async fn hand_over(&self, message: &ScheduledMessage, send: &QueuedSend) -> Result<HandOver, StoreError>;

    /// pending → failed with `reason`; false when it was no longer pending.
    async fn fail(&self, message: &ScheduledMessage, reason: &str) -> Result<bool, StoreError>;

    /// Its event is out: marked announced, its due entry gone (repeatable).
    async fn announced(&self, message: &ScheduledMessage) -> Result<(), StoreError>;

    /// Takes an entry out of the due index (its message settled or gone; repeatable).
    async fn drop_due(&self, due: &ScheduledDue) -> Result<(), StoreError>;
}
