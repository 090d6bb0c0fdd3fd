//! The delivery log on DynamoDB: each endpoint's deliveries in their own partition
//! (`table::webhook_delivery`), newest first; a delivery waiting for a long retry also sits in the
//! due index (GSI2 `HOOKDUE#<minute>#<shard>`), which the delivering function reads every minute.
//! Every state change is one UpdateItem conditioned on the attempt it moves from.

use crate::integrations::delivery_policy::DELIVERY_RETENTION_S;
use crate::integrations::ports::{Created, DeliveryFilter, DeliveryLog, Settlement};
use crate::integrations::{Delivery, DeliveryRef, DeliveryStatus};
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, record, record_item, s};
use crate::platform::records::{Page, PageKey, Records, condition_failed};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

pub const ENTITY: &str = "WebhookDelivery";

#[derive(Clone)]
pub struct DeliveryStore {
    records: Records,
}

fn key(r: &DeliveryRef) -> table::Key {
    table::webhook_delivery(&r.org_id, &r.webhook_id, &r.delivery_id)
}

/// The due-index attributes of a delivery to look at again at `at_ms`.
fn due_index(r: &DeliveryRef, at_ms: i64) -> [(&'static str, AttributeValue); 2] {
    let minute = crate::platform::tick::minute_of(at_ms);
    let (pk, sk) = table::webhook_retry_due(&minute, at_ms, &r.org_id, &r.webhook_id, &r.delivery_id);
    [(attr::GSI2_PK, s(pk)), (attr::GSI2_SK, s(sk))]
}

/// One UpdateItem: SET the given values, REMOVE the given names, under `condition`. `Ok(None)`
/// when the condition failed.
struct Update {
    sets: Vec<(String, AttributeValue)>,
    removes: Vec<String>,
    condition: String,
    values: Vec<(String, AttributeValue)>,
}

impl Update {
    fn new(condition: &str) -> Self {
        Self {
            sets: Vec::new(),
            removes: Vec::new(),
            condition: condition.to_string(),
            values: Vec::new(),
        }
    }

    fn set(mut self, name: &str, value: AttributeValue) -> Self {
        self.sets.push((name.to_string(), value));
        self
    }

    fn set_or_remove(self, name: &str, value: Option<AttributeValue>) -> Self {
        match value {
            Some(value) => self.set(name, value),
            None => self.remove(name),
        }
    }

    fn remove(mut self, name: &str) -> Self {
        self.removes.push(name.to_string());
        self
    }

    fn value(mut self, name: &str, value: AttributeValue) -> Self {
        self.values.push((name.to_string(), value));
        self
    }

    async fn run(
        self,
        records: &Records,
        key: &table::Key,
        operation: &'static str,
    ) -> Result<Option<Item>, StoreError> {
        let mut request = records
            .client
            .update_item()
            .table_name(&records.table)
            .set_key(Some(key_item(key)))
            .condition_expression(&self.condition)
            .expression_attribute_names("#status", "status")
            .return_values(ReturnValue::AllNew);
        let mut expression = String::new();
        if !self.sets.is_empty() {
            let clauses: Vec<String> = (0..self.sets.len()).map(|i| format!("#s{i} = :s{i}")).collect();
            expression = format!("SET {}", clauses.join(", "));
        }
        for (i, (name, value)) in self.sets.into_iter().enumerate() {
            request = request
                .expression_attribute_names(format!("#s{i}"), name)
                .expression_attribute_values(format!(":s{i}"), value);
        }
        if !self.removes.is_empty() {
            let names: Vec<String> = (0..self.removes.len()).map(|i| format!("#r{i}")).collect();
            expression.push_str(&format!(" REMOVE {}", names.join(", ")));
        }
        for (i, name) in self.removes.into_iter().enumerate() {
            request = request.expression_attribute_names(format!("#r{i}"), name);
        }
        for (name, value) in self.values {
            request = request.expression_attribute_values(name, value);
        }
        match request.update_expression(expression).send().await {
            Ok(output) => Ok(Some(output.attributes.unwrap_or_default())),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(StoreError::aws(operation, err)),
        }
    }
}

impl DeliveryStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }
}

fn expires_at(created_at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|t| t.timestamp())
        .unwrap_or_else(|_| chrono::Utc::now().timestamp())
        + DELIVERY_RETENTION_S
}

#[async_trait::async_trait]
impl DeliveryLog for DeliveryStore {
    async fn create_delivery(&self, delivery: &Delivery) -> Result<Created, StoreError> {
        let expires = n(expires_at(&delivery.created_at));
        let guard = table::webhook_event_guard(&delivery.org_id, &delivery.webhook_id, &delivery.event_id);
        let mut guard_item = key_item(&guard);
        guard_item.insert("delivery_id".into(), s(&delivery.delivery_id));
        guard_item.insert(attr::ENTITY.into(), s("WebhookEventGuard"));
        guard_item.insert(attr::EXPIRES_AT.into(), expires.clone());
        let guarded = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(guard_item))
            .condition_expression("attribute_not_exists(pk) OR delivery_id = :id")
            .expression_attribute_values(":id", s(&delivery.delivery_id))
            .send()
            .await;
        match guarded {
            Ok(_) => {}
            Err(err) if condition_failed(&err) => {
                let existing = self
                    .records
                    .get_item(&guard)
                    .await?
                    .and_then(|item| crate::platform::items::string_of(&item, "delivery_id"))
                    .ok_or_else(|| StoreError::io("GetItem(delivery guard)", "guard without its delivery"))?;
                return Ok(Created::Existing { delivery_id: existing });
            }
            Err(err) => return Err(StoreError::aws("PutItem(delivery guard)", err)),
        }
        let mut item = record_item(delivery, &key(&delivery.reference()), ENTITY)?;
        item.insert(attr::EXPIRES_AT.into(), expires);
        match self.records.put_new(item, "PutItem(delivery)").await? {
            true => Ok(Created::New),
            false => Ok(Created::Existing {
                delivery_id: delivery.delivery_id.clone(),
            }),
        }
    }

    async fn delivery(&self, reference: &DeliveryRef) -> Result<Option<Delivery>, StoreError> {
        self.records.get(&key(reference), ENTITY).await
    }

    async fn claim(&self, read: &Delivery, now_ms: i64) -> Result<bool, StoreError> {
        let written = Update::new("attempt = :attempt AND #status = :read")
            .set("status", s(DeliveryStatus::Sending.as_str()))
            .set("attempt", n(read.attempt + 1))
            .set("attempt_started_ms", n(now_ms))
            .remove("next_retry_ms")
            .remove(attr::GSI2_PK)
            .remove(attr::GSI2_SK)
            .value(":attempt", n(read.attempt))
            .value(":read", s(read.status.as_str()))
            .run(&self.records, &key(&read.reference()), "UpdateItem(delivery claim)")
            .await?;
        Ok(written.is_some())
    }

    async fn settle(&self, reference: &DeliveryRef, attempt: u32, settlement: &Settlement) -> Result<bool, StoreError> {
        let mut update = Update::new("attempt = :attempt AND #status = :sending")
            .set("status", s(settlement.status.as_str()))
            .set_or_remove("http_status", settlement.http_status.map(n))
            .set_or_remove("response_body", settlement.response_body.clone().map(s))
            .set_or_remove("error_message", settlement.error_message.clone().map(s))
            .set_or_remove("next_retry_ms", settlement.next_retry_ms.map(n))
            .set_or_remove("completed_at", settlement.completed_at.clone().map(s))
            .value(":attempt", n(attempt))
            .value(":sending", s(DeliveryStatus::Sending.as_str()));
        match settlement.index_at_ms {
            Some(at_ms) => {
                for (name, value) in due_index(reference, at_ms) {
                    update = update.set(name, value);
                }
            }
            None => update = update.remove(attr::GSI2_PK).remove(attr::GSI2_SK),
        }
        let written = update
            .run(&self.records, &key(reference), "UpdateItem(delivery settle)")
            .await?;
        Ok(written.is_some())
    }

    async fn reopen(&self, reference: &DeliveryRef) -> Result<Option<Delivery>, StoreError> {
        let Some(current) = self.delivery(reference).await? else {
            return Ok(None);
        };
        let written = Update::new("attempt = :attempt AND #status IN (:succeeded, :failed, :pending)")
            .set("status", s(DeliveryStatus::Pending.as_str()))
            .set("max_attempts", n(current.attempt + 1))
            .remove("completed_at")
            .remove("next_retry_ms")
            .value(":attempt", n(current.attempt))
            .value(":succeeded", s(DeliveryStatus::Succeeded.as_str()))
            .value(":failed", s(DeliveryStatus::Failed.as_str()))
            .value(":pending", s(DeliveryStatus::Pending.as_str()))
            .run(&self.records, &key(reference), "UpdateItem(delivery reopen)")
            .await?;
        match written {
            Some(item) => Ok(Some(record(item, ENTITY)?)),
            None => Err(StoreError::Conflict("a delivery in progress".into())),
        }
    }

    /// Moves a due delivery's index entry to `at_ms` (its job was queued: the entry stays only as
    /// the safety net should the job be lost); `Ok(false)` when the delivery moved on.
    async fn recheck_at(&self, reference: &DeliveryRef, attempt: u32, at_ms: i64) -> Result<bool, StoreError> {
        let [(pk_name, pk), (sk_name, sk)] = due_index(reference, at_ms);
        let written = Update::new("attempt = :attempt AND #status = :retrying")
            .set(pk_name, pk)
            .set(sk_name, sk)
            .value(":attempt", n(attempt))
            .value(":retrying", s(DeliveryStatus::Retrying.as_str()))
            .run(&self.records, &key(reference), "UpdateItem(delivery recheck)")
            .await?;
        Ok(written.is_some())
    }

    async fn deliveries_page(
        &self,
        org_id: &str,
        webhook_id: &str,
        filter: &DeliveryFilter,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Delivery>, StoreError> {
        let mut query = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(table::webhook_deliveries_partition(org_id, webhook_id)))
            .expression_attribute_values(":prefix", s(table::prefix::WEBHOOK_DELIVERY))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start.map(|k| k.into_iter().map(|(k, v)| (k, s(v))).collect()));
        let mut filters = Vec::new();
        if let Some(status) = filter.status {
            filters.push("#status = :status");
            query = query
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", s(status.as_str()));
        }
        if let Some(event_type) = &filter.event_type {
            filters.push("event_type = :type");
            query = query.expression_attribute_values(":type", s(event_type));
        }
        if !filters.is_empty() {
            query = query.filter_expression(filters.join(" AND "));
        }
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(deliveries)", e))?;
        Ok(Page {
            items: crate::platform::items::records(output.items(), ENTITY)?,
            next: output.last_evaluated_key.map(|k| {
                k.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
                    .collect()
            }),
        })
    }
}
