//! A token bucket: at most `burst` at once, refilled at `per_second`. It bounds work that strangers
//! can trigger (a lookup per unknown bearer token, say) to a rate, whatever they send.

use std::sync::Mutex;
use std::time::Instant;

pub struct TokenBucket {
    burst: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(burst: u32, per_second: u32, now: Instant) -> Self {
        Self {
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            state: Mutex::new((f64::from(burst), now)),
        }
    }

    /// Takes one token if there is one at `now`.
    pub fn try_take_at(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (tokens, last) = *state;
        let refilled = (tokens + now.saturating_duration_since(last).as_secs_f64() * self.per_second).min(self.burst);
        let last = last.max(now);
        if refilled >= 1.0 {
            *state = (refilled - 1.0, last);
            true
        } else {
            *state = (refilled, last);
            false
        }
    }

    pub fn try_take(&self) -> bool {
        self.try_take_at(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn takes_the_burst_then_the_refill_rate() {
        let t0 = Instant::now();
        let bucket = TokenBucket::new(5, 2, t0);
        assert_eq!((0..100).filter(|_| bucket.try_take_at(t0)).count(), 5);
        let t1 = t0 + Duration::from_secs(3);
        assert_eq!(
            (0..100).filter(|_| bucket.try_take_at(t1)).count(),
            5,
            "2/s for 3 s, capped at the burst"
        );
        let t2 = t1 + Duration::from_millis(500);
        assert_eq!((0..100).filter(|_| bucket.try_take_at(t2)).count(), 1);
    }

    #[test]
    fn a_clock_going_backwards_grants_nothing_extra() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let bucket = TokenBucket::new(1, 1, t0);
        assert!(bucket.try_take_at(t0));
        assert!(!bucket.try_take_at(t0 - Duration::from_secs(5)));
        assert!(!bucket.try_take_at(t0));
    }
}
