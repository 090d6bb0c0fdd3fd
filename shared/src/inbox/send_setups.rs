//! The sender's ports a test sets up: the pacer's answers, the accounts with their tokens, the
//! uploads' links.

use crate::access::account_cache::Account;
use crate::access::tenancy::WhatsAppAccount;
use crate::inbox::send_port::{SendAccounts, SendPacer, UploadLinks};
use crate::platform::StoreError;
use crate::platform::secret::Secret;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the pacer answers each acquire, in order; then a slot of the current second.
#[derive(Debug, Clone, Copy)]
pub enum PacerAnswer {
    /// A slot of the current second.
    Slot,
    /// No slot within the wait.
    NoSlot,
    /// A slot whose second ran out before the send could leave (a stalled process).
    Stale,
    /// The table did not answer.
    Fails,
}

#[derive(Default)]
pub struct MemoryPacer {
    answers: Mutex<VecDeque<PacerAnswer>>,
    /// Acquires asked for so far.
    pub asked: Mutex<u32>,
}

impl MemoryPacer {
    pub fn answer(&self, answers: impl IntoIterator<Item = PacerAnswer>) {
        lock(&self.answers).extend(answers);
    }
}

#[async_trait::async_trait]
impl SendPacer for MemoryPacer {
    async fn acquire(&self, _: &str, _: &str, _: u32, _: Duration) -> Result<Option<i64>, StoreError> {
        *lock(&self.asked) += 1;
        let now_s = chrono::Utc::now().timestamp();
        match lock(&self.answers).pop_front().unwrap_or(PacerAnswer::Slot) {
            PacerAnswer::Slot => Ok(Some(now_s)),
            PacerAnswer::NoSlot => Ok(None),
            PacerAnswer::Stale => Ok(Some(now_s - 60)),
            PacerAnswer::Fails => Err(StoreError::io("pacer", "the table did not answer")),
        }
    }
}

/// Accounts with their tokens already open; a test replaces a token as an admin would.
#[derive(Default)]
pub struct MemoryAccounts {
    accounts: Mutex<HashMap<(String, String), Arc<Account>>>,
    /// Replacements the next forget brings in (a token rotated while a cache held the old one).
    rotated: Mutex<Vec<Arc<Account>>>,
    /// Forgets asked for (a refused token).
    pub forgotten: Mutex<u32>,
}

impl MemoryAccounts {
    pub fn put(&self, record: WhatsAppAccount, access_token: &str) {
        let key = (record.org_id.clone(), record.account_id.clone());
        lock(&self.accounts).insert(key, Arc::new(Account::opened(record, Secret::new(access_token))));
    }

    /// The account's token was rotated, but reads still see the old one until it is forgotten.
    pub fn rotate_on_forget(&self, record: WhatsAppAccount, access_token: &str) {
        lock(&self.rotated).push(Arc::new(Account::opened(record, Secret::new(access_token))));
    }

    pub fn remove(&self, org_id: &str, account_id: &str) {
        lock(&self.accounts).remove(&(org_id.into(), account_id.into()));
    }
}

#[async_trait::async_trait]
impl SendAccounts for MemoryAccounts {
    async fn account(&self, org_id: &str, account_id: &str) -> Result<Option<Arc<Account>>, StoreError> {
        Ok(lock(&self.accounts).get(&(org_id.into(), account_id.into())).cloned())
    }

    fn forget(&self, org_id: &str, account_id: &str) {
        *lock(&self.forgotten) += 1;
        let mut rotated = lock(&self.rotated);
        let (fresh, still): (Vec<_>, Vec<_>) = rotated
            .drain(..)
            .partition(|a| a.org_id == org_id && a.account_id == account_id);
        *rotated = still;
        if let Some(fresh) = fresh.into_iter().last() {
            lock(&self.accounts).insert((org_id.into(), account_id.into()), fresh);
        }
    }
}

/// Uploads by media id, as the links Meta would fetch.
#[derive(Default)]
pub struct MemoryUploads {
    links: Mutex<HashMap<(String, String), String>>,
}

impl MemoryUploads {
    pub fn put(&self, org_id: &str, media_id: &str, link: &str) {
        lock(&self.links).insert((org_id.into(), media_id.into()), link.into());
    }
}

#[async_trait::async_trait]
impl UploadLinks for MemoryUploads {
    async fn link(&self, org_id: &str, media_id: &str) -> Result<Option<String>, StoreError> {
        Ok(lock(&self.links).get(&(org_id.into(), media_id.into())).cloned())
    }
}
