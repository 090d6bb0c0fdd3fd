//! Accounts by (org, account id), cached per warm Lambda for `TTL`: ingest checks each change's
//! phone number id against the account the webhook came in on; the sender needs the number's
//! token and throughput for every send.

use super::StoreError;
use super::tenancy_store::TenancyStore;
use crate::tenancy::WhatsAppAccount;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(60);

pub struct AccountCache {
    store: TenancyStore,
    entries: Mutex<HashMap<(String, String), (Option<Arc<WhatsAppAccount>>, Instant)>>,
}

impl AccountCache {
    pub fn new(store: TenancyStore) -> Self {
        Self {
            store,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub async fn get(&self, org_id: &str, account_id: &str) -> Result<Option<Arc<WhatsAppAccount>>, StoreError> {
        let key = (org_id.to_string(), account_id.to_string());
        if let Some((account, at)) = self.entries.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
            && at.elapsed() < TTL
        {
            return Ok(account.clone());
        }
        let account = self.store.get_account(org_id, account_id).await?.map(Arc::new);
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, (account.clone(), Instant::now()));
        Ok(account)
    }

    /// Drops a cached account (its token was refused: read it again).
    pub fn forget(&self, org_id: &str, account_id: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(org_id.to_string(), account_id.to_string()));
    }
}
