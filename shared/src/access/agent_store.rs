//! The organization's agents and their API keys: an agent's e-mail is claimed once per
//! organization, a key is stored by its hash and found through the lookup index. Multi-item
//! changes (agent with its claim and counters, key with its agent check) are transactions.

use crate::access::api_key::{self, IssuedKey};
use crate::access::role_store::holder_change;
use crate::access::tenancy::{Agent, ApiKeyRecord};
use crate::platform::StoreError;
use crate::platform::ids;
use crate::platform::items::{key_item, now_rfc3339, record_item, s};
use crate::platform::plan::WriteOp;
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct AgentStore {
    records: Records,
}

/// What an update may change on an agent (`None` = unchanged).
#[derive(Debug, Default, Clone)]
pub struct AgentChanges {
    pub full_name: Option<String>,
    /// A role id, checked by the caller to exist (the transaction checks it again).
    pub role: Option<String>,
    pub is_online: Option<bool>,
}

fn counter_add(records: &Records, org_id: &str, adds: &[(&str, i64)]) -> WriteOp {
    records.counters(&table::org_counters(org_id), adds)
}

impl AgentStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    // --- agents ---------------------------------------------------------------------------------

    pub async fn agent(&self, org_id: &str, agent_id: &str) -> Result<Option<Agent>, StoreError> {
        self.records.get(&table::agent(org_id, agent_id), "Agent").await
    }

    pub async fn agents_page(
        &self,
        org_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Agent>, StoreError> {
        self.records
            .page(
                &table::org_partition(org_id),
                table::prefix::AGENT,
                "Agent",
                limit,
                start,
                false,
            )
            .await
    }

    /// A new agent; one per e-mail address in the organization (`Conflict` otherwise).
    pub async fn create_agent(
        &self,
        org_id: &str,
        email: &str,
        full_name: &str,
        role: &str,
    ) -> Result<Agent, StoreError> {
        let now = now_rfc3339();
        let agent = Agent {
            org_id: org_id.into(),
            agent_id: ids::new_id("agt"),
            email: email.to_lowercase(),
            full_name: full_name.into(),
            role: role.into(),
            division_ids: Vec::new(),
            is_active: true,
            is_online: false,
            open_assigned: 0,
            password_hash: None,
            created_at: now.clone(),
            updated_at: Some(now),
        };
        let mut claim = key_item(&table::agent_email_claim(org_id, &agent.email));
        claim.insert(attr::ENTITY.into(), s("AgentEmailClaim"));
        claim.insert("agent_id".into(), s(&agent.agent_id));
        let mut writes = vec![
            Write::from(self.records.put(
                record_item(&agent, &table::agent(org_id, &agent.agent_id), "Agent")?,
                Some("attribute_not_exists(pk)"),
            )),
            Write::failing_as(
                self.records.put(claim, Some("attribute_not_exists(pk)")),
                StoreError::Conflict(format!("an agent with e-mail {}", agent.email)),
            ),
            Write::from(counter_add(&self.records, org_id, &[("total_agents", 1)])),
        ];
        writes.extend(holder_change(org_id, role, 1));
        self.records.transact(writes).await?;
        Ok(agent)
    }

    /// Sets an active agent's password (its argon2id hash) together with `sign_in`, the write that
    /// makes their e-mail sign in as them (`LoginStore::claim_email`).
    pub async fn set_password(
        &self,
        org_id: &str,
        agent_id: &str,
        password_hash: &str,
        sign_in: Write,
    ) -> Result<(), StoreError> {
        let update = self
            .records
            .update_of(&table::agent(org_id, agent_id))
            .expression("SET password_hash = :hash, updated_at = :now")
            .when("is_active = :true")
            .value(":hash", s(password_hash))
            .value(":true", AttributeValue::Bool(true))
            .value(":now", s(now_rfc3339()));
        self.records
            .transact(vec![
                Write::failing_as(
                    update,
                    StoreError::Conflict("a deactivated agent cannot be changed".into()),
                ),
                sign_in,
            ])
            .await
    }

    /// Applies `changes` to an active agent. A change of presence moves the online counter in the
    /// same transaction, guarded by the presence read, so the counter matches the agents.
    pub async fn update_agent(
        &self,
        org_id: &str,
        agent_id: &str,
        changes: AgentChanges,
    ) -> Result<Option<Agent>, StoreError> {
        for _ in 0..3 {
            let Some(agent) = self.agent(org_id, agent_id).await? else {
                return Ok(None);
            };
            if !agent.is_active {
                return Err(StoreError::Conflict("a deactivated agent cannot be changed".into()));
            }
            let mut updated = agent.clone();
            if let Some(name) = &changes.full_name {
                updated.full_name = name.clone();
            }
            if let Some(role) = &changes.role {
                updated.role = role.clone();
            }
            if let Some(online) = changes.is_online {
                updated.is_online = online;
            }
            updated.updated_at = Some(now_rfc3339());
            // Conditioned on the role read, so the holders' counts move with the role actually held.
            let mut writes = vec![Write::from(
                self.records
                    .update_of(&table::agent(org_id, agent_id))
                    .expression("SET full_name = :name, #role = :role, is_online = :online, updated_at = :now")
                    .when("is_active = :true AND is_online = :was_online AND #role = :was_role")
                    .name("#role", "role")
                    .value(":name", s(&updated.full_name))
                    .value(":role", s(&updated.role))
                    .value(":was_role", s(&agent.role))
                    .value(":online", AttributeValue::Bool(updated.is_online))
                    .value(":was_online", AttributeValue::Bool(agent.is_online))
                    .value(":true", AttributeValue::Bool(true))
                    .value(":now", s(updated.updated_at.clone().unwrap_or_default())),
            )];
            if agent.is_online != updated.is_online {
                writes.push(Write::from(counter_add(
                    &self.records,
                    org_id,
                    &[("online_agents", if updated.is_online { 1 } else { -1 })],
                )));
            }
            if agent.role != updated.role {
                writes.extend(holder_change(org_id, &agent.role, -1));
                writes.extend(holder_change(org_id, &updated.role, 1));
            }
            match self.records.transact(writes).await {
                Ok(()) => return Ok(Some(updated)),
                Err(StoreError::Conflict(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict("the agent changed concurrently; retry".into()))
    }

    /// Deactivates an agent: no more sign-in (their keys stop working), offline, out of the counts.
    pub async fn deactivate_agent(&self, org_id: &str, agent_id: &str) -> Result<Option<Agent>, StoreError> {
        let Some(agent) = self.agent(org_id, agent_id).await? else {
            return Ok(None);
        };
        if !agent.is_active {
            return Ok(Some(agent));
        }
        let now = now_rfc3339();
        let mut adds = vec![("total_agents", -1)];
        if agent.is_online {
            adds.push(("online_agents", -1));
        }
        let mut writes = vec![
            Write::from(
                self.records
                    .update_of(&table::agent(org_id, agent_id))
                    .expression("SET is_active = :false, is_online = :false, updated_at = :now")
                    .when("is_active = :true AND is_online = :was_online AND #role = :was_role")
                    .name("#role", "role")
                    .value(":false", AttributeValue::Bool(false))
                    .value(":true", AttributeValue::Bool(true))
                    .value(":was_online", AttributeValue::Bool(agent.is_online))
                    .value(":was_role", s(&agent.role))
                    .value(":now", s(&now)),
            ),
            Write::from(counter_add(&self.records, org_id, &adds)),
        ];
        // A deactivated agent no longer holds the role: it may be deleted.
        writes.extend(holder_change(org_id, &agent.role, -1));
        match self.records.transact(writes).await {
            Ok(()) | Err(StoreError::Conflict(_)) => self.agent(org_id, agent_id).await,
            Err(other) => Err(other),
        }
    }

    // --- API keys -------------------------------------------------------------------------------

    pub async fn create_key(
        &self,
        org_id: &str,
        agent_id: &str,
        name: &str,
        scopes: Vec<String>,
        expires_at: Option<String>,
        key_type: crate::access::tenancy::KeyType,
    ) -> Result<(ApiKeyRecord, String), StoreError> {
        let IssuedKey {
            plaintext,
            prefix,
            hash_hex,
        } = api_key::issue();
        let key = ApiKeyRecord {
            key_type,
            org_id: org_id.into(),
            key_id: ids::new_id("key"),
            agent_id: agent_id.into(),
            name: name.into(),
            key_prefix: prefix,
            key_hash: hash_hex.clone(),
            scopes,
            created_at: now_rfc3339(),
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        let mut item = record_item(&key, &table::api_key(org_id, &key.key_id), "ApiKey")?;
        let (gsi1pk, gsi1sk) = table::api_key_lookup(&hash_hex);
        item.insert(attr::GSI1_PK.into(), s(gsi1pk));
        item.insert(attr::GSI1_SK.into(), s(gsi1sk));
        let agent_active = WriteOp::check(table::agent(org_id, agent_id), "is_active = :true")
            .value(":true", AttributeValue::Bool(true));
        self.records
            .transact(vec![
                Write::failing_as(agent_active, StoreError::NotFound(format!("active agent {agent_id}"))),
                Write::from(self.records.put(item, Some("attribute_not_exists(pk)"))),
            ])
            .await?;
        Ok((key, plaintext))
    }

    /// The organization's keys (an organization has few; one Query per 500).
    pub async fn keys(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.records
            .all(&table::org_partition(org_id), table::prefix::API_KEY, "ApiKey")
            .await
    }

    pub async fn key(&self, org_id: &str, key_id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.records.get(&table::api_key(org_id, key_id), "ApiKey").await
    }

    /// Revokes a key (kept, with its revocation time, for the audit trail). Idempotent.
    pub async fn revoke_key(&self, org_id: &str, key_id: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let Some(key) = self.key(org_id, key_id).await? else {
            return Ok(None);
        };
        if key.revoked_at.is_some() {
            return Ok(Some(key));
        }
        self.records
            .set_fields(
                &table::api_key(org_id, key_id),
                "ApiKey",
                vec![("revoked_at", s(now_rfc3339()))],
                vec![],
            )
            .await
    }

    pub async fn touch_key(&self, org_id: &str, key_id: &str) -> Result<(), StoreError> {
        self.records
            .set_fields::<ApiKeyRecord>(
                &table::api_key(org_id, key_id),
                "ApiKey",
                vec![("last_used_at", s(now_rfc3339()))],
                vec![],
            )
            .await
            .map(|_| ())
    }

    /// The agents with these ids (one BatchGetItem per 100), missing ones skipped.
    pub async fn agents_by_ids(&self, org_id: &str, agent_ids: &[&str]) -> Result<Vec<Agent>, StoreError> {
        let keys: Vec<_> = agent_ids.iter().map(|id| table::agent(org_id, id)).collect();
        self.records.batch_get(&keys, "Agent").await
    }
}
