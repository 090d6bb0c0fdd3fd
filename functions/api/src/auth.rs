//! API key authentication: `Authorization: Bearer <key>`, looked up by its SHA-256, together with
//! the key's agent (role, divisions, active). Both are cached briefly per warm Lambda: a revoked
//! key, a deactivated agent, a changed role or membership takes effect within `TTL` (what a role
//! grants is cached as long, in `shared::access::role_cache`).
//!
//! Strangers choose what arrives in the header, so what they can cost is bounded: a token that is
//! not shaped like one of our keys is refused without a lookup, the cache holds at most `CAPACITY`
//! entries (unknown hashes for `NEGATIVE_TTL`), and hashes not in the cache are looked up at most
//! `LOOKUP_BURST` at once and `LOOKUPS_PER_SECOND` after that *per source address*; past it that
//! source gets 429. The budget is the sender's own: strangers flooding made-up keys from their
//! addresses cannot make another client's valid key answer 429 (API Gateway's throttling bounds
//! the total).

use lambda_http::Request;
use lambda_http::http::StatusCode;
use shared::access::agent_store::AgentStore;
use shared::access::permissions;
use shared::access::roles::{Grants, Viewer};
use shared::access::tenancy::{Agent, ApiKeyRecord};
use shared::access::tenancy_store::TenancyStore;
use shared::platform::StoreError;
use shared::platform::http_error::HttpError;
use shared::platform::token_bucket::TokenBucket;
use shared::platform::ttl_cache::TtlCache;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(30);
/// A made-up key is answered from the cache for this long after its lookup.
const NEGATIVE_TTL: Duration = Duration::from_secs(5);
/// Keys (and made-up keys) a warm Lambda remembers; oldest out first.
pub const CAPACITY: usize = 10_000;
/// Lookups of keys not in the cache: a burst, then a steady rate, per source address and warm Lambda.
pub const LOOKUP_BURST: u32 = 100;
pub const LOOKUPS_PER_SECOND: u32 = 20;
/// A source's lookup budget is remembered this long after its last use (then it starts full).
const SOURCE_TTL: Duration = Duration::from_secs(600);
/// `last_used_at` is written at most this often per key and warm Lambda (one write, not one per request).
const LAST_USED_EVERY: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
pub struct Caller {
    pub org_id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub key_id: String,
    /// What the agent's role grants.
    pub grants: std::sync::Arc<Grants>,
    pub scopes: Vec<String>,
    /// Which conversations the agent sees (the role's visibility, their divisions).
    pub viewer: Viewer,
}

impl Caller {
    /// The caller `agent` is through a key (`scopes`) or a session (`None`: what the role grants).
    pub fn of(agent: Agent, key_id: String, scopes: Option<Vec<String>>, grants: std::sync::Arc<Grants>) -> Self {
        let scopes = scopes.unwrap_or_else(|| grants.codes().map(str::to_string).collect());
        Self {
            viewer: Viewer {
                agent_id: agent.agent_id.clone(),
                visibility: grants.visibility(),
                division_ids: agent.division_ids,
            },
            org_id: agent.org_id,
            agent_id: agent.agent_id,
            agent_name: agent.full_name,
            key_id,
            grants,
            scopes,
        }
    }

    pub fn may(&self, permission: &str) -> bool {
        permissions::allows(&self.grants, &self.scopes, permission)
    }

    /// Whether the caller holds everything `target` grants (to give it, or set a password of one
    /// who holds it).
    pub fn holds_all(&self, target: &Grants) -> bool {
        permissions::holds_all(&self.grants, &self.scopes, target)
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

/// What a key hash resolves to; `None` (unknown key) is cached too, for less time.
#[derive(Clone)]
struct Entry {
    key: Option<ApiKeyRecord>,
    agent: Option<Agent>,
}

/// Where keys are looked up: one narrow seam, so the cache's bounds can be shown without AWS.
#[async_trait::async_trait]
pub trait KeyDirectory: Send + Sync {
    /// The key with this SHA-256 (hex) and its agent.
    async fn key_and_agent(&self, key_hash_hex: &str) -> Result<Option<(ApiKeyRecord, Option<Agent>)>, StoreError>;
}

pub struct DynamoKeyDirectory {
    pub tenancy: TenancyStore,
    pub agents: AgentStore,
}

#[async_trait::async_trait]
impl KeyDirectory for DynamoKeyDirectory {
    async fn key_and_agent(&self, key_hash_hex: &str) -> Result<Option<(ApiKeyRecord, Option<Agent>)>, StoreError> {
        let Some(key) = self.tenancy.find_api_key(key_hash_hex).await? else {
            return Ok(None);
        };
        let agent = self.agents.agent(&key.org_id, &key.agent_id).await?;
        Ok(Some((key, agent)))
    }
}

/// Where the last use of a key is recorded.
#[async_trait::async_trait]
pub trait KeyUse: Send + Sync {
    async fn touch(&self, org_id: &str, key_id: &str) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl KeyUse for AgentStore {
    async fn touch(&self, org_id: &str, key_id: &str) -> Result<(), StoreError> {
        self.touch_key(org_id, key_id).await
    }
}

pub struct KeyCache {
    directory: Box<dyn KeyDirectory>,
    key_use: Box<dyn KeyUse>,
    entries: TtlCache<String, Entry>,
    /// Lookups of hashes not in the cache, per source address: a flood of made-up keys costs its
    /// sender at most this many reads, and nobody else anything.
    lookups: TtlCache<String, std::sync::Arc<TokenBucket>>,
    touched: TtlCache<String, ()>,
    /// "Now", for keys' expiry.
    clock: shared::platform::clock::Clock,
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
    pub fn new(directory: Box<dyn KeyDirectory>, key_use: Box<dyn KeyUse>) -> Self {
        Self {
            directory,
            key_use,
            entries: TtlCache::new(CAPACITY),
            lookups: TtlCache::new(CAPACITY),
            touched: TtlCache::new(CAPACITY),
            clock: shared::platform::clock::Clock::system(),
        }
    }

    /// Reads "now" from `clock` (tests move time past a key's expiry).
    pub fn with_clock(mut self, clock: shared::platform::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The presented key and its active agent (401 otherwise).
    pub async fn authenticate(&self, request: &Request) -> Result<(ApiKeyRecord, Agent), HttpError> {
        let header = request
            .headers()
            .get(lambda_http::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let presented = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| unauthorized("send Authorization: Bearer <api key>"))?;
        let entry = self.resolve(presented, &crate::request::source_ip(request)).await?;
        let key = entry.key.ok_or_else(|| unauthorized("unknown API key"))?;
        if key.revoked_at.is_some() {
            return Err(HttpError::new(
                StatusCode::UNAUTHORIZED,
                "key_revoked",
                "this API key was revoked",
            ));
        }
        let now = self.clock.now_rfc3339();
        if key.expires_at.as_deref().is_some_and(|expires| expires <= now.as_str()) {
            return Err(HttpError::new(
                StatusCode::UNAUTHORIZED,
                "key_expired",
                "this API key has expired",
            ));
        }
        let agent = entry
            .agent
            .filter(|agent| agent.is_active)
            .ok_or_else(|| unauthorized("this API key's agent is deactivated"))?;
        self.touch(&key).await;
        Ok((key, agent))
    }

    /// The cached answer for a presented key, or a lookup when the budget allows one.
    async fn resolve(&self, presented: &str, source: &str) -> Result<Entry, HttpError> {
        if !shared::access::api_key::is_well_formed(presented) {
            return Err(unauthorized("unknown API key"));
        }
        let hash = shared::access::api_key::hash(presented);
        if let Some(entry) = self.entries.get(&hash) {
            return Ok(entry);
        }
        let bucket = match self.lookups.get(&source.to_string()) {
            Some(bucket) => bucket,
            None => {
                let bucket = std::sync::Arc::new(TokenBucket::new(LOOKUP_BURST, LOOKUPS_PER_SECOND, Instant::now()));
                self.lookups.insert(source.to_string(), bucket.clone(), SOURCE_TTL);
                bucket
            }
        };
        if !bucket.try_take() {
            tracing::warn!(%source, "unknown API keys arrive from one source faster than they may be looked up");
            return Err(HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "too many requests with keys this server has not seen from this address; retry shortly",
            ));
        }
        let found = self.directory.key_and_agent(&hash).await.map_err(unavailable)?;
        let (entry, ttl) = match found {
            Some((key, agent)) => (Entry { key: Some(key), agent }, TTL),
            None => (Entry { key: None, agent: None }, NEGATIVE_TTL),
        };
        self.entries.insert(hash, entry.clone(), ttl);
        Ok(entry)
    }

    /// Drops cached keys of `agent_id` (or only the key `key_id`), so a revocation or deactivation
    /// made through this Lambda takes effect on its next request; other warm Lambdas follow within `TTL`.
    pub fn forget(&self, agent_id: &str, key_id: Option<&str>) {
        self.entries.retain(|_, entry| match &entry.key {
            Some(key) => key.agent_id != agent_id || key_id.is_some_and(|id| id != key.key_id),
            None => true,
        });
    }

    /// Records the key's last use, at most every `LAST_USED_EVERY`; a failure only logs.
    async fn touch(&self, key: &ApiKeyRecord) {
        if self.touched.get(&key.key_id).is_some() {
            return;
        }
        self.touched.insert(key.key_id.clone(), (), LAST_USED_EVERY);
        if let Err(err) = self.key_use.touch(&key.org_id, &key.key_id).await {
            tracing::warn!(error = %err, "could not record the key's last use");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts lookups; knows one key.
    struct CountingDirectory {
        lookups: Arc<AtomicUsize>,
        known_hash: String,
    }

    #[async_trait::async_trait]
    impl KeyDirectory for CountingDirectory {
        async fn key_and_agent(&self, hash: &str) -> Result<Option<(ApiKeyRecord, Option<Agent>)>, StoreError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            if hash != self.known_hash {
                return Ok(None);
            }
            let key: ApiKeyRecord = serde_json::from_value(serde_json::json!({
                "org_id": "org_1", "key_id": "key_1", "agent_id": "agt_1", "name": "k", "key_prefix": "sbk_",
                "key_hash": hash, "scopes": ["*"], "created_at": "2026-01-01T00:00:00Z"
            }))
            .unwrap();
            let agent: Agent = serde_json::from_value(serde_json::json!({
                "org_id": "org_1", "agent_id": "agt_1", "email": "a@example.com", "full_name": "A", "role": "admin",
                "is_active": true, "is_online": false, "open_assigned": 0, "created_at": "2026-01-01T00:00:00Z"
            }))
            .unwrap();
            Ok(Some((key, Some(agent))))
        }
    }

    struct NoTouch;

    #[async_trait::async_trait]
    impl KeyUse for NoTouch {
        async fn touch(&self, _: &str, _: &str) -> Result<(), StoreError> {
            Ok(())
        }
    }

    /// A cache over a directory that knows one key (returned) and counts lookups.
    fn counting_cache() -> (shared::access::api_key::IssuedKey, Arc<AtomicUsize>, KeyCache) {
        let good = shared::access::api_key::issue();
        let lookups = Arc::new(AtomicUsize::new(0));
        let cache = KeyCache::new(
            Box::new(CountingDirectory {
                lookups: lookups.clone(),
                known_hash: good.hash_hex.clone(),
            }),
            Box::new(NoTouch),
        );
        (good, lookups, cache)
    }

    fn request(token: &str) -> Request {
        let mut request = Request::default();
        request.headers_mut().insert(
            lambda_http::http::header::AUTHORIZATION,
            format!("Bearer {token}").parse().unwrap(),
        );
        request
    }

    /// A request as API Gateway passes it on from `source`.
    fn request_from(token: &str, source: &str) -> Request {
        use lambda_http::RequestExt;
        let mut context = lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
        context.http.source_ip = Some(source.to_string());
        request(token).with_request_context(lambda_http::request::RequestContext::ApiGatewayV2(context))
    }

    #[tokio::test]
    async fn a_flood_from_one_address_does_not_make_anothers_valid_key_answer_429() {
        let (good, _, cache) = counting_cache();
        let mut flood_statuses = std::collections::BTreeSet::new();
        for _ in 0..(LOOKUP_BURST * 3) {
            let made_up = shared::access::api_key::issue().plaintext;
            let refused = cache
                .authenticate(&request_from(&made_up, "203.0.113.9"))
                .await
                .unwrap_err();
            flood_statuses.insert(refused.status.as_u16());
        }
        assert!(
            flood_statuses.contains(&429),
            "the flooding address is limited: {flood_statuses:?}"
        );
        let (key, _) = cache
            .authenticate(&request_from(&good.plaintext, "198.51.100.7"))
            .await
            .expect("another address's valid key is looked up");
        assert_eq!(key.org_id, "org_1");
    }

    #[tokio::test]
    async fn a_flood_of_made_up_keys_costs_bounded_memory_and_reads() {
        let (_, lookups, cache) = counting_cache();
        let started = Instant::now();
        let mut statuses = std::collections::BTreeMap::new();
        for _ in 0..20_000 {
            let made_up = shared::access::api_key::issue().plaintext;
            let status = cache
                .authenticate(&request(&made_up))
                .await
                .unwrap_err()
                .status
                .as_u16();
            *statuses.entry(status).or_insert(0) += 1;
        }
        // Tokens not shaped like ours cost no lookup at all.
        for junk in [
            "x".repeat(10_000),
            "sbk_short".into(),
            format!("sbk_{}", "!".repeat(40)),
        ] {
            assert_eq!(
                cache.authenticate(&request(&junk)).await.unwrap_err().status,
                StatusCode::UNAUTHORIZED
            );
        }
        let elapsed = started.elapsed().as_secs_f64();
        let reads = lookups.load(Ordering::SeqCst);
        let bound = f64::from(LOOKUP_BURST) + f64::from(LOOKUPS_PER_SECOND) * elapsed + 1.0;
        assert!(
            (reads as f64) <= bound,
            "{reads} lookups for 20,000 made-up keys, bound {bound}"
        );
        assert!(cache.entries.len() <= CAPACITY);
        assert_eq!(
            statuses.get(&401).copied().unwrap_or(0),
            reads,
            "each lookup answered 401: {statuses:?}"
        );
        assert_eq!(statuses.get(&429).copied().unwrap_or(0), 20_000 - reads);
    }

    #[tokio::test]
    async fn a_known_key_is_looked_up_once_and_a_made_up_one_cached_negatively() {
        let (good, lookups, cache) = counting_cache();
        for _ in 0..5 {
            let (key, _) = cache.authenticate(&request(&good.plaintext)).await.unwrap();
            assert_eq!(key.org_id, "org_1");
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
        let made_up = shared::access::api_key::issue().plaintext;
        for _ in 0..5 {
            assert_eq!(
                cache.authenticate(&request(&made_up)).await.unwrap_err().status,
                StatusCode::UNAUTHORIZED
            );
        }
        assert_eq!(
            lookups.load(Ordering::SeqCst),
            2,
            "the unknown key is remembered as unknown"
        );
    }
}
