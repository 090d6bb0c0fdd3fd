//! The care context's ports, as ingest uses them: a conversation's SLA clocks started, its expiry
//! armed, the working hours in force, and a customer's answer to a satisfaction survey. DynamoDB
//! implements them here (beside their stores); `memory.rs` holds the in-memory ones.

use crate::care::chat_expiry_store::ChatExpiryStore;
use crate::care::csat::CsatSurvey;
use crate::care::csat_store::CsatStore;
use crate::care::sla_clock::SlaClocks;
use crate::care::sla_keeper::SlaKeeper;
use crate::care::working_hours::WorkingHours;
use crate::care::working_hours_store::WorkingHoursStore;
use crate::inbox::Conversation;
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait SlaStarts: Send + Sync {
    /// Starts the clocks of a conversation opened at `started_ms` under the policy matching it;
    /// `None` when none applies. Started once, however often asked.
    async fn start(
        &self,
        conversation: &Conversation,
        started_ms: i64,
        now_ms: i64,
    ) -> Result<Option<SlaClocks>, StoreError>;
}

#[async_trait::async_trait]
impl SlaStarts for SlaKeeper {
    async fn start(
        &self,
        conversation: &Conversation,
        started_ms: i64,
        now_ms: i64,
    ) -> Result<Option<SlaClocks>, StoreError> {
        SlaKeeper::start(self, conversation, started_ms, now_ms).await
    }
}

#[async_trait::async_trait]
pub trait ExpiryArming: Send + Sync {
    /// Arms the conversation's expiry when the channel's rule resolves idle ones; whether it did.
    async fn arm_if_ruled(
        &self,
        org_id: &str,
        channel: &str,
        conversation_id: &str,
        last_activity_ms: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl ExpiryArming for ChatExpiryStore {
    async fn arm_if_ruled(
        &self,
        org_id: &str,
        channel: &str,
        conversation_id: &str,
        last_activity_ms: i64,
    ) -> Result<bool, StoreError> {
        ChatExpiryStore::arm_if_ruled(self, org_id, channel, conversation_id, last_activity_ms).await
    }
}

#[async_trait::async_trait]
pub trait HoursInForce: Send + Sync {
    /// The division's working hours, else the organization's.
    async fn in_force(&self, org_id: &str, division_id: Option<&str>) -> Result<Option<WorkingHours>, StoreError>;
}

#[async_trait::async_trait]
impl HoursInForce for WorkingHoursStore {
    async fn in_force(&self, org_id: &str, division_id: Option<&str>) -> Result<Option<WorkingHours>, StoreError> {
        WorkingHoursStore::in_force(self, org_id, division_id).await
    }
}

#[async_trait::async_trait]
pub trait SurveyAnswers: Send + Sync {
    /// The survey a customer of the account was sent last.
    async fn pending_for(&self, org_id: &str, account_id: &str, wa_id: &str) -> Result<Option<CsatSurvey>, StoreError>;
    async fn survey(&self, org_id: &str, survey_id: &str) -> Result<Option<CsatSurvey>, StoreError>;
    /// Records the rating of a sent survey, counted once: `false` when it was rated meanwhile.
    async fn rate(
        &self,
        survey: &CsatSurvey,
        rating: u8,
        comment: Option<&str>,
        wamid: &str,
    ) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl SurveyAnswers for CsatStore {
    async fn pending_for(&self, org_id: &str, account_id: &str, wa_id: &str) -> Result<Option<CsatSurvey>, StoreError> {
        CsatStore::pending_for(self, org_id, account_id, wa_id).await
    }
    async fn survey(&self, org_id: &str, survey_id: &str) -> Result<Option<CsatSurvey>, StoreError> {
        CsatStore::survey(self, org_id, survey_id).await
    }
    async fn rate(
        &self,
        survey: &CsatSurvey,
        rating: u8,
        comment: Option<&str>,
        wamid: &str,
    ) -> Result<bool, StoreError> {
        CsatStore::rate(self, survey, rating, comment, wamid).await
    }
}
