//! The run ledger's contract: the in-memory fake and DynamoDB must both pass it (the fake in the
//! unit tests, DynamoDB on moto in `tests/integration`).

use crate::automation::ports::{ActionResult, Claim, Run, RunLedger};
use crate::automation::rule::Trigger;
use crate::automation::walk::Incoming;

fn event(org_id: &str, event_id: &str, hash: &str) -> Incoming {
    Incoming {
        org_id: org_id.into(),
        event_id: event_id.into(),
        trigger: Trigger::MessageReceived,
        conversation_id: Some("cv_1".into()),
        contact_id: None,
        payload_hash: hash.into(),
        cause: None,
        occurred_ms: None,
    }
}

/// Runs the contract on `ledger` in organization `org_id` (fresh per run).
pub async fn ledger_contract(ledger: &dyn RunLedger, org_id: &str) {
    let now = 1_800_000_000_000;
    let first = event(org_id, "message.received:wamid.C1", "h1");
    assert_eq!(ledger.claim(&first, "aut_1", now).await.unwrap(), (Claim::New, now));
    assert_eq!(
        ledger.claim(&first, "aut_1", now + 5).await.unwrap(),
        (Claim::Unfinished, now),
        "claimed, not finished: a rerun keeps its time"
    );
    assert_eq!(
        ledger.claim(&first, "aut_2", now).await.unwrap().0,
        Claim::New,
        "per rule"
    );
    let changed = event(org_id, "message.received:wamid.C1", "h2");
    assert_eq!(
        ledger.claim(&changed, "aut_1", now).await.unwrap().0,
        Claim::PayloadChanged
    );
    let run = Run {
        org_id: org_id.into(),
        rule_id: "aut_1".into(),
        rule_name: "r".into(),
        event_id: first.event_id.clone(),
        event_type: "message.received".into(),
        conversation_id: Some("cv_1".into()),
        matched: true,
        executed: true,
        skipped: None,
        results: vec![ActionResult {
            action: "resolve".into(),
            ok: true,
            detail: "resolved".into(),
        }],
        at_ms: now,
    };
    ledger.record(&run).await.unwrap();
    assert_eq!(
        ledger.claim(&first, "aut_1", now + 10).await.unwrap(),
        (Claim::Done, now)
    );

    // Cooldowns: held by one event until their time; the holder may take it again.
    let second = event(org_id, "message.received:wamid.C2", "h");
    assert!(
        ledger
            .cooldown(&first, "aut_1", "cv_1", now + 1_000, now)
            .await
            .unwrap()
    );
    assert!(
        ledger
            .cooldown(&first, "aut_1", "cv_1", now + 1_000, now + 1)
            .await
            .unwrap()
    );
    assert!(
        !ledger
            .cooldown(&second, "aut_1", "cv_1", now + 2_000, now + 500)
            .await
            .unwrap()
    );
    assert!(
        ledger
            .cooldown(&second, "aut_1", "cv_2", now + 2_000, now + 500)
            .await
            .unwrap(),
        "per subject"
    );
    assert!(
        ledger
            .cooldown(&second, "aut_1", "cv_1", now + 3_000, now + 1_000)
            .await
            .unwrap(),
        "lapsed"
    );
}

/// The failure streak: a failure adds one once per event, a success ends it, the alert mark holds
/// until the streak ends.
pub async fn streak_contract(ledger: &dyn RunLedger, org_id: &str) {
    let s1 = ledger.streak(org_id, "aut_s", "e1", true).await.unwrap();
    assert_eq!((s1.failures, s1.since_event.as_str(), s1.alerted), (1, "e1", false));
    let again = ledger.streak(org_id, "aut_s", "e1", true).await.unwrap();
    assert_eq!(again.failures, 1, "a redelivery counts once");
    let s2 = ledger.streak(org_id, "aut_s", "e2", true).await.unwrap();
    assert_eq!((s2.failures, s2.since_event.as_str()), (2, "e1"));
    ledger.alerted(org_id, "aut_s").await.unwrap();
    assert!(ledger.streak(org_id, "aut_s", "e2", true).await.unwrap().alerted);
    let ended = ledger.streak(org_id, "aut_s", "e3", false).await.unwrap();
    assert_eq!((ended.failures, ended.alerted), (0, false));
    let next = ledger.streak(org_id, "aut_s", "e4", true).await.unwrap();
    assert_eq!(
        (next.failures, next.since_event.as_str(), next.alerted),
        (1, "e4", false)
    );
    let other = ledger.streak(org_id, "aut_other", "e4", true).await.unwrap();
    assert_eq!(other.failures, 1, "per rule");
}

/// The contract of [`crate::automation::waits::WaitBook`], in organization `org_id` (fresh per
/// run): the first unanswered message's wait stays until the awaited party writes; each change
/// applies only to the wait as it was read.
pub async fn wait_book_contract(book: &dyn crate::automation::waits::WaitBook, org_id: &str) {
    use crate::automation::waits::{Side, Wait};
    let t0 = 1_800_000_000_000;
    let wait = Wait {
        org_id: org_id.into(),
        conversation_id: "cv_w".into(),
        side: Side::Agent,
        since_ms: t0,
        waits: vec![15, 60],
        next: 0,
    };
    let read = || book.wait(org_id, "cv_w", Side::Agent);
    assert!(book.arm(&wait, None).await.unwrap());
    assert_eq!(read().await.unwrap(), Some(wait.clone()));
    assert_eq!(
        book.wait(org_id, "cv_w", Side::Customer).await.unwrap(),
        None,
        "per side"
    );
    let later = Wait {
        since_ms: t0 + 60_000,
        ..wait.clone()
    };
    assert!(
        !book.arm(&later, None).await.unwrap(),
        "the first unanswered message stays"
    );
    assert!(
        !book.arm(&later, Some(t0 - 1)).await.unwrap(),
        "answered before it began: still running"
    );
    assert!(book.advance(&wait).await.unwrap());
    assert!(!book.advance(&wait).await.unwrap(), "advanced once for one reading");
    let advanced = read().await.unwrap().unwrap();
    assert_eq!((advanced.next, advanced.due_ms()), (1, Some(t0 + 60 * 60_000)));
    assert!(book.advance(&advanced).await.unwrap());
    let spent = read().await.unwrap().unwrap();
    assert_eq!((spent.next, spent.due_ms()), (2, None), "spent, kept until answered");
    assert!(
        !book.arm(&later, None).await.unwrap(),
        "a spent wait still holds its start"
    );
    assert!(
        book.arm(&later, Some(t0 + 1)).await.unwrap(),
        "answered since: a new wait"
    );
    assert!(!book.end(&wait).await.unwrap(), "the old wait's end leaves the new one");
    assert_eq!(read().await.unwrap(), Some(later.clone()));
    assert!(book.end(&later).await.unwrap());
    assert_eq!(read().await.unwrap(), None);
}
