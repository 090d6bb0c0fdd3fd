//! Every six hours the tick pulls each account's templates from Meta (`shared::adapters::
//! template_sync`): statuses whose webhook was lost, and templates made in Meta's manager, arrive
//! without anyone asking. One WABA is synced once however many of an organization's numbers share it;
//! an account that fails is logged and left for the next run.

use crate::CampaignsService;
use shared::adapters::StoreError;
use shared::adapters::template_sync::sync_templates;
use std::collections::HashSet;
use tracing::{info, warn};

/// Hours between syncs; the tick at minute 0 of these hours (UTC) runs one.
pub const SYNC_EVERY_HOURS: u32 = 6;

/// Whether the tick at `now_ms` is a sync's.
pub fn is_sync_time(now_ms: i64) -> bool {
    use chrono::Timelike;
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
        .is_some_and(|t| t.minute() == 0 && t.hour() % SYNC_EVERY_HOURS == 0)
}

impl CampaignsService {
    /// Syncs every account's WABA: how many WABAs were synced.
    pub async fn sync_all_templates(&self) -> Result<u32, StoreError> {
        let mut done: HashSet<(String, String)> = HashSet::new();
        for (org_id, account_id) in self.tenancy.account_directory().await? {
            let Some(account) = self.accounts.get(&org_id, &account_id).await? else {
                continue;
            };
            if !done.insert((org_id.clone(), account.record.waba_id.clone())) {
                continue;
            }
            let token = match account.access_token() {
                Ok(token) => token.expose().to_string(),
                Err(err) => {
                    warn!(%org_id, %account_id, error = %err, "template sync skipped: the token cannot be opened");
                    continue;
                }
            };
            match sync_templates(&self.graph, &self.templates, &org_id, &account.record.waba_id, &token).await {
                Ok(synced) => info!(%org_id, waba = %account.record.waba_id, ?synced, "templates synced"),
                Err(err) => warn!(%org_id, %account_id, error = %err, "template sync failed; next run tries again"),
            }
        }
        Ok(done.len() as u32)
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
