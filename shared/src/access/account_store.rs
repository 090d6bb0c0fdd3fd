//! An organization's WhatsApp accounts after registration: listing them, changing their settings
//! and secrets (a rotated app secret or access token) in one write, and sealing values stored in
//! clear before sealing existed. Every secret written is sealed first.

use crate::access::tenancy::{WhatsAppAccount, secret_field};
use crate::platform::StoreError;
use crate::platform::items::{key_item, now_rfc3339, record, records};
use crate::platform::sealed_secret::{SecretContext, StoredSecret};
use crate::platform::secret::Secret;
use crate::platform::secret_keeper::SecretKeeper;
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use std::sync::Arc;

/// What an account update changes; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub display_phone_number: Option<String>,
    pub throughput_mps: Option<u32>,
    /// `Some(None)`: unlimited.
    pub messaging_limit: Option<Option<u32>>,
    /// `Some(None)` removes the division.
    pub division_id: Option<Option<String>>,
    /// `Some(None)` turns the auto-reply off.
    pub out_of_hours_reply: Option<Option<String>>,
    pub csat_enabled: Option<bool>,
    /// `Some(None)`: no survey template.
    pub csat_template_name: Option<Option<String>>,
    pub secrets: Vec<(&'static str, Secret)>,
}

pub struct AccountStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    keeper: Arc<dyn SecretKeeper>,
}

/// What `seal_clear` did for one organization.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SealReport {
    pub accounts: usize,
    pub sealed_fields: usize,
}

fn sealed_value(sealed: &StoredSecret) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(sealed).map_err(|e| StoreError::io("sealed secret", e))
}

impl AccountStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, keeper: Arc<dyn SecretKeeper>) -> Self {
        Self {
            client,
            table: table.into(),
            keeper,
        }
    }

    /// The keeper that seals this store's values (to register an account with it).
    pub fn keeper(&self) -> &dyn SecretKeeper {
        self.keeper.as_ref()
    }

    /// Seals and stores new values of secret fields; answers the updated account, or `NotFound`.
    pub async fn replace(
        &self,
        org_id: &str,
        account_id: &str,
        secrets: &[(&'static str, Secret)],
    ) -> Result<WhatsAppAccount, StoreError> {
        let changes = AccountChanges {
            secrets: secrets.to_vec(),
            ..AccountChanges::default()
        };
        self.update(org_id, account_id, changes).await
    }

    /// Applies `changes` in one conditional write; answers the updated account, or `NotFound`.
    pub async fn update(
        &self,
        org_id: &str,
        account_id: &str,
        changes: AccountChanges,
    ) -> Result<WhatsAppAccount, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&table::whatsapp_account(org_id, account_id))))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_values(":now", AttributeValue::S(now_rfc3339()))
            .return_values(ReturnValue::AllNew);
        // Accounts registered before the directory existed join it with their next change.
        let (directory_pk, directory_sk) = table::account_directory(org_id, account_id);
        update = update
            .expression_attribute_values(":directory_pk", AttributeValue::S(directory_pk))
            .expression_attribute_values(":directory_sk", AttributeValue::S(directory_sk));
        let mut sets = vec![
            "updated_at = :now".to_string(),
            format!("{} = :directory_pk", attr::GSI2_PK),
            format!("{} = :directory_sk", attr::GSI2_SK),
        ];
        let mut removes = Vec::new();
        if let Some(display) = changes.display_phone_number {
            sets.push("display_phone_number = :display".into());
            update = update.expression_attribute_values(":display", AttributeValue::S(display));
        }
        if let Some(mps) = changes.throughput_mps {
            sets.push("throughput_mps = :mps".into());
            update = update.expression_attribute_values(":mps", AttributeValue::N(mps.to_string()));
        }
        match changes.messaging_limit {
            Some(Some(limit)) => {
                sets.push("messaging_limit = :limit".into());
                update = update.expression_attribute_values(":limit", AttributeValue::N(limit.to_string()));
            }
            Some(None) => removes.push("messaging_limit"),
            None => {}
        }
        match changes.out_of_hours_reply {
            Some(Some(reply)) => {
                sets.push("out_of_hours_reply = :reply".into());
                update = update.expression_attribute_values(":reply", AttributeValue::S(reply));
            }
            Some(None) => removes.push("out_of_hours_reply"),
            None => {}
        }
        if let Some(csat) = changes.csat_enabled {
            sets.push("csat_enabled = :csat".into());
            update = update.expression_attribute_values(":csat", AttributeValue::Bool(csat));
        }
        match changes.csat_template_name {
            Some(Some(name)) => {
                sets.push("csat_template_name = :csat_template".into());
                update = update.expression_attribute_values(":csat_template", AttributeValue::S(name));
            }
            Some(None) => removes.push("csat_template_name"),
            None => {}
        }
        match changes.division_id {
            Some(Some(division)) => {
                sets.push("division_id = :division".into());
                update = update.expression_attribute_values(":division", AttributeValue::S(division));
            }
            Some(None) => removes.push("division_id"),
            None => {}
        }
        for (i, (field, secret)) in changes.secrets.iter().enumerate() {
            if !secret_field::ALL.contains(field) {
                return Err(StoreError::io(
                    "replace secrets",
                    format!("{field} is not a secret field"),
                ));
            }
            let context = SecretContext {
                org_id,
                account_id,
                field,
            };
            let sealed = StoredSecret::Sealed(self.keeper.seal(secret, &context).await?);
            update = update
                .expression_attribute_names(format!("#f{i}"), *field)
                .expression_attribute_values(format!(":v{i}"), sealed_value(&sealed)?);
            sets.push(format!("#f{i} = :v{i}"));
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let update = update.update_expression(expression);
        let output = update.send().await.map_err(|e| match e.as_service_error() {
            Some(err) if err.is_conditional_check_failed_exception() => {
                StoreError::NotFound(format!("account {account_id}"))
            }
            _ => StoreError::aws("UpdateItem(account secrets)", e),
        })?;
        record(output.attributes.unwrap_or_default(), "WhatsAppAccount")
    }

    /// An organization's accounts (one Query per page).
    pub async fn accounts(&self, org_id: &str) -> Result<Vec<WhatsAppAccount>, StoreError> {
        let mut accounts = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", attr::PK)
                .expression_attribute_names("#sk", attr::SK)
                .expression_attribute_values(":pk", AttributeValue::S(table::org_partition(org_id)))
                .expression_attribute_values(":prefix", AttributeValue::S(table::whatsapp_accounts_prefix().into()))
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| StoreError::aws("Query(accounts)", e))?;
            accounts.extend(records::<WhatsAppAccount>(output.items(), "WhatsAppAccount")?);
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(accounts);
            }
        }
    }

    /// Seals every secret of `org_id`'s accounts still stored in clear. Each write is conditional on
    /// the field still being clear text, so running it twice, or beside a rotation, is safe.
    pub async fn seal_clear(&self, org_id: &str) -> Result<SealReport, StoreError> {
        let mut report = SealReport::default();
        for account in self.accounts(org_id).await? {
            report.accounts += 1;
            let stored = [
                (secret_field::VERIFY_TOKEN, &account.verify_token),
                (secret_field::APP_SECRET, &account.app_secret),
                (secret_field::ACCESS_TOKEN, &account.access_token),
            ];
            for (field, value) in stored {
                let StoredSecret::Clear(clear) = value else {
                    continue;
                };
                let sealed = StoredSecret::Sealed(self.keeper.seal(clear, &account.secret_context(field)).await?);
                let written = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(key_item(&table::whatsapp_account(org_id, &account.account_id))))
                    .update_expression("SET #f = :sealed")
                    .condition_expression("attribute_type(#f, :string)")
                    .expression_attribute_names("#f", field)
                    .expression_attribute_values(":sealed", sealed_value(&sealed)?)
                    .expression_attribute_values(":string", AttributeValue::S("S".into()))
                    .send()
                    .await;
                match written {
                    Ok(_) => report.sealed_fields += 1,
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|err| err.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(StoreError::aws("UpdateItem(seal secret)", e)),
                }
            }
        }
        Ok(report)
    }
}
