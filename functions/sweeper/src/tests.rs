//! The sweeper's orchestration on in-memory ports: no moto, no network. (Its wiring through
//! DynamoDB, SQS and EventBridge, with the sender's faults injected, is proven by
//! `tests/integration/send_faults`.)

use super::*;
use shared::inbox::compose::{Composed, queued_message};
use shared::inbox::send_memory::MemoryOutbound;
use shared::inbox::send_policy::{CLAIM_STALE_AFTER_MS, MAX_QUEUED_MS, QUEUED_GRACE_MS, SETTLE_PERIOD_MS};
use shared::inbox::send_port::SendLedger;
use shared::meta::Content;
use shared::platform::clock::Clock;
use shared::platform::memory::{MemoryEvents, MemoryQueue};
use shared::platform::table::Key;

/// 2026-12-04T10:00:00Z.
const T: i64 = 1_796_378_400_000;
const MINUTE: i64 = 60_000;

struct World {
    outbound: Arc<MemoryOutbound>,
    queue: Arc<MemoryQueue>,
    events: Arc<MemoryEvents>,
    sweeper: SweeperService,
}

fn world() -> World {
    let outbound = Arc::new(MemoryOutbound::new(Clock::fixed(T)));
    let queue = Arc::new(MemoryQueue::default());
    let events = Arc::new(MemoryEvents::default());
    let ports = SweeperPorts {
        sends: outbound.clone(),
        outbound: queue.clone(),
        events: events.clone(),
    };
    World {
        sweeper: SweeperService::new(ports, Clock::fixed(T)),
        outbound,
        queue,
        events,
    }
}

impl World {
    /// A message the API stored at `T` (its job then lost).
    fn stored(&self) -> Key {
        let content = Content::Text { body: "Hello".into() };
        let send = Composed {
            origin: shared::inbox::origin::Origin::agent(None),
            org_id: "org_1",
            conversation_id: "cv_1",
            account_id: "acc_1",
            to: "4915",
            message_type: "text",
            content: &content,
            reply_to: None,
        };
        self.outbound.queue(queued_message(
            send,
            chrono::DateTime::from_timestamp_millis(T).unwrap(),
        ))
    }

    async fn sweep_at(&self, now_ms: i64) -> SweepSummary {
        let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap().to_rfc3339();
        self.sweeper.sweep(&serde_json::json!({ "time": time })).await.unwrap()
    }

    fn status(&self, key: &Key) -> String {
        self.outbound.message(key).expect("stored").status
    }
}

#[tokio::test]
async fn a_message_whose_job_was_lost_is_queued_again_with_growing_spacing() {
    let w = world();
    let key = w.stored();
    assert_eq!(
        w.sweep_at(T + QUEUED_GRACE_MS - 1).await.requeued,
        0,
        "within the grace"
    );
    assert_eq!(w.sweep_at(T + QUEUED_GRACE_MS).await.requeued, 1);
    let jobs = w.queue.taken();
    assert_eq!(jobs.len(), 1);
    let message_id = w.outbound.message(&key).unwrap().message_id;
    assert!(jobs[0].contains(&message_id), "the job names the message: {}", jobs[0]);
    assert_eq!(w.sweep_at(T + QUEUED_GRACE_MS).await.requeued, 0, "once per due time");
    assert_eq!(w.sweep_at(T + 2 * QUEUED_GRACE_MS).await.requeued, 0, "spaced further");
    assert_eq!(
        w.sweep_at(T + 3 * QUEUED_GRACE_MS).await.requeued,
        1,
        "5 min, then 10 more"
    );
    assert_eq!(w.status(&key), "queued");
}

#[tokio::test]
async fn a_message_never_sent_within_a_day_fails_and_is_announced() {
    let w = world();
    let key = w.stored();
    let summary = w.sweep_at(T + MAX_QUEUED_MS).await;
    assert_eq!((summary.failed, summary.requeued), (1, 0));
    assert_eq!(w.status(&key), "failed");
    let events = w.events.events.lock().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail_type, "message.failed");
    assert!(w.queue.taken().is_empty(), "not sent any more");
}

#[tokio::test]
async fn a_claim_left_by_a_dead_sender_becomes_unknown_and_then_failed_unconfirmed_never_resent() {
    let w = world();
    let key = w.stored();
    w.outbound.claim("org_1", &key).await.unwrap();
    assert_eq!(w.sweep_at(T + CLAIM_STALE_AFTER_MS - 1).await.marked_unknown, 0);
    assert_eq!(w.sweep_at(T + CLAIM_STALE_AFTER_MS).await.marked_unknown, 1);
    assert_eq!(w.status(&key), "unknown");
    assert!(w.queue.taken().is_empty(), "an unknown send is never sent again");
    // The ledger's clock put `unknown` at T; no status came within the settle period.
    let summary = w.sweep_at(T + SETTLE_PERIOD_MS).await;
    assert_eq!(summary.failed, 1);
    let failed = w.outbound.message(&key).unwrap();
    assert_eq!(
        (failed.status.as_str(), failed.status_rank),
        ("failed", shared::inbox::send_policy::UNCONFIRMED_FAILURE_RANK)
    );
    assert_eq!(w.events.events.lock().unwrap().len(), 1, "announced once");
}

#[tokio::test]
async fn a_requeue_the_queue_refused_is_left_unrecorded_for_the_next_sweep() {
    let w = world();
    let key = w.stored();
    w.queue.refuse(true);
    let time = chrono::DateTime::from_timestamp_millis(T + QUEUED_GRACE_MS)
        .unwrap()
        .to_rfc3339();
    let refused = w.sweeper.sweep(&serde_json::json!({ "time": time })).await;
    assert!(refused.is_err(), "the run fails: EventBridge retries it");
    w.queue.refuse(false);
    assert_eq!(w.sweep_at(T + QUEUED_GRACE_MS + MINUTE).await.requeued, 1, "still due");
    assert_eq!(w.queue.taken().len(), 1);
    assert_eq!(w.status(&key), "queued");
}

#[tokio::test]
async fn a_backlog_larger_than_a_page_is_worked_off_in_one_run() {
    let w = world();
    for _ in 0..450 {
        w.stored();
    }
    let summary = w.sweep_at(T + QUEUED_GRACE_MS).await;
    assert_eq!((summary.requeued, summary.unchanged), (450, 0));
    assert_eq!(w.queue.taken().len(), 450);
}
