//! "Now", injected: every function and store reads the time through a [`Clock`] (the system's in
//! Lambda), so tests drive time without sleeping and no code keeps its own copy of "now".

use std::sync::Arc;

#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now_ms())
    }
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self::new(|| chrono::Utc::now().timestamp_millis())
    }

    /// A clock that reads `now` (epoch ms) from a function: a test's.
    pub fn new(now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// A clock stopped at `ms`.
    pub fn fixed(ms: i64) -> Self {
        Self::new(move || ms)
    }

    /// Epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }

    /// Now as a UTC date-time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    /// RFC 3339 with milliseconds, UTC (`2026-12-04T10:00:00.000Z`).
    pub fn now_rfc3339(&self) -> String {
        self.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// "Now" of a run started by a scheduled event: the event's `time`, else this clock's.
    pub fn now_for(&self, event: &serde_json::Value) -> i64 {
        crate::platform::tick::event_time_ms(event).unwrap_or_else(|| self.now_ms())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduled_events_time_wins_over_the_clock() {
        let clock = Clock::fixed(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        assert_eq!(clock.now_for(&serde_json::json!({})), 1_000);
        let event = serde_json::json!({"time": "2026-12-04T10:00:00Z"});
        assert_eq!(clock.now_for(&event), 1_796_378_400_000);
        assert_eq!(Clock::fixed(0).now_rfc3339(), "1970-01-01T00:00:00.000Z");
    }
}
