//! The send ledger's contract: what the sender relies on, asserted alike of `OutboundStore` (on
//! moto, `tests/integration/contracts.rs`) and `MemoryOutbound` (below), so the fake the sender's
//! unit tests run on cannot drift from DynamoDB.

use crate::inbox::outbound_store::{ClaimOutcome, PendingSend};
use crate::inbox::send_policy::{SendState, UNCONFIRMED_FAILURE_RANK};
use crate::inbox::send_port::{PendingSweeps, SendLedger};
use crate::meta::{DeliveryStatus, MetaError};
use crate::platform::table::Key;

async fn read(ledger: &dyn SendLedger, key: &Key) -> PendingSend {
    ledger.pending(key).await.expect("pending").expect("the message exists")
}

async fn claimed(ledger: &dyn SendLedger, org_id: &str, key: &Key) -> (PendingSend, i64) {
    match ledger.claim(org_id, key).await.expect("claim") {
        ClaimOutcome::Claimed(pending) => match pending.state {
            SendState::Sending { claimed_ms } => (pending, claimed_ms),
            other => panic!("a claimed message is sending, not {other:?}"),
        },
        other => panic!("a queued message is claimed, not {other:?}"),
    }
}

fn refusal(code: i64) -> MetaError {
    MetaError {
        code,
        title: Some(format!("refused ({code})")),
        message: None,
        details: None,
    }
}

/// `first` and `second`: two queued outbound messages of `org_id`, never claimed. `missing`: a
/// message key nothing is stored under.
pub async fn send_ledger_contract(ledger: &dyn SendLedger, org_id: &str, first: &Key, second: &Key, missing: &Key) {
    // Read as stored: queued, with its job, no attempt yet.
    let queued = read(ledger, first).await;
    assert!(
        matches!(queued.state, SendState::Queued { requeues: 0, .. }),
        "{:?}",
        queued.state
    );
    assert_eq!(queued.attempts, 0);
    assert!(queued.job.is_some(), "the job is kept on the message");
    assert!(ledger.pending(missing).await.unwrap().is_none());
    assert_eq!(ledger.claim(org_id, missing).await.unwrap(), ClaimOutcome::Missing);

    // One claim wins; a second finds it sending.
    let (claim, claimed_ms) = claimed(ledger, org_id, first).await;
    assert_eq!(claim.attempts, 1, "a claim counts an attempt");
    assert_eq!(claim.message.status, "sending");
    match ledger.claim(org_id, first).await.unwrap() {
        ClaimOutcome::NotQueued(pending) => {
            assert_eq!(pending.state, SendState::Sending { claimed_ms })
        }
        other => panic!("a second claim is refused, not {other:?}"),
    }

    // Only the claim's holder gives it back.
    assert!(
        !ledger.release(&claim, claimed_ms + 1).await.unwrap(),
        "another claim's release"
    );
    assert!(ledger.release(&claim, claimed_ms).await.unwrap());
    let released = read(ledger, first).await;
    assert!(
        matches!(released.state, SendState::Queued { .. }),
        "{:?}",
        released.state
    );
    assert!(!ledger.release(&claim, claimed_ms).await.unwrap(), "released twice");

    // Claimed again (a second attempt), then no answer: unknown, by the holder only.
    let (claim, claimed_ms) = claimed(ledger, org_id, first).await;
    assert_eq!(claim.attempts, 2);
    assert!(!ledger.mark_unknown(&claim, claimed_ms - 1).await.unwrap());
    assert!(ledger.mark_unknown(&claim, claimed_ms).await.unwrap());
    let unknown = read(ledger, first).await;
    assert!(
        matches!(unknown.state, SendState::Unknown { .. }),
        "{:?}",
        unknown.state
    );
    assert!(
        !ledger.release(&claim, claimed_ms).await.unwrap(),
        "unknown is never given back"
    );

    // Failed unconfirmed from unknown, once; ranked below sent, with Meta's error.
    assert!(ledger.fail(&unknown, &refusal(0), false).await.unwrap());
    assert!(
        !ledger.fail(&unknown, &refusal(0), false).await.unwrap(),
        "failed twice"
    );
    let failed = read(ledger, first).await;
    assert_eq!(failed.message.status, "failed");
    assert_eq!(failed.message.status_rank, UNCONFIRMED_FAILURE_RANK);
    assert_eq!(failed.message.status_errors, vec![refusal(0)]);
    assert_eq!(failed.state, SendState::Settled);

    // Meta's late answer still wins over an unconfirmed failure; once.
    assert!(ledger.record_sent(&failed, "wamid.contract1").await.unwrap());
    let sent = read(ledger, first).await;
    assert_eq!(sent.message.status, "sent");
    assert_eq!(sent.message.status_rank, DeliveryStatus::Sent.rank());
    assert_eq!(sent.message.wamid.as_deref(), Some("wamid.contract1"));
    assert!(
        !ledger.record_sent(&failed, "wamid.contract1").await.unwrap(),
        "recorded twice"
    );
    assert!(matches!(
        ledger.claim(org_id, first).await.unwrap(),
        ClaimOutcome::NotQueued(_)
    ));

    // A confirmed failure is final: a later accepted answer does not undo it.
    let (claim, _) = claimed(ledger, org_id, second).await;
    assert!(ledger.fail(&claim, &refusal(131026), true).await.unwrap());
    assert!(!ledger.record_sent(&claim, "wamid.contract2").await.unwrap());
    let failed = read(ledger, second).await;
    assert_eq!(failed.message.status, "failed");
    assert_eq!(failed.message.status_rank, DeliveryStatus::Failed.rank());
    assert_eq!(failed.message.wamid, None);
}

/// A queued text to `to` in the conversation, as an agent's reply is composed.
pub fn queued_text(
    org_id: &str,
    conversation_id: &str,
    account_id: &str,
    to: &str,
) -> (Key, crate::inbox::Message, crate::inbox::outbound::OutboundJob) {
    crate::inbox::compose::queued_message(
        crate::inbox::compose::Composed {
            origin: crate::inbox::origin::Origin::agent(None),
            org_id,
            conversation_id,
            account_id,
            to,
            message_type: "text",
            content: &crate::meta::Content::Text {
                body: "the contract's message".into(),
            },
            reply_to: None,
        },
        chrono::Utc::now(),
    )
}

/// `queued`: a queued outbound message never claimed nor re-queued (it is left claimed).
pub async fn pending_sweeps_contract(sweeps: &dyn PendingSweeps, org_id: &str, queued: &Key) {
    let pending = read(sweeps, queued).await;
    let due = pending.state.due_ms().expect("a queued message is looked at later");
    let shard = crate::platform::table::shard_of(&pending.message.message_id, crate::platform::table::SEND_SHARDS);
    let ids = |found: Vec<PendingSend>| found.into_iter().map(|p| p.key).collect::<Vec<_>>();
    assert!(
        !ids(sweeps.due(shard, due - 1, 100).await.expect("due")).contains(queued),
        "not before"
    );
    assert!(
        ids(sweeps.due(shard, due, 100).await.expect("due")).contains(queued),
        "due then"
    );
    let other = (shard + 1) % crate::platform::table::SEND_SHARDS;
    assert!(
        !ids(sweeps.due(other, due, 100).await.expect("due")).contains(queued),
        "one shard"
    );

    // Re-queued: looked at again later, and counted.
    assert!(sweeps.requeued(&pending).await.expect("requeue"));
    let again = read(sweeps, queued).await;
    assert!(
        matches!(again.state, SendState::Queued { requeues: 1, .. }),
        "{:?}",
        again.state
    );
    let next = again.state.due_ms().expect("still looked at");
    assert!(next > due, "spaced further: {next} after {due}");
    assert!(!ids(sweeps.due(shard, due, 100).await.expect("due")).contains(queued));
    assert!(ids(sweeps.due(shard, next, 100).await.expect("due")).contains(queued));

    // Claimed meanwhile: no longer the sweeper's to re-queue.
    claimed(sweeps, org_id, queued).await;
    assert!(
        !sweeps.requeued(&again).await.expect("requeue"),
        "a claimed message is not re-queued"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::send_memory::MemoryOutbound;
    use crate::platform::clock::Clock;

    #[tokio::test]
    async fn the_memory_ledger_keeps_the_contract() {
        let ledger = MemoryOutbound::new(Clock::system());
        let first = ledger.queue(queued_text("org_c", "conv_c", "acc_c", "15550001"));
        let second = ledger.queue(queued_text("org_c", "conv_c", "acc_c", "15550001"));
        let missing = crate::platform::table::message("org_c", "conv_c", 1, "msg_none");
        send_ledger_contract(&ledger, "org_c", &first, &second, &missing).await;
        let third = ledger.queue(queued_text("org_c", "conv_c", "acc_c", "15550001"));
        pending_sweeps_contract(&ledger, "org_c", &third).await;
    }
}
