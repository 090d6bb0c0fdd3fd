//! What follows one delivery attempt, decided from its answer alone: done, another attempt after
//! a delay (the schedule below, ±10 % jitter, `Retry-After` honoured within it), failed for good,
//! or the endpoint gone. Where a retry waits (SQS's delay up to 15 minutes, the due index past it)
//! and when an endpoint that keeps failing is switched off are decided here too.

/// Attempts per delivery: the first, then one after each delay of [`RETRY_DELAYS_S`].
pub const MAX_ATTEMPTS: u32 = 8;
/// The wait after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27.6 h).
pub const RETRY_DELAYS_S: [u32; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// SQS's longest message delay: waits past it go through the due index.
pub const MAX_QUEUE_DELAY_S: u32 = 900;
/// A retry waiting in the queue is also indexed this long after it is due: should its job be
/// lost, the due index brings it back.
pub const QUEUED_RETRY_SAFETY_MS: i64 = 120_000;
/// After the due index hands a delivery to the queue, its entry moves this far on, again only as
/// a safety net.
pub const REQUEUED_SAFETY_MS: i64 = 15 * 60 * 1000;
/// An endpoint without a success for this long is disabled at its next failure.
pub const DISABLE_AFTER_FAILING_MS: i64 = 5 * 24 * 60 * 60 * 1000;
/// Delivery records are kept this long (DynamoDB TTL).
pub const DELIVERY_RETENTION_S: i64 = 30 * 24 * 60 * 60;
/// How much of an answer's body a delivery record keeps.
pub const MAX_STORED_ANSWER_BYTES: usize = 2 * 1024;

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered with this status (`retry_after_s` from a 429/503's `Retry-After`).
    Status { code: u16, retry_after_s: Option<u32> },
    /// No answer: refused, reset, TLS failure, or timed out. `unknown` when the request may have
    /// reached the receiver (a timeout after sending it): the retry may be a duplicate there, and
    /// carries the same `webhook-id`.
    NoAnswer { reason: String, unknown: bool },
    /// The URL is not (or no longer) one we may reach: no retry can help.
    Refused { reason: String },
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Succeeded,
    /// Try again after this many seconds.
    RetryIn {
        seconds: u32,
    },
    /// No further attempt: out of attempts, or one that cannot succeed.
    Failed,
    /// 410 Gone: fail the delivery and disable the endpoint.
    EndpointGone,
}

/// The decision after attempt `attempt` (1-based) of `max_attempts`. `jitter` in [-1, 1] spreads
/// the delay by up to ±10 % so a recovered endpoint is not hit by every retry at once.
pub fn after_attempt(attempt: u32, max_attempts: u32, answer: &Answer, jitter: f64) -> Next {
    let retry_after = match answer {
        Answer::Status { code, .. } if (200..300).contains(code) => return Next::Succeeded,
        Answer::Status { code: 410, .. } => return Next::EndpointGone,
        Answer::Refused { .. } => return Next::Failed,
        Answer::Status {
            code: 429 | 503,
            retry_after_s,
        } => *retry_after_s,
        _ => None,
    };
    if attempt >= max_attempts {
        return Next::Failed;
    }
    let step = RETRY_DELAYS_S
        .get(attempt.saturating_sub(1) as usize)
        .copied()
        .unwrap_or(RETRY_DELAYS_S[RETRY_DELAYS_S.len() - 1]);
    let jittered = (f64::from(step) * (1.0 + 0.1 * jitter.clamp(-1.0, 1.0))).round() as u32;
    let seconds = match retry_after {
        // The receiver's own wait, but never past the schedule's step.
        Some(asked) => asked.min(jittered),
        None => jittered,
    };
    Next::RetryIn {
        seconds: seconds.max(1),
    }
}

/// Where a retry waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryRoute {
    /// A delayed SQS message.
    Queue { delay_s: u32 },
    /// The due index, read every minute.
    DueIndex,
}

pub fn retry_route(delay_s: u32) -> RetryRoute {
    if delay_s <= MAX_QUEUE_DELAY_S {
        RetryRoute::Queue { delay_s }
    } else {
        RetryRoute::DueIndex
    }
}

/// When the due index should hold a retry due at `due_ms` after `delay_s`.
pub fn index_at(due_ms: i64, delay_s: u32) -> i64 {
    match retry_route(delay_s) {
        RetryRoute::Queue { .. } => due_ms + QUEUED_RETRY_SAFETY_MS,
        RetryRoute::DueIndex => due_ms,
    }
}

/// Whether a failure now disables an endpoint failing since `failing_since_ms` (no success since).
pub fn failing_too_long(failing_since_ms: Option<i64>, now_ms: i64) -> bool {
    failing_since_ms.is_some_and(|since| now_ms - since >= DISABLE_AFTER_FAILING_MS)
}

/// The first bytes of an answer's body kept on the record, cut at a character boundary.
pub fn stored_answer(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_STORED_ANSWER_BYTES)]);
    let mut end = text.len().min(MAX_STORED_ANSWER_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Answer {
        Answer::Status {
            code,
            retry_after_s: None,
        }
    }

    #[test]
    fn the_schedule_runs_about_27_hours_over_eight_attempts() {
        let mut total = 0u64;
        for attempt in 1..MAX_ATTEMPTS {
            match after_attempt(attempt, MAX_ATTEMPTS, &status(500), 0.0) {
                Next::RetryIn { seconds } => total += u64::from(seconds),
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
        assert_eq!(total, 5 + 300 + 1_800 + 7_200 + 18_000 + 36_000 + 36_000);
        assert!((27 * 3600..28 * 3600).contains(&total));
        assert_eq!(
            after_attempt(MAX_ATTEMPTS, MAX_ATTEMPTS, &status(500), 0.0),
            Next::Failed
        );
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        assert_eq!(after_attempt(2, 8, &status(500), 1.0), Next::RetryIn { seconds: 330 });
        assert_eq!(after_attempt(2, 8, &status(500), -1.0), Next::RetryIn { seconds: 270 });
        assert_eq!(after_attempt(2, 8, &status(500), 7.0), Next::RetryIn { seconds: 330 });
    }

    #[test]
    fn answers_decide_the_next_step() {
        assert_eq!(after_attempt(1, 8, &status(204), 0.0), Next::Succeeded);
        assert_eq!(after_attempt(3, 8, &status(410), 0.0), Next::EndpointGone);
        assert_eq!(
            after_attempt(1, 8, &status(301), 0.0),
            Next::RetryIn { seconds: 5 },
            "redirects are not followed"
        );
        assert_eq!(after_attempt(1, 8, &status(400), 0.0), Next::RetryIn { seconds: 5 });
        let timeout = Answer::NoAnswer {
            reason: "timed out".into(),
            unknown: true,
        };
        assert_eq!(after_attempt(1, 8, &timeout, 0.0), Next::RetryIn { seconds: 5 });
        let refused = Answer::Refused {
            reason: "private".into(),
        };
        assert_eq!(after_attempt(1, 8, &refused, 0.0), Next::Failed);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_step() {
        let asked = |s| Answer::Status {
            code: 429,
            retry_after_s: Some(s),
        };
        assert_eq!(after_attempt(3, 8, &asked(60), 0.0), Next::RetryIn { seconds: 60 });
        assert_eq!(
            after_attempt(3, 8, &asked(99_999), 0.0),
            Next::RetryIn { seconds: 1_800 }
        );
        let ignored = Answer::Status {
            code: 500,
            retry_after_s: Some(1),
        };
        assert_eq!(after_attempt(3, 8, &ignored, 0.0), Next::RetryIn { seconds: 1_800 });
    }

    #[test]
    fn long_waits_go_through_the_due_index_and_five_failing_days_disable() {
        assert_eq!(retry_route(300), RetryRoute::Queue { delay_s: 300 });
        assert_eq!(retry_route(900), RetryRoute::Queue { delay_s: 900 });
        assert_eq!(retry_route(1_800), RetryRoute::DueIndex);
        let day = 24 * 3600 * 1000;
        assert!(!failing_too_long(None, 10 * day));
        assert!(!failing_too_long(Some(0), 5 * day - 1));
        assert!(failing_too_long(Some(0), 5 * day));
    }

    #[test]
    fn stored_answers_are_cut_at_two_kilobytes_on_a_character() {
        let body = "é".repeat(2_000);
        let kept = stored_answer(body.as_bytes());
        assert!(kept.len() <= MAX_STORED_ANSWER_BYTES);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
