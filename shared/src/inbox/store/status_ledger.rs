//! Delivery statuses on outbound messages: applied forward-only, parked on the wamid while no
//! message claims it, adopted by our message when the send's answer (and so its wamid) was lost.

use super::StatusOutcome;
use super::status_plan::{self, StatusSlot};
use crate::meta::{DeliveryStatus, StatusUpdate};
use crate::platform::StoreError;
use crate::platform::ids;
use crate::platform::items::{Item, number_of, string_of};
use crate::platform::records::Records;
use crate::platform::table::{self, Key};
use crate::platform::transact::{self, NotCommitted, NotWritten};

pub struct StatusLedger {
    records: Records,
}

fn message_key_in(claim: &Item) -> Option<Key> {
    Some(Key {
        pk: string_of(claim, "message_pk")?,
        sk: string_of(claim, "message_sk")?,
    })
}

impl StatusLedger {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    async fn update(
        &self,
        op: &crate::platform::plan::WriteOp,
        operation: &'static str,
    ) -> Result<Option<Item>, StoreError> {
        match transact::update_one(&self.records.client, &self.records.table, op, operation).await {
            Ok(item) => Ok(Some(item)),
            Err(NotWritten::ConditionFailed) => Ok(None),
            Err(NotWritten::Store(err)) => Err(err),
        }
    }

    /// The message a wamid names, through its claim.
    pub async fn message_key_of(&self, org_id: &str, wamid: &str) -> Result<Option<Key>, StoreError> {
        super::claimed_message(&self.records, org_id, wamid).await
    }

    /// Applies a delivery status to the outbound message with this wamid, forward-only; parks it
    /// on the wamid item when no message claims the wamid yet.
    pub async fn apply_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        let message_key = match self.message_key_of(org_id, &status.wamid).await? {
            Some(key) => key,
            None => match Box::pin(self.adopt_wamid(org_id, status)).await? {
                Some(key) => key,
                None => return self.park_status(org_id, status).await,
            },
        };
        let plan = status_plan::status_plan(org_id, &message_key, status);
        match transact::run(&self.records.client, &self.records.table, &plan, "WriteOps(status)").await {
            Ok(()) => Ok(StatusOutcome::Applied { message_key }),
            Err(NotCommitted::Cancelled(cancelled)) if cancelled.condition_failed(StatusSlot::Message).is_some() => {
                Ok(StatusOutcome::Stale)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// A status whose wamid no message claims yet, but which names our message id (the send's
    /// answer, and with it the wamid, was lost): the message takes the wamid and the status.
    async fn adopt_wamid(&self, org_id: &str, status: &StatusUpdate) -> Result<Option<Key>, StoreError> {
        let Some(message_id) = status.callback_data.as_deref().filter(|id| ids::is_well_formed(id)) else {
            return Ok(None);
        };
        let Some(pointer) = self
            .records
            .get_item(&table::outbound_message(org_id, message_id))
            .await?
        else {
            return Ok(None);
        };
        let Some(key) = message_key_in(&pointer) else {
            return Ok(None);
        };
        // The message has another wamid: this status is not its own.
        if self
            .update(&status_plan::adopt(&key, &status.wamid), "UpdateItem(adopt wamid)")
            .await?
            .is_none()
        {
            return Ok(None);
        }
        self.link_outbound(org_id, &status.wamid, &key).await?;
        Ok(Some(key))
    }

    async fn park_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        let wamid_key = table::wamid(org_id, &status.wamid);
        let parked = status_plan::park(&wamid_key, status, chrono::Utc::now().timestamp());
        if self.update(&parked, "UpdateItem(park status)").await?.is_some() {
            return Ok(StatusOutcome::Parked);
        }
        // Either a later status is parked already, or a message claimed the wamid meanwhile.
        if self.message_key_of(org_id, &status.wamid).await?.is_some() {
            Box::pin(self.apply_status(org_id, status)).await
        } else {
            Ok(StatusOutcome::Stale)
        }
    }

    /// Links an outbound message to the wamid Meta returned for it, and applies any status that
    /// arrived before the link (the sender calls this after a successful send).
    pub async fn link_outbound(
        &self,
        org_id: &str,
        wamid: &str,
        message_key: &Key,
    ) -> Result<Option<DeliveryStatus>, StoreError> {
        let link = status_plan::link(&table::wamid(org_id, wamid), message_key);
        let claim = self.update(&link, "UpdateItem(link wamid)").await?.unwrap_or_default();
        let Some(parked) = string_of(&claim, "status").and_then(|s| DeliveryStatus::parse(&s)) else {
            return Ok(None);
        };
        let status = StatusUpdate {
            wamid: wamid.into(),
            status: parked,
            timestamp: number_of(&claim, "status_at").unwrap_or_default(),
            recipient_id: None,
            errors: claim
                .get("status_errors")
                .and_then(|v| serde_dynamo::from_attribute_value(v.clone()).ok())
                .unwrap_or_default(),
            pricing: None,
            conversation: None,
            callback_data: None,
        };
        match self.apply_status(org_id, &status).await? {
            StatusOutcome::Applied { .. } => Ok(Some(parked)),
            _ => Ok(None),
        }
    }
}
