//! The message counters, tallied from the table's stream instead of inside each message's
//! transaction (an inbound message's then writes 2 items, not 4; an agent's send 3, not 5).
//!
//! Each stored inbound message records what it counted (itself; an opened conversation; a new
//! contact) and its day; each outbound message created to be sent records its day. The tally function receives the inbound messages' INSERT records in
//! stream order, sums them per organization and day, and adds the sums in one transaction per
//! chunk together with a tally claim keyed by the chunk's first sequence number, which records the
//! last one. A retried batch finds its claim and counts only the records after the claimed range,
//! so each record is counted once however Lambda re-reads the shard. (Sequence numbers are unique
//! within a stream; a batch comes from one shard, in order.)
//!
//! The overview lags the messages by the stream's delay and the batching window (seconds); it is
//! exact once the tally has caught up.

use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, s};
use crate::platform::plan::{Plan, WriteOp};
use crate::platform::table;
use serde::Deserialize;
use std::collections::BTreeMap;

/// DynamoDB transactions hold at most 100 writes: the claim and the counter items.
pub const MAX_WRITES: usize = 100;
/// How long a tally claim is kept: longer than the stream keeps records (24 hours).
pub const CLAIM_SECONDS: i64 = 2 * 24 * 60 * 60;

/// The attribute a message counted by the tally carries: [`RECEIVED`] or [`SENT`].
pub const TALLY: &str = "tally";
/// An inbound message stored by ingest.
pub const RECEIVED: &str = "received";
/// An outbound message created to be sent (agents, schedules, automatic replies, surveys).
pub const SENT: &str = "sent";

/// What a stored message counted, as its item records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub org_id: String,
    /// Received (inbound) or sent (outbound).
    pub sent: bool,
    /// `yyyy-mm-dd` of the message's timestamp (UTC).
    pub day: String,
    pub opened_conversation: bool,
    pub new_contact: bool,
}

/// The message's fields the tally reads (messages stored before the tally have no `day`).
#[derive(Deserialize)]
struct InboundImage {
    entity: Option<String>,
    tally: Option<String>,
    org_id: Option<String>,
    day: Option<String>,
    #[serde(default)]
    opened_conversation: bool,
    #[serde(default)]
    new_contact: bool,
}

impl Counted {
    /// The counts of a counted message's image; `None` for any other item.
    pub fn of_image(image: ImageFields) -> Option<Self> {
        let image: InboundImage = image.0?;
        if image.entity.as_deref() != Some("Message") {
            return None;
        }
        let sent = match image.tally.as_deref() {
            Some(RECEIVED) => false,
            Some(SENT) => true,
            _ => return None,
        };
        Some(Self {
            org_id: image.org_id?,
            sent,
            day: image.day?,
            opened_conversation: image.opened_conversation,
            new_contact: image.new_contact,
        })
    }
}

/// A stream image read as an inbound message (`None`: not readable as one).
pub struct ImageFields(Option<InboundImage>);

impl ImageFields {
    /// Reads an image in Lambda's stream event shape.
    pub fn from_stream_image(image: serde_dynamo::Item) -> Self {
        Self(serde_dynamo::from_item(image).ok())
    }
}

/// One record of the stream: its sequence number and what it counted (if it is an inbound message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedRecord {
    pub sequence: u128,
    pub counted: Option<Counted>,
}

/// Records counted in one transaction, and their sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyChunk {
    pub first: u128,
    pub last: u128,
    /// org → name → amount.
    pub totals: BTreeMap<String, BTreeMap<&'static str, i64>>,
    /// (org, day) → name → amount.
    pub daily: BTreeMap<(String, String), BTreeMap<&'static str, i64>>,
}

impl TallyChunk {
    fn new(first: u128) -> Self {
        Self {
            first,
            last: first,
            totals: BTreeMap::new(),
            daily: BTreeMap::new(),
        }
    }

    /// The writes it makes besides its claim.
    pub fn counter_writes(&self) -> usize {
        self.totals.len() + self.daily.len()
    }

    fn add(&mut self, counted: &Counted) {
        let name = if counted.sent {
            "messages_sent"
        } else {
            "messages_received"
        };
        let totals = self.totals.entry(counted.org_id.clone()).or_default();
        *totals.entry(name).or_default() += 1;
        if counted.opened_conversation {
            *totals.entry("conversations_created").or_default() += 1;
            *totals.entry("open_conversations").or_default() += 1;
        }
        if counted.new_contact {
            *totals.entry("contacts_created").or_default() += 1;
        }
        *self
            .daily
            .entry((counted.org_id.clone(), counted.day.clone()))
            .or_default()
            .entry(name)
            .or_default() += 1;
    }

    /// The messages it counts.
    pub fn messages(&self) -> i64 {
        self.daily.values().flat_map(|adds| adds.values()).sum()
    }

    /// The counter updates, on counter shard `shard`.
    pub fn counter_ops(&self, shard: u32) -> Vec<WriteOp> {
        let totals = self.totals.iter().map(|(org_id, adds)| {
            let adds: Vec<(&str, i64)> = adds.iter().map(|(name, amount)| (*name, *amount)).collect();
            WriteOp::add_counters(table::org_counter_shard(org_id, shard), &adds)
        });
        let daily = self.daily.iter().map(|((org_id, day), adds)| {
            let adds: Vec<(&str, i64)> = adds.iter().map(|(name, amount)| (*name, *amount)).collect();
            WriteOp::add_counters(table::org_daily_counter_shard(org_id, day, shard), &adds)
        });
        totals.chain(daily).collect()
    }
}

/// Splits a batch's records (in any order) into chunks that each fit one transaction, in sequence
/// order, dropping those at or before `after` (already counted). Chunks of records that counted
/// nothing still advance: they carry no writes and are skipped.
pub fn chunks(records: &[StreamedRecord], after: Option<u128>) -> Vec<TallyChunk> {
    let mut sorted: Vec<&StreamedRecord> = records
        .iter()
        .filter(|r| after.is_none_or(|after| r.sequence > after))
        .collect();
    sorted.sort_by_key(|r| r.sequence);
    let mut out: Vec<TallyChunk> = Vec::new();
    for record in sorted {
        let Some(counted) = &record.counted else {
            continue;
        };
        let fits = out.last().is_some_and(|chunk| {
            // A record adds at most one total and one daily item.
            1 + chunk.counter_writes() + 2 <= MAX_WRITES
        });
        if !fits {
            out.push(TallyChunk::new(record.sequence));
        }
        let chunk = out.last_mut().expect("a chunk was pushed");
        chunk.last = record.sequence;
        chunk.add(counted);
    }
    out
}

/// The writes of a chunk, by what each is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallySlot {
    /// Fails when the chunk's first record was counted before.
    Claim,
    Counter,
}

/// The chunk's transaction: its claim (through its last record, kept for [`CLAIM_SECONDS`]) and
/// its sums on counter shard `shard`.
pub fn tally_plan(chunk: &TallyChunk, shard: u32, now_seconds: i64) -> Plan<TallySlot> {
    let mut claim = key_item(&table::tally_claim(chunk.first));
    claim.insert(table::attr::ENTITY.into(), s("TallyClaim"));
    claim.insert("through".into(), n(chunk.last.to_string()));
    claim.insert(table::attr::EXPIRES_AT.into(), n(now_seconds + CLAIM_SECONDS));
    let mut plan = Plan::new().with(TallySlot::Claim, WriteOp::create(claim));
    for op in chunk.counter_ops(shard) {
        plan.push(TallySlot::Counter, op);
    }
    plan
}

/// The last record a claim found in the way counted through.
pub fn claimed_through(old_claim: &Item) -> Option<u128> {
    old_claim.get("through")?.as_n().ok()?.parse().ok()
}

/// What committing a chunk came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tallied {
    Added,
    /// A claim at the chunk's first record exists: records through `through` were counted.
    CountedBefore {
        through: u128,
    },
}

/// Where the tallies are kept: DynamoDB ([`crate::inbox::tally_store::TallyStore`]) or memory.
#[async_trait::async_trait]
pub trait TallyBook: Send + Sync {
    /// Adds the chunk's sums with its claim, in one transaction, unless the claim exists.
    async fn commit(&self, chunk: &TallyChunk, counter_shard: u32) -> Result<Tallied, StoreError>;
}

/// Counts a batch once: each chunk committed; a chunk counted before is cut to what follows its
/// claim and committed again. Answers the first sequence number not counted, on an error.
pub async fn tally(book: &dyn TallyBook, records: &[StreamedRecord]) -> Result<TallyReport, (u128, StoreError)> {
    let mut report = TallyReport::default();
    let mut pending = chunks(records, None);
    pending.reverse();
    while let Some(chunk) = pending.pop() {
        let shard = (chunk.first % u128::from(table::COUNTER_SHARDS)) as u32;
        match book.commit(&chunk, shard).await {
            Ok(Tallied::Added) => {
                report.chunks += 1;
                report.messages += chunk.messages() as u64;
            }
            Ok(Tallied::CountedBefore { through }) => {
                report.repeated += 1;
                let in_chunk: Vec<StreamedRecord> = records
                    .iter()
                    .filter(|r| r.sequence >= chunk.first && r.sequence <= chunk.last)
                    .cloned()
                    .collect();
                let mut rest = chunks(&in_chunk, Some(through));
                rest.reverse();
                pending.extend(rest);
            }
            Err(err) => return Err((chunk.first, err)),
        }
    }
    Ok(report)
}

/// What a batch's tally came to, for its log line and metrics.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TallyReport {
    pub chunks: u32,
    pub messages: u64,
    /// Chunks found counted (a retried batch).
    pub repeated: u32,
}

#[cfg(test)]
#[path = "tally_tests.rs"]
mod tests;
