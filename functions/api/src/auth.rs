//! API key authentication: `Authorization: Bearer <key>`, looked up by its SHA-256, cached briefly
//! per warm Lambda (a revoked key stops working within `TTL`).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use shared::adapters::tenancy_store::TenancyStore;
use shared::http_error::HttpError;
use shared::tenancy::ApiKeyRecord;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(30);

pub struct Caller {
    pub org_id: String,
    pub agent_id: String,
    pub key_id: String,
}

pub struct KeyCache {
    store: TenancyStore,
    entries: Mutex<HashMap<String, (Option<ApiKeyRecord>, Instant)>>,
}

fn unauthorized(message: &str) -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl KeyCache {
    pub fn new(store: TenancyStore) -> Self {
        Self {
            store,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub async fn authenticate(&self, request: &Request) -> Result<Caller, HttpError> {
        let header = request
            .headers()
            .get(lambda_http::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let key = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 128)
            .ok_or_else(|| unauthorized("send Authorization: Bearer <api key>"))?;
        let hash = shared::api_key::hash(key);
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(record, _)| record.clone());
        let record = match cached {
            Some(record) => record,
            None => {
                let record = self.store.find_api_key(&hash).await.map_err(|e| {
                    tracing::error!(error = %e, "key lookup failed");
                    HttpError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "temporarily unavailable; retry",
                    )
                })?;
                self.entries
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(hash, (record.clone(), Instant::now()));
                record
            }
        };
        let record = record.ok_or_else(|| unauthorized("unknown API key"))?;
        if record.revoked_at.is_some() {
            return Err(unauthorized("this API key was revoked"));
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if record
            .expires_at
            .as_deref()
            .is_some_and(|expires| expires <= now.as_str())
        {
            return Err(unauthorized("this API key has expired"));
        }
        Ok(Caller {
            org_id: record.org_id,
            agent_id: record.agent_id,
            key_id: record.key_id,
        })
    }
}
