//! Tags into recipients: one page of a tag's contacts at a time (Query + BatchGetItem), the phones
//! not yet in the campaign written in batches, then the checkpoint (the tag's cursor and the total
//! it adds, one conditional write). A page run again after a crash finds its own writes by their
//! `added_by` step and counts them in the checkpoint it failed to make.

use crate::{CampaignsService, STEP_BUDGET, WATCHDOG_MS};
use shared::outreach::campaign::CampaignChange;
use shared::outreach::campaign::{CampaignStatus, Recipient};
use shared::platform::StoreError;
use shared::platform::sqs_batch::Outcome;
use tracing::info;

/// Contacts read per page (one Query, one BatchGetItem).
pub const PAGE: i32 = 100;

impl CampaignsService {
    pub(crate) async fn expand(&self, org_id: &str, campaign_id: &str) -> Result<Outcome, StoreError> {
        let started = std::time::Instant::now();
        loop {
            let Some(campaign) = self.ports.campaigns.campaign(org_id, campaign_id).await? else {
                return Ok(Outcome::Done);
            };
            if campaign.status != CampaignStatus::Preparing {
                return Ok(Outcome::Done);
            }
            let Some(tag) = campaign.pending_tags.first().cloned() else {
                // Every tag is in: back to where the campaign was, a scheduled one due again.
                let back = campaign.prepared_status.unwrap_or(CampaignStatus::Draft);
                let due = match (back, &campaign.scheduled_at) {
                    (CampaignStatus::Scheduled, Some(at)) => chrono::DateTime::parse_from_rfc3339(at)
                        .ok()
                        .map(|t| t.timestamp_millis()),
                    _ => None,
                };
                let change = CampaignChange::default()
                    .status(back)
                    .prepared_status(None)
                    .expand_cursor(None)
                    .due(due);
                self.ports
                    .campaigns
                    .change(org_id, campaign_id, CampaignStatus::Preparing, change)
                    .await?;
                info!(total = campaign.total_recipients, "audience prepared");
                return Ok(Outcome::Done);
            };
            let cursor = campaign.expand_cursor.clone();
            let step = format!("{tag}@{}", cursor.as_deref().unwrap_or(""));
            let (contacts, next_cursor) = self
                .ports
                .contacts
                .tagged(org_id, &tag, cursor.as_deref(), PAGE)
                .await?;
            let now = self.clock.now_rfc3339();
            let mut recipients: Vec<Recipient> = Vec::new();
            for contact in &contacts {
                let Some(phone) = contact.wa_id.as_deref().and_then(shared::outreach::campaign::phone_key) else {
                    continue;
                };
                if recipients.iter().any(|r| r.phone == phone) {
                    continue;
                }
                recipients.push(Recipient::pending(
                    org_id,
                    campaign_id,
                    phone,
                    Some(contact.contact_id.clone()),
                    Default::default(),
                    &now,
                ));
            }
            let phones: Vec<String> = recipients.iter().map(|r| r.phone.clone()).collect();
            let existing = self.ports.campaigns.existing(org_id, campaign_id, &phones).await?;
            // New, or written by this very step before a crash (counted now, as its checkpoint
            // never was).
            let new: Vec<Recipient> = recipients
                .into_iter()
                .filter(|r| match existing.get(&r.phone) {
                    None => true,
                    Some(added_by) => added_by.as_deref() == Some(step.as_str()),
                })
                .collect();
            self.ports.campaigns.write_recipients(org_id, &new, &step).await?;
            let next_sk = next_cursor;
            let mut change = CampaignChange::default()
                .after_checkpoint(campaign.checkpoint)
                .add_recipients(new.len() as i64)
                .due(Some(self.clock.now_ms() + WATCHDOG_MS));
            change = match next_sk {
                Some(sk) => change.expand_cursor(Some(sk)),
                None => {
                    let mut tags = campaign.tags.clone();
                    tags.push(tag.clone());
                    change
                        .expand_cursor(None)
                        .pending_tags(&campaign.pending_tags[1..])
                        .tags(&tags)
                }
            };
            if self
                .ports
                .campaigns
                .change(org_id, campaign_id, CampaignStatus::Preparing, change)
                .await?
                .is_none()
            {
                // Cancelled meanwhile, or another worker moved past this page: it counted it.
                return Ok(Outcome::Done);
            }
            if started.elapsed() > STEP_BUDGET {
                let job = shared::outreach::campaign::CampaignJob::Expand {
                    org_id: org_id.to_string(),
                    campaign_id: campaign_id.to_string(),
                };
                self.follow_up(&job, 0).await?;
                return Ok(Outcome::Done);
            }
        }
    }
}
