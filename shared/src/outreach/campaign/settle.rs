//! The campaign end's sweep, decided without I/O: once every recipient was fed, the recipient
//! partition is read a page at a time from the sweep's own cursor; each unsettled recipient may
//! need a push (a dead claim becomes `unknown`, an `unknown` without a status for the settle
//! period fails unconfirmed), and the campaign completes only when one whole sweep found none
//! open. Settled is final (no recipient goes back from `sent` or `failed`), so a sweep that found
//! every recipient settled when it read it proves the campaign is done.

use super::Recipient;
use crate::inbox::send_policy::{CLAIM_STALE_AFTER_MS, SETTLE_PERIOD_MS};

/// Recipients one sweep step reads at most (one Query page).
pub const SETTLE_PAGE: i32 = 1_000;

/// What the sweep does to one unsettled recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// Its claim's holder died before answering: the send may have reached Meta.
    MarkUnknown,
    /// No answer and no status within the settle period: failed, unconfirmed.
    FailUnconfirmed,
    /// Still on its way (or pending, for the feed to take again): left as it is.
    Wait,
}

pub fn push(recipient: &Recipient, now_ms: i64) -> Push {
    let claimed = recipient.send_claimed_ms.unwrap_or(now_ms);
    match recipient.status.as_str() {
        "sending" if now_ms - claimed > CLAIM_STALE_AFTER_MS => Push::MarkUnknown,
        "unknown" if now_ms - claimed > SETTLE_PERIOD_MS => Push::FailUnconfirmed,
        _ => Push::Wait,
    }
}

/// Whether a recipient is still open after its push.
pub fn open_after(push: Push) -> bool {
    push != Push::FailUnconfirmed
}

/// Where the sweep goes after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepNext {
    /// Read on from `cursor` at once, `open` recipients found so far in this sweep.
    Continue { cursor: String, open: u32 },
    /// A whole sweep found every recipient settled.
    Complete,
    /// The sweep ended with some still open: start again later.
    Again,
}

/// `open_before`: open recipients found by this sweep's earlier pages; `open_here`: in this page;
/// `last_read`: the page's last phone; `more`: whether recipients follow it.
pub fn sweep_next(open_before: u32, open_here: u32, last_read: Option<String>, more: bool) -> SweepNext {
    let open = open_before.saturating_add(open_here);
    match (more, last_read) {
        (true, Some(cursor)) => SweepNext::Continue { cursor, open },
        _ if open == 0 => SweepNext::Complete,
        _ => SweepNext::Again,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient(status: &str, claimed: Option<i64>) -> Recipient {
        Recipient {
            status: status.into(),
            send_claimed_ms: claimed,
            ..Recipient::pending("org", "cmp", "4915".into(), None, Default::default(), "t")
        }
    }

    #[test]
    fn dead_claims_become_unknown_and_old_unknowns_fail() {
        let now = 10_000_000;
        assert_eq!(push(&recipient("sending", Some(now - 1_000)), now), Push::Wait);
        assert_eq!(
            push(&recipient("sending", Some(now - CLAIM_STALE_AFTER_MS - 1)), now),
            Push::MarkUnknown
        );
        assert_eq!(push(&recipient("unknown", Some(now - 1_000)), now), Push::Wait);
        assert_eq!(
            push(&recipient("unknown", Some(now - SETTLE_PERIOD_MS - 1)), now),
            Push::FailUnconfirmed
        );
        assert_eq!(push(&recipient("pending", None), now), Push::Wait);
        assert!(open_after(Push::MarkUnknown) && open_after(Push::Wait));
        assert!(!open_after(Push::FailUnconfirmed));
    }

    #[test]
    fn only_a_whole_sweep_with_nothing_open_completes() {
        assert_eq!(
            sweep_next(0, 0, Some("49".into()), true),
            SweepNext::Continue {
                cursor: "49".into(),
                open: 0
            }
        );
        assert_eq!(
            sweep_next(2, 1, Some("49".into()), true),
            SweepNext::Continue {
                cursor: "49".into(),
                open: 3
            }
        );
        assert_eq!(sweep_next(0, 0, Some("49".into()), false), SweepNext::Complete);
        assert_eq!(sweep_next(0, 0, None, false), SweepNext::Complete);
        assert_eq!(sweep_next(1, 0, Some("49".into()), false), SweepNext::Again);
        assert_eq!(sweep_next(0, 1, None, false), SweepNext::Again);
    }
}
