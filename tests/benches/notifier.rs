//! The notifier's cost per event for an organization with NOTIFIER_BENCH_AGENTS connected agents
//! (default 50), another organization connected beside it: DynamoDB requests (moto's request
//! recorder) and read units (estimated from the connection items' sizes), PostToConnection calls
//! (counted by the local WebSocket API and by the clients that received the notice), and the time
//! one event takes, over 20 events. Then the same with 5 connections gone without a disconnect.
//!
//! Run with `make bench` (it starts moto), or alone against a moto: `cargo bench -p
//! integration-tests --bench notifier`. Under `cargo test` this binary only checks it starts.

use integration_tests::live_rig::{LiveRig, message_received};
use integration_tests::recorder::{body_of, operation_of, record, write_units};
use shared::live::connection_store::ConnectionStore;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

const EVENTS: usize = 20;

fn envelope(org: &str, i: usize) -> String {
    message_received(org, i)
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("notifier: run with `make bench` to measure");
        return;
    }
    let agents: usize = std::env::var("NOTIFIER_BENCH_AGENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let mut rig = LiveRig::new().await;
    let org_a = rig.organization().await;
    let org_b = rig.organization().await;
    rig.connect(&org_a, agents).await;
    rig.connect(&org_b, 10).await;
    let (received_a, received_b) = (org_a.received.clone(), org_b.received.clone());
    let stack = &rig.stack;
    let notifier = &rig.notifier;
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");

    // The bytes a Query of the organization's connections reads (sizes of the stored items).
    let stored = dynamo
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(shared::platform::table::live_connections_partition(
                &org_a.org_id,
            )),
        )
        .send()
        .await
        .unwrap();
    let bytes: usize = stored
        .items()
        .iter()
        .map(|item| {
            item.iter()
                .map(|(k, v)| k.len() + v.as_s().or(v.as_n()).map(String::len).unwrap_or(1))
                .sum::<usize>()
        })
        .sum();
    let read_units = 0.5 * bytes.div_ceil(4096).max(1) as f64;

    println!(
        "\nnotifier, one event for an organization with {agents} connected agents (10 more in another organization)"
    );
    let mut durations = Vec::new();
    let mut requests: BTreeMap<String, usize> = BTreeMap::new();
    let mut writes = 0;
    let mut posted = 0;
    for i in 0..EVENTS {
        let mut delivery = None;
        let mut took = std::time::Duration::ZERO;
        let entries = record(async {
            let started = std::time::Instant::now();
            delivery = Some(match notifier.deliver(&envelope(&org_a.org_id, i)).await.unwrap() {
                notifier::Delivered::Done(delivery) => delivery,
                other => panic!("not delivered: {other:?}"),
            });
            took = started.elapsed();
        })
        .await;
        durations.push(took);
        posted += delivery.unwrap().posted as usize;
        for entry in entries.iter().filter(|e| operation_of(e).starts_with("dynamodb:")) {
            let operation = operation_of(entry);
            writes += write_units(&operation, &body_of(entry));
            *requests.entry(operation).or_default() += 1;
        }
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    durations.sort();
    let per_event = |n: usize| n as f64 / EVENTS as f64;
    println!(
        "  per event: DynamoDB {} ({:.1} RCU for {bytes} bytes of connections, {} WCU); PostToConnection {:.0}; \
         received by the organization's clients {:.0}, by the other organization's {}",
        requests
            .iter()
            .map(|(op, n)| format!("{} {:.0}", op.trim_start_matches("dynamodb:"), per_event(*n)))
            .collect::<Vec<_>>()
            .join(", "),
        read_units,
        per_event(writes),
        per_event(posted),
        per_event(received_a.load(Ordering::Relaxed)),
        received_b.load(Ordering::Relaxed),
    );
    println!(
        "  time per event (local WebSocket API, moto): median {:.1} ms, slowest {:.1} ms",
        durations[EVENTS / 2].as_secs_f64() * 1000.0,
        durations[EVENTS - 1].as_secs_f64() * 1000.0
    );

    // Connections whose clients vanished without a $disconnect: 410 Gone, then deleted once.
    let connections = ConnectionStore::new(dynamo.clone(), &table);
    let now = chrono::Utc::now().timestamp_millis();
    for n in 0..5 {
        connections
            .open(
                &shared::live::connection_store::Opened {
                    org_id: &org_a.org_id,
                    agent_id: "agt_gone",
                    session_id: "gone",
                    role_id: "agent",
                    visibility: shared::access::roles::Visibility::All,
                    division_ids: &[],
                },
                &format!("GONE{n}"),
                now + 60_000,
            )
            .await
            .unwrap();
    }
    let mut delivery = None;
    let entries = record(async {
        delivery = Some(match notifier.deliver(&envelope(&org_a.org_id, 999)).await.unwrap() {
            notifier::Delivered::Done(delivery) => delivery,
            other => panic!("not delivered: {other:?}"),
        })
    })
    .await;
    let mut gone_requests: BTreeMap<String, usize> = BTreeMap::new();
    for entry in entries.iter().filter(|e| operation_of(e).starts_with("dynamodb:")) {
        *gone_requests.entry(operation_of(entry)).or_default() += 1;
    }
    let delivery = delivery.unwrap();
    println!(
        "  with 5 gone connections: posted {}, gone {} (deleted), DynamoDB {:?}; the next event: {} connections",
        delivery.posted,
        delivery.gone,
        gone_requests,
        connections.of_organization(&org_a.org_id, now).await.unwrap().len()
    );
}
