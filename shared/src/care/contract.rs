//! The care ports' contract: what ingest relies on, asserted alike of the DynamoDB stores (on moto,
//! `tests/integration/contracts.rs`) and `memory::MemoryCare` (below). Each side stores the
//! values below its own way, then the same assertions run.

use crate::care::chat_expiry::ChatExpirationRule;
use crate::care::csat::{CsatSurvey, SurveyStatus};
use crate::care::ports::{ExpiryArming, HoursInForce, SlaStarts, SurveyAnswers};
use crate::care::sla::SlaPolicy;
use crate::care::working_hours::{DaySchedule, WorkingHours};
use crate::inbox::Conversation;

pub struct Care<'a> {
    pub sla: &'a dyn SlaStarts,
    pub expiry: &'a dyn ExpiryArming,
    pub hours: &'a dyn HoursInForce,
    pub surveys: &'a dyn SurveyAnswers,
}

const STAMP: &str = "2026-12-01T00:00:00Z";

/// The organization's default policy: a first reply within 10 minutes, resolution within a day.
pub fn default_policy(org_id: &str) -> SlaPolicy {
    serde_json::from_value(serde_json::json!({"policy_id": "sla_contract", "org_id": org_id,
        "name": "Standard", "first_response_time_secs": 600, "resolution_time_secs": 86400,
        "warning_threshold_pct": 80, "is_default": true, "is_active": true,
        "created_at": STAMP, "updated_at": STAMP}))
    .expect("a policy")
}

/// WhatsApp conversations idle for a day are resolved.
pub fn idle_rule(org_id: &str) -> ChatExpirationRule {
    ChatExpirationRule {
        rule_id: "rule_contract".into(),
        org_id: org_id.into(),
        channel: "whatsapp".into(),
        window_hours: 24,
        auto_resolve: true,
        block_text_after_window: false,
        is_active: true,
        created_at: STAMP.into(),
        updated_at: STAMP.into(),
    }
}

/// The organization's hours (no division's): weekdays 9 to 18, UTC.
pub fn office_hours(org_id: &str) -> WorkingHours {
    WorkingHours {
        org_id: org_id.into(),
        division_id: None,
        time_zone: "UTC".into(),
        days: (1..=5)
            .map(|d| DaySchedule {
                day_of_week: d,
                start_time: "09:00".into(),
                end_time: "18:00".into(),
                is_active: true,
            })
            .collect(),
        updated_by: "ag_contract".into(),
        updated_at: STAMP.into(),
    }
}

/// A survey of `conversation_id`, sent through `account_id` a minute before `now_ms`.
pub fn sent_survey(org_id: &str, account_id: &str, conversation_id: &str, now_ms: i64) -> CsatSurvey {
    serde_json::from_value(
        serde_json::json!({"survey_id": crate::care::csat::survey_id(conversation_id),
        "org_id": org_id, "conversation_id": conversation_id, "account_id": account_id,
        "contact_id": "ct_contract", "status": "sent", "via": "interactive", "message_id": "msg_contract",
        "created_ms": now_ms - 60_000, "created_at": STAMP}),
    )
    .expect("a survey")
}

/// Stored first: [`default_policy`], [`idle_rule`], [`office_hours`] of `org_id`, and
/// [`sent_survey`] pending for `wa_id`. `conversation` is an open conversation of `org_id`.
pub async fn care_contract(care: Care<'_>, conversation: &Conversation, survey: &CsatSurvey, wa_id: &str) {
    let org_id = conversation.org_id.as_str();
    // The organization's hours stand in for a division without its own.
    let hours = care.hours.in_force(org_id, Some("div_without_hours")).await.unwrap();
    assert_eq!(hours.map(|h| h.days.len()), Some(5));
    assert_eq!(care.hours.in_force("org_someone_else", None).await.unwrap(), None);

    // Clocks start under the matching policy, with the hours copied in; again, nothing changes.
    let started = conversation.last_message_ms;
    let now = started + 1_000;
    let clocks = care
        .sla
        .start(conversation, started, now)
        .await
        .unwrap()
        .expect("clocks");
    assert_eq!(clocks.policy_id, "sla_contract");
    assert!(clocks.hours.is_some(), "the working hours are copied in");
    let again = care
        .sla
        .start(conversation, started, now)
        .await
        .unwrap()
        .expect("clocks");
    assert_eq!(again.policy_id, clocks.policy_id);

    // Expiry is armed where the channel's rule resolves idle conversations.
    let id = conversation.conversation_id.as_str();
    assert!(care.expiry.arm_if_ruled(org_id, "whatsapp", id, started).await.unwrap());
    assert!(
        !care
            .expiry
            .arm_if_ruled(org_id, "instagram", id, started)
            .await
            .unwrap()
    );

    // The survey sent last answers for its customer, and is rated once.
    let account = survey.account_id.as_str();
    let pending = care.surveys.pending_for(org_id, account, wa_id).await.unwrap();
    assert_eq!(pending.as_ref().map(|s| &s.survey_id), Some(&survey.survey_id));
    assert_eq!(
        care.surveys.pending_for(org_id, account, "4900000000").await.unwrap(),
        None
    );
    assert!(
        care.surveys
            .rate(survey, 5, Some("quick"), "wamid.rating")
            .await
            .unwrap()
    );
    assert!(
        !care.surveys.rate(survey, 1, None, "wamid.other").await.unwrap(),
        "once"
    );
    let rated = care
        .surveys
        .survey(org_id, &survey.survey_id)
        .await
        .unwrap()
        .expect("the survey");
    assert_eq!(
        (
            rated.status,
            rated.rating,
            rated.comment.as_deref(),
            rated.rating_wamid.as_deref()
        ),
        (SurveyStatus::Rated, Some(5), Some("quick"), Some("wamid.rating"))
    );
    assert_eq!(
        care.surveys
            .survey("org_someone_else", &survey.survey_id)
            .await
            .unwrap(),
        None
    );
}

// The in-memory run of this contract is `check_contract`'s test, which keeps both on one MemoryCare.
