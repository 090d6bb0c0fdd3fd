//! Signing in: which agent an e-mail signs in as (one across organizations), browser sessions
//! (stored by token hash, with a TTL; revoked by deleting them), and failed attempts counted per
//! e-mail and per source address in fixed windows.

use crate::access::session::{self, ATTEMPT_WINDOW_MS, IssuedToken, SESSION_TTL_MS};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, number_of, s, string_of};
use crate::platform::records::{Records, Write, condition_failed};
use crate::platform::table::{self, attr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub org_id: String,
    pub agent_id: String,
    pub expires_ms: i64,
    /// A short, non-secret name for logs (the hash's first characters).
    pub session_id: String,
}

/// A session's listing under its agent.
#[derive(serde::Deserialize)]
struct AgentSession {
    token_hash: String,
}

#[derive(Clone)]
pub struct LoginStore {
    records: Records,
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
        let put = crate::platform::plan::WriteOp::put(item)
            .when("attribute_not_exists(pk) OR (org_id = :org AND agent_id = :agent)")
            .value(":org", s(org_id))
            .value(":agent", s(agent_id));
        Write::failing_as(put, StoreError::Conflict("sign-in e-mail".into()))
    }

    /// The organization and agent `email` signs in as.
    pub async fn agent_of(&self, email: &str) -> Result<Option<(String, String)>, StoreError> {
        let item = self.records.get_item(&table::sign_in(email)).await?;
        Ok(item.and_then(|i| Some((string_of(&i, "org_id")?, string_of(&i, "agent_id")?))))
    }

    /// A new session for the agent: the token to hand over once, and what is stored. The session
    /// is listed under its agent in the same transaction, so [`LoginStore::end_sessions`] finds it.
    pub async fn open_session(
        &self,
        org_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<(IssuedToken, Session), StoreError> {
        let token = session::issue();
        let expires_ms = now_ms + SESSION_TTL_MS;
        let mut item = key_item(&table::session(&token.hash_hex));
        item.insert(attr::ENTITY.into(), s("Session"));
        item.insert("org_id".into(), s(org_id));
        item.insert("agent_id".into(), s(agent_id));
        item.insert("expires_ms".into(), n(expires_ms));
        item.insert(attr::EXPIRES_AT.into(), n(expires_ms / 1000 + 60));
        let mut listed = key_item(&table::agent_session(org_id, agent_id, &token.hash_hex));
        listed.insert(attr::ENTITY.into(), s("AgentSession"));
        listed.insert("token_hash".into(), s(&token.hash_hex));
        listed.insert(attr::EXPIRES_AT.into(), n(expires_ms / 1000 + 60));
        // 32 random bytes: a token that exists already is a broken random source, not a retry.
        let new_only = Some("attribute_not_exists(pk)");
        self.records
            .transact_all(vec![
                self.records.put(item, new_only),
                self.records.put(listed, new_only),
            ])
            .await
            .map_err(|err| match err {
                StoreError::Conflict(_) => StoreError::Conflict("session token".into()),
                other => other,
            })?;
        let stored = Session {
            org_id: org_id.into(),
            agent_id: agent_id.into(),
            expires_ms,
            session_id: session_id_of(&token.hash_hex),
        };
        Ok((token, stored))
    }

    /// Ends every session of an agent but `keep` (a token hash: the session asking for the change),
    /// answering the ended sessions' ids (their connections are closed by the notifier).
    pub async fn end_sessions(
        &self,
        org_id: &str,
        agent_id: &str,
        keep: Option<&str>,
    ) -> Result<Vec<String>, StoreError> {
        let listed: Vec<AgentSession> = self
            .records
            .all(
                &table::org_partition(org_id),
                &table::agent_sessions_prefix(agent_id),
                "AgentSession",
            )
            .await?;
        let mut ended = Vec::new();
        for AgentSession { token_hash: hash } in listed {
            if keep == Some(hash.as_str()) {
                continue;
            }
            self.records
                .transact_all(vec![
                    self.records.delete(&table::session(&hash), None),
                    self.records
                        .delete(&table::agent_session(org_id, agent_id, &hash), None),
                ])
                .await?;
            ended.push(session_id_of(&hash));
        }
        Ok(ended)
    }

    /// A single-use password-reset token for an agent, stored by its hash; it expires after
    /// [`session::RESET_TTL_MS`] (a newer one does not revoke an older one: both expire).
    pub async fn create_reset(
        &self,
        org_id: &str,
        agent_id: &str,
        now_ms: i64,
    ) -> Result<(IssuedToken, i64), StoreError> {
        let token = session::issue_reset();
        let expires_ms = now_ms + session::RESET_TTL_MS;
        let mut item = key_item(&table::password_reset(&token.hash_hex));
        item.insert(attr::ENTITY.into(), s("PasswordReset"));
        item.insert("org_id".into(), s(org_id));
        item.insert("agent_id".into(), s(agent_id));
        item.insert("expires_ms".into(), n(expires_ms));
        item.insert(attr::EXPIRES_AT.into(), n(expires_ms / 1000 + 60));
        if !self.records.put_new(item, "PutItem(password reset)").await? {
            return Err(StoreError::Conflict("reset token".into()));
        }
        Ok((token, expires_ms))
    }

    /// Uses up a reset token: deleted on the condition that it is still live, so of two uses one
    /// wins. The agent it was for, or `None` (unknown, used or expired).
    pub async fn take_reset(&self, token: &str, now_ms: i64) -> Result<Option<(String, String)>, StoreError> {
        let result = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::password_reset(&session::hash(token)))))
            .condition_expression("attribute_exists(pk) AND expires_ms > :now")
            .expression_attribute_values(":now", n(now_ms))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(output
                .attributes
                .and_then(|item| Some((string_of(&item, "org_id")?, string_of(&item, "agent_id")?)))),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(StoreError::aws("DeleteItem(password reset)", err)),
        }
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
            expires_ms,
            session_id: session_id_of(&hash),
        }))
    }

    /// Revokes a session (logout) and its listing under the agent; a token already gone is fine.
    pub async fn close_session(&self, session: &Session, token: &str) -> Result<(), StoreError> {
        let hash = session::hash(token);
        self.records
            .transact_all(vec![
                self.records.delete(&table::session(&hash), None),
                self.records
                    .delete(&table::agent_session(&session.org_id, &session.agent_id, &hash), None),
            ])
            .await
    }

    /// Counts one attempt against each of `who` (name, limit per window) before the attempt is
    /// made: one conditional atomic add each, so concurrent attempts cannot all pass a read of the
    /// count. False when any of them had reached its limit (the attempt must not be made).
    pub async fn count_attempt(&self, who: &[(&str, i64)], now_ms: i64) -> Result<bool, StoreError> {
        let window = session::attempt_window(now_ms);
        for (name, limit) in who {
            let result = self
                .records
                .client
                .update_item()
                .table_name(&self.records.table)
                .set_key(Some(key_item(&table::sign_in_failures(name, window))))
                .update_expression("ADD failures :one SET entity = :entity, expires_at = :ttl")
                .condition_expression("attribute_not_exists(failures) OR failures < :limit")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":limit", n(*limit))
                .expression_attribute_values(":entity", s("SignInFailures"))
                .expression_attribute_values(":ttl", n((window + 2 * ATTEMPT_WINDOW_MS) / 1000))
                .send()
                .await;
            match result {
                Ok(_) => {}
                Err(err) if condition_failed(&err) => return Ok(false),
                Err(err) => return Err(StoreError::aws("UpdateItem(attempts)", err)),
            }
        }
        Ok(true)
    }

    /// Takes back an attempt counted by [`LoginStore::count_attempt`] that succeeded: only
    /// failures use up the limit.
    pub async fn forgive(&self, who: &[&str], now_ms: i64) -> Result<(), StoreError> {
        let window = session::attempt_window(now_ms);
        for name in who {
            let result = self
                .records
                .client
                .update_item()
                .table_name(&self.records.table)
                .set_key(Some(key_item(&table::sign_in_failures(name, window))))
                .update_expression("ADD failures :minus")
                .condition_expression("failures > :zero")
                .expression_attribute_values(":minus", n(-1))
                .expression_attribute_values(":zero", n(0))
                .send()
                .await;
            if let Err(err) = result
                && !condition_failed(&err)
            {
                return Err(StoreError::aws("UpdateItem(attempts)", err));
            }
        }
        Ok(())
    }
}

/// A short, non-secret name of a session for logs and connections (its hash's first characters).
pub fn session_id_of(token_hash_hex: &str) -> String {
    token_hash_hex.chars().take(12).collect()
}
