//! Writes and reads of organizations, accounts, agents and API keys (operator tooling and the API).
//! Multi-item changes are single DynamoDB transactions, so a half-created tenant cannot exist.

use crate::access::api_key::{self, IssuedKey};
use crate::access::tenancy::{Agent, ApiKeyRecord, NewWhatsAppAccount, Organization, WhatsAppAccount};
use crate::platform::StoreError;
use crate::platform::ids;
use crate::platform::plan::WriteOp;
use crate::platform::records::{Records, Write};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::platform::items::{Item, key_item, now_rfc3339, record, record_item};
use crate::platform::sealed_secret::{SecretContext, StoredSecret};
use crate::platform::secret_keeper::SecretKeeper;

/// The template-sync pass's place in the account directory (a clock cursor).
const SYNC_PASS: &str = "template-sync";

pub struct TenancyStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

pub struct NewOrganization {
    /// Fixed id (the demo tenant); a fresh one is generated when `None`.
    pub org_id: Option<String>,
    pub name: String,
    pub owner_email: String,
    pub owner_name: String,
}

/// A created organization with its first admin agent and that agent's first API key.
pub struct CreatedOrganization {
    pub organization: Organization,
    pub owner: Agent,
    pub api_key: ApiKeyRecord,
    /// The only time the key exists in clear.
    pub api_key_plaintext: String,
}

fn with_lookup(mut item: Item, (gsi1pk, gsi1sk): (String, String)) -> Item {
    item.insert(attr::GSI1_PK.into(), AttributeValue::S(gsi1pk));
    item.insert(attr::GSI1_SK.into(), AttributeValue::S(gsi1sk));
    item
}

impl TenancyStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn put_new(&self, item: Item) -> WriteOp {
        WriteOp::put(item)
            .when("attribute_not_exists(#pk)")
            .name("#pk", attr::PK)
    }

    /// Runs a transaction; when an item's condition fails, answers that item's entry of `on_condition_failed`.
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        Records::new(self.client.clone(), &self.table).transact(writes).await
    }

    pub async fn create_organization(&self, new: NewOrganization) -> Result<CreatedOrganization, StoreError> {
        let created_at = now_rfc3339();
        let org_id = new.org_id.unwrap_or_else(|| ids::new_id("org"));
        let organization = Organization {
            org_id: org_id.clone(),
            name: new.name,
            created_at: created_at.clone(),
        };
        let owner = Agent {
            org_id: org_id.clone(),
            agent_id: ids::new_id("agt"),
            email: new.owner_email.to_lowercase(),
            full_name: new.owner_name,
            role: crate::access::roles::ADMIN.into(),
            division_ids: Vec::new(),
            is_active: true,
            is_online: false,
            open_assigned: 0,
            password_hash: None,
            created_at: created_at.clone(),
            updated_at: None,
        };
        let IssuedKey {
            plaintext,
            prefix,
            hash_hex,
        } = api_key::issue();
        let api_key = ApiKeyRecord {
            key_type: crate::access::tenancy::KeyType::Personal,
            org_id: org_id.clone(),
            key_id: ids::new_id("key"),
            agent_id: owner.agent_id.clone(),
            name: "bootstrap".into(),
            key_prefix: prefix,
            key_hash: hash_hex.clone(),
            scopes: vec!["*".into()],
            created_at: created_at.clone(),
            expires_at: None,
            revoked_at: None,
            last_used_at: None,
        };
        let email_claim_key = table::agent_email_claim(&org_id, &owner.email);
        let mut email_claim = key_item(&email_claim_key);
        email_claim.insert(attr::ENTITY.into(), AttributeValue::S("AgentEmailClaim".into()));
        email_claim.insert("agent_id".into(), AttributeValue::S(owner.agent_id.clone()));
        let mut counters = key_item(&table::org_counters(&org_id));
        counters.insert(attr::ENTITY.into(), AttributeValue::S("Counters".into()));
        counters.insert("total_agents".into(), AttributeValue::N("1".into()));

        let writes = vec![
            Write::failing_as(
                self.put_new(record_item(
                    &organization,
                    &table::organization(&org_id),
                    "Organization",
                )?),
                StoreError::Conflict(format!("organization {org_id}")),
            ),
            Write::failing_as(
                self.put_new(record_item(&owner, &table::agent(&org_id, &owner.agent_id), "Agent")?),
                StoreError::Conflict("agent".into()),
            ),
            Write::failing_as(
                self.put_new(email_claim),
                StoreError::Conflict(format!("agent e-mail {}", owner.email)),
            ),
            Write::failing_as(
                self.put_new(with_lookup(
                    record_item(&api_key, &table::api_key(&org_id, &api_key.key_id), "ApiKey")?,
                    table::api_key_lookup(&hash_hex),
                )),
                StoreError::Conflict("API key".into()),
            ),
            Write::failing_as(self.put_new(counters), StoreError::Conflict("counters".into())),
        ];
        self.transact(writes).await?;
        Ok(CreatedOrganization {
            organization,
            owner,
            api_key,
            api_key_plaintext: plaintext,
        })
    }

    /// Up to `limit` accounts of every organization after `after` (`<org>#<account>`, empty for
    /// the first), in order: one Query of the directory, and whether more follow.
    pub async fn accounts_after(&self, after: &str, limit: i32) -> Result<(Vec<(String, String)>, bool), StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(table::index::TIMELINE)
            .expression_attribute_values(":pk", AttributeValue::S(table::ACCOUNT_DIRECTORY.into()))
            .limit(limit);
        // A key condition cannot compare with an empty string: the first page has none.
        query = match after {
            "" => query.key_condition_expression("gsi2pk = :pk"),
            after => query
                .key_condition_expression("gsi2pk = :pk AND gsi2sk > :after")
                .expression_attribute_values(":after", AttributeValue::S(after.into())),
        };
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(account directory)", e))?;
        let found = output
            .items()
            .iter()
            .filter_map(|item| match item.get(attr::GSI2_SK) {
                Some(AttributeValue::S(sk)) => sk.split_once('#').map(|(o, a)| (o.to_string(), a.to_string())),
                _ => None,
            })
            .collect();
        Ok((found, output.last_evaluated_key.is_some()))
    }

    /// Where the running template-sync pass is (`<org>#<account>` last synced, empty at its
    /// start), or `None` when no pass runs.
    pub async fn sync_pass(&self) -> Result<Option<String>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&table::clock_cursor(SYNC_PASS))))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::aws("GetItem(sync pass)", e))?
            .item;
        Ok(item.and_then(|i| i.get("after").and_then(|v| v.as_s().ok()).cloned()))
    }

    /// Moves the template-sync pass to `after`, or ends it (`None`).
    pub async fn set_sync_pass(&self, after: Option<&str>) -> Result<(), StoreError> {
        let key = Some(key_item(&table::clock_cursor(SYNC_PASS)));
        match after {
            Some(after) => self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(key)
                .update_expression("SET #after = :after, entity = :entity")
                .expression_attribute_names("#after", "after")
                .expression_attribute_values(":after", AttributeValue::S(after.into()))
                .expression_attribute_values(":entity", AttributeValue::S("ClockCursor".into()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StoreError::aws("UpdateItem(sync pass)", e)),
            None => self
                .client
                .delete_item()
                .table_name(&self.table)
                .set_key(key)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StoreError::aws("DeleteItem(sync pass)", e)),
        }
    }

    /// Registers a number for an existing organization, its secrets sealed by `keeper`; fails with
    /// `Conflict` when the organization is missing, the account id is taken, or another account
    /// already has this phone number id.
    pub async fn register_account(
        &self,
        org_id: &str,
        account_id: Option<String>,
        new: NewWhatsAppAccount,
        keeper: &dyn SecretKeeper,
    ) -> Result<WhatsAppAccount, StoreError> {
        let created_at = now_rfc3339();
        let account_id = account_id.unwrap_or_else(|| ids::new_id("acc"));
        let mut sealed = Vec::with_capacity(3);
        for (field, secret) in new.secrets() {
            let context = SecretContext {
                org_id,
                account_id: &account_id,
                field,
            };
            sealed.push(StoredSecret::Sealed(keeper.seal(secret, &context).await?));
        }
        let [verify_token, app_secret, access_token]: [StoredSecret; 3] =
            sealed.try_into().expect("three secrets were sealed");
        let account = WhatsAppAccount {
            org_id: org_id.into(),
            account_id: account_id.clone(),
            phone_number_id: new.phone_number_id,
            waba_id: new.waba_id,
            display_phone_number: new.display_phone_number,
            verify_token,
            app_secret,
            access_token,
            throughput_mps: new.throughput_mps,
            messaging_limit: None,
            out_of_hours_reply: None,
            csat_enabled: false,
            csat_template_name: None,
            division_id: None,
            created_at: created_at.clone(),
            updated_at: created_at,
        };
        let org_exists = WriteOp::check(table::organization(org_id), "attribute_exists(#pk)").name("#pk", attr::PK);
        let mut claim = key_item(&table::phone_number_claim(&account.phone_number_id));
        claim.insert(attr::ENTITY.into(), AttributeValue::S("PhoneNumberClaim".into()));
        claim.insert("org_id".into(), AttributeValue::S(org_id.into()));
        claim.insert("account_id".into(), AttributeValue::S(account_id.clone()));
        let mut item = with_lookup(
            record_item(
                &account,
                &table::whatsapp_account(org_id, &account_id),
                "WhatsAppAccount",
            )?,
            table::webhook_lookup(&account_id),
        );
        let (directory_pk, directory_sk) = table::account_directory(org_id, &account_id);
        item.insert(attr::GSI2_PK.into(), AttributeValue::S(directory_pk));
        item.insert(attr::GSI2_SK.into(), AttributeValue::S(directory_sk));
        let writes = vec![
            Write::failing_as(org_exists, StoreError::NotFound(format!("organization {org_id}"))),
            Write::failing_as(
                self.put_new(item),
                StoreError::Conflict(format!("account {account_id}")),
            ),
            Write::failing_as(
                self.put_new(claim),
                StoreError::Conflict(format!("phone number id {}", account.phone_number_id)),
            ),
        ];
        self.transact(writes).await?;
        Ok(account)
    }

    pub async fn get_account(&self, org_id: &str, account_id: &str) -> Result<Option<WhatsAppAccount>, StoreError> {
        let key = table::whatsapp_account(org_id, account_id);
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::aws("GetItem(account)", e))?;
        output.item.map(|item| record(item, "WhatsAppAccount")).transpose()
    }

    /// The API key record with this SHA-256 (hex), if any: the lookup index holds keys only, so
    /// the record is read from its own item.
    pub async fn find_api_key(&self, key_hash_hex: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let (gsi1pk, gsi1sk) = table::api_key_lookup(key_hash_hex);
        let Some(key) = crate::platform::lookup::find(&self.client, &self.table, gsi1pk, gsi1sk).await? else {
            return Ok(None);
        };
        self.get_record(&key, "ApiKey").await
    }

    async fn get_record<T: serde::de::DeserializeOwned>(
        &self,
        key: &table::Key,
        entity: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .send()
            .await
            .map_err(|e| StoreError::aws("GetItem", e))?;
        output.item.map(|item| record(item, entity)).transpose()
    }
}
