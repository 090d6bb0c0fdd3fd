//! Signing in: which agent an e-mail signs in as (one across organizations), browser sessions
//! (stored by token hash, with a TTL; revoked by deleting them), and failed attempts counted per
//! e-mail and per source address in fixed windows.

use super::StoreError;
use super::items::{Item, key_item, n, number_of, s, string_of};
use super::records::{Records, Write, condition_failed};
use crate::session::{self, ATTEMPT_WINDOW_MS, IssuedToken, SESSION_TTL_MS};
use crate::table::{self, attr};
use crate::tenancy::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub org_id: String,
    pub agent_id: String,
    pub role: Role,
    pub expires_ms: i64,
    /// A short, non-secret name for logs (the hash's first characters).
    pub session_id: String,
}

#[derive(Clone)]
pub struct LoginStore {
    records: Records,
}

fn role_of(item: &Item) -> Option<Role> {
    serde_json::from_value(serde_json::Value::String(string_of(item, "role")?)).ok()
}

impl LoginStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// The write that makes `email` sign in as this agent, for the transaction that sets its
    /// password: `Conflict("sign-in e-mail")` when another agent (of any organization) has it.
    pub fn claim_email(&self, email: &str, org_id: &str, agent_id: &str) -> Write {
        let mut item = key_item(&table::sign_in(email));
        item.insert(attr::ENTITY.into(), s("SignIn"));
        item.insert("org_id".into(), s(org_id));
        item.insert("agent_id".into(), s(agent_id));
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.records.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR (org_id = :org AND agent_id = :agent)")
            .expression_attribute_values(":org", s(org_id))
            .expression_attribute_values(":agent", s(agent_id))
            .build()
            .expect("table and item are set");
        Write::failing_as(
            aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build(),
            StoreError::Conflict("sign-in e-mail".into()),
        )
    }

    /// The organization and agent `email` signs in as.
    pub async fn agent_of(&self, email: &str) -> Result<Option<(String, String)>, StoreError> {
        let item = self.records.get_item(&table::sign_in(email)).await?;
        Ok(item.and_then(|i| Some((string_of(&i, "org_id")?, string_of(&i, "agent_id")?))))
    }

    /// A new session for the agent: the token to hand over once, and what is stored.
    pub async fn open_session(
        &self,
        org_id: &str,
        agent_id: &str,
        role: Role,
        now_ms: i64,
    ) -> Result<(IssuedToken, Session), StoreError> {
        let token = session::issue();
        let expires_ms = now_ms + SESSION_TTL_MS;
        let role_text = serde_json::to_value(role)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut item = key_item(&table::session(&token.hash_hex));
        item.insert(attr::ENTITY.into(), s("Session"));
        item.insert("org_id".into(), s(org_id));
        item.insert("agent_id".into(), s(agent_id));
        item.insert("role".into(), s(role_text));
        item.insert("expires_ms".into(), n(expires_ms));
        item.insert(attr::EXPIRES_AT.into(), n(expires_ms / 1000 + 60));
        // 32 random bytes: a token that exists already is a broken random source, not a retry.
        if !self.records.put_new(item, "PutItem(session)").await? {
            return Err(StoreError::Conflict("session token".into()));
        }
        let stored = Session {
            org_id: org_id.into(),
            agent_id: agent_id.into(),
            role,
            expires_ms,
            session_id: token.hash_hex[..12].to_string(),
        };
        Ok((token, stored))
    }

    /// The live session of a presented token (`None`: unknown, revoked or expired).
    pub async fn session(&self, token: &str, now_ms: i64) -> Result<Option<Session>, StoreError> {
        let hash = session::hash(token);
        let Some(item) = self.records.get_item(&table::session(&hash)).await? else {
            return Ok(None);
        };
        let expires_ms = number_of(&item, "expires_ms").unwrap_or(0);
        if expires_ms <= now_ms {
            return Ok(None);
        }
        Ok(Some(Session {
            org_id: string_of(&item, "org_id").unwrap_or_default(),
            agent_id: string_of(&item, "agent_id").unwrap_or_default(),
            role: role_of(&item).unwrap_or(Role::Agent),
            expires_ms,
            session_id: hash[..12].to_string(),
        }))
    }

    /// Revokes a session (logout); a token already gone is fine.
    pub async fn close_session(&self, token: &str) -> Result<(), StoreError> {
        self.records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::session(&session::hash(token)))))
            .send()
            .await
            .map_err(|e| StoreError::aws("DeleteItem(session)", e))?;
        Ok(())
    }

    /// Failures counted in the current window for each of `who` (e-mail, source), in order.
    pub async fn failures(&self, who: &[&str], now_ms: i64) -> Result<Vec<i64>, StoreError> {
        let window = session::attempt_window(now_ms);
        let mut counts = Vec::with_capacity(who.len());
        for name in who {
            let item = self.records.get_item(&table::sign_in_failures(name, window)).await?;
            counts.push(item.and_then(|i| number_of(&i, "failures")).unwrap_or(0));
        }
        Ok(counts)
    }

    /// Counts one failed sign-in against each of `who` (the items expire with their window).
    pub async fn count_failure(&self, who: &[&str], now_ms: i64) -> Result<(), StoreError> {
        let window = session::attempt_window(now_ms);
        for name in who {
            let result = self
                .records
                .client
                .update_item()
                .table_name(&self.records.table)
                .set_key(Some(key_item(&table::sign_in_failures(name, window))))
                .update_expression("ADD failures :one SET entity = :entity, expires_at = :ttl")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":entity", s("SignInFailures"))
                .expression_attribute_values(":ttl", n((window + 2 * ATTEMPT_WINDOW_MS) / 1000))
                .send()
                .await;
            if let Err(err) = result
                && !condition_failed(&err)
            {
                return Err(StoreError::aws("UpdateItem(sign-in failures)", err));
            }
        }
        Ok(())
    }
}
