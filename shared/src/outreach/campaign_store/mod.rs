//! Campaigns: the campaign item (settings, status, checkpoints), its sharded counters, its
//! recipients ([`recipients`]) and each recipient's send ([`sends`]).
//!
//! Status changes are conditional on the status they were decided from, so two agents, or an agent
//! and the campaigns function, cannot both move a campaign; totals are `ADD`s, never rewritten.

mod recipients;
mod sends;

pub use recipients::FeedPage;
pub use sends::Claim;

use crate::outreach::campaign::{Campaign, CampaignCounters, CampaignStatus};
use crate::platform::StoreError;
use crate::platform::items::{key_item, number_of, record, record_item, s, string_of};
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

#[derive(Clone)]
pub struct CampaignStore {
    records: Records,
}

pub use crate::outreach::campaign::CampaignChange;

/// A change as DynamoDB attributes: `SET` these, `REMOVE` those, `ADD` to these.
#[derive(Default)]
struct Attributes {
    sets: Vec<(&'static str, AttributeValue)>,
    removes: Vec<&'static str>,
    adds: Vec<(&'static str, i64)>,
}

impl Attributes {
    fn set(&mut self, name: &'static str, value: AttributeValue) {
        self.sets.push((name, value));
    }

    fn set_opt(&mut self, name: &'static str, value: &Option<Option<String>>) {
        match value {
            Some(Some(value)) => self.set(name, s(value)),
            Some(None) => self.removes.push(name),
            None => {}
        }
    }

    /// A list of strings or a string map (stored as a DynamoDB list / map).
    fn set_value<T: serde::Serialize>(&mut self, name: &'static str, value: &Option<T>) -> Result<(), StoreError> {
        if let Some(value) = value {
            let value = serde_dynamo::to_attribute_value(value).map_err(|e| StoreError::io("campaign change", e))?;
            self.set(name, value);
        }
        Ok(())
    }

    fn of(change: &CampaignChange, org_id: &str, campaign_id: &str) -> Result<Self, StoreError> {
        let mut out = Self::default();
        let now = || s(crate::platform::items::now_rfc3339());
        if let Some(status) = change.status {
            out.set("status", s(status.as_str()));
        }
        if let Some(name) = &change.name {
            out.set("name", s(name));
        }
        out.set_opt("scheduled_at", &change.scheduled_at);
        out.set_opt("responding_agent_id", &change.responding_agent_id);
        out.set_opt("responding_division_id", &change.responding_division_id);
        out.set_value("default_variables", &change.default_variables)?;
        if change.started_now {
            out.set("started_at", now());
        }
        if change.completed_now {
            out.set("completed_at", now());
        }
        out.set_opt("pause_reason", &change.pause_reason);
        let prepared = change
            .prepared_status
            .map(|status| status.map(|s| s.as_str().to_string()));
        out.set_opt("prepared_status", &prepared);
        out.set_value("pending_tags", &change.pending_tags)?;
        out.set_value("tags", &change.tags)?;
        out.set_opt("expand_cursor", &change.expand_cursor);
        if change.added_recipients != 0 {
            out.adds.push(("total_recipients", change.added_recipients));
        }
        out.set_opt("feed_cursor", &change.feed_cursor);
        out.set_opt("feed_rewind", &change.feed_rewind);
        out.set_opt("feed_last_start", &change.feed_last_start);
        if let Some((cursor, open)) = &change.settle_sweep {
            out.set_opt("settle_cursor", &Some(cursor.clone()));
            out.set("settle_open", crate::platform::items::n(*open));
        }
        match change.due_ms {
            Some(Some(due_ms)) => {
                let (pk, sk) = table::campaign_due(org_id, campaign_id, due_ms);
                out.set(attr::GSI2_PK, s(pk));
                out.set(attr::GSI2_SK, s(sk));
            }
            Some(None) => out.removes.extend([attr::GSI2_PK, attr::GSI2_SK]),
            None => {}
        }
        Ok(out)
    }
}

/// A campaign due for a look, from the due index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCampaign {
    pub org_id: String,
    pub campaign_id: String,
}

impl CampaignStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// Claims read `clock` (tests drive time without sleeping).
    pub fn with_clock(mut self, clock: crate::platform::clock::Clock) -> Self {
        self.records = self.records.with_clock(clock);
        self
    }

    pub async fn campaign(&self, org_id: &str, id: &str) -> Result<Option<Campaign>, StoreError> {
        self.records.get(&table::campaign(org_id, id), "Campaign").await
    }

    /// Newest first.
    pub async fn page(&self, org_id: &str, limit: i32, start: Option<PageKey>) -> Result<Page<Campaign>, StoreError> {
        self.records
            .page(
                &table::org_partition(org_id),
                table::prefix::CAMPAIGN,
                "Campaign",
                limit,
                start,
                true,
            )
            .await
    }

    pub async fn create(&self, campaign: &Campaign, due_ms: Option<i64>) -> Result<(), StoreError> {
        let mut item = record_item(
            campaign,
            &table::campaign(&campaign.org_id, &campaign.campaign_id),
            "Campaign",
        )?;
        if let Some(due_ms) = due_ms {
            let (pk, sk) = table::campaign_due(&campaign.org_id, &campaign.campaign_id, due_ms);
            item.insert(attr::GSI2_PK.into(), s(pk));
            item.insert(attr::GSI2_SK.into(), s(sk));
        }
        self.records
            .transact(vec![Write::failing_as(
                self.records.put(item, Some("attribute_not_exists(pk)")),
                StoreError::Conflict("campaign".into()),
            )])
            .await
    }

    /// Applies `change` if the campaign is still in `expected`: the campaign as it is afterwards,
    /// or `None` when it is not (gone, or moved meanwhile: re-read and decide again).
    pub async fn change(
        &self,
        org_id: &str,
        id: &str,
        expected: CampaignStatus,
        change: CampaignChange,
    ) -> Result<Option<Campaign>, StoreError> {
        let mut update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::campaign(org_id, id))))
            .condition_expression("#status = :expected")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":expected", s(expected.as_str()))
            .return_values(ReturnValue::AllNew);
        let mut sets = vec!["updated_at = :updated_at".to_string()];
        update = update.expression_attribute_values(":updated_at", s(crate::platform::items::now_rfc3339()));
        if let Some(read) = change.checkpoint {
            update = update
                .condition_expression(if read == 0 {
                    "#status = :expected AND (attribute_not_exists(checkpoint) OR checkpoint = :checkpoint)"
                } else {
                    "#status = :expected AND checkpoint = :checkpoint"
                })
                .expression_attribute_values(":checkpoint", AttributeValue::N(read.to_string()))
                .expression_attribute_values(":next_checkpoint", AttributeValue::N((read + 1).to_string()));
            sets.push("checkpoint = :next_checkpoint".to_string());
        }
        let attributes = Attributes::of(&change, org_id, id)?;
        for (i, (name, value)) in attributes.sets.into_iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#s{i}"), name)
                .expression_attribute_values(format!(":s{i}"), value);
            sets.push(format!("#s{i} = :s{i}"));
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !attributes.removes.is_empty() {
            let names: Vec<String> = (0..attributes.removes.len()).map(|i| format!("#r{i}")).collect();
            for (i, name) in attributes.removes.iter().enumerate() {
                update = update.expression_attribute_names(format!("#r{i}"), *name);
            }
            expression.push_str(&format!(" REMOVE {}", names.join(", ")));
        }
        if !attributes.adds.is_empty() {
            let mut clauses = Vec::new();
            for (i, (name, amount)) in attributes.adds.iter().enumerate() {
                update = update
                    .expression_attribute_names(format!("#a{i}"), *name)
                    .expression_attribute_values(format!(":a{i}"), AttributeValue::N(amount.to_string()));
                clauses.push(format!("#a{i} :a{i}"));
            }
            expression.push_str(&format!(" ADD {}", clauses.join(", ")));
        }
        match update.update_expression(expression).send().await {
            Ok(output) => output.attributes.map(|item| record(item, "Campaign")).transpose(),
            Err(err) if crate::platform::records::condition_failed(&err) => Ok(None),
            Err(err) => Err(StoreError::aws("UpdateItem(campaign)", err)),
        }
    }

    /// Deletes a campaign still in `expected` (its recipients expire with their TTL).
    pub async fn delete(&self, org_id: &str, id: &str, expected: CampaignStatus) -> Result<bool, StoreError> {
        let result = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::campaign(org_id, id))))
            .condition_expression("#status = :expected")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":expected", s(expected.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if crate::platform::records::condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("DeleteItem(campaign)", err)),
        }
    }

    /// `ADD` new recipients to the campaign's total.
    pub async fn add_total(&self, org_id: &str, id: &str, added: u64) -> Result<(), StoreError> {
        if added == 0 {
            return Ok(());
        }
        self.records
            .add(&table::campaign(org_id, id), "total_recipients", added as i64)
            .await
            .map(|_| ())
    }

    /// The counters: the total from the campaign, the rest summed over the shards (one
    /// BatchGetItem).
    pub async fn counters(&self, campaign: &Campaign) -> Result<CampaignCounters, StoreError> {
        let keys: Vec<_> = (0..table::CAMPAIGN_COUNTER_SHARDS)
            .map(|shard| table::campaign_counter_shard(&campaign.org_id, &campaign.campaign_id, shard))
            .collect();
        let shards = self.records.batch_get_items(&keys, false).await?;
        let sum = |name: &str| -> u64 {
            shards
                .iter()
                .map(|item| number_of(item, name).unwrap_or(0).max(0) as u64)
                .sum()
        };
        Ok(CampaignCounters {
            total: campaign.total_recipients,
            sent: sum("sent"),
            delivered: sum("delivered"),
            read: sum("read"),
            failed: sum("failed"),
            replied: sum("replied"),
            skipped: sum("skipped"),
        })
    }

    /// Campaigns whose due time (scheduled start, automatic resume) has come.
    pub async fn due(&self, now_ms: i64, limit: i32) -> Result<Vec<DueCampaign>, StoreError> {
        let output = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .index_name(table::index::TIMELINE)
            .key_condition_expression("gsi2pk = :pk AND gsi2sk <= :now")
            .expression_attribute_values(":pk", s(table::CAMPAIGNS_DUE))
            .expression_attribute_values(":now", s(format!("{:013}#~", now_ms.max(0))))
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(campaigns due)", e))?;
        Ok(output
            .items()
            .iter()
            .filter_map(|item| {
                let sk = string_of(item, attr::GSI2_SK)?;
                let mut parts = sk.splitn(3, '#');
                let (_, org, campaign) = (parts.next()?, parts.next()?, parts.next()?);
                Some(DueCampaign {
                    org_id: org.to_string(),
                    campaign_id: campaign.to_string(),
                })
            })
            .collect())
    }

    /// The counter-shard `ADD` of one recipient's move (its shard is fixed by its phone).
    fn counter_write(&self, org_id: &str, campaign_id: &str, phone: &str, adds: &[(&str, i64)]) -> Option<Write> {
        if adds.is_empty() {
            return None;
        }
        let shard = table::shard_of(phone, table::CAMPAIGN_COUNTER_SHARDS);
        Some(Write::from(self.records.counters(
            &table::campaign_counter_shard(org_id, campaign_id, shard),
            adds,
        )))
    }
}
