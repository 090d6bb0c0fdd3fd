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
