//! Each conversation's AI session in DynamoDB: one item next to its messages, every change one
//! conditional UpdateItem, so a turn limit and a handoff hold under redelivery (pattern 76 of
//! DATA_MODEL.md). A refused condition is told apart by reading the item back.

use crate::ai::handoff::Handoff;
use crate::ai::ports::{Session, Sessions, TurnCount};
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table;
use aws_sdk_dynamodb::types::AttributeValue;

const SESSION: &str = "AiSession";

#[derive(Clone)]
pub struct SessionStore {
    records: Records,
}

impl SessionStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    async fn read(&self, org_id: &str, conversation_id: &str) -> Result<Option<Item>, StoreError> {
        self.records.get_item(&table::ai_session(org_id, conversation_id)).await
    }
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

fn silenced(item: &Item) -> bool {
    item.get("silenced")
        .and_then(|v| v.as_bool().ok())
        .copied()
        .unwrap_or(false)
}

#[async_trait::async_trait]
impl Sessions for SessionStore {
    async fn session(&self, org_id: &str, conversation_id: &str) -> Result<Option<Session>, StoreError> {
        self.records
            .get(&table::ai_session(org_id, conversation_id), SESSION)
            .await
    }

    async fn count_turn(
        &self,
        org_id: &str,
        conversation_id: &str,
        ai_agent_id: &str,
        message_id: &str,
        limit: Option<u32>,
    ) -> Result<TurnCount, StoreError> {
        let mut condition = "(attribute_not_exists(silenced) OR silenced = :no) \
             AND (attribute_not_exists(last_message_id) OR last_message_id <> :message)"
            .to_string();
        let mut update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::ai_session(org_id, conversation_id))))
            .update_expression(
                "SET turns = if_not_exists(turns, :zero) + :one, last_message_id = :message, \
                 last_agent_id = :agent, org_id = :org, conversation_id = :conversation, entity = :entity",
            )
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":message", s(message_id))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":agent", s(ai_agent_id))
            .expression_attribute_values(":org", s(org_id))
            .expression_attribute_values(":conversation", s(conversation_id))
            .expression_attribute_values(":entity", s(SESSION))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew);
        if let Some(limit) = limit {
            condition.push_str(" AND (attribute_not_exists(turns) OR turns < :limit)");
            update = update.expression_attribute_values(":limit", n(limit));
        }
        match update.condition_expression(condition).send().await {
            Ok(output) => Ok(TurnCount::Counted(
                output.attributes.as_ref().and_then(|a| number(a, "turns")).unwrap_or(1) as u32,
            )),
            Err(err) if condition_failed(&err) => {
                let item = self.read(org_id, conversation_id).await?.unwrap_or_default();
                let turns = number(&item, "turns").unwrap_or(0) as u32;
                Ok(if silenced(&item) {
                    TurnCount::Silenced
                } else if text(&item, "last_message_id").as_deref() == Some(message_id) {
                    TurnCount::Counted(turns)
                } else {
                    TurnCount::LimitReached(turns)
                })
            }
            Err(err) => Err(StoreError::aws("UpdateItem(AI turn)", err)),
        }
    }

    async fn route(&self, org_id: &str, conversation_id: &str, ai_agent_id: &str) -> Result<(), StoreError> {
        self.records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::ai_session(org_id, conversation_id))))
            .update_expression(
                "SET ai_agent_id = :agent, org_id = :org, conversation_id = :conversation, entity = :entity",
            )
            .expression_attribute_values(":agent", s(ai_agent_id))
            .expression_attribute_values(":org", s(org_id))
            .expression_attribute_values(":conversation", s(conversation_id))
            .expression_attribute_values(":entity", s(SESSION))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("UpdateItem(AI route)", e))
    }

    async fn hand_off(
        &self,
        org_id: &str,
        conversation_id: &str,
        handoff: &Handoff,
        message_id: &str,
        at_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let recorded = serde_dynamo::to_attribute_value(handoff).map_err(|e| StoreError::Corrupt {
            entity: "AiHandoff",
            detail: e.to_string(),
        })?;
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::ai_session(org_id, conversation_id))))
            .update_expression(
                "SET handoff = :handoff, handoff_message_id = :message, handed_off_ms = :at, silenced = :stop, \
                 org_id = :org, conversation_id = :conversation, entity = :entity",
            )
            // Recorded unless a handoff stands: the same message's (a redelivery keeps the first
            // time) or another message's that silenced the AI.
            .condition_expression(
                "attribute_not_exists(handoff_message_id) OR (silenced = :no AND handoff_message_id <> :message)",
            )
            .expression_attribute_values(":handoff", recorded)
            .expression_attribute_values(":message", s(message_id))
            .expression_attribute_values(":at", n(at_ms))
            .expression_attribute_values(":stop", AttributeValue::Bool(handoff.stop_ai))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":org", s(org_id))
            .expression_attribute_values(":conversation", s(conversation_id))
            .expression_attribute_values(":entity", s(SESSION))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(at_ms)),
            Err(err) if condition_failed(&err) => {
                let item = self.read(org_id, conversation_id).await?.unwrap_or_default();
                Ok(match text(&item, "handoff_message_id").as_deref() == Some(message_id) {
                    true => number(&item, "handed_off_ms"),
                    false => None,
                })
            }
            Err(err) => Err(StoreError::aws("UpdateItem(AI handoff)", err)),
        }
    }

    async fn clear_handoff(&self, org_id: &str, conversation_id: &str) -> Result<(), StoreError> {
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::ai_session(org_id, conversation_id))))
            .update_expression("REMOVE handoff, handoff_message_id, handed_off_ms SET silenced = :no, turns = :zero")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(StoreError::aws("UpdateItem(AI hand back)", err)),
        }
    }
}
