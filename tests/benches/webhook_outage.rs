//! Outgoing webhooks through an outage (`make bench`): 10,000 events to 3 endpoints, one of them
//! down (503) for a simulated 24 hours, then up. The dispatcher runs on its in-memory ports (the
//! store's contract suite holds them to DynamoDB's behaviour) with an injected clock, and posts
//! through the real SSRF-safe client to three local receivers (`infra/webhook_receiver.py`) that
//! verify every signature with the independent `standardwebhooks` library. Time jumps from one
//! due retry to the next; a queued job runs when its SQS delay is over, a long wait when the due
//! index brings it back. Reports first-attempt latency (event in, every endpoint answered),
//! attempts, and checks that every event reached every endpoint once (a second copy only where an
//! attempt's outcome was unknown). AWS requests and write units per delivery are in `unit_costs`.
//!
//! Under `cargo test` this binary only checks it starts.

use futures::StreamExt;
use integration_tests::receiver::Receiver;
use serde_json::json;
use shared::integrations::contract::endpoint;
use shared::integrations::dispatcher::{DispatchPorts, Dispatcher, PublishedEvent};
use shared::integrations::memory::{MemoryAttempts, MemoryDeliveryLog, MemoryEndpoints, PlainKeeper};
use shared::integrations::ports::Endpoints;
use shared::integrations::safe_http::SafeHttpClient;
use shared::integrations::{AttemptJob, DeliveryStatus, SECRET_FIELD, address_policy::Reach, signing};
use shared::platform::clock::Clock;
use shared::platform::memory::MemoryEvents;
use shared::platform::sealed_secret::SecretContext;
use shared::platform::secret_keeper::SecretKeeper;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

const ORG: &str = "org_bench";
const EVENTS: usize = 10_000;
const OUTAGE_MS: i64 = 24 * 60 * 60 * 1000;
/// Events (and retries) in flight at once, as a few warm sandboxes would have them.
const IN_FLIGHT: usize = 32;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("webhook_outage: run with `make bench` to measure");
        return;
    }
    let receivers = [
        Receiver::start(true).await,
        Receiver::start(true).await,
        Receiver::start(true).await,
    ];
    let endpoints = Arc::new(MemoryEndpoints::default());
    for (i, receiver) in receivers.iter().enumerate() {
        let id = format!("wh_{i}");
        let secret = signing::new_secret();
        let mut hook = endpoint(ORG, &id, &receiver.url(), &["message.received"]);
        let context = SecretContext {
            org_id: ORG,
            account_id: &id,
            field: SECRET_FIELD,
        };
        hook.secret = PlainKeeper.seal(&secret, &context).await.unwrap();
        endpoints.create_endpoint(&hook).await.unwrap();
        receiver.secrets(&[secret.expose()]).await;
    }
    let down = &receivers[2];
    down.down(true).await;

    let log = Arc::new(MemoryDeliveryLog::default());
    let queue = Arc::new(MemoryAttempts::default());
    let start_ms = chrono::Utc::now().timestamp_millis();
    let now = Arc::new(AtomicI64::new(start_ms));
    let read = now.clone();
    let dispatcher = Dispatcher::new(
        DispatchPorts {
            endpoints: endpoints.clone(),
            log: log.clone(),
            queue: queue.clone(),
            caller: Arc::new(SafeHttpClient::new(Reach { allow_loopback: true })),
            secrets: Arc::new(PlainKeeper),
            events: Arc::new(MemoryEvents::default()),
        },
        Clock::new(move || read.load(Ordering::SeqCst)),
    );

    // Every event in, IN_FLIGHT at a time; each one's time from arrival to all three answers.
    let began = Instant::now();
    let latencies: Vec<f64> = futures::stream::iter(0..EVENTS)
        .map(|i| {
            let dispatcher = &dispatcher;
            async move {
                let event = PublishedEvent {
                    detail_type: "message.received".into(),
                    detail: json!({"event_id": format!("message.received:wamid.bench.{i}"), "org_id": ORG,
                        "account_id": "acc_bench", "conversation_id": "cv_bench", "contact_id": "ct_bench",
                        "wamid": format!("wamid.bench.{i}"), "type": "text", "timestamp": 1_765_000_000 + i,
                        "occurred_at": "2026-12-05T10:00:00.000Z"}),
                    time_ms: start_ms + i as i64,
                };
                let t = Instant::now();
                dispatcher.on_event(&event).await.expect("memory ports do not fail");
                t.elapsed().as_secs_f64() * 1000.0
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let first_wave_s = began.elapsed().as_secs_f64();
    let mut sorted = latencies.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));

    // Then time moves from one due retry to the next.
    let mut jobs: BTreeMap<(i64, u64), AttemptJob> = BTreeMap::new();
    let mut sequence = 0u64;
    let mut steps = 0;
    let mut up_at = None;
    loop {
        let at = now.load(Ordering::SeqCst);
        for (job, delay_s) in queue.take() {
            sequence += 1;
            jobs.insert((at + i64::from(delay_s) * 1000, sequence), job);
        }
        let next_job = jobs.keys().next().map(|(due, _)| *due);
        let next_due = log.due.lock().unwrap().values().min().copied();
        let Some(next) = [next_job, next_due].into_iter().flatten().min() else {
            break;
        };
        let next = next.max(at);
        now.store(next, Ordering::SeqCst);
        steps += 1;
        assert!(steps < 100_000, "the simulation does not settle");
        if up_at.is_none() && next - start_ms >= OUTAGE_MS {
            down.down(false).await;
            up_at = Some(next);
        }
        // A scheduler a second late at most: what falls due within it runs together.
        let ready: Vec<AttemptJob> = {
            let keys: Vec<(i64, u64)> = jobs.range(..=(next + 1_000, u64::MAX)).map(|(k, _)| *k).collect();
            keys.into_iter().filter_map(|k| jobs.remove(&k)).collect()
        };
        futures::stream::iter(ready)
            .for_each_concurrent(IN_FLIGHT, |job| {
                let dispatcher = &dispatcher;
                async move {
                    dispatcher.on_job(&job).await.expect("memory ports do not fail");
                }
            })
            .await;
        for delivery in log.due_by(next) {
            dispatcher
                .on_due(&delivery, next)
                .await
                .expect("memory ports do not fail");
        }
        if up_at.is_none() && jobs.is_empty() && log.due.lock().unwrap().is_empty() {
            // Nothing waits, yet the endpoint is still down: the schedule ran out before the outage.
            break;
        }
    }

    // What became of them.
    let deliveries = log.all();
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut attempts: BTreeMap<String, u64> = BTreeMap::new();
    for d in &deliveries {
        *by_status.entry(d.status.as_str()).or_default() += 1;
        *attempts.entry(d.webhook_id.clone()).or_default() += u64::from(d.attempt);
    }
    let simulated_h = (now.load(Ordering::SeqCst) - start_ms) as f64 / 3_600_000.0;
    println!("webhook_outage: {EVENTS} events x 3 endpoints, wh_2 down (503) for 24 h of simulated time");
    println!(
        "  first attempts: {first_wave_s:.1} s wall for all, {IN_FLIGHT} events in flight; per event (3 endpoints answered) p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.95),
        sorted[sorted.len() - 1]
    );
    println!(
        "  then {steps} clock steps over {simulated_h:.1} simulated hours; wh_2 up again at {:.1} h",
        up_at.map_or(f64::NAN, |at| (at - start_ms) as f64 / 3_600_000.0)
    );
    println!("  deliveries by status: {by_status:?}; attempts by endpoint: {attempts:?}");
    let mut failed = false;
    for (i, receiver) in receivers.iter().enumerate() {
        let received = receiver.deliveries().await;
        let unverified = received.iter().filter(|d| d["verified"] != true).count();
        let mut accepted: HashMap<String, usize> = HashMap::new();
        for d in received
            .iter()
            .filter(|d| d["answered"].as_u64().is_some_and(|s| s < 300))
        {
            *accepted
                .entry(d["webhook_id"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
        let duplicates: usize = accepted.values().map(|n| n - 1).sum();
        println!(
            "  wh_{i}: {} requests, {} events accepted, {duplicates} accepted twice, {unverified} not verified by standardwebhooks",
            received.len(),
            accepted.len()
        );
        failed |= accepted.len() != EVENTS || unverified > 0 || duplicates > 0;
    }
    let settled = deliveries.iter().all(|d| d.status == DeliveryStatus::Succeeded);
    failed |= !settled || deliveries.len() != 3 * EVENTS;
    drop(receivers);
    if failed {
        eprintln!("webhook_outage: an event was lost, unverified or delivered twice");
        std::process::exit(1);
    }
    println!("  every event delivered to every endpoint, each verified, none twice");
}
