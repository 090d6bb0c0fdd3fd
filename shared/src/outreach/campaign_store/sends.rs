//! One recipient's send, from the sender's claim to Meta's last status. Every move is conditional
//! on the state it was decided from, and moves that change a counter write the recipient and the
//! counter shard in one transaction, so a redelivered status or a retried send counts once.

use super::CampaignStore;
use crate::outreach::campaign::{Recipient, counters_crossed, rank, rank_of};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, now_rfc3339, record, s};
use crate::platform::records::{Write, condition_failed};
use crate::platform::table;
use aws_sdk_dynamodb::types::ReturnValue;

/// What trying to claim a recipient's send came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This caller sends it (the recipient is `sending`, claimed at `send_claimed_ms`).
    Claimed(Recipient),
    /// Not pending: claimed by another caller, sent, failed or skipped.
    NotPending(Recipient),
    Missing,
}

impl CampaignStore {
    /// pending → sending, right before the send.
    pub async fn claim(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Claim, StoreError> {
        let key = table::campaign_recipient(org_id, campaign_id, phone);
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&key)))
            .update_expression(
                "SET #status = :sending, status_rank = :rank, send_claimed_ms = :now ADD send_attempts :one",
            )
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":rank", n(rank::SENDING))
            .expression_attribute_values(":now", n(self.records.clock.now_ms()))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Claim::Claimed(record(
                output.attributes.unwrap_or_default(),
                "CampaignRecipient",
            )?)),
            Err(err) if condition_failed(&err) => Ok(match self.recipient(org_id, campaign_id, phone).await? {
                Some(recipient) => Claim::NotPending(recipient),
                None => Claim::Missing,
            }),
            Err(err) => Err(StoreError::aws("UpdateItem(claim recipient)", err)),
        }
    }

    /// sending → pending: the send never left, or Meta refused it for now.
    pub async fn release(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        self.move_claimed(
            recipient,
            "SET #status = :pending, status_rank = :rank REMOVE send_claimed_ms",
            &[(":pending", s("pending")), (":rank", n(rank::PENDING))],
            "#status = :sending AND send_claimed_ms = :claimed",
        )
        .await
    }

    /// sending → unknown: the request may have reached Meta; only a status settles it.
    pub async fn mark_unknown(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        self.move_claimed(
            recipient,
            "SET #status = :unknown, status_rank = :rank",
            &[(":unknown", s("unknown")), (":rank", n(rank::UNKNOWN))],
            "#status = :sending AND send_claimed_ms = :claimed",
        )
        .await
    }

    async fn move_claimed(
        &self,
        recipient: &Recipient,
        expression: &str,
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
        condition: &str,
    ) -> Result<bool, StoreError> {
        let key = table::campaign_recipient(org_of(recipient)?, &recipient.campaign_id, &recipient.phone);
        let mut update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&key)))
            .update_expression(expression)
            .condition_expression(condition)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s("sending"))
            .expression_attribute_values(":claimed", n(recipient.send_claimed_ms.unwrap_or_default()));
        for (name, value) in values {
            update = update.expression_attribute_values(*name, value.clone());
        }
        match update.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("UpdateItem(recipient send)", err)),
        }
    }

    /// Meta accepted the send: `sent` with its wamid, counted once. A status that got here first
    /// (through the callback data) moved the recipient on and counted; then only the wamid is kept.
    pub async fn record_sent(&self, recipient: &Recipient, wamid: &str) -> Result<(), StoreError> {
        let org_id = org_of(recipient)?;
        let key = table::campaign_recipient(org_id, &recipient.campaign_id, &recipient.phone);
        let claimed = n(recipient.send_claimed_ms.unwrap_or_default());
        let update = self
            .records
            .update_of(&key)
            .expression("SET #status = :sent, status_rank = :rank, wamid = :wamid, sent_at = :now")
            // Failed unconfirmed meanwhile: only the wamid is kept, and Meta's statuses correct it.
            .when("send_claimed_ms = :claimed AND status_rank < :unconfirmed")
            .value(":unconfirmed", n(rank::FAILED_UNCONFIRMED))
            .name("#status", "status")
            .value(":sent", s("sent"))
            .value(":rank", n(rank::SENT))
            .value(":wamid", s(wamid))
            .value(":now", s(now_rfc3339()))
            .value(":claimed", claimed.clone());
        let mut writes = vec![Write::failing_as(
            update,
            StoreError::Conflict("recipient moved on".into()),
        )];
        writes.extend(self.counter_write(org_id, &recipient.campaign_id, &recipient.phone, &[("sent", 1)]));
        match self.records.transact(writes).await {
            Err(StoreError::Conflict(_)) => {
                self.records
                    .client
                    .update_item()
                    .table_name(&self.records.table)
                    .set_key(Some(key_item(&key)))
                    .update_expression("SET wamid = :wamid, sent_at = :now")
                    .condition_expression("send_claimed_ms = :claimed")
                    .expression_attribute_values(":wamid", s(wamid))
                    .expression_attribute_values(":now", s(now_rfc3339()))
                    .expression_attribute_values(":claimed", claimed)
                    .send()
                    .await
                    .map_err(|e| StoreError::aws("UpdateItem(recipient wamid)", e))?;
                Ok(())
            }
            other => other,
        }
    }

    /// The recipient will not be sent to: `failed` (Meta refused, or the send could not be made)
    /// or `skipped` (opted out before the send), with the reason, counted once. `claimed`: the
    /// recipient is this caller's claim; otherwise it must still be pending.
    pub async fn settle_unsent(
        &self,
        recipient: &Recipient,
        outcome: &'static str,
        code: Option<i64>,
        message: &str,
        claimed: bool,
    ) -> Result<bool, StoreError> {
        self.settle(recipient, outcome, rank::FAILED, code, message, claimed)
            .await
    }

    /// A claimed send Meta never answered and no status followed in time: `failed`, counted, but
    /// ranked below `sent` so that a status arriving later still wins (and moves the count).
    pub async fn fail_unconfirmed(&self, recipient: &Recipient, message: &str) -> Result<bool, StoreError> {
        self.settle(recipient, "failed", rank::FAILED_UNCONFIRMED, None, message, true)
            .await
    }

    async fn settle(
        &self,
        recipient: &Recipient,
        outcome: &'static str,
        settled_rank: i64,
        code: Option<i64>,
        message: &str,
        claimed: bool,
    ) -> Result<bool, StoreError> {
        let org_id = org_of(recipient)?;
        let key = table::campaign_recipient(org_id, &recipient.campaign_id, &recipient.phone);
        let mut update = self
            .records
            .update_of(&key)
            .expression(
                "SET #status = :outcome, status_rank = :rank, error_code = :code, error_message = :message, failed_at = :now",
            )
            .name("#status", "status")
            .value(":outcome", s(outcome))
            .value(":rank", n(settled_rank))
            .value(":code", code.map(n).unwrap_or(aws_sdk_dynamodb::types::AttributeValue::Null(true)))
            .value(":message", s(message.chars().take(500).collect::<String>()))
            .value(":now", s(now_rfc3339()));
        update = if claimed {
            update
                .when("send_claimed_ms = :claimed AND status_rank < :rank")
                .value(":claimed", n(recipient.send_claimed_ms.unwrap_or_default()))
        } else {
            update.when("#status = :pending").value(":pending", s("pending"))
        };
        let counter = if outcome == "skipped" { "skipped" } else { "failed" };
        let mut writes = vec![Write::failing_as(
            update,
            StoreError::Conflict("recipient moved on".into()),
        )];
        writes.extend(self.counter_write(org_id, &recipient.campaign_id, &recipient.phone, &[(counter, 1)]));
        match self.records.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Applies Meta's status of a campaign send: the recipient moves up only, and each counter
    /// level it passes is added once (read, compare, write conditioned on the rank read).
    pub async fn apply_status(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        status: &str,
        wamid: &str,
        error: Option<(i64, String)>,
    ) -> Result<bool, StoreError> {
        let Some(to) = rank_of(status) else { return Ok(false) };
        let key = table::campaign_recipient(org_id, campaign_id, phone);
        for _ in 0..5 {
            let Some(current) = self.recipient(org_id, campaign_id, phone).await? else {
                return Ok(false);
            };
            if to <= current.status_rank {
                return Ok(false);
            }
            let at = match status {
                "sent" => "sent_at",
                "delivered" => "delivered_at",
                "failed" => "failed_at",
                _ => "read_at",
            };
            let (code, message) = error.clone().unwrap_or((0, String::new()));
            let update = self
                .records
                .update_of(&key)
                .expression(format!(
                    "SET #status = :status, status_rank = :to, {at} = :now, wamid = :wamid{}",
                    if status == "failed" {
                        ", error_code = :code, error_message = :message"
                    } else {
                        ""
                    }
                ))
                .when("status_rank = :from")
                .name("#status", "status")
                .value(":status", s(if status == "played" { "read" } else { status }))
                .value(":to", n(to))
                .value(":from", n(current.status_rank))
                .value(":now", s(now_rfc3339()))
                .value(":wamid", s(wamid));
            let update = if status == "failed" {
                update
                    .value(":code", n(code))
                    .value(":message", s(message.chars().take(500).collect::<String>()))
            } else {
                update
            };
            let mut writes = vec![Write::failing_as(
                update,
                StoreError::Conflict("recipient moved on".into()),
            )];
            writes.extend(self.counter_write(org_id, campaign_id, phone, &counters_crossed(current.status_rank, to)));
            match self.records.transact(writes).await {
                Ok(()) => return Ok(true),
                // Another status moved it meanwhile: decide again from what it is now.
                Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(StoreError::Conflict("recipient status kept changing".into()))
    }

    /// The recipient's first reply, counted once, with the conversation it landed in.
    pub async fn record_reply(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        conversation_id: &str,
    ) -> Result<bool, StoreError> {
        let key = table::campaign_recipient(org_id, campaign_id, phone);
        let update = self
            .records
            .update_of(&key)
            .expression("SET replied_at = :now, conversation_id = :conversation")
            .when("attribute_exists(pk) AND (attribute_not_exists(replied_at) OR attribute_type(replied_at, :null))")
            .value(":null", s("NULL"))
            .value(":now", s(now_rfc3339()))
            .value(":conversation", s(conversation_id));
        let mut writes = vec![Write::failing_as(update, StoreError::Conflict("replied before".into()))];
        writes.extend(self.counter_write(org_id, campaign_id, phone, &[("replied", 1)]));
        match self.records.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }
}

fn org_of(recipient: &Recipient) -> Result<&str, StoreError> {
    Some(recipient.org_id.as_str())
        .filter(|org| !org.is_empty())
        .ok_or_else(|| StoreError::io("recipient", "stored without its organization"))
}

impl CampaignStore {
    /// Remembers that a campaign send reached `reach.phone`, for the customer's reply.
    pub async fn remember_reach(
        &self,
        org_id: &str,
        reach: &crate::outreach::campaign::Reach,
    ) -> Result<(), StoreError> {
        let mut item =
            crate::platform::items::record_item(reach, &table::campaign_reach(org_id, &reach.phone), "CampaignReach")?;
        item.insert(
            crate::platform::table::attr::EXPIRES_AT.into(),
            n(chrono::Utc::now().timestamp() + crate::outreach::campaign::REPLY_ATTRIBUTION_SECONDS),
        );
        self.records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("PutItem(campaign reach)", e))
    }

    /// The campaign send that last reached `phone`, within the attribution window.
    pub async fn reach(
        &self,
        org_id: &str,
        phone: &str,
    ) -> Result<Option<crate::outreach::campaign::Reach>, StoreError> {
        let Some(item) = self.records.get_item(&table::campaign_reach(org_id, phone)).await? else {
            return Ok(None);
        };
        let expired = crate::platform::items::number_of(&item, crate::platform::table::attr::EXPIRES_AT)
            .is_some_and(|at| at < chrono::Utc::now().timestamp());
        if expired {
            return Ok(None);
        }
        record(item, "CampaignReach").map(Some)
    }

    /// The reply was attributed: later messages of the customer are not looked up again.
    pub async fn forget_reach(&self, org_id: &str, phone: &str) -> Result<(), StoreError> {
        self.records
            .transact_all(vec![self.records.delete(&table::campaign_reach(org_id, phone), None)])
            .await
    }
}
