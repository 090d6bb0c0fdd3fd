//! Finding a WhatsApp account from its webhook path segment.

use super::StoreError;
use crate::table::{self, attr, index};
use crate::tenancy::WebhookAccount;
use aws_sdk_dynamodb::types::AttributeValue;

#[async_trait::async_trait]
pub trait AccountDirectory: Send + Sync {
    async fn webhook_account(&self, account_id: &str) -> Result<Option<WebhookAccount>, StoreError>;
}

pub struct DynamoAccountDirectory {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoAccountDirectory {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait::async_trait]
impl AccountDirectory for DynamoAccountDirectory {
    async fn webhook_account(&self, account_id: &str) -> Result<Option<WebhookAccount>, StoreError> {
        let (gsi1pk, gsi1sk) = table::webhook_lookup(account_id);
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index::LOOKUP)
            .key_condition_expression("#pk = :pk AND #sk = :sk")
            .expression_attribute_names("#pk", attr::GSI1_PK)
            .expression_attribute_names("#sk", attr::GSI1_SK)
            .expression_attribute_values(":pk", AttributeValue::S(gsi1pk))
            .expression_attribute_values(":sk", AttributeValue::S(gsi1sk))
            .limit(1)
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(webhook account)", e))?;
        output
            .items()
            .first()
            .map(|item| super::items::record(item.clone(), "WhatsAppAccount"))
            .transpose()
    }
}
