//! Scheduled messages: the record, when one may be scheduled, which minutes of the due index a run
//! reads, and what a due message becomes. Pure; the store and the scheduled-sends function execute it.

use crate::desk::{FieldError, field_error};
use crate::inbox::is_window_open;
use crate::inbox::outbound;
use crate::meta::Content;
use serde::{Deserialize, Serialize};

/// Furthest ahead a message may be scheduled.
pub const MAX_AHEAD_MS: i64 = 366 * 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduledStatus {
    Pending,
    /// Handed to the outbound path: the message (`message_id`) is queued for the sender.
    Sent,
    Failed,
    Cancelled,
}

impl ScheduledStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed, Self::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledMessage {
    pub scheduled_id: String,
    pub org_id: String,
    pub conversation_id: String,
    /// The agent who scheduled it, and that agent's name then.
    pub scheduled_by: String,
    #[serde(default)]
    pub agent_name: Option<String>,
    pub msg_type: String,
    pub content: Content,
    #[serde(default)]
    pub reply_to: Option<String>,
    pub scheduled_at_ms: i64,
    pub status: ScheduledStatus,
    #[serde(default)]
    pub error_message: Option<String>,
    /// When it was handed to the outbound path (RFC 3339).
    #[serde(default)]
    pub sent_at: Option<String>,
    /// The outbound message it became.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Its `scheduled_message.*` event is published: it leaves the due index only then.
    #[serde(default)]
    pub announced: bool,
    pub created_at: String,
}

/// A scheduled message's entry in the due index: which message, and when. The message itself is
/// read when its entry comes up, so a page of the index stays small whatever the messages hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledDue {
    pub org_id: String,
    pub conversation_id: String,
    pub scheduled_id: String,
    pub scheduled_at_ms: i64,
}

impl ScheduledDue {
    pub fn of(message: &ScheduledMessage) -> Self {
        Self {
            org_id: message.org_id.clone(),
            conversation_id: message.conversation_id.clone(),
            scheduled_id: message.scheduled_id.clone(),
            scheduled_at_ms: message.scheduled_at_ms,
        }
    }
}

/// `scheduled_at` must be in the future and at most a year ahead.
pub fn check_scheduled_at(scheduled_at_ms: i64, now_ms: i64) -> Result<(), FieldError> {
    if scheduled_at_ms <= now_ms {
        return Err(field_error("scheduled_at", "must be in the future (UTC)"));
    }
    if scheduled_at_ms - now_ms > MAX_AHEAD_MS {
        return Err(field_error("scheduled_at", "must be at most a year ahead"));
    }
    Ok(())
}

/// A warning for the scheduler, not a refusal: free-form content whose window is already known to
/// close before the send (the window is checked again at send time: a customer may write first).
pub fn window_warning(content: &Content, window_expires_at: Option<i64>, scheduled_at_ms: i64) -> Option<&'static str> {
    (outbound::needs_open_window(content) && !is_window_open(window_expires_at, scheduled_at_ms.div_euclid(1000)))
        .then_some("window_closed_at_scheduled_time")
}

/// What a due pending message becomes at `now_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// Not yet (its minute is read but its second is still ahead).
    Wait,
    Send,
    Fail(String),
}

pub fn decide(message: &ScheduledMessage, window_expires_at: Option<i64>, now_ms: i64) -> Due {
    if message.status != ScheduledStatus::Pending {
        return Due::Wait;
    }
    if message.scheduled_at_ms > now_ms {
        return Due::Wait;
    }
    if outbound::needs_open_window(&message.content) && !is_window_open(window_expires_at, now_ms.div_euclid(1000)) {
        return Due::Fail(
            "window_closed: the 24-hour customer-service window was closed at the scheduled time; only templates can be sent"
                .into(),
        );
    }
    Due::Send
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(at: i64) -> ScheduledMessage {
        ScheduledMessage {
            scheduled_id: "sch_1".into(),
            org_id: "org".into(),
            conversation_id: "cnv".into(),
            scheduled_by: "agt".into(),
            agent_name: None,
            msg_type: "text".into(),
            content: Content::Text { body: "hi".into() },
            reply_to: None,
            scheduled_at_ms: at,
            status: ScheduledStatus::Pending,
            error_message: None,
            sent_at: None,
            message_id: None,
            announced: false,
            created_at: String::new(),
        }
    }

    #[test]
    fn scheduled_at_is_future_and_within_a_year() {
        assert!(check_scheduled_at(1_000, 1_000).is_err());
        assert!(check_scheduled_at(999, 1_000).is_err());
        assert!(check_scheduled_at(1_001, 1_000).is_ok());
        assert_eq!(
            check_scheduled_at(1_000 + MAX_AHEAD_MS + 1, 1_000).unwrap_err().reason,
            "must be at most a year ahead"
        );
    }

    #[test]
    fn the_window_is_judged_at_send_time() {
        let at = 1_000_000;
        let open_until = Some(at / 1000 + 60);
        assert_eq!(decide(&text(at), open_until, at), Due::Send);
        assert_eq!(decide(&text(at), open_until, at - 1), Due::Wait);
        assert!(matches!(decide(&text(at), Some(at / 1000), at), Due::Fail(r) if r.starts_with("window_closed")));
        assert!(matches!(decide(&text(at), None, at), Due::Fail(_)));
        let mut template = text(at);
        template.content = Content::Template {
            name: "t".into(),
            language: "en_US".into(),
            components: serde_json::json!([]),
        };
        assert_eq!(decide(&template, None, at), Due::Send);
        let mut cancelled = text(at);
        cancelled.status = ScheduledStatus::Cancelled;
        assert_eq!(decide(&cancelled, open_until, at), Due::Wait);
    }

    #[test]
    fn a_warning_when_the_window_will_be_closed() {
        assert_eq!(
            window_warning(&text(0).content, Some(100), 200_000),
            Some("window_closed_at_scheduled_time")
        );
        assert_eq!(window_warning(&text(0).content, Some(300), 200_000), None);
    }
}
