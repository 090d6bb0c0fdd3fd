//! Automation in DynamoDB: rules and the pause switch under the organization, and the run ledger
//! in partitions of their own per rule: claims (once per event), cooldowns (per conversation),
//! runs (the log, newest first). Claims and runs expire after 30 days.

use crate::automation::ports::{Claim, RuleReads, Run, RunLedger, Streak};
use crate::automation::rule::Rule;
use crate::automation::walk::{Control, Incoming};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, record_item, s};
use crate::platform::records::{Page, PageKey, Records, condition_failed};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;

/// Claims and runs are kept this long.
pub const KEPT_S: i64 = 30 * 86_400;

#[derive(Clone)]
pub struct RuleStore {
    records: Records,
}

impl RuleStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn rule(&self, org_id: &str, rule_id: &str) -> Result<Option<Rule>, StoreError> {
        self.records
            .get(&table::automation_rule(org_id, rule_id), "AutomationRule")
            .await
    }

    /// Writes a rule whole: a new one only if its id is free, a changed one only if it was not
    /// changed since `read_at` (its `updated_at` as read).
    pub async fn put(&self, rule: &Rule, read_at: Option<&str>) -> Result<(), StoreError> {
        let item = record_item(
            rule,
            &table::automation_rule(&rule.org_id, &rule.rule_id),
            "AutomationRule",
        )?;
        let mut put = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item));
        put = match read_at {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(at) => put
                .condition_expression("updated_at = :was")
                .expression_attribute_values(":was", s(at)),
        };
        match put.send().await {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => {
                Err(StoreError::Conflict("the rule changed meanwhile; read it again".into()))
            }
            Err(err) => Err(StoreError::aws("PutItem(automation rule)", err)),
        }
    }

    /// Deletes a rule; `false` when there was none.
    pub async fn delete(&self, org_id: &str, rule_id: &str) -> Result<bool, StoreError> {
        self.records
            .delete_existing(&table::automation_rule(org_id, rule_id), "DeleteItem(automation rule)")
            .await
    }

    pub async fn set_control(&self, org_id: &str, control: &Control) -> Result<(), StoreError> {
        let item = record_item(control, &table::automation_control(org_id), "AutomationControl")?;
        self.overwrite(item, "PutItem(automation control)").await
    }

    /// Writes an item whatever was there (the switch, a run rewritten by a rerun).
    async fn overwrite(&self, item: crate::platform::items::Item, operation: &'static str) -> Result<(), StoreError> {
        self.records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::aws(operation, e))?;
        Ok(())
    }

    /// A page of a rule's runs, newest first.
    pub async fn runs_page(
        &self,
        org_id: &str,
        rule_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Run>, StoreError> {
        self.records
            .page(
                &table::automation_runs_partition(org_id, rule_id),
                "RUN#",
                "AutomationRun",
                limit,
                start,
                true,
            )
            .await
    }

    async fn claim_item(&self, key: &table::Key) -> Result<Option<(String, bool, i64)>, StoreError> {
        let item = self.records.get_item(key).await?;
        Ok(item.map(|item| {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let done = item
                .get("done")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false);
            let at = item
                .get("at_ms")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or_default();
            (text("payload_hash"), done, at)
        }))
    }
}

#[async_trait::async_trait]
impl RuleReads for RuleStore {
    async fn rules(&self, org_id: &str) -> Result<Vec<Rule>, StoreError> {
        self.records
            .all(
                &table::org_partition(org_id),
                table::prefix::AUTOMATION_RULE,
                "AutomationRule",
            )
            .await
    }

    async fn control(&self, org_id: &str) -> Result<Control, StoreError> {
        Ok(self
            .records
            .get(&table::automation_control(org_id), "AutomationControl")
            .await?
            .unwrap_or_default())
    }
}

#[async_trait::async_trait]
impl RunLedger for RuleStore {
    async fn claim(&self, event: &Incoming, rule_id: &str, now_ms: i64) -> Result<(Claim, i64), StoreError> {
        let key = table::automation_claim(&event.org_id, rule_id, &event.event_id);
        let mut item = key_item(&key);
        item.insert(attr::ENTITY.into(), s("AutomationClaim"));
        item.insert("payload_hash".into(), s(&event.payload_hash));
        item.insert("done".into(), AttributeValue::Bool(false));
        item.insert("at_ms".into(), n(now_ms));
        item.insert(attr::EXPIRES_AT.into(), n(now_ms / 1000 + KEPT_S));
        if self.records.put_new(item, "PutItem(automation claim)").await? {
            return Ok((Claim::New, now_ms));
        }
        let (hash, done, at_ms) = self
            .claim_item(&key)
            .await?
            .ok_or_else(|| StoreError::Conflict("an automation claim vanished; retry".into()))?;
        Ok(match (hash == event.payload_hash, done) {
            (false, _) => (Claim::PayloadChanged, at_ms),
            (true, true) => (Claim::Done, at_ms),
            (true, false) => (Claim::Unfinished, at_ms),
        })
    }

    async fn cooldown(
        &self,
        event: &Incoming,
        rule_id: &str,
        subject: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut item = key_item(&table::automation_cooldown(&event.org_id, rule_id, subject));
        item.insert(attr::ENTITY.into(), s("AutomationCooldown"));
        item.insert("until_ms".into(), n(until_ms));
        item.insert("event_id".into(), s(&event.event_id));
        item.insert(attr::EXPIRES_AT.into(), n(until_ms / 1000 + 60));
        let result = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR until_ms <= :now OR event_id = :event")
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":event", s(&event.event_id))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("PutItem(automation cooldown)", err)),
        }
    }

    async fn record(&self, run: &Run) -> Result<(), StoreError> {
        let key = table::automation_run(&run.org_id, &run.rule_id, run.at_ms, &run.event_id);
        let mut item = record_item(run, &key, "AutomationRun")?;
        item.insert(attr::EXPIRES_AT.into(), n(run.at_ms / 1000 + KEPT_S));
        self.overwrite(item, "PutItem(automation run)").await?;
        if run.executed {
            self.records
                .client
                .update_item()
                .table_name(&self.records.table)
                .set_key(Some(key_item(&table::automation_claim(
                    &run.org_id,
                    &run.rule_id,
                    &run.event_id,
                ))))
                .update_expression("SET done = :true")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":true", AttributeValue::Bool(true))
                .send()
                .await
                .map_err(|e| StoreError::aws("UpdateItem(automation claim)", e))?;
        }
        Ok(())
    }

    /// One UpdateItem conditioned on the event not being the last one counted: a failure adds one
    /// (the first names the streak), a success ends it. A redelivery reads the streak as it is.
    async fn streak(&self, org_id: &str, rule_id: &str, event_id: &str, failed: bool) -> Result<Streak, StoreError> {
        let key = table::automation_streak(org_id, rule_id);
        let update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&key)))
            .condition_expression("attribute_not_exists(last_event) OR last_event <> :event")
            .expression_attribute_values(":event", s(event_id))
            .expression_attribute_values(":entity", s("AutomationStreak"))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
        let update = match failed {
            true => update
                .update_expression("SET last_event = :event, entity = :entity, since_event = if_not_exists(since_event, :event) ADD failures :one")
                .expression_attribute_values(":one", n(1)),
            false => update.update_expression("SET last_event = :event, entity = :entity REMOVE failures, since_event, alerted"),
        };
        let item = match update.send().await {
            Ok(output) => output.attributes,
            Err(err) if condition_failed(&err) => self.records.get_item(&key).await?,
            Err(err) => return Err(StoreError::aws("UpdateItem(automation streak)", err)),
        };
        let item = item.unwrap_or_default();
        Ok(Streak {
            failures: item
                .get("failures")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            since_event: item
                .get("since_event")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default(),
            alerted: item
                .get("alerted")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
        })
    }

    async fn alerted(&self, org_id: &str, rule_id: &str) -> Result<(), StoreError> {
        self.records
            .update_existing(
                &table::automation_streak(org_id, rule_id),
                "SET alerted = :true",
                &[(":true", AttributeValue::Bool(true))],
                "UpdateItem(automation streak alerted)",
            )
            .await
    }
}
