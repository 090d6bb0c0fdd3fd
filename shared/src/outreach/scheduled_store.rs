//! Scheduled messages and the due index they wait in (`DUE#<minute>#<shard>`): a message has a
//! small due entry next to it ([`ScheduledDue`]) while it has work left, so the index carries ids,
//! never the messages' texts. Every transition is conditioned on the status it was decided from.

use crate::inbox::outbound_store::{Created, OutboundStore};
use crate::outreach::schedule::{ScheduledDue, ScheduledMessage, ScheduledStatus};
use crate::outreach::scheduled_port::{HandOver, QueuedSend, ScheduledMessages};
use crate::platform::StoreError;
use crate::platform::due_index::DueIndex;
use crate::platform::items::{key_item, now_rfc3339, record_item, s};
use crate::platform::records::{Page, PageKey, Records, Write, condition_failed};
use crate::platform::table::{self, attr};
use crate::platform::tick::ShardPages;
use crate::platform::tick::minute_of;
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct ScheduledStore {
    records: Records,
    due: DueIndex,
    sends: OutboundStore,
}

impl ScheduledStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            due: DueIndex::new(client.clone(), table.clone()),
            sends: OutboundStore::new(client.clone(), table.clone()),
            records: Records::new(client, table),
        }
    }

    fn key(message: &ScheduledMessage) -> table::Key {
        table::scheduled_message(&message.org_id, &message.conversation_id, &message.scheduled_id)
    }

    fn due_key(org_id: &str, conversation_id: &str, scheduled_id: &str) -> table::Key {
        table::scheduled_due_entry(org_id, conversation_id, scheduled_id)
    }

    /// Stores a new pending message and its entry in the due index of its minute, together.
    pub async fn create(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        let item = record_item(message, &Self::key(message), "ScheduledMessage")?;
        let due = ScheduledDue::of(message);
        let mut entry = record_item(
            &due,
            &Self::due_key(&due.org_id, &due.conversation_id, &due.scheduled_id),
            "ScheduledDue",
        )?;
        let (pk, sk) = table::scheduled_due(
            &minute_of(due.scheduled_at_ms),
            due.scheduled_at_ms,
            &due.org_id,
            &due.conversation_id,
            &due.scheduled_id,
        );
        entry.insert(attr::GSI2_PK.into(), s(pk));
        entry.insert(attr::GSI2_SK.into(), s(sk));
        // A new ULID: an existing item would be a broken id source, not a retry.
        let new = Some("attribute_not_exists(pk)");
        let writes = vec![
            Write::failing_as(
                self.records.put(item, new),
                StoreError::Conflict("scheduled message id".into()),
            ),
            Write::from(self.records.put(entry, new)),
        ];
        self.records.transact(writes).await
    }

    pub async fn message(
        &self,
        org_id: &str,
        conversation_id: &str,
        scheduled_id: &str,
    ) -> Result<Option<ScheduledMessage>, StoreError> {
        self.records
            .get(
                &table::scheduled_message(org_id, conversation_id, scheduled_id),
                "ScheduledMessage",
            )
            .await
    }

    /// A conversation's scheduled messages, oldest scheduled first by id (ids grow with time).
    pub async fn page(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<ScheduledMessage>, StoreError> {
        self.records
            .page(
                &table::conversation_partition(org_id, conversation_id),
                table::prefix::SCHEDULED,
                "ScheduledMessage",
                limit,
                start,
                true,
            )
            .await
    }

    /// Cancels a pending message: `Conflict` when it is no longer pending. Its due entry goes
    /// after; if that delete is lost, the entry's next reading finds it cancelled and drops it.
    pub async fn cancel(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        let values = [(":true", AttributeValue::Bool(true))];
        match self
            .leave_pending(message, ScheduledStatus::Cancelled, "announced = :true", &values)
            .await?
        {
            true => self.drop_due(&ScheduledDue::of(message)).await,
            false => Err(StoreError::Conflict("not pending".into())),
        }
    }

    /// Moves a pending message to `to`, with `rest` of the update expression (after `SET status`);
    /// false when it was no longer pending.
    async fn leave_pending(
        &self,
        message: &ScheduledMessage,
        to: ScheduledStatus,
        rest: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<bool, StoreError> {
        let mut update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&Self::key(message))))
            .update_expression(format!("SET #status = :to, {rest}"))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":pending", s(ScheduledStatus::Pending.as_str()));
        for (name, value) in values {
            update = update.expression_attribute_values(*name, value.clone());
        }
        match update.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("UpdateItem(scheduled message)", err)),
        }
    }

    /// One minute of the due index, a page of [`ScheduledDue`] at a time (`next` with the run's
    /// budget). A message stored before due entries were items of their own is its own entry
    /// (its fields include the entry's), so it is still found.
    pub fn due_entries(&self) -> crate::platform::due_index::DueShards<ScheduledDue> {
        self.due
            .shards(table::SCHEDULED_DUE, &["ScheduledDue", "ScheduledMessage"])
    }

    /// The messages a page of due entries points at (one BatchGetItem), each beside its entry;
    /// `None` for an entry whose message is gone. A read that lags a concurrent settle is harmless:
    /// every transition is conditioned on the status.
    pub async fn due_messages(
        &self,
        entries: Vec<ScheduledDue>,
    ) -> Result<Vec<(ScheduledDue, Option<ScheduledMessage>)>, StoreError> {
        let keys: Vec<table::Key> = entries
            .iter()
            .map(|due| table::scheduled_message(&due.org_id, &due.conversation_id, &due.scheduled_id))
            .collect();
        let mut found: Vec<ScheduledMessage> = self.records.batch_get(&keys, "ScheduledMessage").await?;
        Ok(entries
            .into_iter()
            .map(|due| {
                let message = found
                    .iter()
                    .position(|m| m.scheduled_id == due.scheduled_id && m.org_id == due.org_id)
                    .map(|at| found.swap_remove(at));
                (due, message)
            })
            .collect())
    }

    /// Takes an entry out of the due index (its message settled and announced, or gone).
    pub async fn drop_due(&self, due: &ScheduledDue) -> Result<(), StoreError> {
        self.records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&Self::due_key(
                &due.org_id,
                &due.conversation_id,
                &due.scheduled_id,
            ))))
            .send()
            .await
            .map_err(|e| StoreError::aws("DeleteItem(scheduled due entry)", e))?;
        Ok(())
    }

    /// The write that hands a pending message to the outbound path, for the transaction that
    /// creates the outbound message: `Conflict("scheduled")` when it is no longer pending. It stays
    /// in the due index until its event is published ([`ScheduledStore::announced`]).
    fn handed_over(&self, message: &ScheduledMessage, message_id: &str) -> Write {
        let update = self
            .records
            .update_of(&Self::key(message))
            .expression("SET #status = :sent, sent_at = :now, message_id = :message")
            .when("#status = :pending")
            .name("#status", "status")
            .value(":pending", s(ScheduledStatus::Pending.as_str()))
            .value(":sent", s(ScheduledStatus::Sent.as_str()))
            .value(":now", s(now_rfc3339()))
            .value(":message", s(message_id));
        Write::failing_as(update, StoreError::Conflict("scheduled".into()))
    }

    /// Fails a pending message with `reason`; false when it was no longer pending.
    pub async fn fail(&self, message: &ScheduledMessage, reason: &str) -> Result<bool, StoreError> {
        let values = [(":reason", s(reason))];
        self.leave_pending(message, ScheduledStatus::Failed, "error_message = :reason", &values)
            .await
    }

    /// Its event is out: it leaves the due index (marked first, so an entry left behind by a lost
    /// delete is dropped at its next reading without a second event).
    pub async fn announced(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        self.records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&Self::key(message))))
            .update_expression("SET announced = :true REMOVE gsi2pk, gsi2sk")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| match condition_failed(&err) {
                true => Ok(()),
                false => Err(StoreError::aws("UpdateItem(scheduled announced)", err)),
            })?;
        self.drop_due(&ScheduledDue::of(message)).await
    }
}

#[async_trait::async_trait]
impl ShardPages<ScheduledDue> for ScheduledStore {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<ScheduledDue>, Option<String>), StoreError> {
        self.due_entries().shard_page(minute, shard, after).await
    }
}

#[async_trait::async_trait]
impl ScheduledMessages for ScheduledStore {
    async fn create(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        ScheduledStore::create(self, message).await
    }

    async fn message(
        &self,
        org_id: &str,
        conversation_id: &str,
        scheduled_id: &str,
    ) -> Result<Option<ScheduledMessage>, StoreError> {
        ScheduledStore::message(self, org_id, conversation_id, scheduled_id).await
    }

    async fn cancel(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        ScheduledStore::cancel(self, message).await
    }

    async fn due_messages(
        &self,
        entries: Vec<ScheduledDue>,
    ) -> Result<Vec<(ScheduledDue, Option<ScheduledMessage>)>, StoreError> {
        ScheduledStore::due_messages(self, entries).await
    }

    async fn hand_over(&self, message: &ScheduledMessage, send: &QueuedSend) -> Result<HandOver, StoreError> {
        let handed_over = self.handed_over(message, &send.message.message_id);
        let created = self
            .sends
            .create_with(
                &send.key,
                &send.message,
                &send.preview,
                &send.job,
                None,
                vec![handed_over],
            )
            .await;
        match created {
            Ok(Created::New) => Ok(HandOver::Handed),
            Ok(_) => Err(StoreError::io("create scheduled send", "unexpected idempotency answer")),
            Err(StoreError::Conflict(what)) if what == "scheduled" => Ok(HandOver::NotPending),
            Err(err) => Err(err),
        }
    }

    async fn fail(&self, message: &ScheduledMessage, reason: &str) -> Result<bool, StoreError> {
        ScheduledStore::fail(self, message, reason).await
    }

    async fn announced(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        ScheduledStore::announced(self, message).await
    }

    async fn drop_due(&self, due: &ScheduledDue) -> Result<(), StoreError> {
        ScheduledStore::drop_due(self, due).await
    }
}
