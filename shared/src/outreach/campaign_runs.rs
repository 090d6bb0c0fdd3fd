//! What the campaigns function does with campaigns: the tick's due index, the expansion of tags
//! into recipients, the fan-out's pages, settles and messaging-limit window, and every move of a
//! campaign as a [`CampaignChange`] conditioned on the status it was decided from. `CampaignStore`
//! implements it on DynamoDB, `runs_memory.rs` in memory; `campaign_runs_contract` holds both to
//! one behaviour.

use crate::outreach::campaign::limit::Reservation;
use crate::outreach::campaign::{Campaign, CampaignChange, CampaignStatus, Recipient};
use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_store::{CampaignStore, DueCampaign, FeedPage};
use crate::platform::StoreError;
use std::collections::{HashMap, HashSet};

#[async_trait::async_trait]
/// The campaign and each recipient's moves (settle, unknown) are [`CampaignSends`]'.
pub trait CampaignRuns: CampaignSends {
    /// Campaigns whose due time has come, at most `limit`.
    async fn due(&self, now_ms: i64, limit: i32) -> Result<Vec<DueCampaign>, StoreError>;
    /// Applies `change` if the campaign is still in `expected` (and at the checkpoint the change
    /// read): the campaign afterwards, or `None`.
    async fn change(
        &self,
        org_id: &str,
        campaign_id: &str,
        expected: CampaignStatus,
        change: CampaignChange,
    ) -> Result<Option<Campaign>, StoreError>;
    /// Which of `phones` are recipients already, with the expansion step that wrote each.
    async fn existing(
        &self,
        org_id: &str,
        campaign_id: &str,
        phones: &[String],
    ) -> Result<HashMap<String, Option<String>>, StoreError>;
    /// Writes recipients (overwriting), marked as written by `added_by`.
    async fn write_recipients(&self, org_id: &str, recipients: &[Recipient], added_by: &str) -> Result<(), StoreError>;
    /// Up to `limit` recipients after `cursor` (by phone), the pending ones kept.
    async fn pending_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError>;
    /// Up to `limit` recipients after `cursor`, the not yet settled ones kept.
    async fn unsettled_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError>;
    /// Which of `phones` stopped marketing messages.
    async fn opted_out_of(&self, org_id: &str, phones: &[String]) -> Result<HashSet<String>, StoreError>;
    /// A claimed send never answered: `failed`, counted, ranked below `sent`.
    async fn fail_unconfirmed(&self, recipient: &Recipient, message: &str) -> Result<bool, StoreError>;
    /// Campaign sends queued for the account in each of `hours`.
    async fn limit_usage(
        &self,
        org_id: &str,
        account_id: &str,
        hours: &[String],
    ) -> Result<Vec<(String, u64)>, StoreError>;
    /// Takes `reservation` in `hour`: false when other feeds took the room first.
    async fn reserve_limit(
        &self,
        org_id: &str,
        account_id: &str,
        hour: &str,
        reservation: Reservation,
    ) -> Result<bool, StoreError>;
    /// Gives back sends of a reservation that were not queued.
    async fn release_limit(&self, org_id: &str, account_id: &str, hour: &str, sends: u64) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl CampaignRuns for CampaignStore {
    async fn due(&self, now_ms: i64, limit: i32) -> Result<Vec<DueCampaign>, StoreError> {
        CampaignStore::due(self, now_ms, limit).await
    }
    async fn change(
        &self,
        org_id: &str,
        campaign_id: &str,
        expected: CampaignStatus,
        change: CampaignChange,
    ) -> Result<Option<Campaign>, StoreError> {
        CampaignStore::change(self, org_id, campaign_id, expected, change).await
    }
    async fn existing(
        &self,
        org_id: &str,
        campaign_id: &str,
        phones: &[String],
    ) -> Result<HashMap<String, Option<String>>, StoreError> {
        CampaignStore::existing(self, org_id, campaign_id, phones).await
    }
    async fn write_recipients(&self, org_id: &str, recipients: &[Recipient], added_by: &str) -> Result<(), StoreError> {
        CampaignStore::write_recipients(self, org_id, recipients, added_by).await
    }
    async fn pending_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError> {
        CampaignStore::pending_after(self, org_id, campaign_id, cursor, limit).await
    }
    async fn unsettled_after(
        &self,
        org_id: &str,
        campaign_id: &str,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<FeedPage, StoreError> {
        CampaignStore::unsettled_after(self, org_id, campaign_id, cursor, limit).await
    }
    async fn opted_out_of(&self, org_id: &str, phones: &[String]) -> Result<HashSet<String>, StoreError> {
        CampaignStore::opted_out(self, org_id, phones).await
    }
    async fn fail_unconfirmed(&self, recipient: &Recipient, message: &str) -> Result<bool, StoreError> {
        CampaignStore::fail_unconfirmed(self, recipient, message).await
    }
    async fn limit_usage(
        &self,
        org_id: &str,
        account_id: &str,
        hours: &[String],
    ) -> Result<Vec<(String, u64)>, StoreError> {
        CampaignStore::limit_usage(self, org_id, account_id, hours).await
    }
    async fn reserve_limit(
        &self,
        org_id: &str,
        account_id: &str,
        hour: &str,
        reservation: Reservation,
    ) -> Result<bool, StoreError> {
        CampaignStore::reserve_limit(self, org_id, account_id, hour, reservation).await
    }
    async fn release_limit(&self, org_id: &str, account_id: &str, hour: &str, sends: u64) -> Result<(), StoreError> {
        CampaignStore::release_limit(self, org_id, account_id, hour, sends).await
    }
}
