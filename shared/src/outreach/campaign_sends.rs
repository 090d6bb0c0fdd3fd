//! The campaign sends' port: what the sender does with one recipient of a running campaign (and
//! what a test reads back). `CampaignStore` implements it on DynamoDB, `campaign_sends_memory.rs`
//! in memory; `campaign_sends_contract.rs` holds both to one behaviour.

use crate::outreach::campaign::{Campaign, CampaignCounters, CampaignStatus, Reach, Recipient};
use crate::outreach::campaign_store::{CampaignStore, Claim};
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait CampaignSends: Send + Sync {
    async fn campaign(&self, org_id: &str, campaign_id: &str) -> Result<Option<Campaign>, StoreError>;

    /// The campaign's status (`None`: no such campaign).
    async fn status(&self, org_id: &str, campaign_id: &str) -> Result<Option<CampaignStatus>, StoreError>;

    async fn recipient(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Option<Recipient>, StoreError>;

    /// pending → sending, right before the send; one caller wins.
    async fn claim(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Claim, StoreError>;

    /// sending → pending, by the claim's holder only.
    async fn release(&self, recipient: &Recipient) -> Result<bool, StoreError>;

    /// sending → unknown, by the claim's holder only.
    async fn mark_unknown(&self, recipient: &Recipient) -> Result<bool, StoreError>;

    /// Meta accepted the claimed send: `sent`, counted once; after an unconfirmed failure only
    /// the wamid is kept.
    async fn record_sent(&self, recipient: &Recipient, wamid: &str) -> Result<(), StoreError>;

    /// `failed` or `skipped` with the reason, counted once; `claimed`: from this caller's claim,
    /// else from pending. False when the recipient had moved on.
    async fn settle_unsent(
        &self,
        recipient: &Recipient,
        outcome: &'static str,
        code: Option<i64>,
        message: &str,
        claimed: bool,
    ) -> Result<bool, StoreError>;

    /// The send reached `reach.phone`: its reply is attributed to the campaign.
    async fn remember_reach(&self, org_id: &str, reach: &Reach) -> Result<(), StoreError>;

    async fn reach(&self, org_id: &str, phone: &str) -> Result<Option<Reach>, StoreError>;

    /// `phone` stopped marketing messages (Meta's 131050).
    async fn opt_out(&self, org_id: &str, phone: &str, reason: &str) -> Result<(), StoreError>;

    async fn opted_out(&self, org_id: &str, phone: &str) -> Result<bool, StoreError>;

    /// The campaign's counters (zero when there is no such campaign).
    async fn counters(&self, org_id: &str, campaign_id: &str) -> Result<CampaignCounters, StoreError>;
}

#[async_trait::async_trait]
impl CampaignSends for CampaignStore {
    async fn campaign(&self, org_id: &str, campaign_id: &str) -> Result<Option<Campaign>, StoreError> {
        CampaignStore::campaign(self, org_id, campaign_id).await
    }
    async fn status(&self, org_id: &str, campaign_id: &str) -> Result<Option<CampaignStatus>, StoreError> {
        Ok(self.campaign(org_id, campaign_id).await?.map(|c| c.status))
    }
    async fn recipient(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Option<Recipient>, StoreError> {
        CampaignStore::recipient(self, org_id, campaign_id, phone).await
    }
    async fn claim(&self, org_id: &str, campaign_id: &str, phone: &str) -> Result<Claim, StoreError> {
        CampaignStore::claim(self, org_id, campaign_id, phone).await
    }
    async fn release(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        CampaignStore::release(self, recipient).await
    }
    async fn mark_unknown(&self, recipient: &Recipient) -> Result<bool, StoreError> {
        CampaignStore::mark_unknown(self, recipient).await
    }
    async fn record_sent(&self, recipient: &Recipient, wamid: &str) -> Result<(), StoreError> {
        CampaignStore::record_sent(self, recipient, wamid).await
    }
    async fn settle_unsent(
        &self,
        recipient: &Recipient,
        outcome: &'static str,
        code: Option<i64>,
        message: &str,
        claimed: bool,
    ) -> Result<bool, StoreError> {
        CampaignStore::settle_unsent(self, recipient, outcome, code, message, claimed).await
    }
    async fn remember_reach(&self, org_id: &str, reach: &Reach) -> Result<(), StoreError> {
        CampaignStore::remember_reach(self, org_id, reach).await
    }
    async fn reach(&self, org_id: &str, phone: &str) -> Result<Option<Reach>, StoreError> {
        CampaignStore::reach(self, org_id, phone).await
    }
    async fn opt_out(&self, org_id: &str, phone: &str, reason: &str) -> Result<(), StoreError> {
        self.set_opt_out(org_id, phone, true, reason).await
    }
    async fn opted_out(&self, org_id: &str, phone: &str) -> Result<bool, StoreError> {
        Ok(CampaignStore::opted_out(self, org_id, &[phone.to_string()])
            .await?
            .contains(phone))
    }
    async fn counters(&self, org_id: &str, campaign_id: &str) -> Result<CampaignCounters, StoreError> {
        match self.campaign(org_id, campaign_id).await? {
            Some(campaign) => CampaignStore::counters(self, &campaign).await,
            None => Ok(CampaignCounters::default()),
        }
    }
}
