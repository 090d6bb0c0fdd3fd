//! The due index the clock-driven functions read (GSI2 partitions `<prefix><minute>`), and the
//! cursor each keeps on it: the oldest minute that may still hold its work.

use super::StoreError;
use super::items::{Item, key_item, n, number_of, s};
use super::records::{Records, condition_failed};
use crate::schedule::{CursorWalk, minutes_to_read};
use crate::table::{self, attr};

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

    /// Every `entity` item waiting in one minute of the index under `prefix` (all pages).
    pub async fn entries(&self, prefix: &str, minute: &str, entity: &str) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .records
                .client
                .query()
                .table_name(&self.records.table)
                .index_name(table::index::TIMELINE)
                .key_condition_expression("gsi2pk = :pk")
                .expression_attribute_values(":pk", s(format!("{prefix}{minute}")))
                .limit(DUE_PAGE)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::aws("Query(due index)", e))?;
            found.extend(
                output
                    .items()
                    .iter()
                    .filter(|item| {
                        item.get(attr::ENTITY).and_then(|e| e.as_s().ok()).map(String::as_str) == Some(entity)
                    })
                    .cloned(),
            );
            match output.last_evaluated_key {
                Some(next) => start = Some(next),
                None => return Ok(found),
            }
        }
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
