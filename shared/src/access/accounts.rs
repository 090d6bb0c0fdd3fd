//! Finding a WhatsApp account from its webhook path segment, with the secrets the webhook checks
//! opened (the caller caches the answer, so KMS is asked once per cache fill).

use crate::access::tenancy::{WebhookAccount, WhatsAppAccount, secret_field};
use crate::platform::StoreError;
use crate::platform::items::{key_item, record};
use crate::platform::secret_keeper::{self, SecretKeeper};
use crate::platform::table;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait AccountDirectory: Send + Sync {
    async fn webhook_account(&self, account_id: &str) -> Result<Option<WebhookAccount>, StoreError>;
}

pub struct DynamoAccountDirectory {
    client: aws_sdk_dynamodb::Client,
    table: String,
    keeper: Arc<dyn SecretKeeper>,
}

impl DynamoAccountDirectory {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, keeper: Arc<dyn SecretKeeper>) -> Self {
        Self {
            client,
            table: table.into(),
            keeper,
        }
    }
}

#[async_trait::async_trait]
impl AccountDirectory for DynamoAccountDirectory {
    async fn webhook_account(&self, account_id: &str) -> Result<Option<WebhookAccount>, StoreError> {
        let (gsi1pk, gsi1sk) = table::webhook_lookup(account_id);
        let Some(key) = crate::platform::lookup::find(&self.client, &self.table, gsi1pk, gsi1sk).await? else {
            return Ok(None);
        };
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&key)))
            .send()
            .await
            .map_err(|e| StoreError::aws("GetItem(webhook account)", e))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let account: WhatsAppAccount = record(item, "WhatsAppAccount")?;
        let keeper = self.keeper.as_ref();
        let app_secret = secret_keeper::open(
            keeper,
            &account.app_secret,
            &account.secret_context(secret_field::APP_SECRET),
        )
        .await?;
        let verify_token = secret_keeper::open(
            keeper,
            &account.verify_token,
            &account.secret_context(secret_field::VERIFY_TOKEN),
        )
        .await?;
        Ok(Some(WebhookAccount {
            org_id: account.org_id,
            account_id: account.account_id,
            phone_number_id: account.phone_number_id,
            verify_token,
            app_secret,
        }))
    }
}
