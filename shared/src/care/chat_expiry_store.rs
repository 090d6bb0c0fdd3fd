//! Chat expiration: the organization's rules (one per channel) and each open conversation's expiry
//! entry, indexed at the minute it is next looked at (`EXPDUE#<minute>`). The entry is armed when a
//! conversation opens or is reopened and moved only when looked at (a lazy timer: messages do not
//! write it), so an active conversation costs one look per window, not one write per message.

use crate::care::chat_expiry::ChatExpirationRule;
use crate::platform::StoreError;
use crate::platform::due_index::DueIndex;
use crate::platform::items::{key_item, n, record_item, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table::{self, attr};
use crate::platform::tick::minute_of;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

/// An open conversation's expiry entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiryEntry {
    pub org_id: String,
    pub conversation_id: String,
    pub due_ms: i64,
    /// Claimed by a run that is resolving it (a later run finishes the job).
    #[serde(default)]
    pub resolving: bool,
    /// When it was claimed (the claiming run's time).
    #[serde(default)]
    pub claimed_ms: i64,
}

#[derive(Clone)]
pub struct ChatExpiryStore {
    records: Records,
    due: DueIndex,
}

impl ChatExpiryStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            due: DueIndex::new(client.clone(), table.clone()),
            records: Records::new(client, table),
        }
    }

    pub async fn rule(&self, org_id: &str, channel: &str) -> Result<Option<ChatExpirationRule>, StoreError> {
        self.records
            .get(&table::chat_expiration_rule(org_id, channel), "ChatExpirationRule")
            .await
    }

    pub async fn rules(&self, org_id: &str) -> Result<Vec<ChatExpirationRule>, StoreError> {
        self.records
            .all(
                &table::org_partition(org_id),
                table::prefix::CHAT_EXPIRY,
                "ChatExpirationRule",
            )
            .await
    }

    /// Creates or replaces the channel's rule.
    pub async fn put_rule(&self, rule: &ChatExpirationRule) -> Result<(), StoreError> {
        let key = table::chat_expiration_rule(&rule.org_id, &rule.channel);
        self.records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(record_item(rule, &key, "ChatExpirationRule")?))
            .send()
            .await
            .map_err(|e| StoreError::aws("PutItem(chat expiration rule)", e))?;
        Ok(())
    }

    /// Deletes the channel's rule; false when there was none.
    pub async fn delete_rule(&self, org_id: &str, channel: &str) -> Result<bool, StoreError> {
        let output = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::chat_expiration_rule(org_id, channel))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| StoreError::aws("DeleteItem(chat expiration rule)", e))?;
        Ok(output.attributes.is_some())
    }

    /// Arms (or re-arms) a conversation's entry at `due_ms`.
    pub async fn arm(&self, org_id: &str, conversation_id: &str, due_ms: i64) -> Result<(), StoreError> {
        let entry = ExpiryEntry {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            due_ms,
            resolving: false,
            claimed_ms: 0,
        };
        let mut item = record_item(
            &entry,
            &table::conversation_expiry(org_id, conversation_id),
            "ConversationExpiry",
        )?;
        let (pk, sk) = table::expiry_due(&minute_of(due_ms), due_ms, org_id, conversation_id);
        item.insert(attr::GSI2_PK.into(), s(pk));
        item.insert(attr::GSI2_SK.into(), s(sk));
        self.records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::aws("PutItem(conversation expiry)", e))?;
        Ok(())
    }

    /// Arms a conversation last active at `last_activity_ms` when the channel's rule resolves idle
    /// ones; false when no rule does.
    pub async fn arm_if_ruled(
        &self,
        org_id: &str,
        channel: &str,
        conversation_id: &str,
        last_activity_ms: i64,
    ) -> Result<bool, StoreError> {
        let due = self
            .rule(org_id, channel)
            .await?
            .and_then(|rule| rule.resolve_at_ms(last_activity_ms));
        match due {
            Some(due_ms) => self.arm(org_id, conversation_id, due_ms).await.map(|()| true),
            None => Ok(false),
        }
    }

    /// The expiry entries of the due index, a shard's page at a time (read by the tick).
    pub fn due_entries(&self) -> crate::platform::due_index::DueShards<ExpiryEntry> {
        self.due.shards(table::EXPIRY_DUE, &["ConversationExpiry"])
    }

    /// Moves an entry (as read) to `due_ms`; false when it changed meanwhile.
    pub async fn rearm(&self, entry: &ExpiryEntry, due_ms: i64) -> Result<bool, StoreError> {
        let (pk, sk) = table::expiry_due(&minute_of(due_ms), due_ms, &entry.org_id, &entry.conversation_id);
        let values = [
            (":due", n(due_ms)),
            (":pk", s(pk)),
            (":sk", s(sk)),
            (":false", AttributeValue::Bool(false)),
        ];
        self.conditional(
            entry,
            "SET due_ms = :due, gsi2pk = :pk, gsi2sk = :sk, resolving = :false",
            &values,
        )
        .await
    }

    /// Claims an entry at `now_ms` for resolving its conversation; false when another run has it.
    pub async fn claim(&self, entry: &ExpiryEntry, now_ms: i64) -> Result<bool, StoreError> {
        let values = [(":true", AttributeValue::Bool(true)), (":now", n(now_ms))];
        self.conditional(entry, "SET resolving = :true, claimed_ms = :now", &values)
            .await
    }

    /// Removes an entry (as read); a changed one stays.
    pub async fn drop_entry(&self, entry: &ExpiryEntry) -> Result<(), StoreError> {
        let result = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::conversation_expiry(
                &entry.org_id,
                &entry.conversation_id,
            ))))
            .condition_expression("due_ms = :seen")
            .expression_attribute_values(":seen", n(entry.due_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(StoreError::aws("DeleteItem(conversation expiry)", err)),
        }
    }

    async fn conditional(
        &self,
        entry: &ExpiryEntry,
        expression: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<bool, StoreError> {
        let mut update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::conversation_expiry(
                &entry.org_id,
                &entry.conversation_id,
            ))))
            .update_expression(expression)
            .condition_expression("due_ms = :seen AND resolving = :was")
            .expression_attribute_values(":seen", n(entry.due_ms))
            .expression_attribute_values(":was", AttributeValue::Bool(entry.resolving));
        for (name, value) in values {
            update = update.expression_attribute_values(*name, value.clone());
        }
        match update.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("UpdateItem(conversation expiry)", err)),
        }
    }
}
