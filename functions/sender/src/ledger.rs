//! The sender's narrow views of its stores: the send ledger (the message's send state) and the
//! pacer. Being traits, a test can wrap the real, moto-backed ones to fail one step on purpose.

use shared::inbox::outbound_store::{ClaimOutcome, OutboundStore, PendingSend};
use shared::inbox::pacer::Pacer;
use shared::meta::MetaError;
use shared::platform::StoreError;
use shared::platform::table::Key;
use std::time::Duration;

#[async_trait::async_trait]
pub trait SendLedger: Send + Sync {
    async fn pending(&self, key: &Key) -> Result<Option<PendingSend>, StoreError>;
    /// queued → sending, first of all: the claimed message, or why it is not this caller's.
    async fn claim(&self, org_id: &str, key: &Key) -> Result<ClaimOutcome, StoreError>;
    async fn release(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError>;
    async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<bool, StoreError>;
    async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError>;
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
