//! Every six hours the tick starts a pass over every organization's accounts that pulls their
//! templates from Meta (`shared::outreach::template_sync`): statuses whose webhook was lost, and
//! templates made in Meta's manager, arrive without anyone asking. The pass goes on a page of the
//! account directory per tick (a cursor in the table), within a time budget, so however many
//! tenants there are no run is long and no tenant's slow Graph answers hold the others back for
//! more than a tick. A WABA is synced once per page however many of an organization's numbers
//! share it; an account that fails is logged and left for the next pass.

use shared::access::account_cache::AccountCache;
use shared::access::tenancy_store::TenancyStore;
use shared::meta::graph::GraphClient;
use shared::outreach::template_store::TemplateStore;
use shared::outreach::template_sync::sync_templates;
use shared::platform::StoreError;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tracing::{info, warn};

/// Hours between passes; the tick at minute 0 of these hours (UTC) starts one.
pub const SYNC_EVERY_HOURS: u32 = 6;
/// Accounts one tick looks at, at most.
pub const SYNC_PAGE: i32 = 50;
/// A tick stops syncing after this long (the function times out at 60 s; the Graph timeout is 6 s).
pub const SYNC_TIME: Duration = Duration::from_secs(30);

/// Whether the tick at `now_ms` starts a pass.
pub fn is_sync_time(now_ms: i64) -> bool {
    use chrono::Timelike;
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
        .is_some_and(|t| t.minute() == 0 && t.hour() % SYNC_EVERY_HOURS == 0)
}

/// The tick's share of the template sync pass.
#[async_trait::async_trait]
pub trait TemplateSyncPass: Send + Sync {
    /// Starts a pass at a sync hour, and goes on with the running one: how many WABAs this tick
    /// synced.
    async fn step(&self, now_ms: i64) -> Result<u32, StoreError>;
}

/// The pass over the account directory (its cursor in the table), each WABA's templates pulled
/// from Meta with the account's opened token.
pub struct StoredTemplateSync {
    pub tenancy: TenancyStore,
    /// Accounts with their access tokens.
    pub accounts: AccountCache,
    pub graph: GraphClient,
    pub templates: TemplateStore,
}

#[async_trait::async_trait]
impl TemplateSyncPass for StoredTemplateSync {
    async fn step(&self, now_ms: i64) -> Result<u32, StoreError> {
        let mut after = self.tenancy.sync_pass().await?;
        if is_sync_time(now_ms) && after.is_none() {
            after = Some(String::new());
        }
        let Some(mut after) = after else {
            return Ok(0);
        };
        let started = Instant::now();
        let (page, more) = self.tenancy.accounts_after(&after, SYNC_PAGE).await?;
        let mut done: HashSet<(String, String)> = HashSet::new();
        let mut finished_page = true;
        for (org_id, account_id) in page {
            if started.elapsed() > SYNC_TIME {
                finished_page = false;
                break;
            }
            self.sync_account(&org_id, &account_id, &mut done).await?;
            after = format!("{org_id}#{account_id}");
        }
        let pass_over = finished_page && !more;
        self.tenancy
            .set_sync_pass((!pass_over).then_some(after.as_str()))
            .await?;
        if pass_over {
            info!("template sync pass done");
        }
        Ok(done.len() as u32)
    }
}

impl StoredTemplateSync {
    async fn sync_account(
        &self,
        org_id: &str,
        account_id: &str,
        done: &mut HashSet<(String, String)>,
    ) -> Result<(), StoreError> {
        let Some(account) = self.accounts.get(org_id, account_id).await? else {
            return Ok(());
        };
        if !done.insert((org_id.to_string(), account.record.waba_id.clone())) {
            return Ok(());
        }
        let token = match account.access_token() {
            Ok(token) => token.expose().to_string(),
            Err(err) => {
                warn!(%org_id, %account_id, error = %err, "template sync skipped: the token cannot be opened");
                return Ok(());
            }
        };
        match sync_templates(&self.graph, &self.templates, org_id, &account.record.waba_id, &token).await {
            Ok(synced) => info!(%org_id, waba = %account.record.waba_id, ?synced, "templates synced"),
            Err(err) => warn!(%org_id, %account_id, error = %err, "template sync failed; next pass tries again"),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syncs_run_at_the_top_of_every_sixth_hour() {
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp_millis();
        assert!(is_sync_time(at("2026-11-30T06:00:30Z")));
        assert!(!is_sync_time(at("2026-11-30T06:01:00Z")));
        assert!(!is_sync_time(at("2026-11-30T07:00:00Z")));
    }
}
