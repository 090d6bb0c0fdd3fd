//! Campaign sends in memory: the [`CampaignSends`] port for tests, with `CampaignStore`'s rules
//! (`campaign_sends_contract.rs` holds both to them): conditional moves, each counter once.

use crate::outreach::campaign::{Campaign, CampaignCounters, CampaignStatus, Reach, Recipient, rank};
use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_store::Claim;
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use std::collections::HashMap;
use std::sync::Mutex;

pub(crate) type Pair = (String, String);
pub(crate) type Triple = (String, String, String);

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn pair(a: &str, b: &str) -> Pair {
    (a.into(), b.into())
}

fn of(recipient: &Recipient) -> Triple {
    (
        recipient.org_id.clone(),
        recipient.campaign_id.clone(),
        recipient.phone.clone(),
    )
}

pub struct MemoryCampaignSends {
    pub(crate) clock: Clock,
    pub(crate) campaigns: Mutex<HashMap<Pair, Campaign>>,
    pub(crate) recipients: Mutex<HashMap<Triple, Recipient>>,
    counters: Mutex<HashMap<Pair, CampaignCounters>>,
    reaches: Mutex<HashMap<Pair, Reach>>,
    opt_outs: Mutex<HashMap<Pair, String>>,
    /// (org, campaign) → when it is due for the tick's look.
    pub(crate) due: Mutex<HashMap<Pair, i64>>,
    /// The expansion step that wrote each recipient.
    pub(crate) added_by: Mutex<HashMap<Triple, String>>,
    /// (org, account, hour) → campaign sends taken of the messaging limit.
    pub(crate) limit_hours: Mutex<HashMap<Triple, u64>>,
}

impl MemoryCampaignSends {
    pub fn new(clock: Clock) -> Self {
        Self {
            clock,
            campaigns: Mutex::default(),
            recipients: Mutex::default(),
            counters: Mutex::default(),
            reaches: Mutex::default(),
            opt_outs: Mutex::default(),
            due: Mutex::default(),
            added_by: Mutex::default(),
            limit_hours: Mutex::default(),
        }
    }

    pub fn put_campaign(&self, campaign: Campaign) {
        lock(&self.campaigns).insert(pair(&campaign.org_id, &campaign.campaign_id), campaign);
    }

    /// Moves the campaign to `status` (an admin's pause, a cancel).
    pub fn set_status(&self, org_id: &str, campaign_id: &str, status: CampaignStatus) {
        if let Some(campaign) = lock(&self.campaigns).get_mut(&pair(org_id, campaign_id)) {
            campaign.status = status;
        }
    }

    pub fn put_recipient(&self, recipient: Recipient) {
        lock(&self.recipients).insert(of(&recipient), recipient);
    }

    pub fn campaign_now(&self, org_id: &str, campaign_id: &str) -> Option<Campaign> {
        lock(&self.campaigns).get(&pair(org_id, campaign_id)).cloned()
    }

    pub(crate) fn drop_reach(&self, org_id: &str, phone: &str) {
        lock(&self.reaches).remove(&pair(org_id, phone));
    }

    pub(crate) fn withdraw_opt_out(&self, org_id: &str, phone: &str) {
        lock(&self.opt_outs).remove(&pair(org_id, phone));
    }

    /// Applies `change` when the recipient exists and `condition` holds; whether it did.
    pub(crate) fn move_recipient(
        &self,
        recipient: &Recipient,
        condition: impl FnOnce(&Recipient) -> bool,
        change: impl FnOnce(&mut Recipient),
    ) -> bool {
        match lock(&self.recipients).get_mut(&of(recipient)) {
            Some(stored) if condition(stored) => {
                change(stored);
                true
            }
            _ => false,
        }
    }

    fn count(&self, recipient: &Recipient, counter: &str) {
        self.add(&recipient.org_id, &recipient.campaign_id, counter, 1);
    }

    /// Adds `delta` to one of the campaign's counters.
    pub(crate) fn add(&self, org_id: &str, campaign_id: &str, counter: &str, delta: i64) {
        let mut counters = lock(&self.counters);
        let counts = counters.entry(pair(org_id, campaign_id)).or_default();
        let slot = match counter {
            "sent" => &mut counts.sent,
            "delivered" => &mut counts.delivered,
            "read" => &mut counts.read,
            "replied" => &mut counts.replied,
            "skipped" => &mut counts.skipped,
            _ => &mut counts.failed,
        };
        *slot = slot.saturating_add_signed(delta);
    }
}

/// The claim `recipient` was decided from is still the stored one.
fn holds_claim(stored: &Recipient, recipient: &Recipient) -> bool {
    stored.send_claimed_ms.unwrap_or_default() == recipient.send_claimed_ms.unwrap_or_default()
        && stored.send_claimed_ms.is_some()
}

#[async_trait::async_trait]
impl CampaignSends for MemoryCampaignSends {
    async fn campaign(&self, org_id: &str, campaign_id: &str) -> Result<Option<Campaign>, StoreError> {
        Ok(self.campaign_now(org_id, campaign_id))
    }

    async fn status(&self, org_id: &str, campaign_id: &str) -> Result<Option<CampaignStatus>, StoreError> {
        Ok(lock(&self.campaigns).get(&pair(org_id, campaign_id)).map(|c| c.status))
    }

    async fn recipient(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Option<Recipient>, StoreError> {
        Ok(lock(&self.recipients)
            .get(&(org_id.into(), campaign_id.into(), phone.into()))
            .cloned())
    }

    async fn claim(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Claim, StoreError> {
        let now = self.clock.now_ms();
        let mut recipients = lock(&self.recipients);
        let Some(stored) = recipients.get_mut(&(org_id.into(), campaign_id.into(), phone.into())) else {
            return Ok(Claim::Missing);
        };
        if stored.status != "pending" {
            return Ok(Claim::NotPending(stored.clone()));
        }
        stored.status = "sending".into();
        stored.status_rank = rank::SENDING;
        stored.send_claimed_ms = Some(now);
        stored.send_attempts += 1;
        Ok(Claim::Claimed(stored.clone()))
    }

    async fn release(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        Ok(self.move_recipient(
            recipient,
            |stored| stored.status == "sending" && holds_claim(stored, recipient),
            |stored| {
                stored.status = "pending".into();
                stored.status_rank = rank::PENDING;
                stored.send_claimed_ms = None;
            },
        ))
    }

    async fn mark_unknown(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        Ok(self.move_recipient(
            recipient,
            |stored| stored.status == "sending" && holds_claim(stored, recipient),
            |stored| {
                stored.status = "unknown".into();
                stored.status_rank = rank::UNKNOWN;
            },
        ))
    }

    async fn record_sent(&self, recipient: &Recipient, wamid: &str) -> Result<(), StoreError> {
        let now = self.clock.now_rfc3339();
        let moved = self.move_recipient(
            recipient,
            |stored| holds_claim(stored, recipient) && stored.status_rank < rank::FAILED_UNCONFIRMED,
            |stored| {
                stored.status = "sent".into();
                stored.status_rank = rank::SENT;
                stored.wamid = Some(wamid.into());
                stored.sent_at = Some(now.clone());
            },
        );
        if moved {
            self.count(recipient, "sent");
            return Ok(());
        }
        let kept = self.move_recipient(
            recipient,
            |stored| holds_claim(stored, recipient),
            |stored| {
                stored.wamid = Some(wamid.into());
                stored.sent_at = Some(now.clone());
            },
        );
        match kept {
            true => Ok(()),
            false => Err(StoreError::io("record sent", "the recipient's claim is gone")),
        }
    }

    async fn settle_unsent(
        &self,
        recipient: &Recipient,
        outcome: &'static str,
        code: Option<i64>,
        message: &str,
        claimed: bool,
    ) -> Result<bool, StoreError> {
        let now = self.clock.now_rfc3339();
        let settled = self.move_recipient(
            recipient,
            |stored| match claimed {
                true => holds_claim(stored, recipient) && stored.status_rank < rank::FAILED,
                false => stored.status == "pending",
            },
            |stored| {
                stored.status = outcome.into();
                stored.status_rank = rank::FAILED;
                stored.error_code = code;
                stored.error_message = Some(message.chars().take(500).collect());
                stored.failed_at = Some(now);
            },
        );
        if settled {
            self.count(recipient, if outcome == "skipped" { "skipped" } else { "failed" });
        }
        Ok(settled)
    }

    async fn remember_reach(&self, org_id: &str, reach: &Reach) -> Result<(), StoreError> {
        lock(&self.reaches).insert(pair(org_id, &reach.phone), reach.clone());
        Ok(())
    }

    async fn reach(&self, org_id: &str, phone: &str) -> Result<Option<Reach>, StoreError> {
        Ok(lock(&self.reaches).get(&pair(org_id, phone)).cloned())
    }

    async fn opt_out(&self, org_id: &str, phone: &str, reason: &str) -> Result<(), StoreError> {
        lock(&self.opt_outs).insert(pair(org_id, phone), reason.into());
        Ok(())
    }

    async fn opted_out(&self, org_id: &str, phone: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.opt_outs).contains_key(&pair(org_id, phone)))
    }

    async fn counters(&self, org_id: &str, campaign_id: &str) -> Result<CampaignCounters, StoreError> {
        let total = lock(&self.campaigns)
            .get(&pair(org_id, campaign_id))
            .map_or(0, |c| c.total_recipients);
        let counts = lock(&self.counters)
            .get(&pair(org_id, campaign_id))
            .copied()
            .unwrap_or_default();
        Ok(CampaignCounters { total, ..counts })
    }
}
