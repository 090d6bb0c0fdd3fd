//! What becomes of an outbound message whose send did not end cleanly, free of I/O. The sender
//! (holding a job of the message) and the sweeper (finding the message overdue in the pending-sends
//! index) both ask these functions and only carry out the answer.
//!
//! States: `queued` → `sending` (claimed just before the Graph call) → `sent` / `failed`, or
//! `unknown` when the request may have reached Meta but no answer came back. The rules:
//! - A fresh claim belongs to a live invocation: wait for it. A claim older than
//!   [`CLAIM_STALE_AFTER_MS`] (the sender's timeout plus a margin) belongs to a dead one; as the claim
//!   is taken right before the request leaves, the request may have left: the message becomes
//!   `unknown`, never `queued` again.
//! - `unknown` is settled by Meta's status webhook (it echoes our message id in
//!   `biz_opaque_callback_data`); without one within [`SETTLE_PERIOD_MS`] the message is `failed`
//!   with that reason, at a rank below `sent`, so a status that arrives later still wins.
//! - A message still `queued` [`QUEUED_GRACE_MS`] after it was stored has lost its job (the API
//!   could not queue it, or the job was dead-lettered): it is queued again, with growing spacing,
//!   and `failed` once it is [`MAX_QUEUED_MS`] old. A duplicate job is harmless: only one claim wins.
//!
//! Nothing is ever resent automatically once it may have reached Meta.

/// Older claims are taken over: the sender's 30 s timeout (template.yaml) plus a minute.
pub const CLAIM_STALE_AFTER_MS: i64 = 90_000;
/// How long an `unknown` send waits for a status webhook before it is `failed`.
pub const SETTLE_PERIOD_MS: i64 = 15 * 60_000;
/// A `queued` message older than this without a send has lost its job.
pub const QUEUED_GRACE_MS: i64 = 5 * 60_000;
/// Longest spacing between two re-queues of one message.
pub const MAX_REQUEUE_SPACING_MS: i64 = 60 * 60_000;
/// A message not sent within this long after it was stored is `failed`.
pub const MAX_QUEUED_MS: i64 = 24 * 3_600_000;
/// Rank of a `failed` that Meta did not confirm (no answer, no status): below `sent` (10).
pub const UNCONFIRMED_FAILURE_RANK: u8 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    Queued {
        created_ms: i64,
        requeues: u32,
    },
    Sending {
        claimed_ms: i64,
    },
    Unknown {
        since_ms: i64,
    },
    /// Sent, failed, or further on: nothing left to do.
    Settled,
}

impl SendState {
    /// The `status` a message in this state is stored with (a settled one: `sent` at least).
    pub fn status(self) -> &'static str {
        match self {
            Self::Queued { .. } => "queued",
            Self::Sending { .. } => "sending",
            Self::Unknown { .. } => "unknown",
            Self::Settled => "sent",
        }
    }

    /// The state of a stored message from its `status` and send attributes.
    pub fn of(
        status: &str,
        created_ms: i64,
        claimed_ms: Option<i64>,
        unknown_since_ms: Option<i64>,
        requeues: u32,
    ) -> Self {
        match status {
            "queued" => Self::Queued { created_ms, requeues },
            "sending" => Self::Sending {
                claimed_ms: claimed_ms.unwrap_or(created_ms),
            },
            "unknown" => Self::Unknown {
                since_ms: unknown_since_ms.unwrap_or(created_ms),
            },
            _ => Self::Settled,
        }
    }

    /// When the sweeper must look at a message in this state; `None` takes it out of the index.
    pub fn due_ms(&self) -> Option<i64> {
        match *self {
            Self::Queued { created_ms, requeues } => Some(created_ms + requeue_spacing(requeues)),
            Self::Sending { claimed_ms } => Some(claimed_ms + CLAIM_STALE_AFTER_MS),
            Self::Unknown { since_ms } => Some(since_ms + SETTLE_PERIOD_MS),
            Self::Settled => None,
        }
    }
}

/// Time from storing a message to its `requeues + 1`-th re-queue: 5 min, then doubling spacing,
/// spaced at most an hour.
fn requeue_spacing(requeues: u32) -> i64 {
    (0..=requeues.min(32))
        .map(|n| (QUEUED_GRACE_MS << n.min(8)).min(MAX_REQUEUE_SPACING_MS))
        .sum()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Claim it and send it.
    Send,
    /// A live invocation holds the claim: look again at this time (epoch ms).
    WaitUntil(i64),
    /// The claim's holder died; the request may have left.
    MarkUnknown,
    /// Give up with this reason.
    Fail {
        reason: String,
        confirmed: bool,
    },
    /// Its job is lost: queue another.
    Requeue,
    Nothing,
}

/// For the sender, which holds a job of the message.
pub fn on_job(state: SendState, now_ms: i64) -> Next {
    match state {
        SendState::Queued { .. } => Next::Send,
        SendState::Sending { claimed_ms } if now_ms < claimed_ms + CLAIM_STALE_AFTER_MS => {
            Next::WaitUntil(claimed_ms + CLAIM_STALE_AFTER_MS)
        }
        SendState::Sending { .. } => Next::MarkUnknown,
        // The sweeper settles it at its due time; the job has nothing more to do.
        SendState::Unknown { .. } | SendState::Settled => Next::Nothing,
    }
}

/// For the sweeper, which found the message due in the pending-sends index.
pub fn on_sweep(state: SendState, now_ms: i64) -> Next {
    match state {
        SendState::Queued { created_ms, .. } if now_ms >= created_ms + MAX_QUEUED_MS => Next::Fail {
            reason: "not sent within 24 hours of being queued".into(),
            confirmed: true,
        },
        SendState::Queued { .. } => Next::Requeue,
        SendState::Unknown { since_ms } if now_ms >= since_ms + SETTLE_PERIOD_MS => Next::Fail {
            reason: format!(
                "Meta did not answer the send and sent no status within {} minutes; it may still have been delivered",
                SETTLE_PERIOD_MS / 60_000
            ),
            confirmed: false,
        },
        other => match on_job(other, now_ms) {
            Next::Send => Next::Requeue,
            next => next,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_800_000_000_000;

    #[test]
    fn the_sender_waits_for_a_live_claim_and_takes_over_a_dead_one_as_unknown() {
        assert_eq!(on_job(SendState::of("queued", T, None, None, 0), T), Next::Send);
        let sending = SendState::of("sending", T - 1_000, Some(T), None, 0);
        assert_eq!(on_job(sending, T + 1_000), Next::WaitUntil(T + CLAIM_STALE_AFTER_MS));
        assert_eq!(on_job(sending, T + CLAIM_STALE_AFTER_MS), Next::MarkUnknown);
        for settled in ["sent", "delivered", "read", "failed"] {
            assert_eq!(on_job(SendState::of(settled, T, Some(T), None, 0), T), Next::Nothing);
        }
        assert_eq!(on_job(SendState::of("unknown", T, None, Some(T), 0), T), Next::Nothing);
    }

    #[test]
    fn the_sweeper_requeues_lost_jobs_settles_unknowns_and_gives_up_in_the_end() {
        let queued = SendState::of("queued", T, None, None, 0);
        assert_eq!(queued.due_ms(), Some(T + QUEUED_GRACE_MS));
        assert_eq!(on_sweep(queued, T + QUEUED_GRACE_MS), Next::Requeue);
        assert_eq!(
            SendState::of("queued", T, None, None, 1).due_ms(),
            Some(T + 3 * QUEUED_GRACE_MS),
            "spacing doubles"
        );
        assert!(
            SendState::of("queued", T, None, None, 30).due_ms().unwrap()
                - SendState::of("queued", T, None, None, 29).due_ms().unwrap()
                <= MAX_REQUEUE_SPACING_MS
        );
        assert!(matches!(
            on_sweep(queued, T + MAX_QUEUED_MS),
            Next::Fail { confirmed: true, .. }
        ));

        let unknown = SendState::of("unknown", T, Some(T), Some(T), 0);
        assert_eq!(unknown.due_ms(), Some(T + SETTLE_PERIOD_MS));
        assert_eq!(on_sweep(unknown, T + 1), Next::Nothing);
        assert!(matches!(
            on_sweep(unknown, T + SETTLE_PERIOD_MS),
            Next::Fail { confirmed: false, .. }
        ));

        let sending = SendState::of("sending", T, Some(T), None, 0);
        assert_eq!(on_sweep(sending, T + CLAIM_STALE_AFTER_MS), Next::MarkUnknown);
        assert_eq!(SendState::Settled.due_ms(), None);
    }

    #[test]
    fn an_unconfirmed_failure_ranks_below_every_status_meta_sends() {
        assert!(UNCONFIRMED_FAILURE_RANK < crate::meta::DeliveryStatus::Sent.rank());
    }
}
