//! Outbound messages in DynamoDB, from the API's one-transaction create to a settled send.
//!
//! Every write that changes a message's send state also moves it in the pending-sends index (gsi2,
//! [`table::pending_send`]) to the time [`SendState::due_ms`] gives, or takes it out once settled, so
//! the sweeper finds exactly the messages it must look at with one Query per shard and no scan.
//! Each write is conditioned on the state it was decided from; a lost race answers `false`.

use super::StoreError;
use super::items::{Item, key_item, n, record, record_item, s};
use super::records::Records;
use crate::inbox::Message;
use crate::meta::{DeliveryStatus, MetaError};
use crate::outbound::OutboundJob;
use crate::send_policy::{SendState, UNCONFIRMED_FAILURE_RANK};
use crate::table::{self, Key, attr};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

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

/// A send request's `Idempotency-Key`, by its SHA-256, and the fingerprint of its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub key_sha256: String,
    pub fingerprint: String,
}

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_TTL_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New,
    /// The key was used before for the same request: the message it created.
    Replay(Key),
    /// The key was used before for another request.
    KeyReused,
}

pub struct OutboundStore {
    records: Records,
}

/// Where a transition takes a message.
#[derive(Debug, Clone, Copy)]
enum Target {
    Pending(SendState),
    Sent,
    Failed,
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl OutboundStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// Stores a new `queued` message with its job, its id lookup, the conversation's latest
    /// message and the counters, in one transaction, together with the idempotency key if any.
    pub async fn create(
        &self,
        key: &Key,
        message: &Message,
        preview: &str,
        job: &OutboundJob,
        idempotency: Option<&IdempotencyClaim>,
    ) -> Result<Created, StoreError> {
        let now = chrono::Utc::now();
        let org = &message.org_id;
        let mut item = record_item(message, key, "Message")?;
        let state = SendState::of("queued", message.received_at_ms as i64, None, None, 0);
        let (gsi2pk, gsi2sk) = table::pending_send(org, &message.message_id, state.due_ms().unwrap_or_default());
        item.insert(attr::GSI2_PK.into(), s(gsi2pk));
        item.insert(attr::GSI2_SK.into(), s(gsi2sk));
        item.insert(
            "send_job".into(),
            serde_dynamo::to_attribute_value(job).map_err(|e| StoreError::io("job", e))?,
        );
        let mut lookup = key_item(&table::outbound_message(org, &message.message_id));
        lookup.insert(attr::ENTITY.into(), s("OutboundMessage"));
        lookup.insert("message_pk".into(), s(&key.pk));
        lookup.insert("message_sk".into(), s(&key.sk));
        lookup.insert(attr::EXPIRES_AT.into(), n(now.timestamp() + 30 * 24 * 3600));
        let (_, timeline) = table::conversation_timeline(org, &message.conversation_id, now.timestamp_millis());
        let conversation = self
            .records
            .update_of(&table::conversation(org, &message.conversation_id))
            .update_expression("SET last_message_ms = :ts, last_message_preview = :preview, last_message_direction = :outbound, updated_at = :now, gsi2sk = :gsi2sk ADD message_count :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":ts", n(now.timestamp_millis()))
            .expression_attribute_values(":preview", s(preview))
            .expression_attribute_values(":outbound", s("outbound"))
            .expression_attribute_values(":now", s(super::items::now_rfc3339()))
            .expression_attribute_values(":gsi2sk", s(timeline))
            .expression_attribute_values(":one", n(1));
        let shard = table::shard_of(&message.message_id, table::COUNTER_SHARDS);
        let day = now.format("%Y-%m-%d").to_string();
        let mut items = vec![
            self.records.put(item, Some("attribute_not_exists(pk)")),
            self.records.put(lookup, None),
            self.records.update(conversation),
            self.records
                .counters(&table::org_counter_shard(org, shard), &[("messages_sent", 1)]),
            self.records.counters(
                &table::org_daily_counter_shard(org, &day, shard),
                &[("messages_sent", 1)],
            ),
        ];
        let mut on_condition_failed = vec![
            Some(StoreError::Conflict("message".into())),
            None,
            Some(StoreError::NotFound("conversation".into())),
        ];
        if let Some(claim) = idempotency {
            let mut record = key_item(&table::send_idempotency(org, &claim.key_sha256));
            record.insert(attr::ENTITY.into(), s("SendIdempotency"));
            record.insert("fingerprint".into(), s(&claim.fingerprint));
            record.insert("message_pk".into(), s(&key.pk));
            record.insert("message_sk".into(), s(&key.sk));
            record.insert(attr::EXPIRES_AT.into(), n(now.timestamp() + IDEMPOTENCY_TTL_SECONDS));
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(&self.records.table)
                .set_item(Some(record))
                .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
                .expression_attribute_values(":now", n(now.timestamp()))
                .build()
                .expect("table and item are set");
            items.push(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build());
            on_condition_failed.extend([None, None, Some(StoreError::Conflict("idempotency key".into()))]);
        }
        match self.records.transact(items, on_condition_failed).await {
            Ok(()) => Ok(Created::New),
            Err(StoreError::Conflict(what)) if what == "idempotency key" => {
                let claim = idempotency.expect("only with a key");
                match self.idempotent(org, &claim.key_sha256).await? {
                    Some((fingerprint, key)) if fingerprint == claim.fingerprint => Ok(Created::Replay(key)),
                    Some(_) => Ok(Created::KeyReused),
                    // Expired between the write and the read: a new request after all.
                    None => Box::pin(self.create(key, message, preview, job, idempotency)).await,
                }
            }
            Err(err) => Err(err),
        }
    }

    /// The fingerprint and message of an `Idempotency-Key` used within the last 24 hours.
    pub async fn idempotent(&self, org_id: &str, key_sha256: &str) -> Result<Option<(String, Key)>, StoreError> {
        let Some(item) = self
            .records
            .get_item(&table::send_idempotency(org_id, key_sha256))
            .await?
        else {
            return Ok(None);
        };
        if number(&item, attr::EXPIRES_AT).is_some_and(|at| at < chrono::Utc::now().timestamp()) {
            return Ok(None);
        }
        Ok(Some((
            text(&item, "fingerprint").unwrap_or_default(),
            Key {
                pk: text(&item, "message_pk").unwrap_or_default(),
                sk: text(&item, "message_sk").unwrap_or_default(),
            },
        )))
    }

    /// The message an id names (the id Meta echoes as `biz_opaque_callback_data`).
    pub async fn key_of(&self, org_id: &str, message_id: &str) -> Result<Option<Key>, StoreError> {
        Ok(self
            .records
            .get_item(&table::outbound_message(org_id, message_id))
            .await?
            .and_then(|item| {
                Some(Key {
                    pk: text(&item, "message_pk")?,
                    sk: text(&item, "message_sk")?,
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

    /// queued → sending, right before the request leaves; `None` when another caller has it.
    pub async fn claim(&self, pending: &PendingSend) -> Result<Option<(u32, i64)>, StoreError> {
        let now = now_ms();
        let state = SendState::Sending { claimed_ms: now };
        let result = self
            .transition(
                pending,
                Target::Pending(state),
                "#status = :queued",
                &["send_claimed_ms = :now"],
                &["send_attempts :one"],
            )
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some((
                output
                    .attributes()
                    .and_then(|a| number(&a.clone(), "send_attempts"))
                    .unwrap_or(1) as u32,
                now,
            ))),
            Err(err) if is_condition_failure(&err) => Ok(None),
            Err(err) => Err(StoreError::aws("UpdateItem(claim send)", err)),
        }
    }

    /// sending → queued: Meta refused for now, or the send never left.
    pub async fn release(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        let state = match pending.state {
            SendState::Queued { created_ms, requeues } => SendState::Queued { created_ms, requeues },
            _ => SendState::Queued {
                created_ms: pending.message.received_at_ms as i64,
                requeues: 0,
            },
        };
        self.finish(
            self.transition(
                pending,
                Target::Pending(state),
                "#status = :sending AND send_claimed_ms = :claimed",
                &[],
                &[],
            )
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":claimed", n(claimed_ms)),
            "release send",
        )
        .await
    }

    /// Meta accepted the send: `sent` with its wamid, unless a status got there first.
    pub async fn record_sent(&self, pending: &PendingSend, wamid: &str) -> Result<bool, StoreError> {
        self.finish(
            self.transition(
                pending,
                Target::Sent,
                "status_rank < :rank",
                &["wamid = :wamid", "sent_accepted_ms = :now"],
                &[],
            )
            .expression_attribute_values(":rank", n(DeliveryStatus::Sent.rank()))
            .expression_attribute_values(":wamid", s(wamid))
            .expression_attribute_values(":now", n(now_ms())),
            "record sent",
        )
        .await
    }

    /// sending → unknown: the request may have reached Meta, and no answer came back.
    pub async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        let now = now_ms();
        self.finish(
            self.transition(
                pending,
                Target::Pending(SendState::Unknown { since_ms: now }),
                "#status = :sending AND send_claimed_ms = :claimed",
                &["unknown_since_ms = :now"],
                &[],
            )
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":claimed", n(claimed_ms))
            .expression_attribute_values(":now", n(now)),
            "mark unknown",
        )
        .await
    }

    /// A failed send, from the state it was decided in. `confirmed` is false when Meta may still
    /// have the message: such a failure ranks below `sent`, so a later status replaces it.
    pub async fn fail(&self, pending: &PendingSend, error: &MetaError, confirmed: bool) -> Result<bool, StoreError> {
        let rank = if confirmed {
            DeliveryStatus::Failed.rank()
        } else {
            UNCONFIRMED_FAILURE_RANK
        };
        let errors = serde_dynamo::to_attribute_value([error]).unwrap_or(AttributeValue::L(vec![]));
        self.finish(
            self.transition(
                pending,
                Target::Failed,
                "#status = :from",
                &["status_errors = :errors"],
                &[],
            )
            .expression_attribute_values(":from", s(status_of(pending.state)))
            .expression_attribute_values(":rank", n(rank))
            .expression_attribute_values(":errors", errors),
            "fail send",
        )
        .await
    }

    /// Its job was queued again: the next look is later.
    pub async fn requeued(&self, pending: &PendingSend) -> Result<bool, StoreError> {
        let SendState::Queued { created_ms, requeues } = pending.state else {
            return Ok(false);
        };
        let next = SendState::Queued {
            created_ms,
            requeues: requeues + 1,
        };
        self.finish(
            self.transition(
                pending,
                Target::Pending(next),
                "#status = :queued",
                &[],
                &["requeues :one"],
            )
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":one", n(1)),
            "requeue send",
        )
        .await
    }

    /// An update of the message to `target`, conditioned on `condition` (and on the message
    /// existing), with further `sets` and `adds`; status and pending-sends index follow `target`.
    fn transition(
        &self,
        pending: &PendingSend,
        target: Target,
        condition: &str,
        sets: &[&str],
        adds: &[&str],
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        let mut all_sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let mut request = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&pending.key)))
            .expression_attribute_names("#status", "status");
        let (status, due) = match target {
            Target::Pending(state) => (status_of(state), state.due_ms()),
            Target::Sent => ("sent", None),
            Target::Failed => ("failed", None),
        };
        all_sets.push("#status = :next_status".into());
        request = request.expression_attribute_values(":next_status", s(status));
        if matches!(target, Target::Sent | Target::Failed) {
            all_sets.push("status_rank = :rank".into());
        }
        let mut expression = match due {
            Some(due) => {
                let (gsi2pk, gsi2sk) = table::pending_send(&pending.message.org_id, &pending.message.message_id, due);
                request = request
                    .expression_attribute_values(":gsi2pk", s(gsi2pk))
                    .expression_attribute_values(":gsi2sk", s(gsi2sk));
                all_sets.push("gsi2pk = :gsi2pk, gsi2sk = :gsi2sk".into());
                format!("SET {}", all_sets.join(", "))
            }
            None => format!("SET {} REMOVE gsi2pk, gsi2sk", all_sets.join(", ")),
        };
        if !adds.is_empty() {
            expression.push_str(&format!(" ADD {}", adds.join(", ")));
        }
        request
            .update_expression(expression)
            .condition_expression(format!("attribute_exists(pk) AND ({condition})"))
    }

    async fn finish(
        &self,
        request: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
        what: &'static str,
    ) -> Result<bool, StoreError> {
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) if is_condition_failure(&err) => Ok(false),
            Err(err) => Err(StoreError::aws(what, err)),
        }
    }
}

fn status_of(state: SendState) -> &'static str {
    match state {
        SendState::Queued { .. } => "queued",
        SendState::Sending { .. } => "sending",
        SendState::Unknown { .. } => "unknown",
        SendState::Settled => "sent",
    }
}

fn is_condition_failure<R>(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_conditional_check_failed_exception())
}

fn pending_of(item: Item) -> Result<PendingSend, StoreError> {
    let key = Key {
        pk: text(&item, attr::PK).unwrap_or_default(),
        sk: text(&item, attr::SK).unwrap_or_default(),
    };
    let job = item
        .get("send_job")
        .and_then(|job| serde_dynamo::from_attribute_value(job.clone()).ok());
    let requeues = number(&item, "requeues").unwrap_or(0) as u32;
    let claimed = number(&item, "send_claimed_ms");
    let unknown_since = number(&item, "unknown_since_ms");
    let attempts = number(&item, "send_attempts").unwrap_or(0) as u32;
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
