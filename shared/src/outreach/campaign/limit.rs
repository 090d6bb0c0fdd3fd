//! Meta's messaging limit: business-initiated conversations with unique customers per rolling
//! 24 hours, per portfolio. The fan-out counts what it queues per clock hour and account, and stays
//! within the last 24 hours' allowance; counting sends, not unique customers, it errs on the safe
//! side (a customer reached twice in a day counts twice here, once at Meta).

use chrono::{DateTime, Duration, Timelike, Utc};

const HOUR_MS: i64 = 3_600_000;

fn hour_of(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H")
        .to_string()
}

/// The 24 clock hours (UTC, `yyyy-mm-ddThh`) of the window ending at `now_ms`, oldest first; the
/// last is the current hour.
pub fn window_hours(now_ms: i64) -> Vec<String> {
    (0..24).rev().map(|back| hour_of(now_ms - back * HOUR_MS)).collect()
}

/// The hour `now_ms` falls in, as [`window_hours`] names it.
pub fn current_hour(now_ms: i64) -> String {
    hour_of(now_ms)
}

/// When room frees up: the oldest hour that holds sends leaves the window 24 hours after it began
/// plus one hour. `usage` is (hour, sends) for the window's hours.
pub fn frees_at_ms(usage: &[(String, u64)], now_ms: i64) -> i64 {
    let oldest = usage
        .iter()
        .filter(|(_, sends)| *sends > 0)
        .filter_map(|(hour, _)| {
            chrono::NaiveDateTime::parse_from_str(&format!("{hour}:00:00"), "%Y-%m-%dT%H:%M:%S").ok()
        })
        .min();
    match oldest {
        Some(start) => (start.and_utc() + Duration::hours(25)).timestamp_millis(),
        None => {
            let now = DateTime::<Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
            (now + Duration::minutes(60 - now.minute() as i64)).timestamp_millis()
        }
    }
}

/// A share of the window to take before queueing: `sends`, on the condition that the current
/// hour holds at most `current_at_most` when they are added (one conditional atomic add; only the
/// current hour's count still moves, so concurrent feeds of one number cannot pass the limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub sends: u64,
    pub current_at_most: u64,
}

/// What a feed step may reserve of `limit` with `usage` (the window's hours, the current one
/// last) when it wants `wanted`: `None` when the window is full.
pub fn reservation(limit: u32, usage: &[(String, u64)], wanted: u64) -> Option<Reservation> {
    let (current, earlier) = usage.split_last()?;
    let earlier: u64 = earlier.iter().map(|(_, sends)| sends).sum();
    let room_this_hour = (limit as u64).saturating_sub(earlier);
    let sends = wanted.min(room_this_hour.saturating_sub(current.1));
    (sends > 0).then_some(Reservation {
        sends,
        current_at_most: room_this_hour - sends,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reservation_takes_what_the_window_leaves_and_guards_the_current_hour() {
        let usage = |counts: &[u64]| -> Vec<(String, u64)> {
            counts.iter().enumerate().map(|(i, c)| (format!("h{i}"), *c)).collect()
        };
        // 200 earlier, 30 this hour: 20 left of 250; the add holds only while the hour has <= 30.
        assert_eq!(
            reservation(250, &usage(&[150, 50, 30]), 100),
            Some(Reservation {
                sends: 20,
                current_at_most: 30
            })
        );
        assert_eq!(
            reservation(250, &usage(&[0, 0, 0]), 100),
            Some(Reservation {
                sends: 100,
                current_at_most: 150
            })
        );
        assert_eq!(reservation(250, &usage(&[200, 50]), 10), None, "full");
        assert_eq!(reservation(250, &usage(&[300, 0]), 10), None, "over (a lowered limit)");
        assert_eq!(reservation(250, &[], 10), None);
    }

    #[test]
    fn the_window_is_the_last_24_clock_hours_and_frees_up_as_they_age() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T14:20:00Z")
            .unwrap()
            .timestamp_millis();
        let hours = window_hours(now);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours.first().unwrap(), "2026-11-29T15");
        assert_eq!(hours.last().unwrap(), &current_hour(now));
        let usage = vec![
            ("2026-11-29T15".to_string(), 0),
            ("2026-11-29T18".to_string(), 200),
            ("2026-11-30T14".to_string(), 50),
        ];
        let frees = frees_at_ms(&usage, now);
        assert_eq!(
            DateTime::<Utc>::from_timestamp_millis(frees).unwrap().to_rfc3339(),
            "2026-11-30T19:00:00+00:00",
            "the 18:00 hour's sends leave the window at 19:00 the next day"
        );
    }
}
