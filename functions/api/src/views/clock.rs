//! Wire types of what time drives: scheduled messages and working hours.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::inbox::rfc3339_millis;
use shared::outreach::schedule;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleMessageRequest {
    /// text | image | document | audio | video | template
    pub r#type: String,
    /// As for a send: text `{"text"}`; media `{"media_id", "caption"?, "filename"?}`; template
    /// `{"name", "language"?, "components"?}`.
    pub content: Value,
    /// When to send it: RFC 3339, in the future and at most a year ahead.
    pub scheduled_at: String,
    /// A message id (wamid) it replies to.
    pub reply_to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledMessage {
    pub id: String,
    pub conversation_id: String,
    /// The agent who scheduled it.
    pub scheduled_by: String,
    pub agent_name: Option<String>,
    pub msg_type: String,
    /// Free-form JSON tagged by `kind`, as on a message.
    pub content: Value,
    pub scheduled_at: String,
    /// pending | sent | failed | cancelled
    pub status: String,
    /// Why it failed (`window_closed: ...` when free-form content met a closed window).
    pub error_message: Option<String>,
    /// When it was handed to the sender.
    pub sent_at: Option<String>,
    /// The message it became once sent: follow its delivery there.
    pub message_id: Option<String>,
    /// At creation: `window_closed_at_scheduled_time` when free-form content is known to meet a
    /// closed window unless the customer writes first (the window is checked again at send time).
    pub warnings: Vec<String>,
    pub created_at: String,
}

impl ScheduledMessage {
    pub fn of(m: &schedule::ScheduledMessage, warnings: Vec<String>) -> Self {
        Self {
            id: m.scheduled_id.clone(),
            conversation_id: m.conversation_id.clone(),
            scheduled_by: m.scheduled_by.clone(),
            agent_name: m.agent_name.clone(),
            msg_type: m.msg_type.clone(),
            content: serde_json::to_value(&m.content).unwrap_or(Value::Null),
            scheduled_at: rfc3339_millis(m.scheduled_at_ms),
            status: m.status.as_str().to_string(),
            error_message: m.error_message.clone(),
            sent_at: m.sent_at.clone(),
            message_id: m.message_id.clone(),
            warnings,
            created_at: m.created_at.clone(),
        }
    }
}

impl From<&schedule::ScheduledMessage> for ScheduledMessage {
    fn from(m: &schedule::ScheduledMessage) -> Self {
        Self::of(m, Vec::new())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledMessageList {
    pub data: Vec<ScheduledMessage>,
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
