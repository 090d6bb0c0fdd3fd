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

/// Sends the window still allows: `None` without a limit.
pub fn allowance(limit: Option<u32>, used: u64) -> Option<u64> {
    limit.map(|limit| (limit as u64).saturating_sub(used))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_last_24_clock_hours_and_frees_up_as_they_age() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T14:20:00Z")
            .unwrap()
            .timestamp_millis();
        let hours = window_hours(now);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours.first().unwrap(), "2026-11-29T15");
        assert_eq!(hours.last().unwrap(), &current_hour(now));
        assert_eq!(allowance(Some(250), 240), Some(10));
        assert_eq!(allowance(Some(250), 300), Some(0));
        assert_eq!(allowance(None, 1_000_000), None);
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
