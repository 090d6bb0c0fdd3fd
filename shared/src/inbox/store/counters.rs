//! The organization's analytics counters: written as sharded `ADD`s inside the transactions that
//! count (see [`crate::platform::plan::WriteOp::add_counters`]), read here by summing the shards.

use crate::platform::StoreError;
use crate::platform::items::{Item, string_of};
use crate::platform::records::Records;
use crate::platform::table::{self, Key, attr};
use std::collections::HashMap;

pub struct Counters {
    records: Records,
}

/// The shards to read: every total shard, the legacy total item, and a day's shards if asked.
pub fn counter_keys(org_id: &str, day: Option<&str>) -> Vec<Key> {
    let mut keys: Vec<Key> = (0..table::COUNTER_SHARDS)
        .map(|shard| table::org_counter_shard(org_id, shard))
        .collect();
    keys.push(table::org_counters(org_id));
    if let Some(day) = day {
        keys.extend((0..table::COUNTER_SHARDS).map(|shard| table::org_daily_counter_shard(org_id, day, shard)));
    }
    keys
}

/// Sums numbers by name across shards; a day's shards (`day`) are summed under `day.<name>`.
pub fn sum_shards<'a>(items: impl IntoIterator<Item = &'a Item>, day: Option<&str>) -> HashMap<String, i64> {
    let mut totals = HashMap::new();
    for item in items {
        let daily = day
            .is_some_and(|day| string_of(item, attr::SK).is_some_and(|sk| table::is_daily_counter_sort_key(&sk, day)));
        for (name, value) in item {
            if let Ok(number) = value.as_n() {
                let name = if daily { format!("day.{name}") } else { name.clone() };
                *totals.entry(name).or_insert(0) += number.parse::<i64>().unwrap_or(0);
            }
        }
    }
    totals
}

impl Counters {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// The organization's totals (analytics overview): one BatchGetItem.
    pub async fn totals(&self, org_id: &str) -> Result<HashMap<String, i64>, StoreError> {
        self.sum(org_id, None).await
    }

    /// Totals and one day's counters (`yyyy-mm-dd`), the day's prefixed `day.`: one BatchGetItem.
    pub async fn totals_with_day(&self, org_id: &str, day: &str) -> Result<HashMap<String, i64>, StoreError> {
        self.sum(org_id, Some(day)).await
    }

    async fn sum(&self, org_id: &str, day: Option<&str>) -> Result<HashMap<String, i64>, StoreError> {
        let items = self.records.batch_get_items(&counter_keys(org_id, day), false).await?;
        Ok(sum_shards(&items, day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::items::{n, s};

    #[test]
    fn shards_sum_by_name_and_the_day_apart() {
        let total =
            |sk: &str, v: i64| Item::from([(attr::SK.to_string(), s(sk)), ("messages_received".to_string(), n(v))]);
        let day = table::org_daily_counter_shard("o", "2026-11-30", 3).sk;
        let items = [
            total(&table::org_counter_shard("o", 1).sk, 2),
            total(&table::org_counter_shard("o", 2).sk, 3),
            total(&day, 4),
        ];
        let sums = sum_shards(&items, Some("2026-11-30"));
        assert_eq!(sums["messages_received"], 5);
        assert_eq!(sums["day.messages_received"], 4);
        assert_eq!(
            counter_keys("o", Some("2026-11-30")).len(),
            2 * table::COUNTER_SHARDS as usize + 1
        );
    }
}
