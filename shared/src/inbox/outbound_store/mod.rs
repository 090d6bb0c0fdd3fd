//! Outbound messages in DynamoDB, from the API's one-transaction create to a settled send.
//!
//! Every write that changes a message's send state also moves it in the pending-sends index (gsi2,
//! [`table::pending_send`]) to the time [`SendState::due_ms`] gives, or takes it out once settled, so
//! the sweeper finds exactly the messages it must look at with one Query per shard and no scan.
//! Each write is conditioned on the state it was decided from; a lost race answers `false`.

mod create;
mod transitions;

pub use create::{Created, IDEMPOTENCY_TTL_SECONDS, IdempotencyClaim};

use crate::inbox::Message;
use crate::inbox::outbound::OutboundJob;
use crate::inbox::send_policy::SendState;
use crate::platform::StoreError;
use crate::platform::items::{Item, number_of, record, s, string_of};
use crate::platform::records::Records;
use crate::platform::table::{self, Key, attr};

/// An outbound message that may still need the sender or the sweeper.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSend {
    pub key: Key,
    pub message: Message,
    pub state: SendState,
    /// The job that sends it (kept on the message so a lost job can be queued again).
    pub job: Option<OutboundJob>,
    /// Claims taken so far.
    pub attempts: u32,
}

/// What trying to claim a send came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// This caller owns the send (the message is `sending`, claimed now).
    Claimed(PendingSend),
    /// Not `queued`: being sent by another caller, settled, or waiting for a status.
    NotQueued(PendingSend),
    Missing,
}

#[derive(Clone)]
pub struct OutboundStore {
    records: Records,
}

impl OutboundStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// Claims and settle times read `clock` (tests drive time without sleeping).
    pub fn with_clock(mut self, clock: crate::platform::clock::Clock) -> Self {
        self.records = self.records.with_clock(clock);
        self
    }

    /// The message an id names (the id Meta echoes as `biz_opaque_callback_data`).
    pub async fn key_of(&self, org_id: &str, message_id: &str) -> Result<Option<Key>, StoreError> {
        Ok(self
            .records
            .get_item(&table::outbound_message(org_id, message_id))
            .await?
            .and_then(|item| {
                Some(Key {
                    pk: string_of(&item, "message_pk")?,
                    sk: string_of(&item, "message_sk")?,
                })
            }))
    }

    pub async fn pending(&self, key: &Key) -> Result<Option<PendingSend>, StoreError> {
        self.records.get_item(key).await?.map(pending_of).transpose()
    }

    /// Up to `limit` messages of one shard of the pending-sends index due at `now_ms`.
    pub async fn due(&self, shard: u32, now_ms: i64, limit: i32) -> Result<Vec<PendingSend>, StoreError> {
        let output = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .index_name(table::index::TIMELINE)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :now")
            .expression_attribute_values(":pk", s(table::pending_sends_partition(shard)))
            .expression_attribute_values(":now", s(format!("{:013}#~", now_ms.max(0))))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(pending sends)", e))?;
        output.items().iter().cloned().map(pending_of).collect()
    }
}

fn pending_of(item: Item) -> Result<PendingSend, StoreError> {
    let key = Key {
        pk: string_of(&item, attr::PK).unwrap_or_default(),
        sk: string_of(&item, attr::SK).unwrap_or_default(),
    };
    let job = item
        .get("send_job")
        .and_then(|job| serde_dynamo::from_attribute_value(job.clone()).ok());
    let requeues = number_of(&item, "requeues").unwrap_or(0) as u32;
    let claimed = number_of(&item, "send_claimed_ms");
    let unknown_since = number_of(&item, "unknown_since_ms");
    let attempts = number_of(&item, "send_attempts").unwrap_or(0) as u32;
    let message: Message = record(item, "Message")?;
    let state = SendState::of(
        &message.status,
        message.received_at_ms as i64,
        claimed,
        unknown_since,
        requeues,
    );
    Ok(PendingSend {
        key,
        message,
        state,
        job,
        attempts,
    })
}
