//! The function's decisions and orchestration on in-memory ports: no moto, no network. (The wiring
//! through DynamoDB, SQS and EventBridge is proven by `tests/integration/{sla,chat_expiry}.rs`.)

use super::*;
use shared::care::csat::survey_id;
use shared::care::memory::MemoryCare;
use shared::care::ports::SlaStarts;
use shared::care::sla::SlaPolicy;
use shared::inbox::memory::MemoryInbox;
use shared::inbox::reads::ConversationReads;
use shared::inbox::{Conversation, ConversationStatus};
use shared::platform::memory::{MemoryCursors, MemoryEvents};

/// 2026-12-04T10:00:00Z: a minute's start.
const T: i64 = 1_796_378_400_000;
const ORG: &str = "org_1";
const HOUR: i64 = 3_600_000;

struct World {
    care: Arc<MemoryCare>,
    inbox: Arc<MemoryInbox>,
    events: Arc<MemoryEvents>,
    service: SlaChecksService,
}

fn world() -> World {
    let care = Arc::new(MemoryCare::default());
    let inbox = Arc::new(MemoryInbox::default());
    let events = Arc::new(MemoryEvents::default());
    let ports = SlaChecksPorts {
        clocks: care.clone(),
        cursors: Arc::new(MemoryCursors::default()),
        expiries: care.clone(),
        conversations: inbox.clone(),
        lifecycle: care.clone(),
        surveys: care.clone(),
        events: events.clone(),
    };
    World {
        service: SlaChecksService::new(ports, Clock::fixed(T)),
        care,
        inbox,
        events,
    }
}

/// A first reply within a minute (warned at 80 %); resolution within `resolution_secs`.
fn policy(resolution_secs: Option<i64>) -> SlaPolicy {
    serde_json::from_value(
        serde_json::json!({"policy_id": "sla_1", "org_id": ORG, "name": "One minute",
        "first_response_time_secs": 60, "resolution_time_secs": resolution_secs, "warning_threshold_pct": 80,
        "is_default": true, "is_active": true, "created_at": "2026-12-01T00:00:00Z",
        "updated_at": "2026-12-01T00:00:00Z"}),
    )
    .expect("a policy")
}

impl World {
    /// An open conversation whose customer wrote at `wrote_at_ms`, its clocks started then.
    async fn opened(&self, conversation_id: &str, wrote_at_ms: i64, policy: SlaPolicy) -> Conversation {
        let (conversation, _) = self.inbox.put_customer(ORG, conversation_id, "4915", wrote_at_ms);
        self.care.put_policy(policy);
        self.care
            .start(&conversation, wrote_at_ms, wrote_at_ms)
            .await
            .unwrap()
            .expect("clocks");
        conversation
    }

    async fn run_at(&self, now_ms: i64) -> RunSummary {
        let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap().to_rfc3339();
        self.service.run(&serde_json::json!({ "time": time })).await.unwrap()
    }

    fn event_ids(&self) -> Vec<String> {
        let mut ids = self.events.ids();
        ids.sort();
        ids
    }

    async fn status(&self, conversation_id: &str) -> ConversationStatus {
        self.inbox
            .conversation(ORG, conversation_id)
            .await
            .unwrap()
            .expect("the conversation")
            .status
    }
}

#[tokio::test]
async fn a_warning_and_a_breach_are_each_recorded_once_however_often_their_minute_is_run() {
    let w = world();
    w.opened("cv_1", T, policy(None)).await;
    assert_eq!(w.run_at(T + 30_000).await.warnings, 0, "not yet");
    let (a, b) = tokio::join!(w.run_at(T + 50_000), w.run_at(T + 50_000));
    assert_eq!(a.warnings + b.warnings, 1, "{a:?} {b:?}");
    let (a, b) = tokio::join!(w.run_at(T + 70_000), w.run_at(T + 70_000));
    assert_eq!(a.breaches + b.breaches, 1, "{a:?} {b:?}");
    let later = w.run_at(T + 130_000).await;
    assert_eq!((later.warnings, later.breaches), (0, 0));
    assert_eq!(w.care.count(ORG, "sla_first_response_breached"), 1, "counted once");
    let mut ids = w.event_ids();
    ids.dedup();
    assert_eq!(
        ids,
        [
            "sla.breached:cv_1:first_response:0",
            "sla.warning:cv_1:first_response:0"
        ],
        "announced under one stable id each"
    );
    let clocks = w.care.clocks(ORG, "cv_1").unwrap();
    assert!(clocks.unannounced.is_empty());
    assert_eq!(clocks.next_due_ms(), None, "nothing left to fire");
}

#[tokio::test]
async fn notices_the_bus_refused_stay_due_and_the_next_run_announces_them_under_the_same_ids() {
    let w = world();
    w.opened("cv_1", T, policy(None)).await;
    w.events.refuse(true);
    let refused = w.run_at(T + 50_000).await;
    assert_eq!((refused.warnings, refused.left), (1, 1), "recorded, left to announce");
    assert!(w.events.ids().is_empty());
    assert_eq!(w.care.clocks(ORG, "cv_1").unwrap().unannounced.len(), 1);

    w.events.refuse(false);
    let next = w.run_at(T + 55_000).await;
    assert_eq!((next.warnings, next.left), (0, 0), "announced, not recorded again");
    assert_eq!(w.events.ids(), ["sla.warning:cv_1:first_response:0"]);
    assert!(w.care.clocks(ORG, "cv_1").unwrap().unannounced.is_empty());
    let breach = w.run_at(T + 61_000).await;
    assert_eq!(breach.breaches, 1, "the clocks went on waiting for their next deadline");
}

#[tokio::test]
async fn a_first_reply_before_the_deadline_means_no_warning_and_no_breach() {
    let w = world();
    w.opened("cv_1", T, policy(None)).await;
    let mut clocks = w.care.clocks(ORG, "cv_1").unwrap();
    clocks.replied(T + 20_000);
    w.care.put_clocks(clocks, T + 20_000);
    let run = w.run_at(T + 70_000).await;
    assert_eq!((run.warnings, run.breaches), (0, 0));
    assert!(w.events.ids().is_empty());
}

#[tokio::test]
async fn an_idle_conversation_is_resolved_once_with_its_clocks_stopped_its_survey_sent_and_its_entry_gone() {
    // Runs repeated at the same time (as overlapping ones, or a retried invocation) resolve once.
    let w = world();
    w.opened("cv_1", T, policy(Some(7 * 24 * 3600))).await;
    w.care.put_rule(shared::care::contract::idle_rule(ORG));
    w.care.arm(ORG, "cv_1", T + 24 * HOUR);
    w.care.survey_after_resolve(ORG);
    // Answered, so the first-response clock has nothing left to fire in these runs.
    let mut clocks = w.care.clocks(ORG, "cv_1").unwrap();
    clocks.replied(T + 10_000);
    w.care.put_clocks(clocks, T + 10_000);

    let early = w.run_at(T + 23 * HOUR).await;
    assert_eq!(early.auto_resolved, 0, "not idle long enough");
    let (a, b) = tokio::join!(w.run_at(T + 24 * HOUR + 1_000), w.run_at(T + 24 * HOUR + 1_000));
    assert_eq!(a.auto_resolved + b.auto_resolved, 1, "{a:?} {b:?}");
    assert_eq!(w.status("cv_1").await, ConversationStatus::Resolved);
    assert_eq!(
        w.care.clocks(ORG, "cv_1").unwrap().next_due_ms(),
        None,
        "the clocks stopped"
    );
    assert!(
        w.care.survey_now(ORG, &survey_id("cv_1")).is_some(),
        "the survey went out"
    );
    assert_eq!(w.care.expiry(ORG, "cv_1"), None, "the entry is gone");
    let ids = w.event_ids();
    assert_eq!(ids, [format!("conversation.auto_resolved:cv_1:{}", T + 24 * HOUR)]);
    let again = w.run_at(T + 24 * HOUR + 90_000).await;
    assert_eq!(again.auto_resolved, 0);
    assert_eq!(w.events.ids().len(), 1, "announced once");
}

#[tokio::test]
async fn a_message_after_arming_postpones_the_expiry_to_a_window_after_it() {
    let w = world();
    w.opened("cv_1", T, policy(None)).await;
    w.care.put_rule(shared::care::contract::idle_rule(ORG));
    w.care.arm(ORG, "cv_1", T + 24 * HOUR);
    // The customer wrote again ten hours in (messages do not move the entry).
    w.inbox.put_customer(ORG, "cv_1", "4915", T + 10 * HOUR);
    let run = w.run_at(T + 24 * HOUR + 1_000).await;
    assert_eq!(run.auto_resolved, 0);
    assert_eq!(w.status("cv_1").await, ConversationStatus::Open);
    let entry = w.care.expiry(ORG, "cv_1").expect("still armed");
    assert_eq!((entry.due_ms, entry.resolving), (T + 34 * HOUR, false));
}

#[tokio::test]
async fn without_a_rule_the_entry_is_dropped_and_the_conversation_stays_open() {
    let w = world();
    w.opened("cv_1", T, policy(None)).await;
    w.care.arm(ORG, "cv_1", T + HOUR);
    let run = w.run_at(T + HOUR + 1_000).await;
    assert_eq!(run.auto_resolved, 0);
    assert_eq!(w.care.expiry(ORG, "cv_1"), None);
    assert_eq!(w.status("cv_1").await, ConversationStatus::Open);
}

#[tokio::test]
async fn a_claim_left_by_a_stopped_run_is_finished_once_it_is_stale() {
    let w = world();
    w.opened("cv_1", T, policy(None)).await;
    w.care.put_rule(shared::care::contract::idle_rule(ORG));
    w.care.arm(ORG, "cv_1", T + 24 * HOUR);
    let entry = w.care.expiry(ORG, "cv_1").unwrap();
    let claimed_at = T + 24 * HOUR + 1_000;
    assert!(
        w.care.claim(&entry, claimed_at).await.unwrap(),
        "a run claimed it, then stopped"
    );

    let fresh = w.run_at(claimed_at + 30_000).await;
    assert_eq!(fresh.left, 1, "another run may still be at it");
    assert_eq!(w.status("cv_1").await, ConversationStatus::Open);
    w.run_at(claimed_at + 180_000).await;
    assert_eq!(w.status("cv_1").await, ConversationStatus::Resolved, "finished");
    assert_eq!(w.care.expiry(ORG, "cv_1"), None);
    assert_eq!(
        w.events.ids(),
        [format!("conversation.auto_resolved:cv_1:{}", T + 24 * HOUR)]
    );
}
