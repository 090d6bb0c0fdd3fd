//! The care context's ports as the sla-checks function walks them: the SLA clocks that are due,
//! saved once per version; idle conversations' expiry entries, claimed and moved; the clocks
//! stopped at a resolve (and restarted at a reopen); the survey after one. DynamoDB implements them here, beside the stores;
//! `memory.rs` holds the in-memory ones and `check_contract.rs` the contract both keep.

use crate::care::chat_expiry::ChatExpirationRule;
use crate::care::chat_expiry_store::{ChatExpiryStore, ExpiryEntry};
use crate::care::csat::CsatSurvey;
use crate::care::csat_surveyor::CsatSurveyor;
use crate::care::sla_clock::{SlaBreachLog, SlaClocks, Tally};
use crate::care::sla_keeper::SlaKeeper;
use crate::care::sla_store::SlaStore;
use crate::inbox::Conversation;
use crate::platform::StoreError;
use crate::platform::tick::ShardPages;

/// Conversations' SLA clocks, indexed at their next deadline.
#[async_trait::async_trait]
pub trait SlaClockBook: ShardPages<SlaClocks> {
    async fn clocks(&self, org_id: &str, conversation_id: &str) -> Result<Option<SlaClocks>, StoreError>;
    /// Writes `clocks` (computed from version `clocks.version`) as the next version, with the
    /// breach logs (each once) and the counts of the change: `Conflict` when another write came
    /// first (the clocks keep the version they were read at).
    async fn save(
        &self,
        clocks: &mut SlaClocks,
        now_ms: i64,
        tally: Tally,
        breaches: &[SlaBreachLog],
    ) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl ShardPages<SlaClocks> for SlaStore {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<SlaClocks>, Option<String>), StoreError> {
        self.due_clocks().shard_page(minute, shard, after).await
    }
}

#[async_trait::async_trait]
impl SlaClockBook for SlaStore {
    async fn clocks(&self, org_id: &str, conversation_id: &str) -> Result<Option<SlaClocks>, StoreError> {
        SlaStore::clocks(self, org_id, conversation_id).await
    }

    async fn save(
        &self,
        clocks: &mut SlaClocks,
        now_ms: i64,
        tally: Tally,
        breaches: &[SlaBreachLog],
    ) -> Result<(), StoreError> {
        SlaStore::save(self, clocks, now_ms, tally, breaches).await
    }
}

/// A conversation's clocks follow its life: they stop when it is resolved at `at_ms`, and a fresh
/// resolution clock starts when it is reopened (nothing when it has no clocks).
#[async_trait::async_trait]
pub trait SlaLifecycle: Send + Sync {
    async fn resolved(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError>;
    async fn reopened(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError>;
    /// An agent answered at `at_ms`: the first answer stops the first-response clock.
    async fn replied(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl SlaLifecycle for SlaKeeper {
    async fn resolved(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        SlaKeeper::resolved(self, org_id, conversation_id, at_ms).await
    }
    async fn reopened(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        SlaKeeper::reopened(self, org_id, conversation_id, at_ms).await
    }
    async fn replied(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        SlaKeeper::replied(self, org_id, conversation_id, at_ms).await
    }
}

/// The organizations' chat expiration rules, one per channel.
#[async_trait::async_trait]
pub trait ExpiryRules: Send + Sync {
    async fn rule(&self, org_id: &str, channel: &str) -> Result<Option<ChatExpirationRule>, StoreError>;
}

/// Open conversations' expiry entries, indexed at the minute each is next looked at.
#[async_trait::async_trait]
pub trait ExpiryEntries: ShardPages<ExpiryEntry> + ExpiryRules {
    /// Moves an entry (as read) to `due_ms`, unclaimed; false when it changed meanwhile.
    async fn rearm(&self, entry: &ExpiryEntry, due_ms: i64) -> Result<bool, StoreError>;
    /// Claims an entry (as read) at `now_ms`; false when another run has it or it moved.
    async fn claim(&self, entry: &ExpiryEntry, now_ms: i64) -> Result<bool, StoreError>;
    /// Removes an entry (as read); a moved one stays.
    async fn drop_entry(&self, entry: &ExpiryEntry) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl ShardPages<ExpiryEntry> for ChatExpiryStore {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<ExpiryEntry>, Option<String>), StoreError> {
        self.due_entries().shard_page(minute, shard, after).await
    }
}

#[async_trait::async_trait]
impl ExpiryRules for ChatExpiryStore {
    async fn rule(&self, org_id: &str, channel: &str) -> Result<Option<ChatExpirationRule>, StoreError> {
        ChatExpiryStore::rule(self, org_id, channel).await
    }
}

#[async_trait::async_trait]
impl ExpiryEntries for ChatExpiryStore {
    async fn rearm(&self, entry: &ExpiryEntry, due_ms: i64) -> Result<bool, StoreError> {
        ChatExpiryStore::rearm(self, entry, due_ms).await
    }
    async fn claim(&self, entry: &ExpiryEntry, now_ms: i64) -> Result<bool, StoreError> {
        ChatExpiryStore::claim(self, entry, now_ms).await
    }
    async fn drop_entry(&self, entry: &ExpiryEntry) -> Result<(), StoreError> {
        ChatExpiryStore::drop_entry(self, entry).await
    }
}

/// The satisfaction survey after a resolve: sent when the account wants one and the
/// conversation has none yet (`None` otherwise).
#[async_trait::async_trait]
pub trait ResolvedSurveys: Send + Sync {
    async fn after_resolve(&self, conversation: &Conversation, now_ms: i64) -> Result<Option<CsatSurvey>, StoreError>;
}

#[async_trait::async_trait]
impl ResolvedSurveys for CsatSurveyor {
    async fn after_resolve(&self, conversation: &Conversation, now_ms: i64) -> Result<Option<CsatSurvey>, StoreError> {
        let now = chrono::DateTime::from_timestamp_millis(now_ms)
            .ok_or_else(|| StoreError::io("after_resolve", "time out of range"))?;
        CsatSurveyor::after_resolve(self, conversation, now).await
    }
}
