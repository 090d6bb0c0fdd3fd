//! Scheduled messages: the record, when one may be scheduled, which minutes of the due index a run
//! reads, and what a due message becomes. Pure; the store and the scheduled-sends function execute it.

use crate::desk::{FieldError, field_error};
use crate::inbox::is_window_open;
use crate::inbox::outbound;
use crate::meta::Content;
use serde::{Deserialize, Serialize};

/// Furthest ahead a message may be scheduled.
pub const MAX_AHEAD_MS: i64 = 366 * 24 * 3600 * 1000;
/// Most minutes of the due index one run reads: a run after a long outage catches up in steps.
pub const MAX_MINUTES_PER_RUN: usize = 120;

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

/// "Now" of a scheduled run: the `time` of EventBridge's scheduled event (epoch ms), when it has one.
pub fn event_time_ms(event: &serde_json::Value) -> Option<i64> {
    event
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
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

/// The due index's minute of `ms`: `yyyy-mm-ddThh:mm` (UTC).
pub fn minute_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn minute_start(ms: i64) -> i64 {
    ms - ms.rem_euclid(60_000)
}

/// The minutes a run at `now_ms` reads, oldest first: from the minute of `from_ms` (the oldest
/// minute that may still hold work) through now's, at most [`MAX_MINUTES_PER_RUN`].
pub fn minutes_to_read(from_ms: i64, now_ms: i64) -> Vec<(i64, String)> {
    let mut minute = minute_start(from_ms.min(now_ms));
    let last = minute_start(now_ms);
    let mut minutes = Vec::new();
    while minute <= last && minutes.len() < MAX_MINUTES_PER_RUN {
        minutes.push((minute, minute_of(minute)));
        minute += 60_000;
    }
    minutes
}

/// Items one run of a clock function reads from each shard of the due index; a shard's backlog
/// beyond it drains over the next runs, one minute apart, while the other shards go on.
pub const ITEMS_PER_SHARD_PER_RUN: u32 = 500;
/// Work time of one run (the functions time out at 50 s): a run out of time stops reading and
/// leaves the rest, cursor unmoved, for the next.
pub const RUN_TIME: std::time::Duration = std::time::Duration::from_secs(35);

/// What one run of a clock function may still read: items per due-index shard, and time.
#[derive(Debug, Clone)]
pub struct RunBudget {
    per_shard: Vec<u32>,
    deadline: std::time::Instant,
}

impl RunBudget {
    pub fn new(shards: u32, items_per_shard: u32, time: std::time::Duration) -> Self {
        Self {
            per_shard: vec![items_per_shard; shards as usize],
            deadline: std::time::Instant::now() + time,
        }
    }

    /// A clock function's budget: [`ITEMS_PER_SHARD_PER_RUN`] per shard, [`RUN_TIME`].
    pub fn for_run() -> Self {
        Self::new(crate::platform::table::DUE_SHARDS, ITEMS_PER_SHARD_PER_RUN, RUN_TIME)
    }

    pub fn out_of_time(&self) -> bool {
        std::time::Instant::now() >= self.deadline
    }

    /// Whether another page of `shard` may be read now.
    pub fn may_read(&self, shard: u32) -> bool {
        self.per_shard.get(shard as usize).is_some_and(|left| *left > 0) && !self.out_of_time()
    }

    pub fn spend(&mut self, shard: u32, items: u32) {
        if let Some(left) = self.per_shard.get_mut(shard as usize) {
            *left = left.saturating_sub(items);
        }
    }
}

/// Where a run may move its cursor: past each minute read that is over with nothing left in it,
/// oldest first, until the first one that is not (everything after it is read again next run).
#[derive(Debug)]
pub struct CursorWalk {
    advancing: bool,
}

impl Default for CursorWalk {
    fn default() -> Self {
        Self { advancing: true }
    }
}

impl CursorWalk {
    /// After reading the minute starting at `minute_ms`: the cursor to write, if it may move.
    pub fn passed(&mut self, minute_ms: i64, now_ms: i64, anything_left: bool) -> Option<i64> {
        self.advancing &= minute_ms + 60_000 <= now_ms && !anything_left;
        self.advancing.then_some(minute_ms + 60_000)
    }
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

    #[test]
    fn a_run_budget_is_spent_per_shard_and_ends_with_its_time() {
        let mut budget = RunBudget::new(2, 150, std::time::Duration::from_secs(60));
        budget.spend(0, 100);
        assert!(budget.may_read(0));
        budget.spend(0, 100);
        assert!(!budget.may_read(0), "shard 0 spent its items");
        assert!(budget.may_read(1), "shard 1 keeps its own");
        assert!(!budget.may_read(7), "no such shard");
        let over = RunBudget::new(2, 150, std::time::Duration::ZERO);
        assert!(over.out_of_time() && !over.may_read(1));
    }

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
    fn a_run_takes_now_from_its_event() {
        let event = serde_json::json!({"time": "2026-11-21T12:00:00Z"});
        assert_eq!(event_time_ms(&event), Some(1_795_262_400_000));
        assert_eq!(event_time_ms(&serde_json::json!({"time": "noon"})), None);
        assert_eq!(event_time_ms(&serde_json::json!({})), None);
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
    fn minutes_run_from_the_oldest_with_work_through_now() {
        let t = 1_764_547_200_000; // 2025-12-01T00:00:00Z
        let minutes = minutes_to_read(t - 90_000, t + 30_000);
        let names: Vec<&str> = minutes.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(names, ["2025-11-30T23:58", "2025-11-30T23:59", "2025-12-01T00:00"]);
        assert_eq!(minutes_to_read(t, t).len(), 1);
        assert_eq!(minutes_to_read(t - 10 * 24 * 3600 * 1000, t).len(), MAX_MINUTES_PER_RUN);
        let mut walk = CursorWalk::default();
        assert_eq!(walk.passed(t - 120_000, t, false), Some(t - 60_000));
        assert_eq!(walk.passed(t - 60_000, t, true), None, "work left: the cursor stays");
        assert_eq!(walk.passed(t, t + 120_000, false), None, "and never passes it this run");
        assert_eq!(
            CursorWalk::default().passed(t, t + 30_000, false),
            None,
            "a minute not over"
        );
        // A cursor ahead of now (a clock step back) still reads now's minute.
        assert_eq!(minutes_to_read(t + 600_000, t)[0].1, "2025-12-01T00:00");
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
