//! The agents' open WebSocket connections: one record per connection in its organization's own
//! partition (the notifier's one Query per event), and an owner record by connection id (all that
//! `$disconnect` knows). Both expire with DynamoDB's TTL when a disconnect never arrives.

use crate::access::roles::{Viewer, Visibility};
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, number_of, s, string_of};
use crate::platform::records::Records;
use crate::platform::table::{self, attr};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Connection {
    pub connection_id: String,
    pub agent_id: String,
    /// The session that opened it (its short id), so ending a session ends its connections.
    #[serde(default)]
    pub session_id: Option<String>,
    pub expires_ms: i64,
    /// The role the agent held when it opened (a change of the role's permissions closes it).
    #[serde(default)]
    pub role_id: Option<String>,
    /// What the agent saw when it opened: the notifier tells it only about those conversations,
    /// with no read per connection. A change of role or membership closes the connection.
    #[serde(default = "sees_all")]
    pub visibility: Visibility,
    #[serde(default)]
    pub division_ids: Vec<String>,
}

/// Connections recorded before visibility was stored saw every conversation.
fn sees_all() -> Visibility {
    Visibility::All
}

impl Connection {
    /// The agent as conversations see them.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            agent_id: self.agent_id.clone(),
            visibility: self.visibility,
            division_ids: self.division_ids.clone(),
        }
    }
}

/// Who opened a connection: the session's organization, agent and short id, and what they see.
pub struct Opened<'a> {
    pub org_id: &'a str,
    pub agent_id: &'a str,
    pub session_id: &'a str,
    pub role_id: &'a str,
    pub visibility: Visibility,
    pub division_ids: &'a [String],
}

#[derive(Clone)]
pub struct ConnectionStore {
    records: Records,
}

impl ConnectionStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    fn item(key: &table::Key, opened: &Opened<'_>, connection_id: &str, expires_ms: i64) -> Item {
        let Opened {
            org_id,
            agent_id,
            session_id,
            role_id,
            visibility,
            division_ids,
        } = opened;
        let mut item = key_item(key);
        item.insert("role_id".into(), s(*role_id));
        let visibility = serde_json::to_value(visibility)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        item.insert("visibility".into(), s(visibility));
        item.insert(
            "division_ids".into(),
            aws_sdk_dynamodb::types::AttributeValue::L(division_ids.iter().map(s).collect()),
        );
        item.insert("session_id".into(), s(*session_id));
        item.insert(attr::ENTITY.into(), s("LiveConnection"));
        item.insert("org_id".into(), s(*org_id));
        item.insert("agent_id".into(), s(*agent_id));
        item.insert("connection_id".into(), s(connection_id));
        item.insert("expires_ms".into(), n(expires_ms));
        item.insert(attr::EXPIRES_AT.into(), n(expires_ms / 1000 + 60));
        item
    }

    /// Records a connection an agent opened (a repeated `$connect` of the same id rewrites it).
    pub async fn open(&self, opened: &Opened<'_>, connection_id: &str, expires_ms: i64) -> Result<(), StoreError> {
        let record = Self::item(
            &table::live_connection(opened.org_id, connection_id),
            opened,
            connection_id,
            expires_ms,
        );
        let owner = Self::item(
            &table::live_connection_owner(connection_id),
            opened,
            connection_id,
            expires_ms,
        );
        self.records
            .transact_all(vec![self.records.put(record, None), self.records.put(owner, None)])
            .await
    }

    /// Forgets a closed connection; one never recorded (or already forgotten) is fine.
    pub async fn close(&self, connection_id: &str) -> Result<(), StoreError> {
        let Some(owner) = self
            .records
            .get_item(&table::live_connection_owner(connection_id))
            .await?
        else {
            return Ok(());
        };
        let org_id = string_of(&owner, "org_id").unwrap_or_default();
        self.forget(&org_id, connection_id).await
    }

    /// Deletes both records of a connection (a disconnect, or 410 Gone from API Gateway).
    pub async fn forget(&self, org_id: &str, connection_id: &str) -> Result<(), StoreError> {
        self.records
            .transact_all(vec![
                self.records
                    .delete(&table::live_connection(org_id, connection_id), None),
                self.records.delete(&table::live_connection_owner(connection_id), None),
            ])
            .await
    }

    /// The organization's connections still within their lifetime (TTL deletes lag by hours).
    pub async fn of_organization(&self, org_id: &str, now_ms: i64) -> Result<Vec<Connection>, StoreError> {
        let connections: Vec<Connection> = self
            .records
            .all(&table::live_connections_partition(org_id), "CONN#", "LiveConnection")
            .await?;
        Ok(connections.into_iter().filter(|c| c.expires_ms > now_ms).collect())
    }

    /// The organization a connection belongs to, for tools and tests.
    pub async fn owner_of(&self, connection_id: &str) -> Result<Option<(String, i64)>, StoreError> {
        let item = self
            .records
            .get_item(&table::live_connection_owner(connection_id))
            .await?;
        Ok(item.and_then(|i| Some((string_of(&i, "org_id")?, number_of(&i, "expires_ms")?))))
    }
}
