//! The dispatcher on the in-memory ports: who gets an event, how attempts are signed, retried,
//! settled, and how endpoints fall out.

use super::*;
use crate::integrations::contract::endpoint;
use crate::integrations::memory::{MemoryAttempts, MemoryDeliveryLog, MemoryEndpoints, PlainKeeper, ScriptedCaller};
use crate::platform::memory::MemoryEvents;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicI64, Ordering};

const ORG: &str = "org_1";
const T0: i64 = 1_800_000_000_000;

struct World {
    endpoints: Arc<MemoryEndpoints>,
    log: Arc<MemoryDeliveryLog>,
    queue: Arc<MemoryAttempts>,
    caller: Arc<ScriptedCaller>,
    events: Arc<MemoryEvents>,
    now: Arc<AtomicI64>,
    dispatcher: Dispatcher,
    secrets: std::collections::HashMap<String, Secret>,
}

impl World {
    async fn new(hooks: &[(&str, &str, &[&str])]) -> Self {
        let endpoints = Arc::new(MemoryEndpoints::default());
        let mut secrets = std::collections::HashMap::new();
        for (id, url, events) in hooks {
            let secret = signing::new_secret();
            let mut e = endpoint(ORG, id, url, events);
            e.secret = PlainKeeper
                .seal(
                    &secret,
                    &SecretContext {
                        org_id: ORG,
                        account_id: id,
                        field: SECRET_FIELD,
                    },
                )
                .await
                .unwrap();
            endpoints.create_endpoint(&e).await.unwrap();
            secrets.insert(id.to_string(), secret);
        }
        let (log, queue, caller, events) = (
            Arc::new(MemoryDeliveryLog::default()),
            Arc::new(MemoryAttempts::default()),
            Arc::new(ScriptedCaller::default()),
            Arc::new(MemoryEvents::default()),
        );
        let now = Arc::new(AtomicI64::new(T0));
        let read = now.clone();
        let dispatcher = Dispatcher::new(
            DispatchPorts {
                endpoints: endpoints.clone(),
                log: log.clone(),
                queue: queue.clone(),
                caller: caller.clone(),
                secrets: Arc::new(PlainKeeper),
                events: events.clone(),
            },
            Clock::new(move || read.load(Ordering::SeqCst)),
        )
        .with_jitter(|| 0.0);
        Self {
            endpoints,
            log,
            queue,
            caller,
            events,
            now,
            dispatcher,
            secrets,
        }
    }

    fn advance_s(&self, seconds: i64) {
        self.now.fetch_add(seconds * 1000, Ordering::SeqCst);
    }

    fn only_delivery(&self) -> Delivery {
        let all = self.log.all();
        assert_eq!(all.len(), 1, "{all:?}");
        all[0].clone()
    }

    /// Runs every queued job (whatever its delay) once.
    async fn run_jobs(&self) -> Dispatched {
        let mut total = Dispatched::default();
        for (job, _) in self.queue.take() {
            total.add(self.dispatcher.on_job(&job).await.unwrap());
        }
        total
    }
}

fn event(detail_type: &str, event_id: &str, account: &str) -> PublishedEvent {
    PublishedEvent {
        detail_type: detail_type.into(),
        detail: json!({"event_id": event_id, "org_id": ORG, "account_id": account, "occurred_at": "2026-12-05T10:00:00.000Z"}),
        time_ms: T0,
    }
}

fn status(code: u16) -> Answer {
    Answer::Status {
        code,
        retry_after_s: None,
    }
}

#[tokio::test]
async fn an_event_reaches_each_subscribed_endpoint_once_signed_with_its_own_secret() {
    let mut world = World::new(&[
        ("wh_a", "https://a.example/in", &["message.received"]),
        ("wh_b", "https://b.example/in", &["message.received", "message.status"]),
        ("wh_c", "https://c.example/in", &["message.status"]),
    ])
    .await;
    let mut limited = world.endpoints.endpoint(ORG, "wh_b").await.unwrap().unwrap();
    limited.account_id = Some("acc_other".into());
    world
        .endpoints
        .endpoints
        .lock()
        .unwrap()
        .insert((ORG.into(), "wh_b".into()), limited);
    world.dispatcher = Dispatcher::new(
        DispatchPorts {
            endpoints: world.endpoints.clone(),
            log: world.log.clone(),
            queue: world.queue.clone(),
            caller: world.caller.clone(),
            secrets: Arc::new(PlainKeeper),
            events: world.events.clone(),
        },
        Clock::fixed(T0),
    );

    let received = event("message.received", "message.received:wamid.1", "acc_1");
    let outcome = world.dispatcher.on_event(&received).await.unwrap();
    assert_eq!(
        outcome.succeeded, 1,
        "wh_b is limited to another account, wh_c not subscribed"
    );
    let calls = world.caller.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.url, "https://a.example/in");
    assert_eq!(call.headers["webhook-id"], "message.received:wamid.1");
    let timestamp: i64 = call.headers["webhook-timestamp"].parse().unwrap();
    assert_eq!(timestamp, T0 / 1000);
    let expected = signing::sign(
        &world.secrets["wh_a"],
        "message.received:wamid.1",
        timestamp,
        &call.body,
    )
    .unwrap();
    assert_eq!(call.headers["webhook-signature"], expected);
    let body: Value = serde_json::from_slice(&call.body).unwrap();
    assert_eq!(body["type"], "message.received");
    assert_eq!(body["data"]["event_id"], "message.received:wamid.1");
    assert!(body["timestamp"].as_str().unwrap().starts_with("2027-01-15T"));

    let delivered = world.only_delivery();
    assert_eq!(
        (delivered.status, delivered.attempt, delivered.http_status),
        (DeliveryStatus::Succeeded, 1, Some(200))
    );
    assert_eq!(delivered.response_body.as_deref(), Some("ok"));

    // SQS hands the same event out again, or ingest announces it again later (a new time):
    // nothing new is made or sent.
    let again = world.dispatcher.on_event(&received).await.unwrap();
    assert_eq!((again.succeeded, again.skipped), (0, 1));
    let later = PublishedEvent {
        time_ms: T0 + 60_000,
        ..received.clone()
    };
    let announced = world.dispatcher.on_event(&later).await.unwrap();
    assert_eq!((announced.succeeded, announced.skipped), (0, 1));
    assert_eq!(world.caller.calls().len(), 1);
    assert_eq!(world.log.all().len(), 1);
}

#[tokio::test]
async fn failures_retry_on_the_schedule_through_the_queue_then_the_due_index() {
    let world = World::new(&[("wh_a", "https://a.example/in", &["message.status"])]).await;
    world.caller.answer(
        "https://a.example/in",
        vec![status(500), status(502), status(500), status(204)],
    );
    let outcome = world
        .dispatcher
        .on_event(&event("message.status", "evt_1", "acc_1"))
        .await
        .unwrap();
    assert_eq!(outcome.retrying, 1);
    let waiting = world.only_delivery();
    assert_eq!(
        (waiting.status, waiting.http_status),
        (DeliveryStatus::Retrying, Some(500))
    );
    assert_eq!(waiting.next_retry_ms, Some(T0 + 5_000));
    let jobs = world.queue.take();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].0.after_attempt, jobs[0].1),
        (1, 5),
        "the second attempt 5 s later"
    );
    assert!(
        world.log.due_by(T0 + 5_000).is_empty(),
        "the safety entry is later than the job"
    );
    assert_eq!(world.log.due_by(T0 + 125_000).len(), 1);

    // A job for an attempt already made does nothing.
    let stale = AttemptJob {
        delivery: waiting.reference(),
        after_attempt: 0,
    };
    assert_eq!(world.dispatcher.on_job(&stale).await.unwrap().skipped, 1);

    world.advance_s(5);
    world.dispatcher.on_job(&jobs[0].0).await.unwrap();
    let jobs = world.queue.take();
    assert_eq!(jobs[0].1, 300, "then 5 minutes");
    world.advance_s(300);
    world.dispatcher.on_job(&jobs[0].0).await.unwrap();
    assert!(
        world.queue.take().is_empty(),
        "30 minutes is past SQS's delay: the due index holds it"
    );
    let waiting = world.only_delivery();
    assert_eq!(waiting.attempt, 3);
    let due_at = waiting.next_retry_ms.unwrap();
    assert!(world.log.due_by(due_at - 1).is_empty());
    assert_eq!(world.log.due_by(due_at).len(), 1);

    // Not due yet: left in the index. Due: queued and moved on as a safety net.
    assert!(!world.dispatcher.on_due(&waiting, due_at - 1).await.unwrap());
    world.advance_s(1_800);
    assert!(world.dispatcher.on_due(&waiting, due_at).await.unwrap());
    assert!(world.log.due_by(due_at).is_empty());
    let done = world.run_jobs().await;
    assert_eq!(done.succeeded, 1);
    let delivered = world.only_delivery();
    assert_eq!((delivered.status, delivered.attempt), (DeliveryStatus::Succeeded, 4));
    assert!(world.log.due_by(i64::MAX).is_empty());
    let calls = world.caller.calls();
    assert_eq!(calls.len(), 4);
    assert!(
        calls.iter().all(|c| c.headers["webhook-id"] == "evt_1"),
        "one id on every attempt"
    );
    assert!(
        calls.windows(2).all(|w| w[0].body == w[1].body),
        "one body on every attempt"
    );
    let endpoint = world.endpoints.endpoint(ORG, "wh_a").await.unwrap().unwrap();
    assert_eq!((endpoint.consecutive_failures, endpoint.failing_since_ms), (0, None));
}

#[tokio::test]
async fn eight_failed_attempts_fail_the_delivery_and_retry_after_is_honoured() {
    let world = World::new(&[("wh_a", "https://a.example/in", &["message.status"])]).await;
    let busy = Answer::Status {
        code: 429,
        retry_after_s: Some(2),
    };
    world.caller.answer("https://a.example/in", vec![busy; 8]);
    world
        .dispatcher
        .on_event(&event("message.status", "evt_1", "acc_1"))
        .await
        .unwrap();
    for attempt in 2..=8 {
        let jobs = world.queue.take();
        assert_eq!(jobs.len(), 1, "attempt {attempt}");
        assert_eq!(jobs[0].1, 2, "Retry-After: 2 within every step");
        world.advance_s(2);
        world.dispatcher.on_job(&jobs[0].0).await.unwrap();
    }
    assert!(world.queue.take().is_empty());
    let failed = world.only_delivery();
    assert_eq!(
        (failed.status, failed.attempt, failed.http_status),
        (DeliveryStatus::Failed, 8, Some(429))
    );
    assert!(failed.completed_at.is_some());
}

#[tokio::test]
async fn gone_disables_at_once_and_five_failing_days_disable_too() {
    let world = World::new(&[
        ("wh_gone", "https://gone.example/", &["message.status"]),
        ("wh_down", "https://down.example/", &["message.status"]),
    ])
    .await;
    world.caller.answer("https://gone.example/", vec![status(410)]);
    world.caller.answer("https://down.example/", vec![status(503); 100]);
    world
        .dispatcher
        .on_event(&event("message.status", "evt_1", "acc"))
        .await
        .unwrap();
    let gone = world.endpoints.endpoint(ORG, "wh_gone").await.unwrap().unwrap();
    assert!(!gone.is_active);
    assert_eq!(gone.disabled_reason.as_deref(), Some("gone"));
    let announced = world.events.events.lock().unwrap().clone();
    assert_eq!(announced.len(), 1);
    assert_eq!(announced[0].detail_type, "webhook.disabled");
    assert_eq!(announced[0].detail["reason"], "gone");

    // The other endpoint fails for five days, one new event a day.
    for day in 1..=5 {
        world.advance_s(24 * 3600);
        world.queue.take();
        world
            .dispatcher
            .on_event(&event("message.status", &format!("evt_day{day}"), "acc"))
            .await
            .unwrap();
    }
    let down = world.endpoints.endpoint(ORG, "wh_down").await.unwrap().unwrap();
    assert!(!down.is_active, "{down:?}");
    assert_eq!(down.disabled_reason.as_deref(), Some("failing"));
    assert_eq!(world.events.events.lock().unwrap().len(), 2);
    let calls_before = world.caller.calls().len();
    world
        .dispatcher
        .on_event(&event("message.status", "evt_after", "acc"))
        .await
        .unwrap();
    assert_eq!(
        world.caller.calls().len(),
        calls_before,
        "a disabled endpoint gets nothing"
    );
    let retries = world.run_jobs().await;
    assert_eq!(retries.succeeded, 0);
    assert_eq!(world.caller.calls().len(), calls_before, "nor its pending retries");
}

#[tokio::test]
async fn an_attempt_in_flight_is_left_alone_until_its_invocation_must_have_died() {
    let world = World::new(&[("wh_a", "https://a.example/", &["message.status"])]).await;
    let mut stuck = crate::integrations::contract::delivery(ORG, "wh_a", "evt_1", T0, "message.status");
    stuck.attempt_started_ms = Some(T0);
    world.log.create_delivery(&stuck).await.unwrap();
    // A guard written by an invocation that died before its delivery: the next one makes it.
    world.log.guards.lock().unwrap().insert(
        (ORG.into(), "wh_a".into(), "evt_orphan".into()),
        crate::integrations::delivery_id(T0, "evt_orphan", "wh_a"),
    );
    let orphan = world
        .dispatcher
        .on_event(&event("message.status", "evt_orphan", "acc"))
        .await
        .unwrap();
    assert_eq!(orphan.succeeded, 1);
    let received = event("message.status", "evt_1", "acc");
    assert_eq!(world.dispatcher.on_event(&received).await.unwrap().busy, 1);
    assert_eq!(world.caller.calls().len(), 1, "the orphan's only");
    world.advance_s(STALE_ATTEMPT_MS / 1000);
    assert_eq!(world.dispatcher.on_event(&received).await.unwrap().succeeded, 1);
    let resumed = world.log.delivery(&stuck.reference()).await.unwrap().unwrap();
    assert_eq!(resumed.attempt, 2, "the lost attempt counts");
}

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_for_a_day() {
    let world = World::new(&[("wh_a", "https://a.example/", &["message.status"])]).await;
    let old = world.secrets["wh_a"].clone();
    let new = signing::new_secret();
    let context = SecretContext {
        org_id: ORG,
        account_id: "wh_a",
        field: SECRET_FIELD,
    };
    let current = world.endpoints.endpoint(ORG, "wh_a").await.unwrap().unwrap();
    let changes = crate::integrations::ports::EndpointChanges {
        rotated: Some((
            PlainKeeper.seal(&new, &context).await.unwrap(),
            current.secret.clone(),
            T0 + crate::integrations::ROTATION_OVERLAP_MS,
        )),
        ..Default::default()
    };
    world
        .endpoints
        .update_endpoint(ORG, "wh_a", changes, "now")
        .await
        .unwrap();
    world
        .dispatcher
        .on_event(&event("message.status", "evt_1", "acc"))
        .await
        .unwrap();
    world.advance_s(24 * 3600);
    world.dispatcher.endpoints.remove(&ORG.to_string());
    world
        .dispatcher
        .on_event(&event("message.status", "evt_2", "acc"))
        .await
        .unwrap();
    let calls = world.caller.calls();
    let during: Vec<&str> = calls[0].headers["webhook-signature"].split(' ').collect();
    let ts: i64 = calls[0].headers["webhook-timestamp"].parse().unwrap();
    assert_eq!(
        during,
        vec![
            signing::sign(&new, "evt_1", ts, &calls[0].body).unwrap().as_str(),
            signing::sign(&old, "evt_1", ts, &calls[0].body).unwrap().as_str()
        ]
    );
    let ts: i64 = calls[1].headers["webhook-timestamp"].parse().unwrap();
    assert_eq!(
        calls[1].headers["webhook-signature"],
        signing::sign(&new, "evt_2", ts, &calls[1].body).unwrap()
    );
}
