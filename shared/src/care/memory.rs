//! The care context in memory: SLA policies and started clocks, expiration rules and armed
//! expiries, working hours, and satisfaction surveys, for tests of orchestration without moto. The
//! decisions are the domain's own (`policy_for`, `SlaClocks::start`, `resolve_at_ms`); the
//! conditions are the stores' (clocks started once, a survey rated once).

use crate::care::chat_expiry::ChatExpirationRule;
use crate::care::csat::{CsatSurvey, SurveyStatus};
use crate::care::ports::{ExpiryArming, HoursInForce, SlaStarts, SurveyAnswers};
use crate::care::sla::{SlaPolicy, Subject, policy_for};
use crate::care::sla_clock::{HoursSnapshot, SlaClocks};
use crate::care::working_hours::WorkingHours;
use crate::inbox::Conversation;
use crate::platform::StoreError;
use std::collections::HashMap;
use std::sync::Mutex;

type Pair = (String, String);

fn pair(a: &str, b: &str) -> Pair {
    (a.into(), b.into())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
pub struct MemoryCare {
    policies: Mutex<Vec<SlaPolicy>>,
    /// (org, conversation) → its clocks.
    clocks: Mutex<HashMap<Pair, SlaClocks>>,
    /// (org, channel) → the expiration rule.
    rules: Mutex<HashMap<Pair, ChatExpirationRule>>,
    /// (org, conversation) → when it expires.
    armed: Mutex<HashMap<Pair, i64>>,
    /// (org, division or "") → the schedule.
    hours: Mutex<HashMap<Pair, WorkingHours>>,
    /// (org, survey id) → the survey.
    surveys: Mutex<HashMap<Pair, CsatSurvey>>,
    /// (org, account|wa_id) → the survey the customer was sent last.
    pending: Mutex<HashMap<Pair, String>>,
}

impl MemoryCare {
    pub fn put_policy(&self, policy: SlaPolicy) {
        lock(&self.policies).push(policy);
    }

    pub fn put_rule(&self, rule: ChatExpirationRule) {
        lock(&self.rules).insert(pair(&rule.org_id, &rule.channel), rule);
    }

    pub fn put_hours(&self, hours: WorkingHours) {
        let division = hours.division_id.clone().unwrap_or_default();
        lock(&self.hours).insert(pair(&hours.org_id, &division), hours);
    }

    /// A sent survey, pending for its customer `wa_id`.
    pub fn put_survey(&self, survey: CsatSurvey, wa_id: &str) {
        lock(&self.pending).insert(
            pair(&survey.org_id, &format!("{}|{wa_id}", survey.account_id)),
            survey.survey_id.clone(),
        );
        lock(&self.surveys).insert(pair(&survey.org_id, &survey.survey_id), survey);
    }

    /// The clocks a conversation was started with.
    pub fn clocks(&self, org_id: &str, conversation_id: &str) -> Option<SlaClocks> {
        lock(&self.clocks).get(&pair(org_id, conversation_id)).cloned()
    }

    /// When the conversation's expiry is due, if armed.
    pub fn armed(&self, org_id: &str, conversation_id: &str) -> Option<i64> {
        lock(&self.armed).get(&pair(org_id, conversation_id)).copied()
    }

    pub fn survey_now(&self, org_id: &str, survey_id: &str) -> Option<CsatSurvey> {
        lock(&self.surveys).get(&pair(org_id, survey_id)).cloned()
    }
}

#[async_trait::async_trait]
impl SlaStarts for MemoryCare {
    async fn start(
        &self,
        conversation: &Conversation,
        started_ms: i64,
        now_ms: i64,
    ) -> Result<Option<SlaClocks>, StoreError> {
        let policies: Vec<SlaPolicy> = lock(&self.policies)
            .iter()
            .filter(|p| p.org_id == conversation.org_id)
            .cloned()
            .collect();
        let subject = Subject {
            channel: "whatsapp",
            division_id: conversation.division_id.as_deref(),
            priority: None,
        };
        let Some(policy) = policy_for(&policies, &subject) else {
            return Ok(None);
        };
        let hours = self
            .in_force(&conversation.org_id, conversation.division_id.as_deref())
            .await?
            .map(|h| HoursSnapshot {
                time_zone: h.time_zone,
                days: h.days,
            });
        let clocks = SlaClocks::start(
            &conversation.org_id,
            &conversation.conversation_id,
            policy,
            hours,
            started_ms,
            now_ms,
        );
        let mut started = lock(&self.clocks);
        let kept = started
            .entry(pair(&conversation.org_id, &conversation.conversation_id))
            .or_insert(clocks);
        Ok(Some(kept.clone()))
    }
}

#[async_trait::async_trait]
impl ExpiryArming for MemoryCare {
    async fn arm_if_ruled(
        &self,
        org_id: &str,
        channel: &str,
        conversation_id: &str,
        last_activity_ms: i64,
    ) -> Result<bool, StoreError> {
        let due = lock(&self.rules)
            .get(&pair(org_id, channel))
            .and_then(|rule| rule.resolve_at_ms(last_activity_ms));
        let Some(due_ms) = due else { return Ok(false) };
        lock(&self.armed).insert(pair(org_id, conversation_id), due_ms);
        Ok(true)
    }
}

#[async_trait::async_trait]
impl HoursInForce for MemoryCare {
    async fn in_force(&self, org_id: &str, division_id: Option<&str>) -> Result<Option<WorkingHours>, StoreError> {
        let hours = lock(&self.hours);
        Ok(division_id
            .and_then(|d| hours.get(&pair(org_id, d)))
            .or_else(|| hours.get(&pair(org_id, "")))
            .cloned())
    }
}

#[async_trait::async_trait]
impl SurveyAnswers for MemoryCare {
    async fn pending_for(&self, org_id: &str, account_id: &str, wa_id: &str) -> Result<Option<CsatSurvey>, StoreError> {
        let id = lock(&self.pending)
            .get(&pair(org_id, &format!("{account_id}|{wa_id}")))
            .cloned();
        match id {
            Some(id) => self.survey(org_id, &id).await,
            None => Ok(None),
        }
    }

    async fn survey(&self, org_id: &str, survey_id: &str) -> Result<Option<CsatSurvey>, StoreError> {
        Ok(self.survey_now(org_id, survey_id))
    }

    async fn rate(
        &self,
        survey: &CsatSurvey,
        rating: u8,
        comment: Option<&str>,
        wamid: &str,
    ) -> Result<bool, StoreError> {
        let mut surveys = lock(&self.surveys);
        let Some(stored) = surveys.get_mut(&pair(&survey.org_id, &survey.survey_id)) else {
            return Err(StoreError::Conflict("no survey".into()));
        };
        if stored.status != SurveyStatus::Sent {
            return Ok(false);
        }
        stored.status = SurveyStatus::Rated;
        stored.rating = Some(rating);
        stored.comment = comment.map(Into::into);
        stored.rating_wamid = Some(wamid.into());
        stored.rated_at = Some(crate::platform::items::now_rfc3339());
        Ok(true)
    }
}
