//! WhatsApp accounts as stored (settings and limits, not their opened secrets), read fresh: the
//! campaigns function reads the number's throughput and messaging limit at every step.

use crate::access::tenancy::WhatsAppAccount;
use crate::access::tenancy_store::TenancyStore;
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait AccountRecords: Send + Sync {
    /// The organization's account (`None`: not there, or another organization's).
    async fn account_record(&self, org_id: &str, account_id: &str) -> Result<Option<WhatsAppAccount>, StoreError>;
}

#[async_trait::async_trait]
impl AccountRecords for TenancyStore {
    async fn account_record(&self, org_id: &str, account_id: &str) -> Result<Option<WhatsAppAccount>, StoreError> {
        TenancyStore::get_account(self, org_id, account_id).await
    }
}

#[cfg(any(test, feature = "fakes"))]
#[async_trait::async_trait]
impl AccountRecords for crate::inbox::send_memory::MemoryAccounts {
    async fn account_record(&self, org_id: &str, account_id: &str) -> Result<Option<WhatsAppAccount>, StoreError> {
        use crate::inbox::send_port::SendAccounts;
        Ok(self.account(org_id, account_id).await?.map(|a| a.record.clone()))
    }
}
