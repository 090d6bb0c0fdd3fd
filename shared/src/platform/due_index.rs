//! The due index the clock-driven functions read (GSI2 partitions `<prefix><minute>#<shard>`), and
//! the cursor each keeps on it: the oldest minute that may still hold its work. A minute is read a
//! page at a time, shards in turn, within a [`RunBudget`]; what a run leaves, the next one reads
//! (settled entries leave the index, so a minute's unread rest is all that is left in it).

use crate::outreach::schedule::{CursorWalk, RunBudget, minutes_to_read};
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, number_of, records, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table::{self, attr};

/// Due-index entries read per Query.
const DUE_PAGE: i32 = 100;

#[derive(Clone)]
pub struct DueIndex {
    records: Records,
}

impl DueIndex {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// A reader of one minute of the index under `prefix`: its shards' pages in turn, keeping the
    /// entries of `entities` (the first names them in errors).
    pub fn minute<'a>(
        &'a self,
        prefix: &'static str,
        minute: &str,
        entities: &'static [&'static str],
    ) -> MinuteReader<'a> {
        MinuteReader {
            due: self,
            prefix,
            minute: minute.to_string(),
            entities,
            shards: (0..table::DUE_SHARDS).map(|_| ShardCursor::Start).collect(),
            next: 0,
        }
    }

    /// One page of one shard of a minute, and where the next page starts.
    async fn page(&self, partition: String, start: Option<Item>) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let output = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .index_name(table::index::TIMELINE)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(partition))
            .limit(DUE_PAGE)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(due index)", e))?;
        Ok((output.items.unwrap_or_default(), output.last_evaluated_key))
    }

    /// The minutes a run of `function` at `now_ms` reads, from its cursor (a first run: from
    /// `first_look_back_ms` before now), moving the cursor as they are finished.
    pub async fn walk<'a>(
        &'a self,
        function: &'a str,
        now_ms: i64,
        first_look_back_ms: i64,
    ) -> Result<MinuteWalk<'a>, StoreError> {
        let from = self.cursor(function).await?.unwrap_or(now_ms - first_look_back_ms);
        Ok(MinuteWalk {
            due: self,
            function,
            now_ms,
            minutes: minutes_to_read(from, now_ms).into_iter(),
            current: None,
            cursor: CursorWalk::default(),
            minutes_read: 0,
        })
    }

    /// The oldest minute (epoch ms) of the index that may still hold work for `function`.
    pub async fn cursor(&self, function: &str) -> Result<Option<i64>, StoreError> {
        let item = self.records.get_item(&table::clock_cursor(function)).await?;
        Ok(item.and_then(|item| number_of(&item, "minute_ms")))
    }

    /// Moves the cursor forward (never back: overlapping runs may finish in any order).
    pub async fn advance_cursor(&self, function: &str, minute_ms: i64) -> Result<(), StoreError> {
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::clock_cursor(function))))
            .update_expression("SET minute_ms = :m, entity = :entity")
            .condition_expression("attribute_not_exists(minute_ms) OR minute_ms < :m")
            .expression_attribute_values(":m", n(minute_ms))
            .expression_attribute_values(":entity", s("ClockCursor"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(StoreError::aws("UpdateItem(clock cursor)", err)),
        }
    }
}

/// Where a shard of a minute stands in one run.
enum ShardCursor {
    Start,
    After(Item),
    Done,
}

/// One minute of a due index, read a page at a time: the shards in turn (one page each per round),
/// each within the run's budget, so no run holds more than a page and one organization's backlog
/// does not hold back the other shards' organizations.
pub struct MinuteReader<'a> {
    due: &'a DueIndex,
    prefix: &'static str,
    minute: String,
    entities: &'static [&'static str],
    shards: Vec<ShardCursor>,
    next: usize,
}

impl MinuteReader<'_> {
    /// The next non-empty page of the entries' records, or `None` when every shard is read or out of
    /// budget (see [`MinuteReader::left_unread`]).
    pub async fn next<T: serde::de::DeserializeOwned>(
        &mut self,
        budget: &mut RunBudget,
    ) -> Result<Option<Vec<T>>, StoreError> {
        let count = self.shards.len();
        while let Some(shard) = (0..count)
            .map(|k| (self.next + k) % count)
            .find(|&i| !matches!(self.shards[i], ShardCursor::Done) && budget.may_read(i as u32))
        {
            self.next = (shard + 1) % count;
            let start = match std::mem::replace(&mut self.shards[shard], ShardCursor::Done) {
                ShardCursor::After(key) => Some(key),
                _ => None,
            };
            let partition = table::due_shard_partition(self.prefix, &self.minute, shard as u32);
            let (items, last) = self.due.page(partition, start).await?;
            budget.spend(shard as u32, items.len() as u32);
            if let Some(last) = last {
                self.shards[shard] = ShardCursor::After(last);
            }
            let ours: Vec<Item> = items
                .into_iter()
                .filter(|item| {
                    item.get(attr::ENTITY)
                        .and_then(|e| e.as_s().ok())
                        .is_some_and(|entity| self.entities.contains(&entity.as_str()))
                })
                .collect();
            if !ours.is_empty() {
                return records(&ours, self.entities[0]).map(Some);
            }
        }
        Ok(None)
    }

    /// Whether a shard was left before its end (out of budget): the minute may hold more.
    pub fn left_unread(&self) -> bool {
        self.shards.iter().any(|shard| !matches!(shard, ShardCursor::Done))
    }
}

/// One run's pass over the due index: `next_minute`, work it off, `minute_done`.
pub struct MinuteWalk<'a> {
    due: &'a DueIndex,
    function: &'a str,
    now_ms: i64,
    minutes: std::vec::IntoIter<(i64, String)>,
    current: Option<i64>,
    cursor: CursorWalk,
    pub minutes_read: u32,
}

impl MinuteWalk<'_> {
    /// The next minute to read (`yyyy-mm-ddThh:mm`), oldest first.
    pub fn next_minute(&mut self) -> Option<String> {
        let (minute_ms, minute) = self.minutes.next()?;
        self.current = Some(minute_ms);
        self.minutes_read += 1;
        Some(minute)
    }

    /// The minute just read is finished, with or without work left in it: the cursor moves past
    /// it when it may (over, nothing left, and nothing left before it).
    pub async fn minute_done(&mut self, anything_left: bool) -> Result<(), StoreError> {
        let Some(minute_ms) = self.current.take() else {
            return Ok(());
        };
        match self.cursor.passed(minute_ms, self.now_ms, anything_left) {
            Some(cursor) => self.due.advance_cursor(self.function, cursor).await,
            None => Ok(()),
        }
    }
}
