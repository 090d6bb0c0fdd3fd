//! What ingest does with campaigns: Meta's statuses of campaign sends move their recipients (up
//! only, each counter level once), a customer's reply is attributed to the campaign that reached
//! them (counted once), and marketing opt-outs are recorded. `CampaignStore` implements it on
//! DynamoDB, `replies_memory.rs` in memory; `campaign_sends_contract.rs` holds both to one behaviour.

use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_store::CampaignStore;
use crate::outreach::template::Template;
use crate::outreach::template_store::TemplateStore;
use crate::platform::StoreError;

#[async_trait::async_trait]
/// The campaign and its recipients are read through [`CampaignSends`].
pub trait CampaignReplies: CampaignSends {
    /// Meta's status of the recipient's send: whether it moved the recipient (up only).
    async fn apply_status(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        status: &str,
        wamid: &str,
        error: Option<(i64, String)>,
    ) -> Result<bool, StoreError>;
    /// The recipient's first reply with its conversation: `false` when it replied before.
    async fn record_reply(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        conversation_id: &str,
    ) -> Result<bool, StoreError>;
    /// The reply was attributed: later messages are not looked up again.
    async fn forget_reach(&self, org_id: &str, phone: &str) -> Result<(), StoreError>;
    /// A marketing opt-out of `phone` (or, `false`, its withdrawal).
    async fn set_opt_out(&self, org_id: &str, phone: &str, opted_out: bool, reason: &str) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl CampaignReplies for CampaignStore {
    async fn apply_status(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        status: &str,
        wamid: &str,
        error: Option<(i64, String)>,
    ) -> Result<bool, StoreError> {
        CampaignStore::apply_status(self, org_id, campaign_id, phone, status, wamid, error).await
    }
    async fn record_reply(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        conversation_id: &str,
    ) -> Result<bool, StoreError> {
        CampaignStore::record_reply(self, org_id, campaign_id, phone, conversation_id).await
    }
    async fn forget_reach(&self, org_id: &str, phone: &str) -> Result<(), StoreError> {
        CampaignStore::forget_reach(self, org_id, phone).await
    }
    async fn set_opt_out(&self, org_id: &str, phone: &str, opted_out: bool, reason: &str) -> Result<(), StoreError> {
        CampaignStore::set_opt_out(self, org_id, phone, opted_out, reason).await
    }
}

/// Templates by id (a campaign's, to show its send beside the reply).
#[async_trait::async_trait]
pub trait TemplateLookup: Send + Sync {
    async fn template(&self, org_id: &str, template_id: &str) -> Result<Option<Template>, StoreError>;
}

#[async_trait::async_trait]
impl TemplateLookup for TemplateStore {
    async fn template(&self, org_id: &str, template_id: &str) -> Result<Option<Template>, StoreError> {
        TemplateStore::template(self, org_id, template_id).await
    }
}
