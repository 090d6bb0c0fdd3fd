//! Wire types of the service levels: SLA policies and a conversation's SLA status, chat
//! expiration rules, satisfaction surveys, working hours.

use serde::{Deserialize, Serialize};
use shared::inbox::rfc3339_millis;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicy {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub first_response_time_secs: Option<i64>,
    pub resolution_time_secs: Option<i64>,
    pub warning_threshold_pct: u8,
    /// low | medium | high | urgent: applies only to conversations of this priority.
    pub priority: Option<String>,
    /// whatsapp | instagram | email | messenger: applies only to this channel.
    pub channel: Option<String>,
    /// Applies only to this division's conversations.
    pub division_id: Option<String>,
    /// Applies when no other active policy matches.
    pub is_default: bool,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&shared::care::sla::SlaPolicy> for SlaPolicy {
    fn from(p: &shared::care::sla::SlaPolicy) -> Self {
        Self {
            id: p.policy_id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            first_response_time_secs: p.first_response_time_secs,
            resolution_time_secs: p.resolution_time_secs,
            warning_threshold_pct: p.warning_threshold_pct,
            priority: p.priority.clone(),
            channel: p.channel.clone(),
            division_id: p.division_id.clone(),
            is_default: p.is_default,
            is_active: p.is_active,
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaPolicyList {
    pub data: Vec<SlaPolicy>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSlaPolicy {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub first_response_time_secs: Option<u32>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub resolution_time_secs: Option<u32>,
    /// 1 to 99; default 80.
    #[serde(default, deserialize_with = "super::whole_number")]
    pub warning_threshold_pct: Option<u32>,
    pub priority: Option<String>,
    pub channel: Option<String>,
    pub division_id: Option<String>,
    pub is_default: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSlaPolicy {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub first_response_time_secs: Option<u32>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub resolution_time_secs: Option<u32>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub warning_threshold_pct: Option<u32>,
    pub priority: Option<String>,
    pub channel: Option<String>,
    pub division_id: Option<String>,
    pub is_default: Option<bool>,
    pub is_active: Option<bool>,
}

/// One clock of a conversation's SLA.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaBreach {
    pub id: String,
    pub sla_policy_id: String,
    /// first_response | resolution
    pub breach_type: String,
    /// The resolution cycle: 0, then one more per reopen.
    pub cycle: u32,
    pub threshold_secs: i64,
    pub actual_secs: i64,
    pub breached_at: String,
}

impl From<&shared::care::sla_clock::SlaBreachLog> for SlaBreach {
    fn from(b: &shared::care::sla_clock::SlaBreachLog) -> Self {
        Self {
            id: b.breach_id.clone(),
            sla_policy_id: b.sla_policy_id.clone(),
            breach_type: b.breach_type.as_str().to_string(),
            cycle: b.cycle,
            threshold_secs: b.threshold_secs,
            actual_secs: b.actual_secs,
            breached_at: b.breached_at.clone(),
        }
    }
}

/// Where a conversation stands against its SLA policy. Elapsed seconds are business seconds when
/// working hours applied as the clocks started. Statuses: running, warning, breached, met, stopped
/// (resolved before anyone answered); null when the policy sets no such target or none applies.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationSlaStatus {
    pub conversation_id: String,
    pub policy_id: Option<String>,
    pub policy_name: Option<String>,
    pub frt_status: Option<String>,
    pub frt_elapsed_secs: Option<i64>,
    pub frt_threshold_secs: Option<i64>,
    /// When the first-response target is (or was) breached.
    pub frt_due_at: Option<String>,
    pub resolution_status: Option<String>,
    pub resolution_elapsed_secs: Option<i64>,
    pub resolution_threshold_secs: Option<i64>,
    pub resolution_due_at: Option<String>,
    /// The resolution cycle: 0, then one more per reopen.
    pub cycle: u32,
    /// Whether the clocks run in business time (working hours applied).
    pub business_hours: bool,
    pub breaches: Vec<SlaBreach>,
}

impl ConversationSlaStatus {
    pub fn of(
        conversation_id: &str,
        clocks: Option<&shared::care::sla_clock::SlaClocks>,
        breaches: &[shared::care::sla_clock::SlaBreachLog],
        now_ms: i64,
    ) -> Self {
        use shared::care::sla_clock::SlaKind;
        let calendar = clocks.and_then(|c| c.calendar());
        let clock = |kind| clocks.and_then(|c| c.clock(kind));
        let status = |kind| clock(kind).map(|c| c.status(now_ms).as_str().to_string());
        let elapsed = |kind| clock(kind).map(|c| c.elapsed_secs(now_ms, calendar.as_ref()));
        let threshold = |kind| clock(kind).map(|c| c.target_secs);
        let due = |kind| clock(kind).map(|c| rfc3339_millis(c.breach_at_ms));
        Self {
            conversation_id: conversation_id.to_string(),
            policy_id: clocks.map(|c| c.policy_id.clone()),
            policy_name: clocks.map(|c| c.policy_name.clone()),
            frt_status: status(SlaKind::FirstResponse),
            frt_elapsed_secs: elapsed(SlaKind::FirstResponse),
            frt_threshold_secs: threshold(SlaKind::FirstResponse),
            frt_due_at: due(SlaKind::FirstResponse),
            resolution_status: status(SlaKind::Resolution),
            resolution_elapsed_secs: elapsed(SlaKind::Resolution),
            resolution_threshold_secs: threshold(SlaKind::Resolution),
            resolution_due_at: due(SlaKind::Resolution),
            cycle: clocks.map_or(0, |c| c.cycle),
            business_hours: calendar.is_some(),
            breaches: breaches.iter().map(SlaBreach::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplySlaPolicy {
    /// The policy to put the conversation under (active or not: an agent's choice stands).
    pub sla_policy_id: String,
}

/// An organization's chat expiration rule for one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChatExpirationRule {
    pub id: String,
    /// whatsapp | instagram | email | messenger
    pub channel: String,
    /// Hours of inactivity after which a conversation expires (0 = never expires).
    pub window_hours: u32,
    /// Resolve conversations idle for `window_hours` (open and pending alike), as an agent would.
    pub auto_resolve: bool,
    /// Refuse free-form text once `window_hours` have passed since the customer's last message
    /// (409 `window_closed`; templates still go). Meta's 24 hours apply regardless.
    pub block_text_after_window: bool,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&shared::care::chat_expiry::ChatExpirationRule> for ChatExpirationRule {
    fn from(r: &shared::care::chat_expiry::ChatExpirationRule) -> Self {
        Self {
            id: r.rule_id.clone(),
            channel: r.channel.clone(),
            window_hours: r.window_hours,
            auto_resolve: r.auto_resolve,
            block_text_after_window: r.block_text_after_window,
            is_active: r.is_active,
            created_at: r.created_at.clone(),
            updated_at: r.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChatExpirationRuleList {
    pub data: Vec<ChatExpirationRule>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertChatExpirationRule {
    /// Hours of inactivity before the conversation expires (0 = never expires); at most 8784.
    #[schema(value_type = Option<u32>)]
    pub window_hours: Option<serde_json::Number>,
    pub auto_resolve: Option<bool>,
    pub block_text_after_window: Option<bool>,
    pub is_active: Option<bool>,
}

/// A satisfaction survey sent after a resolve, with its answer once the customer gave one.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatSurvey {
    pub id: String,
    pub conversation_id: String,
    pub contact_id: String,
    pub contact_name: Option<String>,
    /// The agent the conversation was assigned to when it was resolved.
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    /// sent | rated
    pub status: String,
    /// interactive (a list inside the 24-hour window) | template (outside it)
    pub via: String,
    /// 1 (very poor) to 5 (excellent).
    pub rating: Option<u8>,
    pub comment: Option<String>,
    pub created_at: String,
    pub rated_at: Option<String>,
}

impl From<&shared::care::csat::CsatSurvey> for CsatSurvey {
    fn from(s: &shared::care::csat::CsatSurvey) -> Self {
        Self {
            id: s.survey_id.clone(),
            conversation_id: s.conversation_id.clone(),
            contact_id: s.contact_id.clone(),
            contact_name: s.contact_name.clone(),
            agent_id: s.agent_id.clone(),
            agent_name: s.agent_name.clone(),
            status: match s.status {
                shared::care::csat::SurveyStatus::Sent => "sent".into(),
                shared::care::csat::SurveyStatus::Rated => "rated".into(),
            },
            via: s.via.clone(),
            rating: s.rating,
            comment: s.comment.clone(),
            created_at: s.created_at.clone(),
            rated_at: s.rated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CsatSurveyList {
    pub data: Vec<CsatSurvey>,
    pub next_cursor: Option<String>,
}

/// One interval of one weekday.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DaySchedule {
    /// 0 = Sunday … 6 = Saturday.
    pub day_of_week: u8,
    /// `HH:MM`, local time.
    pub start_time: String,
    /// `HH:MM` after `start_time`; `24:00` is the end of the day.
    pub end_time: String,
    /// Default true.
    pub is_active: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetWorkingHours {
    /// IANA time zone (`Europe/Berlin`).
    pub time_zone: String,
    /// Intervals; several a day are allowed, not overlapping.
    pub days: Vec<DaySchedule>,
}

/// Working hours; with none set, `days` is empty and `time_zone` null: SLA clocks run in wall time.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingHours {
    /// `null` for the organization's own; a division's wins for its conversations.
    pub division_id: Option<String>,
    pub time_zone: Option<String>,
    pub days: Vec<DaySchedule>,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
}

impl WorkingHours {
    pub fn none(division_id: Option<String>) -> Self {
        Self {
            division_id,
            time_zone: None,
            days: Vec::new(),
            updated_by: None,
            updated_at: None,
        }
    }
}

impl From<&shared::care::working_hours::WorkingHours> for WorkingHours {
    fn from(h: &shared::care::working_hours::WorkingHours) -> Self {
        Self {
            division_id: h.division_id.clone(),
            time_zone: Some(h.time_zone.clone()),
            days: h
                .days
                .iter()
                .map(|d| DaySchedule {
                    day_of_week: d.day_of_week,
                    start_time: d.start_time.clone(),
                    end_time: d.end_time.clone(),
                    is_active: Some(d.is_active),
                })
                .collect(),
            updated_by: Some(h.updated_by.clone()),
            updated_at: Some(h.updated_at.clone()),
        }
    }
}
