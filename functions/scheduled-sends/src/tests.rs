//! The function's decisions and orchestration on in-memory ports: no moto, no network. (The
//! wiring through DynamoDB, SQS and EventBridge is proven by the integration tests in
//! `tests/integration/scheduled.rs`.)

use super::*;
use shared::inbox::reads::MemoryInbox;
use shared::inbox::sender_job::SenderJob;
use shared::meta::Content;
use shared::outreach::scheduled_contract::pending;
use shared::outreach::scheduled_memory::MemoryScheduled;
use shared::platform::memory::{MemoryCursors, MemoryEvents, MemoryQueue};
use shared::platform::table::{DUE_SHARDS, shard_of};
use shared::platform::tick::ITEMS_PER_SHARD_PER_RUN;

/// 2026-12-04T10:00:00Z: a minute's start.
const T: i64 = 1_796_378_400_000;

struct World {
    scheduled: Arc<MemoryScheduled>,
    inbox: Arc<MemoryInbox>,
    queue: Arc<MemoryQueue>,
    events: Arc<MemoryEvents>,
    service: ScheduledSendsService,
}

fn world() -> World {
    let inbox = Arc::new(MemoryInbox::default());
    let scheduled = Arc::new(MemoryScheduled::new(inbox.clone()));
    let queue = Arc::new(MemoryQueue::default());
    let events = Arc::new(MemoryEvents::default());
    let ports = ScheduledSendsPorts {
        scheduled: scheduled.clone(),
        cursors: Arc::new(MemoryCursors::default()),
        conversations: inbox.clone(),
        contacts: inbox.clone(),
        outbound: queue.clone(),
        events: events.clone(),
    };
    World {
        service: ScheduledSendsService::new(ports, Clock::fixed(T)),
        scheduled,
        inbox,
        queue,
        events,
    }
}

impl World {
    /// A conversation of `org_id` whose customer (16505550100) wrote at `wrote_at_ms`.
    fn conversation(&self, org_id: &str, conversation_id: &str, wrote_at_ms: i64) {
        self.inbox
            .put_customer(org_id, conversation_id, "16505550100", wrote_at_ms);
    }

    async fn run_at(&self, now_ms: i64) -> RunSummary {
        let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap().to_rfc3339();
        self.service.run(&serde_json::json!({ "time": time })).await.unwrap()
    }

    async fn status(&self, message: &ScheduledMessage) -> ScheduledMessage {
        self.scheduled
            .message(&message.org_id, &message.conversation_id, &message.scheduled_id)
            .await
            .unwrap()
            .unwrap()
    }

    fn event_types(&self) -> Vec<&'static str> {
        self.events
            .events
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.detail_type)
            .collect()
    }
}

#[tokio::test]
async fn a_due_message_is_handed_over_once_queued_and_announced_even_with_overlapping_runs() {
    let w = world();
    w.conversation("org_a", "cv_1", T - 3_600_000);
    let message = pending("org_a", "cv_1", "sch_1", T + 20_000);
    w.scheduled.create(&message).await.unwrap();

    let early = w.run_at(T + 10_000).await;
    assert_eq!((early.sent, early.left), (0, 1), "not before its second: {early:?}");
    let (first, second) = tokio::join!(w.run_at(T + 30_000), w.run_at(T + 31_000));
    assert_eq!(first.sent + second.sent, 1, "{first:?} {second:?}");
    let sent = w.status(&message).await;
    assert_eq!(sent.status, ScheduledStatus::Sent);
    assert!(sent.announced, "its event went out");
    let handed = w.scheduled.handed.lock().unwrap().clone();
    assert_eq!(handed.len(), 1, "one outbound message");
    assert_eq!(sent.message_id.as_deref(), Some(handed[0].message.message_id.as_str()));
    assert_eq!(handed[0].job.to, "16505550100");
    let jobs = w.queue.taken();
    assert_eq!(jobs.len(), 1, "one job for the sender");
    assert!(matches!(SenderJob::parse(&jobs[0]).unwrap(), SenderJob::Message(ref job) if *job == handed[0].job));
    assert_eq!(w.event_types(), ["scheduled_message.sent"]);
    assert_eq!(w.scheduled.due_entries(), 0, "out of the index");
    let later = w.run_at(T + 90_000).await;
    assert_eq!((later.sent, later.failed), (0, 0), "nothing twice: {later:?}");
}

#[tokio::test]
async fn free_form_text_meeting_a_closed_window_fails_with_its_reason_and_templates_do_not() {
    let w = world();
    w.conversation("org_a", "cv_1", T - 30 * 3_600_000);
    let text = pending("org_a", "cv_1", "sch_text", T + 1_000);
    let mut template = pending("org_a", "cv_1", "sch_tpl", T + 2_000);
    template.msg_type = "template".into();
    template.content = Content::Template {
        name: "order_update".into(),
        language: "en_US".into(),
        components: serde_json::json!([]),
    };
    w.scheduled.create(&text).await.unwrap();
    w.scheduled.create(&template).await.unwrap();

    let run = w.run_at(T + 30_000).await;
    assert_eq!((run.sent, run.failed), (1, 1), "{run:?}");
    let failed = w.status(&text).await;
    assert_eq!(failed.status, ScheduledStatus::Failed);
    assert!(
        failed.error_message.unwrap().contains("window"),
        "the reason names the window"
    );
    assert_eq!(w.status(&template).await.status, ScheduledStatus::Sent);
    let mut types = w.event_types();
    types.sort();
    assert_eq!(types, ["scheduled_message.failed", "scheduled_message.sent"]);
}

#[tokio::test]
async fn a_cancelled_message_and_a_vanished_conversation_send_nothing() {
    let w = world();
    w.conversation("org_a", "cv_1", T - 3_600_000);
    let cancelled = pending("org_a", "cv_1", "sch_c", T + 1_000);
    let orphan = pending("org_a", "cv_gone", "sch_o", T + 2_000);
    w.scheduled.create(&cancelled).await.unwrap();
    w.scheduled.create(&orphan).await.unwrap();
    w.scheduled.cancel(&cancelled).await.unwrap();

    let run = w.run_at(T + 30_000).await;
    assert_eq!((run.sent, run.failed), (0, 1), "{run:?}");
    assert_eq!(w.status(&cancelled).await.status, ScheduledStatus::Cancelled);
    let orphan = w.status(&orphan).await;
    assert_eq!(
        orphan.error_message.as_deref(),
        Some("the conversation no longer exists")
    );
    assert!(w.queue.taken().is_empty(), "nothing queued");
}

#[tokio::test]
async fn one_organizations_backlog_does_not_hold_back_another_and_drains_over_runs() {
    let w = world();
    let other = "org_other";
    let flooder = (0..)
        .map(|n| format!("org_flood{n}"))
        .find(|org| shard_of(org, DUE_SHARDS) != shard_of(other, DUE_SHARDS))
        .unwrap();
    w.conversation(other, "cv_1", T - 3_600_000);
    let theirs = pending(other, "cv_1", "sch_theirs", T + 30_000);
    w.scheduled.create(&theirs).await.unwrap();
    for n in 0..1_200 {
        // Conversations that are gone: each fails, which is work all the same.
        let message = pending(
            &flooder,
            &format!("cv_f{n}"),
            &format!("sch_f{n:04}"),
            T + (n % 20) as i64,
        );
        w.scheduled.create(&message).await.unwrap();
    }

    let first = w.run_at(T + 40_000).await;
    assert_eq!(
        first.sent, 1,
        "the other organization's message goes out in the first run: {first:?}"
    );
    assert_eq!(
        first.failed, ITEMS_PER_SHARD_PER_RUN,
        "the flood's shard got its budget: {first:?}"
    );
    assert_eq!(first.unread_minutes, 1, "its minute is left unfinished");
    let second = w.run_at(T + 100_000).await;
    assert_eq!((second.sent, second.failed), (0, ITEMS_PER_SHARD_PER_RUN), "{second:?}");
    assert!(
        second.minutes_read >= 2,
        "the unfinished minute is read again: {second:?}"
    );
    let third = w.run_at(T + 160_000).await;
    assert_eq!(third.failed, 200, "the rest: {third:?}");
    assert_eq!(third.unread_minutes, 0);
    assert_eq!(w.scheduled.due_entries(), 0, "the backlog drained");
}
