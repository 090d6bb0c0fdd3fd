//! The sender's ports in memory, for tests of its orchestration without moto. The ledger keeps
//! `OutboundStore`'s rules (`send_contract.rs` holds both to them); the pacer, the accounts and the
//! uploads, set up by the test, are in `send_setups.rs`.

use crate::inbox::Message;
use crate::inbox::ingest_port::{OutOfHoursReplies, OutOfHoursReply, StatusUpdates};
use crate::inbox::outbound::OutboundJob;
use crate::inbox::outbound_store::{ClaimOutcome, PendingSend};
use crate::inbox::send_policy::{SendState, UNCONFIRMED_FAILURE_RANK};
use crate::inbox::send_port::{PendingSweeps, SendLedger, WamidLinks};
use crate::inbox::store::StatusOutcome;
use crate::meta::{DeliveryStatus, MetaError, StatusUpdate};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use crate::platform::table::{self, Key};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

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

#[async_trait::async_trait]
impl PendingSweeps for MemoryOutbound {
    async fn due(&self, shard: u32, now_ms: i64, limit: i32) -> Result<Vec<PendingSend>, StoreError> {
        let messages = lock(&self.messages);
        let mut due: Vec<(i64, PendingSend)> = messages
            .iter()
            .filter(|(_, stored)| table::shard_of(&stored.message.message_id, table::SEND_SHARDS) == shard)
            .map(|(key, stored)| stored.pending(key))
            .filter_map(|pending| pending.state.due_ms().map(|due| (due, pending)))
            .filter(|(due, _)| *due <= now_ms)
            .collect();
        due.sort_by(|(a, x), (b, y)| (a, &x.message.message_id).cmp(&(b, &y.message.message_id)));
        Ok(due.into_iter().take(limit.max(0) as usize).map(|(_, p)| p).collect())
    }

    async fn requeued(&self, pending: &PendingSend) -> Result<bool, StoreError> {
        if !matches!(pending.state, SendState::Queued { .. }) {
            return Ok(false);
        }
        Ok(self.transition(
            &pending.key,
            |stored| stored.message.status == "queued",
            |stored| stored.requeues += 1,
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

#[path = "send_setups.rs"]
mod setups;
pub use setups::{MemoryAccounts, MemoryPacer, MemoryUploads, PacerAnswer};
