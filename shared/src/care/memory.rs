//! The care context in memory: SLA policies and clocks (indexed at their next deadline, saved once
//! per version), expiration rules and expiry entries (indexed, claimed once), working hours, and
//! satisfaction surveys, for tests of orchestration without moto. The decisions are the domain's
//! own (`policy_for`, `SlaClocks::start`, `resolve_at_ms`); the conditions are the stores' (clocks
//! started once, a breach logged once, a survey sent and rated once), held by the contracts in
//! `contract.rs` and `check_contract.rs`.

use crate::care::chat_expiry::ChatExpirationRule;
use crate::care::chat_expiry_store::ExpiryEntry;
use crate::care::check_ports::{ExpiryEntries, ExpiryRules, ResolvedSurveys, SlaClockBook, SlaLifecycle};
use crate::care::csat::{CsatSurvey, SurveyStatus, survey_id};
use crate::care::ports::{ExpiryArming, HoursInForce, SlaStarts, SurveyAnswers};
use crate::care::sla::{SlaPolicy, Subject, policy_for};
use crate::care::sla_clock::{HoursSnapshot, SlaBreachLog, SlaClocks, Tally};
use crate::care::working_hours::WorkingHours;
use crate::inbox::Conversation;
use crate::platform::StoreError;
use crate::platform::memory::MemoryDue;
use crate::platform::tick::ShardPages;
use std::collections::{HashMap, HashSet};
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
    /// The clocks at their next deadline (as the index holds them).
    clocks_due: MemoryDue<SlaClocks>,
    /// (org, conversation, kind, cycle) of breaches logged.
    breaches: Mutex<HashSet<(String, String, String, u32)>>,
    /// (org, counter) → its value.
    counts: Mutex<HashMap<Pair, i64>>,
    /// (org, channel) → the expiration rule.
    rules: Mutex<HashMap<Pair, ChatExpirationRule>>,
    /// (org, conversation) → its expiry entry.
    expiries: Mutex<HashMap<Pair, ExpiryEntry>>,
    expiries_due: MemoryDue<ExpiryEntry>,
    /// Organizations whose resolved conversations get a survey.
    surveying: Mutex<HashSet<String>>,
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
        self.expiry(org_id, conversation_id).map(|e| e.due_ms)
    }

    /// The conversation's expiry entry, if armed.
    pub fn expiry(&self, org_id: &str, conversation_id: &str) -> Option<ExpiryEntry> {
        lock(&self.expiries).get(&pair(org_id, conversation_id)).cloned()
    }

    /// Arms the conversation's expiry entry at `due_ms`.
    pub fn arm(&self, org_id: &str, conversation_id: &str, due_ms: i64) {
        self.index_expiry(ExpiryEntry {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            due_ms,
            resolving: false,
            claimed_ms: 0,
        });
    }

    fn index_expiry(&self, entry: ExpiryEntry) {
        self.expiries_due
            .place(&entry.org_id, &entry.conversation_id, entry.due_ms, entry.clone());
        lock(&self.expiries).insert(pair(&entry.org_id, &entry.conversation_id), entry);
    }

    /// Clocks stored as they are (a conversation already under a policy), indexed at `now_ms`.
    pub fn put_clocks(&self, clocks: SlaClocks, now_ms: i64) {
        self.index_clocks(&clocks, now_ms);
        lock(&self.clocks).insert(pair(&clocks.org_id, &clocks.conversation_id), clocks);
    }

    fn index_clocks(&self, clocks: &SlaClocks, now_ms: i64) {
        match clocks.due_at_ms(now_ms) {
            Some(due_ms) => self
                .clocks_due
                .place(&clocks.org_id, &clocks.conversation_id, due_ms, clocks.clone()),
            None => self.clocks_due.remove(&clocks.org_id, &clocks.conversation_id),
        }
    }

    /// The organization's counter (SLA met and breached).
    pub fn count(&self, org_id: &str, name: &str) -> i64 {
        lock(&self.counts).get(&pair(org_id, name)).copied().unwrap_or_default()
    }

    /// The organization's resolved conversations get a satisfaction survey.
    pub fn survey_after_resolve(&self, org_id: &str) {
        lock(&self.surveying).insert(org_id.into());
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
        let key = pair(&conversation.org_id, &conversation.conversation_id);
        if let Some(kept) = lock(&self.clocks).get(&key) {
            return Ok(Some(kept.clone()));
        }
        self.put_clocks(clocks.clone(), now_ms);
        Ok(Some(clocks))
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
        self.arm(org_id, conversation_id, due_ms);
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

#[async_trait::async_trait]
impl ShardPages<SlaClocks> for MemoryCare {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<SlaClocks>, Option<String>), StoreError> {
        self.clocks_due.shard_page(minute, shard, after).await
    }
}

#[async_trait::async_trait]
impl SlaClockBook for MemoryCare {
    async fn clocks(&self, org_id: &str, conversation_id: &str) -> Result<Option<SlaClocks>, StoreError> {
        Ok(MemoryCare::clocks(self, org_id, conversation_id))
    }

    async fn save(
        &self,
        clocks: &mut SlaClocks,
        now_ms: i64,
        tally: Tally,
        breaches: &[SlaBreachLog],
    ) -> Result<(), StoreError> {
        let key = pair(&clocks.org_id, &clocks.conversation_id);
        let mut stored = lock(&self.clocks);
        if stored.get(&key).map(|c| c.version) != Some(clocks.version) {
            return Err(StoreError::Conflict("sla clocks".into()));
        }
        let mut logged = lock(&self.breaches);
        let logs: Vec<_> = breaches
            .iter()
            .map(|b| {
                (
                    b.org_id.clone(),
                    b.conversation_id.clone(),
                    b.breach_type.as_str().to_string(),
                    b.cycle,
                )
            })
            .collect();
        if logs.iter().any(|log| logged.contains(log)) {
            return Err(StoreError::Conflict("sla breach logged".into()));
        }
        logged.extend(logs);
        let mut counts = lock(&self.counts);
        for (name, add) in tally.adds() {
            *counts.entry(pair(&clocks.org_id, name)).or_default() += add;
        }
        clocks.version += 1;
        clocks.updated_ms = now_ms;
        self.index_clocks(clocks, now_ms);
        stored.insert(key, clocks.clone());
        Ok(())
    }
}

#[async_trait::async_trait]
impl SlaLifecycle for MemoryCare {
    async fn resolved(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.change(org_id, conversation_id, at_ms, |c| c.resolved(at_ms)).await
    }

    async fn reopened(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.change(org_id, conversation_id, at_ms, |c| {
            c.reopened(at_ms);
            Tally::default()
        })
        .await
    }

    async fn replied(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.change(org_id, conversation_id, at_ms, |c| c.replied(at_ms)).await
    }
}

impl MemoryCare {
    /// As the store's `change`: applied to the clocks and saved once, when they have clocks.
    async fn change(
        &self,
        org_id: &str,
        conversation_id: &str,
        at_ms: i64,
        change: impl FnOnce(&mut SlaClocks) -> Tally,
    ) -> Result<(), StoreError> {
        let Some(mut clocks) = MemoryCare::clocks(self, org_id, conversation_id) else {
            return Ok(());
        };
        let before = clocks.clone();
        let tally = change(&mut clocks);
        if clocks == before {
            return Ok(());
        }
        self.save(&mut clocks, at_ms, tally, &[]).await
    }
}

#[async_trait::async_trait]
impl ShardPages<ExpiryEntry> for MemoryCare {
    async fn shard_page(
        &self,
        minute: &str,
        shard: u32,
        after: Option<String>,
    ) -> Result<(Vec<ExpiryEntry>, Option<String>), StoreError> {
        self.expiries_due.shard_page(minute, shard, after).await
    }
}

impl MemoryCare {
    /// Replaces the entry (as read) by `change` of it; false when it moved or was claimed meanwhile.
    fn move_entry(&self, entry: &ExpiryEntry, change: impl FnOnce(&mut ExpiryEntry)) -> bool {
        let current = self.expiry(&entry.org_id, &entry.conversation_id);
        if current
            .as_ref()
            .is_none_or(|c| c.due_ms != entry.due_ms || c.resolving != entry.resolving)
        {
            return false;
        }
        let mut moved = entry.clone();
        change(&mut moved);
        self.index_expiry(moved);
        true
    }
}

#[async_trait::async_trait]
impl ExpiryRules for MemoryCare {
    async fn rule(&self, org_id: &str, channel: &str) -> Result<Option<ChatExpirationRule>, StoreError> {
        Ok(lock(&self.rules).get(&pair(org_id, channel)).cloned())
    }
}

#[async_trait::async_trait]
impl ExpiryEntries for MemoryCare {
    async fn rearm(&self, entry: &ExpiryEntry, due_ms: i64) -> Result<bool, StoreError> {
        Ok(self.move_entry(entry, |e| {
            e.due_ms = due_ms;
            e.resolving = false;
        }))
    }

    async fn claim(&self, entry: &ExpiryEntry, now_ms: i64) -> Result<bool, StoreError> {
        Ok(self.move_entry(entry, |e| {
            e.resolving = true;
            e.claimed_ms = now_ms;
        }))
    }

    async fn drop_entry(&self, entry: &ExpiryEntry) -> Result<(), StoreError> {
        let mut expiries = lock(&self.expiries);
        let key = pair(&entry.org_id, &entry.conversation_id);
        if expiries.get(&key).is_some_and(|e| e.due_ms == entry.due_ms) {
            expiries.remove(&key);
            self.expiries_due.remove(&entry.org_id, &entry.conversation_id);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ResolvedSurveys for MemoryCare {
    async fn after_resolve(&self, conversation: &Conversation, now_ms: i64) -> Result<Option<CsatSurvey>, StoreError> {
        if !lock(&self.surveying).contains(&conversation.org_id) {
            return Ok(None);
        }
        let id = survey_id(&conversation.conversation_id);
        let mut surveys = lock(&self.surveys);
        let key = pair(&conversation.org_id, &id);
        if surveys.contains_key(&key) {
            return Ok(None);
        }
        let survey = CsatSurvey {
            survey_id: id,
            org_id: conversation.org_id.clone(),
            conversation_id: conversation.conversation_id.clone(),
            account_id: conversation.account_id.clone(),
            contact_id: conversation.contact_id.clone(),
            contact_name: conversation.contact_name.clone(),
            agent_id: conversation.assigned_agent_id.clone(),
            agent_name: None,
            status: SurveyStatus::Sent,
            via: "interactive".into(),
            message_id: format!("msg_{}", conversation.conversation_id),
            rating: None,
            comment: None,
            rating_wamid: None,
            created_ms: now_ms,
            created_at: crate::inbox::rfc3339_millis(now_ms),
            rated_at: None,
        };
        surveys.insert(key, survey.clone());
        Ok(Some(survey))
    }
}
