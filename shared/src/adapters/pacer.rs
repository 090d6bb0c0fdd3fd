//! Per-number send pacing that holds across concurrent Lambda invocations: each second of an
//! account's budget is one DynamoDB item whose counter is taken with a conditional `ADD`
//! (`n < mps`). A full second makes the sender wait for the next one. Slots are only handed out in
//! the first 900 ms of a second, so a send cannot drift into the next second's budget on its way.
//!
//! A second's budget is split over [`crate::pacing::shards`] items (one per 100 mps, each in its own
//! partition), so at 1,000 mps no item takes more than ~100 writes a second, far under DynamoDB's
//! per-partition limit. A sender starts at a random shard and moves on when that one is full.

use super::StoreError;
use super::items::{key_item, n};
use crate::table;
use std::time::Duration;

pub struct Pacer {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// Slots are not handed out after this point in a second.
const LAST_SLOT_MS: i64 = 900;

impl Pacer {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Waits for, and takes, one send slot of the account; gives up after `max_wait`.
    pub async fn acquire(
        &self,
        org_id: &str,
        account_id: &str,
        mps: u32,
        max_wait: Duration,
    ) -> Result<bool, StoreError> {
        let started = std::time::Instant::now();
        loop {
            let now_ms = chrono::Utc::now().timestamp_millis();
            let (second, within) = (now_ms.div_euclid(1000), now_ms.rem_euclid(1000));
            if within < LAST_SLOT_MS {
                let shards = crate::pacing::shards(mps);
                let first = rand::random::<u32>() % shards;
                for step in 0..shards {
                    let shard = (first + step) % shards;
                    let budget = crate::pacing::shard_budget(mps, shard);
                    let taken = self
                        .client
                        .update_item()
                        .table_name(&self.table)
                        .set_key(Some(key_item(&table::pace_bucket(org_id, account_id, shard, second))))
                        .update_expression("ADD sent :one SET expires_at = :expires")
                        .condition_expression("attribute_not_exists(sent) OR sent < :budget")
                        .expression_attribute_values(":one", n(1))
                        .expression_attribute_values(":budget", n(budget))
                        .expression_attribute_values(":expires", n(second + 60))
                        .send()
                        .await;
                    match taken {
                        Ok(_) => return Ok(true),
                        Err(err)
                            if err
                                .as_service_error()
                                .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                        Err(err) => return Err(StoreError::aws("UpdateItem(pace)", err)),
                    }
                }
            }
            if started.elapsed() >= max_wait {
                return Ok(false);
            }
            let to_next_second = 1000 - chrono::Utc::now().timestamp_millis().rem_euclid(1000);
            tokio::time::sleep(Duration::from_millis(
                to_next_second as u64 + (rand::random::<u64>() % 20),
            ))
            .await;
        }
    }
}
