//! Working hours and business-time arithmetic: when a business-time duration started at an instant
//! ends, and how much business time lies between two instants. Pure; SLA clocks and the out-of-hours
//! auto-reply read it. Several intervals a day, in one IANA time zone, daylight-saving aware.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// One interval of one weekday, as stored and as the API takes it (seed 001's DaySchedule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySchedule {
    /// 0 = Sunday … 6 = Saturday.
    pub day_of_week: u8,
    /// `HH:MM`, local time.
    pub start_time: String,
    /// `HH:MM` after `start_time`; `24:00` is the end of the day.
    pub end_time: String,
    #[serde(default = "active")]
    pub is_active: bool,
}

fn active() -> bool {
    true
}

/// An organization's working hours, or one division's (which then wins for its conversations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub org_id: String,
    #[serde(default)]
    pub division_id: Option<String>,
    pub time_zone: String,
    pub days: Vec<DaySchedule>,
    pub updated_by: String,
    pub updated_at: String,
}

impl WorkingHours {
    pub fn calendar(&self) -> Result<Calendar, ScheduleError> {
        Calendar::new(&self.time_zone, &self.days)
    }
}

/// Every IANA time zone name a schedule may use (the bundled database's).
pub fn time_zone_names() -> Vec<String> {
    jiff::tz::db().available().map(|name| name.to_string()).collect()
}

/// A refused schedule, naming the interval (`days[2]`) or `time_zone`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ScheduleError {
    pub field: String,
    pub reason: String,
}

fn refuse(field: impl Into<String>, reason: impl Into<String>) -> ScheduleError {
    ScheduleError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Minutes after local midnight of `HH:MM` (`24:00` allowed only as an end).
fn minutes_of(text: &str, end: bool) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// Working hours checked and ready for arithmetic.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    /// Per weekday (Sunday first), active intervals in minutes, sorted, not overlapping.
    days: [Vec<(u32, u32)>; 7],
}

/// How far ahead the arithmetic looks for working time (a schedule with at least one interval
/// always finds some within a week; this bounds the loop regardless).
const MAX_DAYS: usize = 3_700;

impl Calendar {
    /// Checks `days` in `time_zone`: times, order, overlaps on one weekday, at least one active one.
    pub fn new(time_zone: &str, days: &[DaySchedule]) -> Result<Self, ScheduleError> {
        let zone = TimeZone::get(time_zone)
            .map_err(|_| refuse("time_zone", format!("{time_zone:?} is not an IANA time zone")))?;
        let mut by_day: [Vec<(u32, u32, usize)>; 7] = Default::default();
        for (i, day) in days.iter().enumerate() {
            let field = format!("days[{i}]");
            if day.day_of_week > 6 {
                return Err(refuse(field, "day_of_week must be 0 (Sunday) to 6 (Saturday)"));
            }
            let start = minutes_of(&day.start_time, false)
                .ok_or_else(|| refuse(&field, "start_time must be HH:MM (00:00 to 23:59)"))?;
            let end = minutes_of(&day.end_time, true)
                .ok_or_else(|| refuse(&field, "end_time must be HH:MM (00:01 to 24:00)"))?;
            if end <= start {
                return Err(refuse(field, "end_time must be after start_time"));
            }
            if day.is_active {
                by_day[day.day_of_week as usize].push((start, end, i));
            }
        }
        let mut sorted: [Vec<(u32, u32)>; 7] = Default::default();
        for (weekday, intervals) in by_day.iter_mut().enumerate() {
            intervals.sort();
            for pair in intervals.windows(2) {
                if pair[1].0 < pair[0].1 {
                    return Err(refuse(
                        format!("days[{}]", pair[1].2),
                        format!("overlaps days[{}] on the same day", pair[0].2),
                    ));
                }
            }
            sorted[weekday] = intervals.iter().map(|&(s, e, _)| (s, e)).collect();
        }
        if sorted.iter().all(Vec::is_empty) {
            return Err(refuse("days", "at least one active interval is needed"));
        }
        Ok(Self { zone, days: sorted })
    }

    fn local_date(&self, ms: i64) -> Date {
        jiff::Timestamp::from_millisecond(ms)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.zone.clone())
            .date()
    }

    /// The instant of `minutes` after local midnight of `date` (a gap or fold of daylight saving
    /// resolves as clocks do: forward in a gap, the earlier instant in a fold).
    fn instant(&self, date: Date, minutes: u32) -> i64 {
        let (date, minutes) = match minutes {
            1440 => (date.tomorrow().unwrap_or(date), 0),
            m => (date, m),
        };
        date.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
            .to_zoned(self.zone.clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(i64::MAX)
    }

    /// Working intervals (epoch ms) of every local day from the one holding `from_ms` on.
    fn intervals_from(&self, from_ms: i64) -> impl Iterator<Item = (i64, i64)> + '_ {
        let first = self.local_date(from_ms);
        // The day before too: an interval ending at 24:00 may still run at `from_ms` after a zone shift.
        let start = first.yesterday().unwrap_or(first);
        std::iter::successors(Some(start), |d| d.tomorrow().ok())
            .take(MAX_DAYS)
            .flat_map(move |date| {
                let weekday = date.weekday().to_sunday_zero_offset() as usize;
                self.days[weekday]
                    .iter()
                    .map(move |&(s, e)| (self.instant(date, s), self.instant(date, e)))
            })
    }

    /// When `seconds` of working time, counted from `from_ms`, have passed (epoch ms).
    pub fn add(&self, from_ms: i64, seconds: i64) -> i64 {
        let mut remaining = seconds.max(0) * 1000;
        for (start, end) in self.intervals_from(from_ms) {
            let begin = start.max(from_ms);
            if begin >= end {
                continue;
            }
            if remaining <= end - begin {
                return begin + remaining;
            }
            remaining -= end - begin;
        }
        i64::MAX
    }

    /// Working seconds between `from_ms` and `to_ms`.
    pub fn elapsed(&self, from_ms: i64, to_ms: i64) -> i64 {
        let mut total = 0;
        for (start, end) in self.intervals_from(from_ms) {
            if start >= to_ms {
                break;
            }
            let (begin, finish) = (start.max(from_ms), end.min(to_ms));
            if finish > begin {
                total += finish - begin;
            }
        }
        total / 1000
    }

    /// Outside working hours: when they resume (which also names the closed period `ms` is in);
    /// `None` inside them.
    pub fn closed_until(&self, ms: i64) -> Option<i64> {
        (!self.is_open(ms)).then(|| self.add(ms, 0))
    }

    /// Whether `ms` falls inside working hours.
    pub fn is_open(&self, ms: i64) -> bool {
        self.intervals_from(ms)
            .take_while(|&(start, _)| start <= ms)
            .any(|(start, end)| start <= ms && ms < end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_period_is_named_by_when_it_ends() {
        let ms = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let days: Vec<DaySchedule> = (1..=5).map(|d| day(d, "09:00", "18:00")).collect();
        let calendar = Calendar::new("UTC", &days).unwrap();
        // Monday 30 November 2026.
        assert_eq!(calendar.closed_until(ms("2026-11-30T12:00:00Z")), None);
        let evening = calendar.closed_until(ms("2026-11-30T18:00:00Z"));
        assert_eq!(evening, Some(ms("2026-12-01T09:00:00Z")));
        assert_eq!(
            calendar.closed_until(ms("2026-12-01T08:59:59Z")),
            evening,
            "the same night"
        );
        assert_eq!(
            calendar.closed_until(ms("2026-12-04T19:00:00Z")),
            Some(ms("2026-12-07T09:00:00Z")),
            "Friday evening to Monday morning is one period"
        );
    }

    fn day(d: u8, start: &str, end: &str) -> DaySchedule {
        DaySchedule {
            day_of_week: d,
            start_time: start.into(),
            end_time: end.into(),
            is_active: true,
        }
    }

    fn weekdays(start: &str, end: &str) -> Vec<DaySchedule> {
        (1..=5).map(|d| day(d, start, end)).collect()
    }

    fn ms(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn a_message_at_17_59_with_a_30_minute_policy_breaches_at_09_29_the_next_working_day() {
        let berlin = Calendar::new("Europe/Berlin", &weekdays("09:00", "18:00")).unwrap();
        // Monday 2026-11-30 17:59 in Berlin (UTC+1).
        let at = ms("2026-11-30T16:59:00Z");
        assert_eq!(berlin.add(at, 30 * 60), ms("2026-12-01T08:29:00Z"));
        // Friday evening: Monday morning.
        assert_eq!(
            berlin.add(ms("2026-12-04T16:59:00Z"), 30 * 60),
            ms("2026-12-07T08:29:00Z")
        );
        // Outside hours the clock starts at the next opening.
        assert_eq!(berlin.add(ms("2026-12-05T10:00:00Z"), 60), ms("2026-12-07T08:01:00Z"));
    }

    #[test]
    fn two_intervals_in_one_day_skip_the_lunch_break() {
        let mut days = Vec::new();
        for d in 1..=5 {
            days.push(day(d, "09:00", "12:00"));
            days.push(day(d, "13:00", "17:00"));
        }
        let utc = Calendar::new("UTC", &days).unwrap();
        assert_eq!(utc.add(ms("2026-12-01T11:50:00Z"), 20 * 60), ms("2026-12-01T13:10:00Z"));
        assert_eq!(
            utc.elapsed(ms("2026-12-01T11:00:00Z"), ms("2026-12-01T14:00:00Z")),
            2 * 3600
        );
        assert!(!utc.is_open(ms("2026-12-01T12:30:00Z")));
        assert!(utc.is_open(ms("2026-12-01T13:00:00Z")));
        assert!(!utc.is_open(ms("2026-12-06T10:00:00Z")));
    }

    #[test]
    fn elapsed_counts_working_time_only_across_days_and_weekends() {
        let utc = Calendar::new("UTC", &weekdays("09:00", "17:00")).unwrap();
        // Friday 16:00 to Monday 10:00: one hour Friday, one Monday.
        assert_eq!(
            utc.elapsed(ms("2026-12-04T16:00:00Z"), ms("2026-12-07T10:00:00Z")),
            2 * 3600
        );
        assert_eq!(utc.elapsed(ms("2026-12-07T10:00:00Z"), ms("2026-12-07T10:00:00Z")), 0);
        let start = ms("2026-12-02T16:30:00Z");
        assert_eq!(utc.elapsed(start, utc.add(start, 5400)), 5400);
    }

    #[test]
    fn daylight_saving_is_local_time() {
        // New York moves to UTC-4 on 2026-03-08: 09:00 local is 14:00Z before and 13:00Z after.
        let ny = Calendar::new("America/New_York", &weekdays("09:00", "17:00")).unwrap();
        assert_eq!(ny.add(ms("2026-03-06T22:00:00Z"), 60), ms("2026-03-09T13:01:00Z"));
        let always = Calendar::new("UTC", &(0..=6).map(|d| day(d, "00:00", "24:00")).collect::<Vec<_>>()).unwrap();
        assert_eq!(always.add(ms("2026-12-01T23:59:00Z"), 120), ms("2026-12-02T00:01:00Z"));
    }

    #[test]
    fn bad_schedules_are_refused_naming_the_interval() {
        let err = |tz: &str, days: Vec<DaySchedule>| Calendar::new(tz, &days).unwrap_err().to_string();
        assert_eq!(
            err("Mars/Olympus", weekdays("09:00", "17:00")),
            "time_zone: \"Mars/Olympus\" is not an IANA time zone"
        );
        assert_eq!(
            err("UTC", vec![day(1, "18:00", "09:00")]),
            "days[0]: end_time must be after start_time"
        );
        assert_eq!(
            err(
                "UTC",
                vec![
                    day(1, "09:00", "12:00"),
                    day(2, "09:00", "12:00"),
                    day(1, "11:00", "13:00")
                ]
            ),
            "days[2]: overlaps days[0] on the same day"
        );
        assert_eq!(
            err("UTC", vec![day(7, "09:00", "12:00")]),
            "days[0]: day_of_week must be 0 (Sunday) to 6 (Saturday)"
        );
        assert_eq!(
            err("UTC", vec![day(1, "9:00", "12:00")]),
            "days[0]: start_time must be HH:MM (00:00 to 23:59)"
        );
        assert_eq!(
            err("UTC", vec![day(1, "09:00", "24:01")]),
            "days[0]: end_time must be HH:MM (00:01 to 24:00)"
        );
        let mut off = day(1, "09:00", "12:00");
        off.is_active = false;
        assert_eq!(err("UTC", vec![off]), "days: at least one active interval is needed");
        // Adjacent intervals are not overlapping.
        assert!(Calendar::new("UTC", &[day(1, "09:00", "12:00"), day(1, "12:00", "13:00")]).is_ok());
    }
}
