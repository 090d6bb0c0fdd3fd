//! When a rule may run (`schedule_settings`): inside the working hours, outside them, or at given
//! days and times in a time zone. Pure: the walk asks it with the event's time and, for the first
//! two, whether the conversation's working hours were open then.

use crate::automation::rule::RuleRefusal;
use crate::care::working_hours::{Calendar, DaySchedule};
use serde::{Deserialize, Serialize};

/// Most intervals a custom schedule holds (four a day).
pub const MAX_WINDOWS: usize = 28;
/// An IANA name's longest.
pub const MAX_TIME_ZONE_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleSettings {
    /// Only inside the working hours of the conversation's division, else the organization's
    /// (none set: always inside).
    WorkingHours,
    /// Only outside them.
    OutsideWorkingHours,
    /// Only inside these intervals (the working hours' shape: `day_of_week` 0 = Sunday,
    /// `HH:MM` to `HH:MM`), in `time_zone`.
    Custom { time_zone: String, days: Vec<DaySchedule> },
}

impl ScheduleSettings {
    /// Whether the walk must read the working hours to decide.
    pub fn needs_working_hours(&self) -> bool {
        matches!(self, Self::WorkingHours | Self::OutsideWorkingHours)
    }

    /// Whether a rule with this schedule may run at `at_ms` (`in_working_hours`: as read for the
    /// event; unknown counts as not inside).
    pub fn allows(&self, at_ms: i64, in_working_hours: Option<bool>) -> bool {
        match self {
            Self::WorkingHours => in_working_hours == Some(true),
            Self::OutsideWorkingHours => in_working_hours == Some(false),
            // Checked when stored; one that no longer reads never runs.
            Self::Custom { time_zone, days } => Calendar::new(time_zone, days).is_ok_and(|c| c.is_open(at_ms)),
        }
    }

    /// Checks a custom schedule's zone and intervals; refusals name `schedule_settings.<field>`.
    pub fn check(&self) -> Result<(), RuleRefusal> {
        let Self::Custom { time_zone, days } = self else {
            return Ok(());
        };
        let refuse = |field: &str, reason: String| RuleRefusal {
            field: format!("schedule_settings.{field}"),
            reason,
        };
        if time_zone.chars().count() > MAX_TIME_ZONE_CHARS {
            return Err(refuse("time_zone", format!("at most {MAX_TIME_ZONE_CHARS} characters")));
        }
        if days.len() > MAX_WINDOWS {
            return Err(refuse("days", format!("at most {MAX_WINDOWS} intervals")));
        }
        Calendar::new(time_zone, days)
            .map(drop)
            .map_err(|e| refuse(&e.field, e.reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: serde_json::Value) -> ScheduleSettings {
        serde_json::from_value(value).unwrap()
    }

    fn ms(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
    }

    #[test]
    fn custom_days_and_times_are_local_to_their_zone() {
        // Weekdays 09:00-17:00 in Berlin (UTC+1 in December).
        let days: Vec<_> = (1..=5)
            .map(|d| json!({"day_of_week": d, "start_time": "09:00", "end_time": "17:00"}))
            .collect();
        let office = settings(json!({"mode": "custom", "time_zone": "Europe/Berlin", "days": days}));
        assert_eq!(office.check(), Ok(()));
        // Friday 2026-12-04 08:30 UTC is 09:30 in Berlin: inside; 16:30 UTC is 17:30: outside.
        assert!(office.allows(ms("2026-12-04T08:30:00Z"), None));
        assert!(!office.allows(ms("2026-12-04T16:30:00Z"), None));
        // Saturday: no interval.
        assert!(!office.allows(ms("2026-12-05T10:00:00Z"), None));
        assert!(!office.needs_working_hours());
    }

    #[test]
    fn working_hours_modes_follow_what_was_read() {
        let inside = settings(json!({"mode": "working_hours"}));
        let outside = settings(json!({"mode": "outside_working_hours"}));
        assert!(inside.needs_working_hours() && outside.needs_working_hours());
        assert!(inside.allows(0, Some(true)) && !inside.allows(0, Some(false)));
        assert!(outside.allows(0, Some(false)) && !outside.allows(0, Some(true)));
        assert!(
            !inside.allows(0, None) && !outside.allows(0, None),
            "not read: it does not run"
        );
    }

    #[test]
    fn a_bad_custom_schedule_is_refused_naming_its_field() {
        let field = |value: serde_json::Value| settings(value).check().unwrap_err().field;
        assert_eq!(
            field(
                json!({"mode": "custom", "time_zone": "Mars/Olympus", "days": [{"day_of_week": 1, "start_time": "09:00", "end_time": "17:00"}]})
            ),
            "schedule_settings.time_zone"
        );
        assert_eq!(
            field(
                json!({"mode": "custom", "time_zone": "UTC", "days": [{"day_of_week": 1, "start_time": "18:00", "end_time": "17:00"}]})
            ),
            "schedule_settings.days[0]"
        );
        assert_eq!(
            field(json!({"mode": "custom", "time_zone": "UTC", "days": []})),
            "schedule_settings.days"
        );
        assert!(serde_json::from_value::<ScheduleSettings>(json!({"mode": "sometimes"})).is_err());
    }
}
