//! Campaign runs in memory, on the same campaigns and recipients as the in-memory campaign sends:
//! a change applies only in the status (and at the checkpoint) it was decided from, pages read by
//! phone as DynamoDB's sort key does, the messaging limit's reservation is a conditional add.

use crate::outreach::campaign::limit::Reservation;
use crate::outreach::campaign::{Campaign, CampaignChange, CampaignStatus, Recipient, rank};
use crate::outreach::campaign_runs::CampaignRuns;
use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_sends_memory::{MemoryCampaignSends, lock, pair};
use crate::outreach::campaign_store::{DueCampaign, FeedPage};
use crate::platform::StoreError;
use std::collections::{HashMap, HashSet};

impl MemoryCampaignSends {
    /// When the campaign is due for the tick's look, if it is in the due index.
    pub fn due_at(&self, org_id: &str, campaign_id: &str) -> Option<i64> {
        lock(&self.due).get(&pair(org_id, campaign_id)).copied()
    }

    /// Puts a campaign in the due index (as the API does when it schedules one).
    pub fn set_due(&self, org_id: &str, campaign_id: &str, due_ms: i64) {
        lock(&self.due).insert(pair(org_id, campaign_id), due_ms);
    }

    /// The campaign's recipients, by phone.
    pub fn recipients_of(&self, org_id: &str, campaign_id: &str) -> Vec<Recipient> {
        let mut all: Vec<Recipient> = lock(&self.recipients)
            .values()
            .filter(|r| r.org_id == org_id && r.campaign_id == campaign_id)
            .cloned()
            .collect();
        all.sort_by(|a, b| a.phone.cmp(&b.phone));
        all
    }

    /// Sends taken of the account's messaging limit in `hour`.
    pub fn limit_taken(&self, org_id: &str, account_id: &str, hour: &str) -> u64 {
        lock(&self.limit_hours)
            .get(&(org_id.into(), account_id.into(), hour.into()))
            .copied()
            .unwrap_or(0)
    }

    fn page(&self, org_id: &str, campaign_id: &str, cursor: Option<&str>, limit: i32, keep: &[&str]) -> FeedPage {
        let read: Vec<Recipient> = self
            .recipients_of(org_id, campaign_id)
            .into_iter()
            .filter(|r| cursor.is_none_or(|c| r.phone.as_str() > c))
            .take(limit.max(0) as usize)
            .collect();
        FeedPage {
            last_read: read.last().map(|r| r.phone.clone()),
            // As DynamoDB: a page that reached its limit has a next key.
            more: read.len() == limit.max(0) as usize,
            pending: read.into_iter().filter(|r| keep.contains(&r.status.as_str())).collect(),
        }
    }
}

#[async_trait::async_trait]
impl CampaignRuns for MemoryCampaignSends {
    async fn due(&self, now_ms: i64, limit: i32) -> Result<Vec<DueCampaign>, StoreError> {
        let mut due: Vec<(i64, DueCampaign)> = lock(&self.due)
            .iter()
            .filter(|(_, at)| **at <= now_ms)
            .map(|((org_id, campaign_id), at)| {
                let campaign = DueCampaign {
                    org_id: org_id.clone(),
                    campaign_id: campaign_id.clone(),
                };
                (*at, campaign)
            })
            .collect();
        due.sort_by(|a, b| (a.0, &a.1.campaign_id).cmp(&(b.0, &b.1.campaign_id)));
        Ok(due.into_iter().take(limit.max(0) as usize).map(|(_, c)| c).collect())
    }

    async fn change(
        &self,
        org_id: &str,
        campaign_id: &str,
        expected: CampaignStatus,
        change: CampaignChange,
    ) -> Result<Option<Campaign>, StoreError> {
        let mut campaigns = lock(&self.campaigns);
        let Some(campaign) = campaigns.get_mut(&pair(org_id, campaign_id)) else {
            return Ok(None);
        };
        if !change.holds(expected, campaign) {
            return Ok(None);
        }
        change.apply(campaign, &self.clock.now_rfc3339());
        match change.due_ms {
            Some(Some(at)) => {
                lock(&self.due).insert(pair(org_id, campaign_id), at);
            }
            Some(None) => {
                lock(&self.due).remove(&pair(org_id, campaign_id));
            }
            None => {}
        }
        Ok(Some(campaign.clone()))
    }

    async fn existing(
        &self,
        org_id: &str,
        campaign_id: &str,
        phones: &[String],
    ) -> Result<HashMap<String, Option<String>>, StoreError> {
        let recipients = lock(&self.recipients);
        let added_by = lock(&self.added_by);
        Ok(phones
            .iter()
            .filter_map(|phone| {
                let key = (org_id.to_string(), campaign_id.to_string(), phone.clone());
                recipients
                    .contains_key(&key)
                    .then(|| (phone.clone(), added_by.get(&key).cloned()))
            })
            .collect())
    }

    async fn write_recipients(&self, org_id: &str, recipients: &[Recipient], added_by: &str) -> Result<(), StoreError> {
        for recipient in recipients {
            let key = (
                org_id.to_string(),
                recipient.campaign_id.clone(),
                recipient.phone.clone(),
            );
            lock(&self.added_by).insert(key.clone(), added_by.into());
            lock(&self.recipients).insert(key, recipient.clone());
        }
        Ok(())
    }

    async fn pending_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError> {
        Ok(self.page(org_id, campaign_id, cursor, limit, &["pending"]))
    }

    async fn unsettled_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError> {
        Ok(self.page(org_id, campaign_id, cursor, limit, &["pending", "sending", "unknown"]))
    }

    async fn opted_out_of(&self, org_id: &str, phones: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut out = HashSet::new();
        for phone in phones {
            if CampaignSends::opted_out(self, org_id, phone).await? {
                out.insert(phone.clone());
            }
        }
        Ok(out)
    }

    async fn fail_unconfirmed(&self, recipient: &Recipient, message: &str) -> Result<bool, StoreError> {
        let now = self.clock.now_rfc3339();
        let claimed = recipient.send_claimed_ms;
        let settled = self.move_recipient(
            recipient,
            |stored| stored.send_claimed_ms == claimed && stored.status_rank < rank::FAILED_UNCONFIRMED,
            |stored| {
                stored.status = "failed".into();
                stored.status_rank = rank::FAILED_UNCONFIRMED;
                stored.error_code = None;
                stored.error_message = Some(message.chars().take(500).collect());
                stored.failed_at = Some(now);
            },
        );
        if settled {
            self.add(&recipient.org_id, &recipient.campaign_id, "failed", 1);
        }
        Ok(settled)
    }

    async fn limit_usage(
        &self,
        org_id: &str,
        account_id: &str,
        hours: &[String],
    ) -> Result<Vec<(String, u64)>, StoreError> {
        Ok(hours
            .iter()
            .map(|hour| (hour.clone(), self.limit_taken(org_id, account_id, hour)))
            .collect())
    }

    async fn reserve_limit(
        &self,
        org_id: &str,
        account_id: &str,
        hour: &str,
        reservation: Reservation,
    ) -> Result<bool, StoreError> {
        let mut hours = lock(&self.limit_hours);
        let taken = hours
            .entry((org_id.into(), account_id.into(), hour.into()))
            .or_default();
        if *taken > reservation.current_at_most {
            return Ok(false);
        }
        *taken += reservation.sends;
        Ok(true)
    }

    async fn release_limit(&self, org_id: &str, account_id: &str, hour: &str, sends: u64) -> Result<(), StoreError> {
        if let Some(taken) = lock(&self.limit_hours).get_mut(&(org_id.into(), account_id.into(), hour.into())) {
            *taken = taken.saturating_sub(sends);
        }
        Ok(())
    }
}
