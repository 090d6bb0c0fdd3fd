//! The send-state transitions of an outbound message, each one conditional UpdateItem that also
//! moves the message in the pending-sends index.

use super::{ClaimOutcome, OutboundStore, PendingSend, pending_of};
use crate::inbox::send_policy::{SendState, UNCONFIRMED_FAILURE_RANK};
use crate::meta::{DeliveryStatus, MetaError};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, s};
use crate::platform::table::{self, Key};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

/// Where a transition takes a message.
#[derive(Debug, Clone, Copy)]
enum Target {
    Pending(SendState),
    Sent,
    Failed,
}

/// The message a transition writes.
#[derive(Clone, Copy)]
struct Subject<'a> {
    key: &'a Key,
    org_id: &'a str,
    message_id: &'a str,
}

impl<'a> Subject<'a> {
    fn of(pending: &'a PendingSend) -> Self {
        Self {
            key: &pending.key,
            org_id: &pending.message.org_id,
            message_id: &pending.message.message_id,
        }
    }
}

impl OutboundStore {
    /// queued → sending, before anything else of the send: the message as claimed, or what
    /// stopped the claim (another caller has it, it is settled, or it does not exist).
    pub async fn claim(&self, org_id: &str, key: &Key) -> Result<ClaimOutcome, StoreError> {
        let Some(message_id) = table::message_id_in(key) else {
            return Ok(ClaimOutcome::Missing);
        };
        let now = self.records.clock.now_ms();
        let result = self
            .transition(
                Subject {
                    key,
                    org_id,
                    message_id,
                },
                Target::Pending(SendState::Sending { claimed_ms: now }),
                "#status = :queued",
                &["send_claimed_ms = :now"],
                &["send_attempts :one"],
            )
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(ClaimOutcome::Claimed(pending_of(
                output.attributes.unwrap_or_default(),
            )?)),
            Err(err) if is_condition_failure(&err) => Ok(match self.pending(key).await? {
                Some(pending) => ClaimOutcome::NotQueued(pending),
                None => ClaimOutcome::Missing,
            }),
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
                Subject::of(pending),
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
                Subject::of(pending),
                Target::Sent,
                "status_rank < :rank",
                &["wamid = :wamid", "sent_accepted_ms = :now"],
                &[],
            )
            .expression_attribute_values(":rank", n(DeliveryStatus::Sent.rank()))
            .expression_attribute_values(":wamid", s(wamid))
            .expression_attribute_values(":now", n(self.records.clock.now_ms())),
            "record sent",
        )
        .await
    }

    /// sending → unknown: the request may have reached Meta, and no answer came back.
    pub async fn mark_unknown(&self, pending: &PendingSend, claimed_ms: i64) -> Result<bool, StoreError> {
        let now = self.records.clock.now_ms();
        self.finish(
            self.transition(
                Subject::of(pending),
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
                Subject::of(pending),
                Target::Failed,
                "#status = :from",
                &["status_errors = :errors"],
                &[],
            )
            .expression_attribute_values(":from", s(pending.state.status()))
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
                Subject::of(pending),
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
        subject: Subject<'_>,
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
            .set_key(Some(key_item(subject.key)))
            .expression_attribute_names("#status", "status");
        let (status, due) = match target {
            Target::Pending(state) => (state.status(), state.due_ms()),
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
                let (gsi2pk, gsi2sk) = table::pending_send(subject.org_id, subject.message_id, due);
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

fn is_condition_failure<R>(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>,
) -> bool {
    err.as_service_error()
        .is_some_and(|e| e.is_conditional_check_failed_exception())
}
