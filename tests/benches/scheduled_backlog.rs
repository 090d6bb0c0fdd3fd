//! The heap one scheduled-sends run holds with a backlog in one minute: an organization schedules
//! BACKLOG messages (texts at Meta's 4,096-character limit) in one minute, then one run is measured
//! with a counting allocator: the peak of live heap bytes above what was live when the run began.
//! The same with a fiftieth of the backlog shows whether the figure follows the backlog (it must
//! not: a run holds one page of due entries and the page's messages).
//!
//! Run with `make bench` (it starts moto), or alone against a moto: `cargo bench -p
//! integration-tests --bench scheduled_backlog`. Under `cargo test` this binary only checks it
//! starts.

use futures::StreamExt;
use integration_tests::*;
use scheduled_sends::{ScheduledSendsConfig, ScheduledSendsService};
use serde_json::json;
use shared::outreach::schedule::{ScheduledMessage, ScheduledStatus};
use shared::outreach::scheduled_store::ScheduledStore;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Live heap bytes and their peak since the last [`reset_peak`].
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339()
}

async fn seed(store: &ScheduledStore, org: &str, count: usize, due_ms: i64) {
    futures::stream::iter(0..count)
        .map(|n| async move {
            let message = ScheduledMessage {
                scheduled_id: shared::platform::ids::new_id("sch"),
                org_id: org.to_string(),
                conversation_id: format!("cv_backlog{n}"),
                scheduled_by: "agt_bench".into(),
                agent_name: None,
                msg_type: "text".into(),
                content: shared::meta::Content::Text {
                    body: "x".repeat(shared::inbox::outbound::MAX_TEXT_CHARS),
                },
                reply_to: None,
                scheduled_at_ms: due_ms + (n % 50) as i64,
                status: ScheduledStatus::Pending,
                error_message: None,
                sent_at: None,
                message_id: None,
                announced: false,
                created_at: at(due_ms - 3_600_000),
            };
            store.create(&message).await.unwrap();
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("scheduled_backlog: run with `make bench` to measure");
        return;
    }
    let backlog: usize = std::env::var("SCHEDULED_BENCH_BACKLOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let stack = TestStack::new().await;
    let store = ScheduledStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
    let service = ScheduledSendsService::from_aws(
        &ScheduledSendsConfig::from_env(&stack.env_of("ScheduledSendsFunction")).unwrap(),
        &stack.aws,
    );
    println!("\nscheduled-sends: live heap one run holds (moto; texts of 4,096 characters)");
    let now = chrono::Utc::now().timestamp_millis();
    // Each case in its own minute, minutes apart, after a warm-up run that moves the cursor up to
    // it and opens the clients' connections.
    for (i, count) in [backlog / 50, backlog].into_iter().enumerate() {
        let t = now + (i as i64 + 1) * 180_000;
        let t = t - t.rem_euclid(60_000);
        seed(&store, &format!("org_backlog{i}"), count, t).await;
        service.run(&json!({"time": at(t - 60_000)})).await.unwrap();
        let live = reset_peak();
        let summary = service.run(&json!({"time": at(t + 59_000)})).await.unwrap();
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(live);
        println!(
            "  backlog {count:>5} in one minute: run settled {} (failed: no conversation), left {} unread minutes; peak live heap above the start {:.0} KiB",
            summary.failed,
            summary.unread_minutes,
            peak as f64 / 1024.0
        );
    }
}
