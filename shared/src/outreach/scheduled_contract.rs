//! The contract every [`ScheduledMessages`] keeps, run against the in-memory port (unit tests)
//! and the DynamoDB store on moto (integration tests), so the fake cannot drift from the store.
//! It panics on the first broken promise, naming it.

use crate::inbox::compose::{Composed, queued_message};
use crate::meta::Content;
use crate::outreach::schedule::{ScheduledDue, ScheduledMessage, ScheduledStatus};
use crate::outreach::scheduled_port::{HandOver, QueuedSend, ScheduledMessages};
use crate::platform::StoreError;
use crate::platform::table::{DUE_SHARDS, shard_of};
use crate::platform::tick::minute_of;

/// A pending text message of `org_id`, due at `at_ms`.
pub fn pending(org_id: &str, conversation_id: &str, scheduled_id: &str, at_ms: i64) -> ScheduledMessage {
    ScheduledMessage {
        scheduled_id: scheduled_id.into(),
        org_id: org_id.into(),
        conversation_id: conversation_id.into(),
        scheduled_by: "agt_contract".into(),
        agent_name: None,
        msg_type: "text".into(),
        content: Content::Text {
            body: "Your table is ready.".into(),
        },
        reply_to: None,
        scheduled_at_ms: at_ms,
        status: ScheduledStatus::Pending,
        error_message: None,
        sent_at: None,
        message_id: None,
        announced: false,
        created_at: "2026-12-04T10:00:00.000Z".into(),
    }
}

fn send_of(message: &ScheduledMessage) -> QueuedSend {
    let (key, outbound, job) = queued_message(
        Composed {
            origin: crate::inbox::origin::Origin::agent(None),
            org_id: &message.org_id,
            conversation_id: &message.conversation_id,
            account_id: "acc_contract",
            to: "4915000000",
            message_type: &message.msg_type,
            content: &message.content,
            reply_to: None,
        },
        chrono::DateTime::from_timestamp_millis(message.scheduled_at_ms).unwrap_or_default(),
    );
    QueuedSend {
        preview: message.content.preview(),
        key,
        message: outbound,
        job,
    }
}

/// Every entry of `org_id`'s shard of the minute of `at_ms`, following the pages.
async fn entries_of(port: &dyn ScheduledMessages, org_id: &str, at_ms: i64) -> (Vec<ScheduledDue>, usize) {
    let (minute, shard) = (minute_of(at_ms), shard_of(org_id, DUE_SHARDS));
    let (mut all, mut pages, mut after) = (Vec::new(), 0, None);
    loop {
        let (page, next) = port.shard_page(&minute, shard, after).await.expect("due page");
        pages += 1;
        all.extend(page.into_iter().filter(|e| e.org_id == org_id));
        match next {
            Some(next) => after = Some(next),
            None => return (all, pages),
        }
    }
}

async fn status_of(port: &dyn ScheduledMessages, message: &ScheduledMessage) -> ScheduledMessage {
    port.message(&message.org_id, &message.conversation_id, &message.scheduled_id)
        .await
        .expect("read")
        .expect("stored")
}

/// Runs the contract. `org_id`'s conversation `conversation_id` exists in the port's world (a
/// hand-over writes the outbound message into it); `org_id` is unique to this run.
pub async fn scheduled_messages_contract(
    port: &dyn ScheduledMessages,
    org_id: &str,
    conversation_id: &str,
    at_ms: i64,
) {
    let org_a = org_id.to_string();
    let a = pending(&org_a, conversation_id, "sch_a1", at_ms);

    // Created once, listed in its minute's shard, read back as stored.
    port.create(&a).await.expect("create");
    assert_eq!(status_of(port, &a).await, a, "a created message reads back as stored");
    assert!(
        matches!(port.create(&a).await, Err(StoreError::Conflict(_))),
        "an existing id is a conflict"
    );
    let (entries, _) = entries_of(port, &org_a, at_ms).await;
    assert_eq!(
        entries,
        vec![ScheduledDue::of(&a)],
        "its due entry is in its minute's shard"
    );
    let (elsewhere, _) = entries_of(port, &org_a, at_ms + 120_000).await;
    assert!(elsewhere.is_empty(), "and in no other minute");

    // A minute's shard is read a page at a time, in due order, each entry once.
    let org_b = format!("{org_id}_b");
    for n in 0..150 {
        let id = format!("sch_b{n:03}");
        port.create(&pending(&org_b, "cv_2", &id, at_ms + 149 - n))
            .await
            .expect("create");
    }
    let (entries, pages) = entries_of(port, &org_b, at_ms).await;
    assert_eq!(entries.len(), 150, "every entry, once");
    assert!(pages >= 2, "a page holds at most 100: {pages}");
    assert!(
        entries.windows(2).all(|w| w[0].scheduled_at_ms <= w[1].scheduled_at_ms),
        "in due order"
    );

    // The messages behind a page; a missing one is `None`.
    let ghost = ScheduledDue::of(&pending(&org_a, conversation_id, "sch_gone", at_ms));
    let read = port
        .due_messages(vec![ScheduledDue::of(&a), ghost.clone()])
        .await
        .expect("due messages");
    assert_eq!(read[0].1.as_ref(), Some(&a));
    assert_eq!(read[1], (ghost.clone(), None), "an entry whose message is gone");
    port.drop_due(&ghost).await.expect("dropping an unknown entry is fine");

    // A hand-over into a conversation that does not exist writes nothing.
    let lost = pending(&org_a, "cv_missing", "sch_lost", at_ms);
    port.create(&lost).await.expect("create");
    assert!(
        matches!(
            port.hand_over(&lost, &send_of(&lost)).await,
            Err(StoreError::NotFound(_))
        ),
        "no outbound message without its conversation"
    );
    assert_eq!(status_of(port, &lost).await.status, ScheduledStatus::Pending);
    port.cancel(&lost).await.expect("cancel");

    // Hand-over: once; then it is sent and no longer pending.
    let send = send_of(&a);
    assert_eq!(port.hand_over(&a, &send).await.expect("hand over"), HandOver::Handed);
    assert_eq!(
        port.hand_over(&a, &send_of(&a)).await.expect("hand over"),
        HandOver::NotPending,
        "a second hand-over writes nothing"
    );
    let sent = status_of(port, &a).await;
    assert_eq!(sent.status, ScheduledStatus::Sent);
    assert_eq!(sent.message_id.as_deref(), Some(send.message.message_id.as_str()));
    assert!(
        !port.fail(&a, "late").await.expect("fail"),
        "a sent message does not fail"
    );
    assert!(
        matches!(port.cancel(&a).await, Err(StoreError::Conflict(_))),
        "nor cancel"
    );
    assert_eq!(
        entries_of(port, &org_a, at_ms).await.0.len(),
        1,
        "it stays due until announced"
    );
    port.announced(&sent).await.expect("announced");
    port.announced(&sent).await.expect("announced twice");
    assert!(status_of(port, &a).await.announced);
    assert!(
        entries_of(port, &org_a, at_ms).await.0.is_empty(),
        "announced: out of the index"
    );

    // Fail: once, with its reason.
    let f = pending(&org_a, conversation_id, "sch_a2", at_ms);
    port.create(&f).await.expect("create");
    assert!(port.fail(&f, "the window is closed").await.expect("fail"));
    assert!(
        !port.fail(&f, "again").await.expect("fail"),
        "a failed message fails once"
    );
    let failed = status_of(port, &f).await;
    assert_eq!(
        (failed.status, failed.error_message.as_deref()),
        (ScheduledStatus::Failed, Some("the window is closed"))
    );
    assert_eq!(
        port.hand_over(&f, &send_of(&f)).await.expect("hand over"),
        HandOver::NotPending,
        "a failed message is not handed over"
    );

    // Cancel: once; its entry leaves the index at once.
    let c = pending(&org_a, conversation_id, "sch_a3", at_ms);
    port.create(&c).await.expect("create");
    port.cancel(&c).await.expect("cancel");
    assert_eq!(status_of(port, &c).await.status, ScheduledStatus::Cancelled);
    assert!(
        matches!(port.cancel(&c).await, Err(StoreError::Conflict(_))),
        "cancelled once"
    );
    let left: Vec<String> = entries_of(port, &org_a, at_ms)
        .await
        .0
        .into_iter()
        .map(|e| e.scheduled_id)
        .collect();
    assert_eq!(left, ["sch_a2"], "only the failed one, not yet announced, is still due");
}
