//! AI usage in DynamoDB: one item per agent and day in the organization's usage partition
//! (pattern 77 of DATA_MODEL.md). A call is admitted by a conditional counter before it is made,
//! so a daily token limit holds to within the calls already in flight; tokens and cost are added
//! after it.

use crate::ai::ports::{UsageDay, UsageMeter};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table;

const USAGE: &str = "AiUsage";

#[derive(Clone)]
pub struct UsageStore {
    records: Records,
}

impl UsageStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    fn update(
        &self,
        org_id: &str,
        ai_agent_id: &str,
        date: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::ai_usage(org_id, date, ai_agent_id))))
            .expression_attribute_values(":org", s(org_id))
            .expression_attribute_values(":agent", s(ai_agent_id))
            .expression_attribute_values(":date", s(date))
            .expression_attribute_values(":entity", s(USAGE))
    }
}

const IDENTITY: &str = "org_id = :org, ai_agent_id = :agent, #date = :date, entity = :entity";

#[async_trait::async_trait]
impl UsageMeter for UsageStore {
    async fn admit(&self, org_id: &str, ai_agent_id: &str, date: &str, limit: Option<u64>) -> Result<bool, StoreError> {
        let mut admit = self
            .update(org_id, ai_agent_id, date)
            .update_expression(format!("SET {IDENTITY} ADD request_count :one"))
            .expression_attribute_names("#date", "date")
            .expression_attribute_values(":one", n(1));
        if let Some(limit) = limit {
            admit = admit
                .condition_expression("attribute_not_exists(total_tokens) OR total_tokens < :limit")
                .expression_attribute_values(":limit", n(limit));
        }
        match admit.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => {
                self.update(org_id, ai_agent_id, date)
                    .update_expression(format!("SET {IDENTITY} ADD refused_count :one"))
                    .expression_attribute_names("#date", "date")
                    .expression_attribute_values(":one", n(1))
                    .send()
                    .await
                    .map_err(|e| StoreError::aws("UpdateItem(AI refusal)", e))?;
                Ok(false)
            }
            Err(err) => Err(StoreError::aws("UpdateItem(AI admit)", err)),
        }
    }

    async fn spend(
        &self,
        org_id: &str,
        ai_agent_id: &str,
        date: &str,
        prompt_tokens: u64,
        completion_tokens: u64,
        cost_micros: u64,
    ) -> Result<(), StoreError> {
        self.update(org_id, ai_agent_id, date)
            .update_expression(format!(
                "SET {IDENTITY} ADD prompt_tokens :prompt, completion_tokens :completion, \
                 total_tokens :total, cost_micros :cost"
            ))
            .expression_attribute_names("#date", "date")
            .expression_attribute_values(":prompt", n(prompt_tokens))
            .expression_attribute_values(":completion", n(completion_tokens))
            .expression_attribute_values(":total", n(prompt_tokens + completion_tokens))
            .expression_attribute_values(":cost", n(cost_micros))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("UpdateItem(AI spend)", e))
    }

    async fn days(&self, org_id: &str, from: &str, to: &str) -> Result<Vec<UsageDay>, StoreError> {
        let mut days = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .records
                .client
                .query()
                .table_name(&self.records.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(table::ai_usage_partition(org_id)))
                .expression_attribute_values(":from", s(format!("{from}#")))
                // `~` sorts after every id character: the whole of the last day.
                .expression_attribute_values(":to", s(format!("{to}#~")))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::aws("Query(AI usage)", e))?;
            for item in page.items() {
                days.push(crate::platform::items::record(item.clone(), USAGE)?);
            }
            match page.last_evaluated_key {
                Some(next) => start = Some(next),
                None => return Ok(days),
            }
        }
    }
}
