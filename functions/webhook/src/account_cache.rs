//! Warm-invocation cache of webhook accounts, so the hot path does no DynamoDB read.
//!
//! Staleness is bounded: an entry is trusted for `ttl` (60 s by default, `ACCOUNT_CACHE_TTL_SECONDS`),
//! an unknown account for `ttl / 6` at most. A delivery whose signature does not match the cached
//! secret forces a re-read (at most once per `MISMATCH_REFRESH_INTERVAL` per account), so a rotated
//! app secret takes effect on the first delivery signed with it, and at the latest after `ttl`.

use shared::access::accounts::AccountDirectory;
use shared::access::tenancy::WebhookAccount;
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::ttl_cache::TtlCache;
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_TTL: Duration = Duration::from_secs(60);
pub const MISMATCH_REFRESH_INTERVAL: Duration = Duration::from_secs(5);
/// Bounds memory when someone walks random account ids.
const MAX_ENTRIES: usize = 10_000;

pub struct AccountCache {
    ttl: Duration,
    negative_ttl: Duration,
    /// The account (or its absence) and when it was read (epoch ms, by `clock`).
    entries: TtlCache<String, (Option<Arc<WebhookAccount>>, i64)>,
    clock: Clock,
}

/// Where a lookup's answer came from (logged, and asserted by tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    Store,
}

impl AccountCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            negative_ttl: (ttl / 6).max(Duration::from_secs(1)).min(ttl),
            entries: TtlCache::new(MAX_ENTRIES),
            clock: Clock::system(),
        }
    }

    /// Reads "now" from `clock` (tests move it instead of waiting out the refresh interval).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub async fn get(
        &self,
        directory: &dyn AccountDirectory,
        account_id: &str,
    ) -> Result<(Option<Arc<WebhookAccount>>, Source), StoreError> {
        if let Some((account, _)) = self.entries.get(&account_id.to_string()) {
            return Ok((account, Source::Cache));
        }
        self.load(directory, account_id)
            .await
            .map(|account| (account, Source::Store))
    }

    /// Re-reads an account after a signature mismatch, unless it was read very recently.
    /// Returns `None` when no re-read was done.
    pub async fn refresh_after_mismatch(
        &self,
        directory: &dyn AccountDirectory,
        account_id: &str,
    ) -> Result<Option<Option<Arc<WebhookAccount>>>, StoreError> {
        if self
            .entries
            .get(&account_id.to_string())
            .is_some_and(|(_, read_at_ms)| {
                self.clock.now_ms().saturating_sub(read_at_ms) < MISMATCH_REFRESH_INTERVAL.as_millis() as i64
            })
        {
            return Ok(None);
        }
        self.load(directory, account_id).await.map(Some)
    }

    async fn load(
        &self,
        directory: &dyn AccountDirectory,
        account_id: &str,
    ) -> Result<Option<Arc<WebhookAccount>>, StoreError> {
        let account = directory.webhook_account(account_id).await?.map(Arc::new);
        let ttl = if account.is_some() { self.ttl } else { self.negative_ttl };
        self.entries
            .insert(account_id.to_string(), (account.clone(), self.clock.now_ms()), ttl);
        Ok(account)
    }
}
