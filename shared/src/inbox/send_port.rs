//! The sender's ports: the send ledger (a message's send state), the pacer, the accounts with
//! their opened tokens, uploads as links, and the wamid link a send leaves for Meta's statuses.
//! DynamoDB, KMS and S3 implement them here (beside their stores); `send_memory.rs` holds the
//! in-memory ones for tests, and `send_contract.rs` holds both ledgers to one behaviour.

use crate::access::account_cache::{Account, AccountCache};
#[cfg(feature = "s3")]
use crate::inbox::media_links::MediaLinks;
use crate::inbox::outbound_store::{ClaimOutcome, OutboundStore, PendingSend};
use crate::inbox::pacer::Pacer;
use crate::inbox::store::StatusLedger;
#[cfg(feature = "s3")]
use crate::inbox::upload_store::UploadStore;
use crate::meta::MetaError;
use crate::platform::StoreError;
use crate::platform::table::Key;
use std::sync::Arc;
use std::time::Duration;

/// A message's send state. Every move is conditioned on the state it was decided from: a lost
/// race answers `false`, never an error.
#[async_trait::async_trait]
pub trait SendLedger: Send + Sync {
    async fn pending(&self, key: &Key) -> Result<Option<PendingSend>, StoreError>;
    /// queued → sending, first of all: the claimed message, or why it is not this caller's.
    async fn claim(&self, org_id: &str, key: &Key) -> Result<ClaimOutcome, StoreError>;
    /// sending (claimed at `claimed_ms`) → queued.
    async fn release(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError>;
    /// `sent` with its wamid, unless a status ranked `sent` or above got there first.
    async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<bool, StoreError>;
    /// sending (claimed at `claimed_ms`) → unknown.
    async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError>;
    /// From the state in `pending` → failed; unconfirmed ranks below `sent`.
    async fn fail(&self, pending: &PendingSend, error: &MetaError, confirmed: bool) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl SendLedger for OutboundStore {
    async fn pending(&self, key: &Key) -> Result<Option<PendingSend>, StoreError> {
        OutboundStore::pending(self, key).await
    }
    async fn claim(&self, org_id: &str, key: &Key) -> Result<ClaimOutcome, StoreError> {
        OutboundStore::claim(self, org_id, key).await
    }
    async fn release(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        OutboundStore::release(self, pending, claimed_ms).await
    }
    async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<bool, StoreError> {
        OutboundStore::record_sent(self, pending, wamid).await
    }
    async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        OutboundStore::mark_unknown(self, pending, claimed_ms).await
    }
    async fn fail(&self, pending: &PendingSend, error: &MetaError, confirmed: bool) -> Result<bool, StoreError> {
        OutboundStore::fail(self, pending, error, confirmed).await
    }
}

/// The sweeper's view of the ledger: what is due for a look, and a re-queue recorded.
#[async_trait::async_trait]
pub trait PendingSweeps: SendLedger {
    /// Up to `limit` unsettled messages of one pending-sends shard due at `now_ms`, earliest first.
    async fn due(&self, shard: u32, now_ms: i64, limit: i32) -> Result<Vec<PendingSend>, StoreError>;
    /// A still-`queued` message was queued again: its next look is spaced further out; false
    /// when it is no longer queued.
    async fn requeued(&self, pending: &PendingSend) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl PendingSweeps for OutboundStore {
    async fn due(&self, shard: u32, now_ms: i64, limit: i32) -> Result<Vec<PendingSend>, StoreError> {
        OutboundStore::due(self, shard, now_ms, limit).await
    }
    async fn requeued(&self, pending: &PendingSend) -> Result<bool, StoreError> {
        OutboundStore::requeued(self, pending).await
    }
}

#[async_trait::async_trait]
pub trait SendPacer: Send + Sync {
    /// One send slot of the account: its epoch second, or `None` after `max_wait`.
    async fn acquire(
        &self,
        org_id: &str,
        account_id: &str,
        mps: u32,
        max_wait: Duration,
    ) -> Result<Option<i64>, StoreError>;
}

#[async_trait::async_trait]
impl SendPacer for Pacer {
    async fn acquire(
        &self,
        org_id: &str,
        account_id: &str,
        mps: u32,
        max_wait: Duration,
    ) -> Result<Option<i64>, StoreError> {
        Pacer::acquire(self, org_id, account_id, mps, max_wait).await
    }
}

/// WhatsApp accounts with their access tokens opened, cached.
#[async_trait::async_trait]
pub trait SendAccounts: Send + Sync {
    async fn account(&self, org_id: &str, account_id: &str) -> Result<Option<Arc<Account>>, StoreError>;
    /// Its token was refused: the next read goes past any cache.
    fn forget(&self, org_id: &str, account_id: &str);
}

#[async_trait::async_trait]
impl SendAccounts for AccountCache {
    async fn account(&self, org_id: &str, account_id: &str) -> Result<Option<Arc<Account>>, StoreError> {
        AccountCache::get(self, org_id, account_id).await
    }
    fn forget(&self, org_id: &str, account_id: &str) {
        AccountCache::forget(self, org_id, account_id)
    }
}

/// An agent's upload (`med_...`) as a link Meta can fetch.
#[async_trait::async_trait]
pub trait UploadLinks: Send + Sync {
    /// `None`: the upload is gone.
    async fn link(&self, org_id: &str, media_id: &str) -> Result<Option<String>, StoreError>;
}

/// Uploads recorded in DynamoDB, their files in S3 (a presigned GET).
#[cfg(feature = "s3")]
pub struct StoredUploads {
    pub uploads: UploadStore,
    pub links: MediaLinks,
}

#[cfg(feature = "s3")]
#[async_trait::async_trait]
impl UploadLinks for StoredUploads {
    async fn link(&self, org_id: &str, media_id: &str) -> Result<Option<String>, StoreError> {
        match self.uploads.upload(org_id, media_id).await? {
            Some(upload) => self.links.presigned_get(&upload.s3_key).await.map(Some),
            None => Ok(None),
        }
    }
}

/// The wamid Meta gave a send, linked to its message so statuses find it.
#[async_trait::async_trait]
pub trait WamidLinks: Send + Sync {
    /// Links `wamid` to the message and applies a status that came first.
    async fn link_outbound(&self, org_id: &str, wamid: &str, message_key: &Key) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl WamidLinks for StatusLedger {
    async fn link_outbound(&self, org_id: &str, wamid: &str, message_key: &Key) -> Result<(), StoreError> {
        StatusLedger::link_outbound(self, org_id, wamid, message_key)
            .await
            .map(|_| ())
    }
}
