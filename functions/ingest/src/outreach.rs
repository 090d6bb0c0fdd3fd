//! What ingest does for campaigns: statuses of campaign sends (their callback data names the
//! campaign and phone) move the recipient and its counters, and `user_preferences` changes record
//! marketing opt-outs and their withdrawal.

use crate::{BatchSummary, IngestService, RecordError};
use shared::meta::StatusUpdate;
use tracing::info;

impl IngestService {
    /// Applies a status of a campaign send; `false` when the status is not one.
    pub(crate) async fn apply_campaign_status(
        &self,
        org_id: &str,
        status: &StatusUpdate,
        summary: &mut BatchSummary,
    ) -> Result<bool, RecordError> {
        let Some((campaign_id, phone)) = status
            .callback_data
            .as_deref()
            .and_then(shared::campaign::parse_callback)
        else {
            return Ok(false);
        };
        let error = status
            .errors
            .first()
            .map(|e| (e.code, e.title.clone().or(e.message.clone()).unwrap_or_default()));
        let moved = self
            .campaigns
            .apply_status(org_id, campaign_id, phone, status.status.as_str(), &status.wamid, error)
            .await?;
        match moved {
            true => summary.statuses_applied += 1,
            false => summary.statuses_stale += 1,
        }
        Ok(true)
    }

    /// `user_preferences`: `marketing_messages` `stop` records an opt-out, `resume` withdraws it.
    pub(crate) async fn record_preferences(&self, org_id: &str, value: &serde_json::Value) -> Result<(), RecordError> {
        for preference in value
            .get("user_preferences")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            let text = |name: &str| preference.get(name).and_then(|v| v.as_str()).unwrap_or_default();
            if text("category") != "marketing_messages" {
                continue;
            }
            let Some(phone) = shared::campaign::phone_key(text("wa_id")) else {
                continue;
            };
            let stop = match text("value") {
                "stop" => true,
                "resume" => false,
                _ => continue,
            };
            info!(stop, "marketing preference recorded");
            self.campaigns
                .set_opt_out(org_id, &phone, stop, "the customer stopped marketing messages on WhatsApp")
                .await?;
        }
        Ok(())
    }
}
