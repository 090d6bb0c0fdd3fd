//! A customer's edits and deletions: applied to the original once however often Meta delivers
//! them, never stored as messages of their own; one that comes before its original waits for it,
//! and on its record's last receive is kept as an orphan for operators (no failure, no dead letter).

use super::*;

fn edit(wamid: &str, timestamp: i64, original: &str, body: &str) -> Vec<u8> {
    notification(
        json!([customer_message(
            wamid,
            timestamp,
            "edit",
            json!({"original_message_id": original, "message": {"type": "text", "text": {"body": body}}})
        )]),
        Value::Null,
    )
}

#[tokio::test]
async fn an_edit_and_a_revoke_change_the_original_message_once() {
    let rig = rig();
    let now = rig.now_s();
    rig.deliver(&text("wamid.original", now, "I want the blue one")).await;
    for _ in 0..2 {
        let (response, summary) = rig
            .deliver(&edit("wamid.edit-1", now + 10, "wamid.original", "I want the navy one"))
            .await;
        assert!(response.batch_item_failures.is_empty());
        assert_eq!((summary.changes_applied, summary.messages_stored), (1, 0));
    }
    let messages = rig.inbox.messages(ORG);
    assert_eq!(messages.len(), 1, "the change is not a message of its own");
    assert_eq!(
        messages[0].content,
        shared::meta::Content::Text {
            body: "I want the navy one".into()
        }
    );
    assert!(messages[0].edited_at.is_some());
    assert_eq!(messages[0].previous_contents.len(), 1, "applied once");

    let revoke = notification(
        json!([customer_message(
            "wamid.revoke-1",
            now + 20,
            "revoke",
            json!({"original_message_id": "wamid.original"})
        )]),
        Value::Null,
    );
    let (_, summary) = rig.deliver(&revoke).await;
    assert_eq!(summary.changes_applied, 1);
    let messages = rig.inbox.messages(ORG);
    assert!(matches!(messages[0].content, shared::meta::Content::Revoke { .. }));
    assert!(messages[0].revoked_at.is_some());
    assert_eq!(messages[0].previous_contents.len(), 2, "both earlier contents kept");

    let mut changes: Vec<String> = rig
        .events()
        .into_iter()
        .filter(|e| e.starts_with("message.edited") || e.starts_with("message.revoked"))
        .collect();
    changes.dedup();
    assert_eq!(
        changes,
        ["message.edited:wamid.edit-1", "message.revoked:wamid.revoke-1"]
    );
}

#[tokio::test]
async fn an_edit_before_its_original_waits_longer_each_receive_then_is_kept_as_an_orphan() {
    let rig = rig();
    let now = rig.now_s();
    let orphan = edit("wamid.edit-2", now, "wamid.never", "x");
    for receives in 1..MAX_RECEIVES {
        let (response, summary) = rig.deliver_on(&orphan, receives).await;
        assert_eq!(response.batch_item_failures.len(), 1, "waits for its original");
        assert_eq!(summary.orphan_changes, 0);
    }
    let waits: Vec<u32> = rig.queue.retries.lock().unwrap().iter().map(|(_, s)| *s).collect();
    assert_eq!(
        waits,
        (1..MAX_RECEIVES).map(|r| ORIGINAL_WAIT_SECONDS * r).collect::<Vec<_>>(),
        "longer each time"
    );
    let (response, summary) = rig.deliver_on(&orphan, MAX_RECEIVES).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "no failure on the last receive"
    );
    assert_eq!((summary.orphan_changes, summary.failed_records), (1, 0));
    assert!(rig.dead_letters().is_empty(), "nothing dead-lettered");
    assert_eq!(
        rig.inbox.orphan_changes(ORG),
        [("wamid.edit-2".to_string(), "wamid.never".to_string())]
    );
    assert!(rig.inbox.messages(ORG).is_empty(), "nothing else stored");
    assert!(rig.events().is_empty());
}
