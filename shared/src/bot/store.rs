//! The keyword bot in DynamoDB: scenarios and scenario templates under the organization (each one
//! item, written whole and conditioned on what was read), and the repeat counter, one partition
//! per contact. The run log and the once-per-event claims are the automation ledger's.

use crate::bot::ports::{RepeatCounter, ScenarioReads};
use crate::bot::scenario::{Scenario, ScenarioTemplate};
use crate::platform::StoreError;
use crate::platform::items::{Item, record_item, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table::{self, Key};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct ScenarioStore {
    records: Records,
}

const SCENARIO: &str = "Scenario";
const TEMPLATE: &str = "ScenarioTemplate";

impl ScenarioStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn scenario(&self, org_id: &str, scenario_id: &str) -> Result<Option<Scenario>, StoreError> {
        self.records.get(&table::scenario(org_id, scenario_id), SCENARIO).await
    }

    pub async fn template(&self, org_id: &str, template_id: &str) -> Result<Option<ScenarioTemplate>, StoreError> {
        self.records
            .get(&table::scenario_template(org_id, template_id), TEMPLATE)
            .await
    }

    /// Writes a scenario whole: a new one only if its id is free, a changed one only if it was not
    /// changed since `read_at` (its `updated_at` as read).
    pub async fn put_scenario(&self, scenario: &Scenario, read_at: Option<&str>) -> Result<(), StoreError> {
        let key = table::scenario(&scenario.org_id, &scenario.scenario_id);
        let item = record_item(scenario, &key, SCENARIO)?;
        self.put_whole(item, read_at, "PutItem(scenario)").await
    }

    pub async fn put_template(&self, template: &ScenarioTemplate, read_at: Option<&str>) -> Result<(), StoreError> {
        let key = table::scenario_template(&template.org_id, &template.template_id);
        let item = record_item(template, &key, TEMPLATE)?;
        self.put_whole(item, read_at, "PutItem(scenario template)").await
    }

    async fn put_whole(&self, item: Item, read_at: Option<&str>, operation: &'static str) -> Result<(), StoreError> {
        self.records.put_whole(item, read_at, "it", operation).await
    }

    /// Deletes a scenario; `false` when there was none.
    pub async fn delete_scenario(&self, org_id: &str, scenario_id: &str) -> Result<bool, StoreError> {
        self.records
            .delete_existing(&table::scenario(org_id, scenario_id), "DeleteItem(scenario)")
            .await
    }

    pub async fn delete_template(&self, org_id: &str, template_id: &str) -> Result<bool, StoreError> {
        self.records
            .delete_existing(
                &table::scenario_template(org_id, template_id),
                "DeleteItem(scenario template)",
            )
            .await
    }

    async fn counted_event(&self, key: &Key) -> Result<Option<String>, StoreError> {
        let item = self.records.get_item(key).await?;
        Ok(item.and_then(|i| i.get("last_event").and_then(|v| v.as_s().ok()).cloned()))
    }
}

#[async_trait::async_trait]
impl ScenarioReads for ScenarioStore {
    async fn scenarios(&self, org_id: &str) -> Result<Vec<Scenario>, StoreError> {
        self.records
            .all(&table::org_partition(org_id), table::prefix::SCENARIO, SCENARIO)
            .await
    }

    async fn templates(&self, org_id: &str) -> Result<Vec<ScenarioTemplate>, StoreError> {
        self.records
            .all(
                &table::org_partition(org_id),
                table::prefix::SCENARIO_TEMPLATE,
                TEMPLATE,
            )
            .await
    }
}

#[async_trait::async_trait]
impl RepeatCounter for ScenarioStore {
    /// One conditional update: counted only below `max` and only if this event was not the last
    /// one counted; when refused, the item tells a redelivery (allowed) from the limit.
    async fn count(
        &self,
        org_id: &str,
        contact_id: &str,
        scenario_id: &str,
        event_id: &str,
        max: u32,
    ) -> Result<bool, StoreError> {
        let key = table::scenario_count(org_id, contact_id, scenario_id);
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(crate::platform::items::key_item(&key)))
            .update_expression("SET runs = if_not_exists(runs, :zero) + :one, last_event = :event, entity = :entity")
            .condition_expression(
                "(attribute_not_exists(runs) OR runs < :max) AND (attribute_not_exists(last_event) OR last_event <> :event)",
            )
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(max.to_string()))
            .expression_attribute_values(":event", s(event_id))
            .expression_attribute_values(":entity", s("ScenarioCount"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(self.counted_event(&key).await?.as_deref() == Some(event_id)),
            Err(err) => Err(StoreError::aws("UpdateItem(scenario count)", err)),
        }
    }
}
