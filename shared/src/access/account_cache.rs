//! Accounts by (org, account id), cached per warm Lambda for `TTL`: ingest checks each change's
//! phone number id against the account the webhook came in on; the sender and the media function
//! need the number's access token, which is opened (one KMS `Decrypt`) when the entry is filled.

use crate::access::tenancy::{WhatsAppAccount, secret_field};
use crate::access::tenancy_store::TenancyStore;
use crate::platform::StoreError;
use crate::platform::secret::Secret;
use crate::platform::secret_keeper::{self, SecretKeeper};
use crate::platform::ttl_cache::TtlCache;
use std::sync::Arc;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(60);
const MISSING_TTL: Duration = Duration::from_secs(10);
const CAPACITY: usize = 1_000;

/// A cached account, with its access token opened when the cache was built to open it.
pub struct Account {
    pub record: WhatsAppAccount,
    access_token: Option<Secret>,
}

impl Account {
    /// An account whose token is already open (an in-memory accounts port).
    pub fn opened(record: WhatsAppAccount, access_token: Secret) -> Self {
        Self {
            record,
            access_token: Some(access_token),
        }
    }

    /// The clear access token; an error from a cache that does not open tokens.
    pub fn access_token(&self) -> Result<&Secret, StoreError> {
        self.access_token
            .as_ref()
            .ok_or_else(|| StoreError::io("access token", "this function's account cache does not open tokens"))
    }
}

impl std::ops::Deref for Account {
    type Target = WhatsAppAccount;

    fn deref(&self) -> &WhatsAppAccount {
        &self.record
    }
}

pub struct AccountCache {
    store: TenancyStore,
    token_opener: Option<Arc<dyn SecretKeeper>>,
    entries: TtlCache<(String, String), Option<Arc<Account>>>,
}

impl AccountCache {
    /// Accounts without their secrets opened (ingest).
    pub fn new(store: TenancyStore) -> Self {
        Self {
            store,
            token_opener: None,
            entries: TtlCache::new(CAPACITY),
        }
    }

    /// Accounts with their access tokens opened by `keeper` (sender, media).
    pub fn opening_tokens(store: TenancyStore, keeper: Arc<dyn SecretKeeper>) -> Self {
        Self {
            token_opener: Some(keeper),
            ..Self::new(store)
        }
    }

    pub async fn get(&self, org_id: &str, account_id: &str) -> Result<Option<Arc<Account>>, StoreError> {
        let key = (org_id.to_string(), account_id.to_string());
        if let Some(cached) = self.entries.get(&key) {
            return Ok(cached);
        }
        let Some(record) = self.store.get_account(org_id, account_id).await? else {
            self.entries.insert(key, None, MISSING_TTL);
            return Ok(None);
        };
        let access_token = match &self.token_opener {
            Some(keeper) => Some(
                secret_keeper::open(
                    keeper.as_ref(),
                    &record.access_token,
                    &record.secret_context(secret_field::ACCESS_TOKEN),
                )
                .await?,
            ),
            None => None,
        };
        let account = Some(Arc::new(Account { record, access_token }));
        self.entries.insert(key, account.clone(), TTL);
        Ok(account)
    }

    /// Drops a cached account (its token was refused: read it again).
    pub fn forget(&self, org_id: &str, account_id: &str) {
        self.entries.remove(&(org_id.to_string(), account_id.to_string()));
    }
}
