//! An organization's outgoing webhook endpoints on DynamoDB (`ORG#<org>` / `OUTHOOK#<id>`): at
//! most twenty, read together by the delivering function (one Query, cached for 30 s). An update
//! is read, changed and written back conditioned on `updated_at` and the failure count, so neither
//! a concurrent edit nor a failure the deliveries function wrote meanwhile is lost; the delivering
//! function's health writes are single UpdateItems.

use crate::integrations::ports::{EndpointChanges, Endpoints, Failing};
use crate::integrations::{Endpoint, MAX_ENDPOINTS_PER_ORG};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, number_of, record_item, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

pub const ENTITY: &str = "OutgoingWebhook";

#[derive(Clone)]
pub struct EndpointStore {
    records: Records,
}

impl EndpointStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    async fn update(
        &self,
        org_id: &str,
        webhook_id: &str,
        expression: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
        operation: &'static str,
    ) -> Result<Option<crate::platform::items::Item>, StoreError> {
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::outgoing_webhook(org_id, webhook_id))))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(output) => Ok(Some(output.attributes.unwrap_or_default())),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(StoreError::aws(operation, err)),
        }
    }
}

#[async_trait::async_trait]
impl Endpoints for EndpointStore {
    async fn endpoints_of(&self, org_id: &str) -> Result<Vec<Endpoint>, StoreError> {
        self.records
            .all(&table::org_partition(org_id), table::prefix::OUTGOING_WEBHOOK, ENTITY)
            .await
    }

    async fn endpoint(&self, org_id: &str, webhook_id: &str) -> Result<Option<Endpoint>, StoreError> {
        self.records
            .get(&table::outgoing_webhook(org_id, webhook_id), ENTITY)
            .await
    }

    async fn create_endpoint(&self, endpoint: &Endpoint) -> Result<bool, StoreError> {
        // The limit is checked by reading: two creations racing past it make 21, which only
        // bounds the fan-out a little less tightly.
        if self.endpoints_of(&endpoint.org_id).await?.len() >= MAX_ENDPOINTS_PER_ORG {
            return Ok(false);
        }
        let item = record_item(
            endpoint,
            &table::outgoing_webhook(&endpoint.org_id, &endpoint.webhook_id),
            ENTITY,
        )?;
        if !self.records.put_new(item, "PutItem(outgoing webhook)").await? {
            return Err(StoreError::Conflict("webhook".into()));
        }
        Ok(true)
    }

    async fn update_endpoint(
        &self,
        org_id: &str,
        webhook_id: &str,
        changes: EndpointChanges,
        now: &str,
    ) -> Result<Option<Endpoint>, StoreError> {
        let Some(mut endpoint) = self.endpoint(org_id, webhook_id).await? else {
            return Ok(None);
        };
        let read_at = endpoint.updated_at.clone();
        let read_failures = endpoint.consecutive_failures;
        changes.apply_to(&mut endpoint, now);
        let item = record_item(&endpoint, &table::outgoing_webhook(org_id, webhook_id), ENTITY)?;
        let result = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item))
            // Nor may it undo a failure the deliveries function wrote meanwhile (the streak's
            // start decides the five-day rule).
            .condition_expression("updated_at = :read AND consecutive_failures = :failures")
            .expression_attribute_values(":read", s(read_at))
            .expression_attribute_values(":failures", n(read_failures))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(endpoint)),
            Err(err) if condition_failed(&err) => Err(StoreError::Conflict(
                "the webhook changed meanwhile; read it again".into(),
            )),
            Err(err) => Err(StoreError::aws("PutItem(outgoing webhook)", err)),
        }
    }

    async fn delete_endpoint(&self, org_id: &str, webhook_id: &str) -> Result<bool, StoreError> {
        self.records
            .delete_existing(
                &table::outgoing_webhook(org_id, webhook_id),
                "DeleteItem(outgoing webhook)",
            )
            .await
    }

    async fn record_success(&self, org_id: &str, webhook_id: &str, now: &str) -> Result<(), StoreError> {
        self.update(
            org_id,
            webhook_id,
            "SET consecutive_failures = :zero, last_success_at = :now, last_triggered_at = :now REMOVE failing_since_ms",
            "attribute_exists(pk)",
            vec![(":zero", n(0)), (":now", s(now))],
            "UpdateItem(webhook success)",
        )
        .await?;
        Ok(())
    }

    async fn record_failure(
        &self,
        org_id: &str,
        webhook_id: &str,
        now_ms: i64,
        now: &str,
    ) -> Result<Option<Failing>, StoreError> {
        let item = self
            .update(
                org_id,
                webhook_id,
                "SET failing_since_ms = if_not_exists(failing_since_ms, :ms), last_triggered_at = :now ADD consecutive_failures :one",
                "attribute_exists(pk)",
                vec![(":ms", n(now_ms)), (":now", s(now)), (":one", n(1))],
                "UpdateItem(webhook failure)",
            )
            .await?;
        Ok(item.map(|item| Failing {
            since_ms: number_of(&item, "failing_since_ms").unwrap_or(now_ms),
            consecutive: number_of(&item, "consecutive_failures").unwrap_or(1) as u32,
        }))
    }

    async fn disable(&self, org_id: &str, webhook_id: &str, reason: &str, now: &str) -> Result<bool, StoreError> {
        let item = self
            .update(
                org_id,
                webhook_id,
                "SET is_active = :off, disabled_reason = :reason, updated_at = :now",
                "is_active = :on",
                vec![
                    (":off", AttributeValue::Bool(false)),
                    (":on", AttributeValue::Bool(true)),
                    (":reason", s(reason)),
                    (":now", s(now)),
                ],
                "UpdateItem(webhook disable)",
            )
            .await?;
        Ok(item.is_some())
    }
}
