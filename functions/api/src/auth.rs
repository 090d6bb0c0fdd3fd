//! API key authentication: `Authorization: Bearer <key>`, looked up by its SHA-256, together with
//! the key's agent (role, active). Both are cached briefly per warm Lambda: a revoked key, a
//! deactivated agent or a changed role takes effect within `TTL`.

use lambda_http::Request;
use lambda_http::http::StatusCode;
use shared::adapters::desk_store::DeskStore;
use shared::adapters::tenancy_store::TenancyStore;
use shared::http_error::HttpError;
use shared::permissions;
use shared::tenancy::{Agent, ApiKeyRecord, Role};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(30);
/// `last_used_at` is written at most this often per key and warm Lambda (one write, not one per request).
const LAST_USED_EVERY: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct Caller {
    pub org_id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub key_id: String,
    pub role: Role,
    pub scopes: Vec<String>,
}

impl Caller {
    pub fn may(&self, permission: &str) -> bool {
        permissions::allows(self.role, &self.scopes, permission)
    }

    /// 403 unless the caller's role and key scopes both allow `permission`.
    pub fn require(&self, permission: &str) -> Result<(), HttpError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(HttpError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the permission {permission}, which this key or role does not have"),
            ))
        }
    }
}

#[derive(Clone)]
struct Entry {
    key: Option<ApiKeyRecord>,
    agent: Option<Agent>,
    fetched: Instant,
}

pub struct KeyCache {
    tenancy: TenancyStore,
    desk: DeskStore,
    entries: Mutex<HashMap<String, Entry>>,
    touched: Mutex<HashMap<String, Instant>>,
}

fn unauthorized(message: &str) -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

fn unavailable(err: impl std::fmt::Display) -> HttpError {
    tracing::error!(error = %err, "key lookup failed");
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "temporarily unavailable; retry",
    )
}

impl KeyCache {
    pub fn new(tenancy: TenancyStore, desk: DeskStore) -> Self {
        Self {
            tenancy,
            desk,
            entries: Mutex::new(HashMap::new()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    pub async fn authenticate(&self, request: &Request) -> Result<Caller, HttpError> {
        let header = request
            .headers()
            .get(lambda_http::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let presented = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 128)
            .ok_or_else(|| unauthorized("send Authorization: Bearer <api key>"))?;
        let hash = shared::api_key::hash(presented);
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&hash)
            .filter(|entry| entry.fetched.elapsed() < TTL)
            .cloned();
        let entry = match cached {
            Some(entry) => entry,
            None => {
                let key = self.tenancy.find_api_key(&hash).await.map_err(unavailable)?;
                let agent = match &key {
                    Some(key) => self.desk.agent(&key.org_id, &key.agent_id).await.map_err(unavailable)?,
                    None => None,
                };
                let entry = Entry {
                    key,
                    agent,
                    fetched: Instant::now(),
                };
                self.entries
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(hash, entry.clone());
                entry
            }
        };
        let key = entry.key.ok_or_else(|| unauthorized("unknown API key"))?;
        if key.revoked_at.is_some() {
            return Err(unauthorized("this API key was revoked"));
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if key.expires_at.as_deref().is_some_and(|expires| expires <= now.as_str()) {
            return Err(unauthorized("this API key has expired"));
        }
        let agent = entry
            .agent
            .filter(|agent| agent.is_active)
            .ok_or_else(|| unauthorized("this API key's agent is deactivated"))?;
        self.touch(&key).await;
        Ok(Caller {
            org_id: key.org_id,
            agent_id: key.agent_id,
            agent_name: agent.full_name,
            key_id: key.key_id,
            role: agent.role,
            scopes: key.scopes,
        })
    }

    /// Drops cached keys of `agent_id` (or only the key `key_id`), so a revocation or deactivation
    /// made through this Lambda takes effect on its next request; other warm Lambdas follow within `TTL`.
    pub fn forget(&self, agent_id: &str, key_id: Option<&str>) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, entry| match &entry.key {
                Some(key) => key.agent_id != agent_id || key_id.is_some_and(|id| id != key.key_id),
                None => true,
            });
    }

    /// Records the key's last use, at most every `LAST_USED_EVERY`; a failure only logs.
    async fn touch(&self, key: &ApiKeyRecord) {
        {
            let mut touched = self.touched.lock().unwrap_or_else(|p| p.into_inner());
            if touched
                .get(&key.key_id)
                .is_some_and(|at| at.elapsed() < LAST_USED_EVERY)
            {
                return;
            }
            touched.insert(key.key_id.clone(), Instant::now());
        }
        if let Err(err) = self.desk.touch_key(&key.org_id, &key.key_id).await {
            tracing::warn!(error = %err, "could not record the key's last use");
        }
    }
}
