//! The clock-driven functions' tick, once: the due index's minutes (`yyyy-mm-ddThh:mm`) from the
//! function's cursor through now, each read a page at a time, shards in turn, within the run's
//! budget, and the cursor moved past a minute once nothing in it is left. The pages come through a
//! [`ShardPages`] port and the cursors through a [`ClockCursors`] port (DynamoDB in
//! `due_index.rs`; in memory for tests), the work on each page through the caller's closure.

use crate::platform::StoreError;
use crate::platform::table::DUE_SHARDS;

/// Most minutes of the due index one run reads: a run after a long outage catches up in steps.
pub const MAX_MINUTES_PER_RUN: usize = 120;

/// "Now" of a scheduled run: the `time` of EventBridge's scheduled event (epoch ms), when it has one.
pub fn event_time_ms(event: &serde_json::Value) -> Option<i64> {
    event
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
}

/// The due index's minute of `ms`: `yyyy-mm-ddThh:mm` (UTC).
pub fn minute_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn minute_start(ms: i64) -> i64 {
    ms - ms.rem_euclid(60_000)
}

/// The minutes a run at `now_ms` reads, oldest first: from the minute of `from_ms` (the oldest
/// minute that may still hold work) through now's, at most [`MAX_MINUTES_PER_RUN`].
pub fn minutes_to_read(from_ms: i64, now_ms: i64) -> Vec<(i64, String)> {
    let mut minute = minute_start(from_ms.min(now_ms));
    let last = minute_start(now_ms);
    let mut minutes = Vec::new();
    while minute <= last && minutes.len() < MAX_MINUTES_PER_RUN {
        minutes.push((minute, minute_of(minute)));
        minute += 60_000;
    }
    minutes
}

/// Items one run of a clock function reads from each shard of the due index; a shard's backlog
/// beyond it drains over the next runs, one minute apart, while the other shards go on.
pub const ITEMS_PER_SHARD_PER_RUN: u32 = 500;
/// Work time of one run (the functions time out at 50 s): a run out of time stops reading and
/// leaves the rest, cursor unmoved, for the next.
pub const RUN_TIME: std::time::Duration = std::time::Duration::from_secs(35);

/// What one run of a clock function may still read: items per due-index shard, and time.
#[derive(Debug, Clone)]
pub struct RunBudget {
    per_shard: Vec<u32>,
    deadline: std::time::Instant,
}

impl RunBudget {
    pub fn new(shards: u32, items_per_shard: u32, time: std::time::Duration) -> Self {
        Self {
            per_shard: vec![items_per_shard; shards as usize],
            deadline: std::time::Instant::now() + time,
        }
    }

    /// A clock function's budget: [`ITEMS_PER_SHARD_PER_RUN`] per shard, [`RUN_TIME`].
    pub fn for_run() -> Self {
        Self::new(crate::platform::table::DUE_SHARDS, ITEMS_PER_SHARD_PER_RUN, RUN_TIME)
    }

    pub fn out_of_time(&self) -> bool {
        std::time::Instant::now() >= self.deadline
    }

    /// Whether another page of `shard` may be read now.
    pub fn may_read(&self, shard: u32) -> bool {
        self.per_shard.get(shard as usize).is_some_and(|left| *left > 0) && !self.out_of_time()
    }

    pub fn spend(&mut self, shard: u32, items: u32) {
        if let Some(left) = self.per_shard.get_mut(shard as usize) {
            *left = left.saturating_sub(items);
        }
    }
}

/// Where a run may move its cursor: past each minute read that is over with nothing left in it,
/// oldest first, until the first one that is not (everything after it is read again next run).
#[derive(Debug)]
pub struct CursorWalk {
    advancing: bool,
}

impl Default for CursorWalk {
    fn default() -> Self {
        Self { advancing: true }
    }
}

impl CursorWalk {
    /// After reading the minute starting at `minute_ms`: the cursor to write, if it may move.
    pub fn passed(&mut self, minute_ms: i64, now_ms: i64, anything_left: bool) -> Option<i64> {
        self.advancing &= minute_ms + 60_000 <= now_ms && !anything_left;
        self.advancing.then_some(minute_ms + 60_000)
    }
}

/// One shard of one minute of a due index, a page at a time: `after` is where the last page ended
/// (opaque to the caller), `None` for the shard's start; the answer's cursor is `None` at its end.
#[async_trait::async_trait]
pub trait ShardPages<T>: Send + Sync {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<T>, Option<String>), StoreError>;
}

/// Each clock-driven function's cursor: the oldest minute (epoch ms) that may still hold its work.
#[async_trait::async_trait]
pub trait ClockCursors: Send + Sync {
    async fn cursor(&self, function: &str) -> Result<Option<i64>, StoreError>;
    /// Moves the cursor forward, never back (overlapping runs may finish in any order).
    async fn advance_cursor(&self, function: &str, minute_ms: i64) -> Result<(), StoreError>;
}

/// A clock-driven function's work on one page of due entries (of `minute`): answers how many of
/// them are left for a later run (not yet due, or an error).
#[async_trait::async_trait]
pub trait TickWork<T>: Send {
    async fn page(&mut self, minute: &str, entries: Vec<T>) -> u32;
}

/// What a run's tick came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickSummary {
    pub minutes_read: u32,
    /// Minutes with shards the budget left unread (a backlog that drains over the next runs).
    pub unread_minutes: u32,
}

/// Where a shard of a minute stands in one run.
enum ShardCursor {
    Start,
    After(String),
    Done,
}

/// One run of a clock-driven function: the minutes from `function`'s cursor (a first run: from
/// `first_look_back_ms` before `now_ms`) through now's, each a page at a time, the shards in turn
/// (one page each per round), each within `budget`, so no run holds more than a page and one
/// organization's backlog does not hold back the other shards' organizations. `work` gets each
/// non-empty page (with its minute) and answers how many of its entries are left for a later run; the cursor passes
/// a minute that is over with nothing left in it and nothing left before it.
pub async fn run<T: Send>(
    cursors: &dyn ClockCursors,
    pages: &dyn ShardPages<T>,
    function: &str,
    now_ms: i64,
    first_look_back_ms: i64,
    budget: &mut RunBudget,
    work: &mut (dyn TickWork<T> + '_),
) -> Result<TickSummary, StoreError> {
    let from = cursors.cursor(function).await?.unwrap_or(now_ms - first_look_back_ms);
    let mut summary = TickSummary::default();
    let mut walk = CursorWalk::default();
    for (minute_ms, minute) in minutes_to_read(from, now_ms) {
        if budget.out_of_time() {
            break;
        }
        summary.minutes_read += 1;
        let mut shards: Vec<ShardCursor> = (0..DUE_SHARDS).map(|_| ShardCursor::Start).collect();
        let mut next = 0usize;
        let mut left = 0u32;
        let count = shards.len();
        while let Some(shard) = (0..count)
            .map(|k| (next + k) % count)
            .find(|&i| !matches!(shards[i], ShardCursor::Done) && budget.may_read(i as u32))
        {
            next = (shard + 1) % count;
            let after = match std::mem::replace(&mut shards[shard], ShardCursor::Done) {
                ShardCursor::After(cursor) => Some(cursor),
                _ => None,
            };
            let (entries, more) = pages.shard_page(&minute, shard as u32, after).await?;
            budget.spend(shard as u32, entries.len() as u32);
            if let Some(more) = more {
                shards[shard] = ShardCursor::After(more);
            }
            if !entries.is_empty() {
                left += work.page(&minute, entries).await;
            }
        }
        let unread = shards.iter().any(|s| !matches!(s, ShardCursor::Done));
        summary.unread_minutes += u32::from(unread);
        if let Some(cursor) = walk.passed(minute_ms, now_ms, left > 0 || unread) {
            cursors.advance_cursor(function, cursor).await?;
        }
    }
    Ok(summary)
}

#[cfg(test)]
#[path = "tick_tests.rs"]
mod tests;
