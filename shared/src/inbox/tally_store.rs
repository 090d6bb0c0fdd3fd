//! The tallies on DynamoDB: one transaction per chunk, its claim and its counter items.

use crate::inbox::tally::{Tallied, TallyBook, TallyChunk, TallySlot, claimed_through, tally_plan};
use crate::platform::StoreError;
use crate::platform::transact::{self, NotCommitted};
use std::time::Duration;

/// Transactions cancelled by contention (another chunk adding to the same counters) are retried.
const ATTEMPTS: u32 = 5;

pub struct TallyStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl TallyStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait::async_trait]
impl TallyBook for TallyStore {
    async fn commit(&self, chunk: &TallyChunk, counter_shard: u32) -> Result<Tallied, StoreError> {
        let plan = tally_plan(chunk, counter_shard, chrono::Utc::now().timestamp());
        let mut attempt = 0;
        loop {
            attempt += 1;
            let cancelled = match transact::run(&self.client, &self.table, &plan, "TransactWriteItems(tally)").await {
                Ok(()) => return Ok(Tallied::Added),
                Err(NotCommitted::Store(err)) => return Err(err),
                Err(NotCommitted::Cancelled(cancelled)) => cancelled,
            };
            if let Some(old) = cancelled.condition_failed(TallySlot::Claim) {
                let through = claimed_through(&old).ok_or_else(|| StoreError::Corrupt {
                    entity: "tally claim",
                    detail: format!("claim of {} without a readable `through`", chunk.first),
                })?;
                return Ok(Tallied::CountedBefore { through });
            }
            if !cancelled.contended() || attempt >= ATTEMPTS {
                return Err(StoreError::Conflict(format!(
                    "tally of {} cancelled: {cancelled:?}",
                    chunk.first
                )));
            }
            tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
        }
    }
}
