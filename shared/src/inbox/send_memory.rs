//! The sender's ports in memory, for tests of its orchestration without moto. The ledger keeps
//! `OutboundStore`'s rules (`send_contract.rs` holds both to them); the pacer, the accounts and the
//! uploads are set up by the test.

use crate::access::account_cache::Account;
use crate::access::tenancy::WhatsAppAccount;
use crate::inbox::Message;
use crate::inbox::ingest_port::{OutOfHoursReplies, OutOfHoursReply, StatusUpdates};
use crate::inbox::outbound::OutboundJob;
use crate::inbox::outbound_store::{ClaimOutcome, PendingSend};
use crate::inbox::send_policy::{SendState, UNCONFIRMED_FAILURE_RANK};
use crate::inbox::send_port::{SendAccounts, SendLedger, SendPacer, UploadLinks, WamidLinks};
use crate::inbox::store::StatusOutcome;
use crate::meta::{DeliveryStatus, MetaError, StatusUpdate};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use crate::platform::secret::Secret;
use crate::platform::table::{self, Key};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One stored outbound message and its send attributes.
#[derive(Clone)]
struct Stored {
    message: Message,
    job: Option<OutboundJob>,
    claimed_ms: Option<i64>,
    unknown_since_ms: Option<i64>,
    requeues: u32,
    attempts: u32,
}

impl Stored {
    fn pending(&self, key: &Key) -> PendingSend {
        PendingSend {
            key: key.clone(),
            state: SendState::of(
                &self.message.status,
                self.message.received_at_ms as i64,
                self.claimed_ms,
                self.unknown_since_ms,
                self.requeues,
            ),
            message: self.message.clone(),
            job: self.job.clone(),
            attempts: self.attempts,
        }
    }
}

/// Outbound messages in memory: the send ledger, and the wamid links a send leaves.
pub struct MemoryOutbound {
    clock: Clock,
    messages: Mutex<HashMap<Key, Stored>>,
    links: Mutex<HashMap<(String, String), Key>>,
    /// Statuses that came before their wamid's link, the latest by rank.
    parked: Mutex<HashMap<(String, String), StatusUpdate>>,
    /// (org, conversation, reopens_ms) of out-of-hours replies queued.
    periods: Mutex<HashSet<(String, String, i64)>>,
}

impl MemoryOutbound {
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            messages: Mutex::default(),
            links: Mutex::default(),
            parked: Mutex::default(),
            periods: Mutex::default(),
        }
    }

    /// Stores a queued outbound message with its job (`compose::queued_message`'s three), as the
    /// API's create does; its key.
    pub fn queue(&self, (key, message, job): (Key, Message, OutboundJob)) -> Key {
        let stored = Stored {
            message,
            job: Some(job),
            claimed_ms: None,
            unknown_since_ms: None,
            requeues: 0,
            attempts: 0,
        };
        lock(&self.messages).insert(key.clone(), stored);
        key
    }

    /// The message as stored now.
    pub fn message(&self, key: &Key) -> Option<Message> {
        lock(&self.messages).get(key).map(|stored| stored.message.clone())
    }

    /// The message a wamid was linked to.
    pub fn linked(&self, org_id: &str, wamid: &str) -> Option<Key> {
        lock(&self.links).get(&(org_id.into(), wamid.into())).cloned()
    }

    /// Applies `change` when the message exists and `condition` holds; whether it did.
    fn transition(&self, key: &Key, condition: impl FnOnce(&Stored) -> bool, change: impl FnOnce(&mut Stored)) -> bool {
        let mut messages = lock(&self.messages);
        match messages.get_mut(key) {
            Some(stored) if condition(stored) => {
                change(stored);
                true
            }
            _ => false,
        }
    }
}

fn claimed_at(stored: &Stored, claimed_ms: i64) -> bool {
    stored.message.status == "sending" && stored.claimed_ms == Some(claimed_ms)
}

#[async_trait::async_trait]
impl SendLedger for MemoryOutbound {
    async fn pending(&self, key: &Key) -> Result<Option<PendingSend>, StoreError> {
        Ok(lock(&self.messages).get(key).map(|stored| stored.pending(key)))
    }

    async fn claim(&self, _org_id: &str, key: &Key) -> Result<ClaimOutcome, StoreError> {
        if table::message_id_in(key).is_none() {
            return Ok(ClaimOutcome::Missing);
        }
        let now = self.clock.now_ms();
        let mut messages = lock(&self.messages);
        let Some(stored) = messages.get_mut(key) else {
            return Ok(ClaimOutcome::Missing);
        };
        if stored.message.status != "queued" {
            return Ok(ClaimOutcome::NotQueued(stored.pending(key)));
        }
        stored.message.status = "sending".into();
        stored.claimed_ms = Some(now);
        stored.attempts += 1;
        Ok(ClaimOutcome::Claimed(stored.pending(key)))
    }

    async fn release(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        Ok(self.transition(
            &pending.key,
            |stored| claimed_at(stored, claimed_ms),
            |stored| stored.message.status = "queued".into(),
        ))
    }

    async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<bool, StoreError> {
        let rank = DeliveryStatus::Sent.rank();
        Ok(self.transition(
            &pending.key,
            |stored| stored.message.status_rank < rank,
            |stored| {
                stored.message.status = "sent".into();
                stored.message.status_rank = rank;
                stored.message.wamid = Some(wamid.into());
            },
        ))
    }

    async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        let now = self.clock.now_ms();
        Ok(self.transition(
            &pending.key,
            |stored| claimed_at(stored, claimed_ms),
            |stored| {
                stored.message.status = "unknown".into();
                stored.unknown_since_ms = Some(now);
            },
        ))
    }

    async fn fail(&self, pending: &PendingSend, error: &MetaError, confirmed: bool) -> Result<bool, StoreError> {
        let from = pending.state.status();
        let rank = if confirmed {
            DeliveryStatus::Failed.rank()
        } else {
            UNCONFIRMED_FAILURE_RANK
        };
        Ok(self.transition(
            &pending.key,
            |stored| stored.message.status == from,
            |stored| {
                stored.message.status = "failed".into();
                stored.message.status_rank = rank;
                stored.message.status_errors = vec![error.clone()];
            },
        ))
    }
}

/// Links the wamid, and applies a status that came first.
#[async_trait::async_trait]
impl WamidLinks for MemoryOutbound {
    async fn link_outbound(&self, org_id: &str, wamid: &str, message_key: &Key) -> Result<(), StoreError> {
        lock(&self.links).insert((org_id.into(), wamid.into()), message_key.clone());
        let parked = lock(&self.parked).remove(&(org_id.into(), wamid.into()));
        if let Some(status) = parked {
            self.apply_to(message_key, &status);
        }
        Ok(())
    }
}

impl MemoryOutbound {
    /// Forward only, as the status ledger's condition on the rank.
    fn apply_to(&self, key: &Key, status: &StatusUpdate) -> StatusOutcome {
        let rank = status.status.rank();
        let applied = self.transition(
            key,
            |stored| stored.message.status_rank < rank,
            |stored| {
                stored.message.status = status.status.as_str().into();
                stored.message.status_rank = rank;
                stored.message.status_errors = status.errors.clone();
            },
        );
        match applied {
            true => StatusOutcome::Applied {
                message_key: key.clone(),
            },
            false => StatusOutcome::Stale,
        }
    }

    /// A status naming our message id (its callback data) whose send answer was lost: the message
    /// takes the wamid, unless it has another.
    fn adopt(&self, org_id: &str, status: &StatusUpdate) -> Option<Key> {
        let message_id = status.callback_data.as_deref()?;
        let key = {
            let mut messages = lock(&self.messages);
            let (key, stored) = messages
                .iter_mut()
                .find(|(_, stored)| stored.message.org_id == org_id && stored.message.message_id == message_id)?;
            if stored.message.wamid.as_deref().is_some_and(|w| w != status.wamid) {
                return None;
            }
            stored.message.wamid = Some(status.wamid.clone());
            key.clone()
        };
        lock(&self.links).insert((org_id.into(), status.wamid.clone()), key.clone());
        Some(key)
    }
}

#[async_trait::async_trait]
impl StatusUpdates for MemoryOutbound {
    async fn apply_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        if let Some(key) = self
            .linked(org_id, &status.wamid)
            .or_else(|| self.adopt(org_id, status))
        {
            return Ok(self.apply_to(&key, status));
        }
        let mut parked = lock(&self.parked);
        let slot = (org_id.to_string(), status.wamid.clone());
        if parked
            .get(&slot)
            .is_some_and(|p| p.status.rank() >= status.status.rank())
        {
            return Ok(StatusOutcome::Stale);
        }
        parked.insert(slot, status.clone());
        Ok(StatusOutcome::Parked)
    }
}

#[async_trait::async_trait]
impl OutOfHoursReplies for MemoryOutbound {
    async fn queue_once(&self, reply: &OutOfHoursReply<'_>) -> Result<bool, StoreError> {
        let message = reply.message;
        let period = (
            message.org_id.clone(),
            message.conversation_id.clone(),
            reply.reopens_ms,
        );
        if !lock(&self.periods).insert(period) {
            return Ok(false);
        }
        self.queue((reply.key.clone(), message.clone(), reply.job.clone()));
        Ok(true)
    }
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
