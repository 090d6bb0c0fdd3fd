//! The due index the clock-driven functions read (GSI2 partitions `<prefix><minute>#<shard>`) and
//! the cursor each keeps on it, on DynamoDB: the [`ClockCursors`] and [`ShardPages`] ports of the
//! tick ([`crate::platform::tick`]). Settled entries leave the index, so a minute's unread rest
//! is all that is left in it.

use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, number_of, records, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table::{self, attr};
use crate::platform::tick::{ClockCursors, ShardPages};
use std::collections::HashMap;
use std::marker::PhantomData;

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

    /// The entries under `prefix` of `entities` (the first names them in errors), read as `T`.
    pub fn shards<T>(&self, prefix: &'static str, entities: &'static [&'static str]) -> DueShards<T> {
        DueShards {
            due: self.clone(),
            prefix,
            entities,
            read_as: PhantomData,
        }
    }

    /// One page of one partition of the index, and where the next page starts.
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
}

#[async_trait::async_trait]
impl ClockCursors for DueIndex {
    async fn cursor(&self, function: &str) -> Result<Option<i64>, StoreError> {
        let item = self.records.get_item(&table::clock_cursor(function)).await?;
        Ok(item.and_then(|item| number_of(&item, "minute_ms")))
    }

    async fn advance_cursor(&self, function: &str, minute_ms: i64) -> Result<(), StoreError> {
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

/// The entries of one kind in the due index, read as `T`, a shard's page at a time.
pub struct DueShards<T> {
    due: DueIndex,
    prefix: &'static str,
    entities: &'static [&'static str],
    read_as: PhantomData<fn() -> T>,
}

/// A page's end (DynamoDB's last evaluated key, all strings) as an opaque cursor, and back.
fn cursor_of(key: Item) -> Option<String> {
    let strings: HashMap<String, String> = key
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
        .collect();
    serde_json::to_string(&strings).ok()
}

fn key_of(cursor: &str) -> Result<Item, StoreError> {
    let strings: HashMap<String, String> =
        serde_json::from_str(cursor).map_err(|e| StoreError::io("due index cursor", e))?;
    Ok(strings.into_iter().map(|(k, v)| (k, s(v))).collect())
}

#[async_trait::async_trait]
impl<T: serde::de::DeserializeOwned + Send> ShardPages<T> for DueShards<T> {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let start = after.as_deref().map(key_of).transpose()?;
        let partition = table::due_shard_partition(self.prefix, minute, shard);
        let (items, last) = self.due.page(partition, start).await?;
        let ours: Vec<Item> = items
            .into_iter()
            .filter(|item| {
                item.get(attr::ENTITY)
                    .and_then(|e| e.as_s().ok())
                    .is_some_and(|entity| self.entities.contains(&entity.as_str()))
            })
            .collect();
        Ok((records(&ours, self.entities[0])?, last.and_then(cursor_of)))
    }
}
