//! Per-number send pacing that holds across concurrent Lambda invocations: each second of an
//! account's budget is taken slot by slot with a conditional `ADD` on DynamoDB items
//! (`sent < budget`). A full second makes the sender wait for the next one. Slots are only handed out
//! in the first 900 ms of a second and used only if the send leaves within 950 ms (else the sender
//! takes another), so a send cannot drift into the next second's budget on its way.
//!
//! A second's budget is split over [`crate::inbox::pacing::shards`] items (one per 100 mps, each in its own
//! partition), so at 1,000 mps no item takes more than ~100 writes a second, far under DynamoDB's
//! per-partition limit. A sender starts at a random shard and moves on when that one is full; the
//! shards it found full this second are remembered per warm Lambda, so concurrent sends of one
//! invocation do not spend writes on them again, and waiters wake spread over the next second's
//! first 200 ms instead of all at once.

use crate::platform::StoreError;
use crate::platform::items::{key_item, n};
use crate::platform::table;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

pub struct Pacer {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// (account, second, shard) found full; only the current second's entries are kept.
    full: Mutex<(i64, HashSet<(String, u32)>)>,
}

/// Slots are not handed out after this point in a second.
const LAST_SLOT_MS: i64 = 900;
/// A slot is used only if its send leaves before this point of its second.
const SEND_BY_MS: i64 = 950;
/// Waiters for the next second wake within this many milliseconds of its start.
const WAKE_SPREAD_MS: u64 = 200;

impl Pacer {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            full: Mutex::new((0, HashSet::new())),
        }
    }

    fn known_full(&self, second: i64, account_id: &str, shard: u32) -> bool {
        let full = self.full.lock().unwrap_or_else(|p| p.into_inner());
        full.0 == second && full.1.contains(&(account_id.to_string(), shard))
    }

    fn mark_full(&self, second: i64, account_id: &str, shard: u32) {
        let mut full = self.full.lock().unwrap_or_else(|p| p.into_inner());
        if full.0 != second {
            *full = (second, HashSet::new());
        }
        full.1.insert((account_id.to_string(), shard));
    }

    /// Whether a slot of epoch second `slot` may still be used for a send leaving now.
    pub fn still_within(slot: i64) -> bool {
        chrono::Utc::now().timestamp_millis() < slot * 1000 + SEND_BY_MS
    }

    /// Waits for, and takes, one send slot of the account: the epoch second it belongs to, or
    /// `None` after `max_wait`.
    pub async fn acquire(
        &self,
        org_id: &str,
        account_id: &str,
        mps: u32,
        max_wait: Duration,
    ) -> Result<Option<i64>, StoreError> {
        let started = std::time::Instant::now();
        loop {
            let now_ms = chrono::Utc::now().timestamp_millis();
            let (second, within) = (now_ms.div_euclid(1000), now_ms.rem_euclid(1000));
            if within < LAST_SLOT_MS {
                let shards = crate::inbox::pacing::shards(mps);
                let first = rand::random::<u32>() % shards;
                for step in 0..shards {
                    let shard = (first + step) % shards;
                    if self.known_full(second, account_id, shard) {
                        continue;
                    }
                    let budget = crate::inbox::pacing::shard_budget(mps, shard);
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
                        Ok(_) => return Ok(Some(second)),
                        Err(err)
                            if err
                                .as_service_error()
                                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                        {
                            self.mark_full(second, account_id, shard);
                        }
                        Err(err) => return Err(StoreError::aws("UpdateItem(pace)", err)),
                    }
                }
            }
            if started.elapsed() >= max_wait {
                return Ok(None);
            }
            let to_next_second = 1000 - chrono::Utc::now().timestamp_millis().rem_euclid(1000);
            tokio::time::sleep(Duration::from_millis(
                to_next_second as u64 + (rand::random::<u64>() % WAKE_SPREAD_MS),
            ))
            .await;
        }
    }
}
