//! The notifier's cost per event for an organization with NOTIFIER_BENCH_AGENTS connected agents
//! (default 50), another organization connected beside it: DynamoDB requests (moto's request
//! recorder) and read units (estimated from the connection items' sizes), PostToConnection calls
//! (counted by the local WebSocket API and by the clients that received the notice), and the time
//! one event takes, over 20 events. Then the same with 5 connections gone without a disconnect.
//!
//! Run with `make bench` (it starts moto), or alone against a moto: `cargo bench -p
//! integration-tests --bench notifier`. Under `cargo test` this binary only checks it starts.

use devstack::{LocalRuntime, RuntimeOptions};
use futures::StreamExt;
use integration_tests::recorder::{body_of, operation_of, record, write_units};
use integration_tests::*;
use notifier::{NotifierConfig, NotifierService};
use serde_json::json;
use shared::access::login_store::LoginStore;
use shared::live::connection_store::ConnectionStore;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const EVENTS: usize = 20;

/// Connects one agent of `org` (a session opened directly) and counts the notices it receives.
async fn connect_agent(
    api: &api::ApiService,
    key: &str,
    logins: &LoginStore,
    org: &str,
    port: u16,
    received: Arc<AtomicUsize>,
    n: usize,
) {
    let body =
        json!({"email": format!("bench-{org}-{n}@example.com"), "full_name": format!("Agent {n}"), "role": "agent"})
            .to_string();
    let response = api
        .handle(api_request("POST", "/v1/agents", Some(key), Some(&body)))
        .await
        .unwrap();
    let agent_id = json_body(&response)["id"].as_str().unwrap().to_string();
    let now = chrono::Utc::now().timestamp_millis();
    let (token, _) = logins
        .open_session(org, &agent_id, shared::access::tenancy::Role::Agent, now)
        .await
        .unwrap();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (mut socket, _) =
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/live?token={}", token.plaintext), stream)
            .await
            .unwrap();
    tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if message.is_text() {
                received.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
}

fn envelope(org: &str, i: usize) -> String {
    json!({"version": "0", "id": format!("bench-{i}"), "detail-type": "message.received", "source": "switchboard",
        "detail": {"org_id": org, "event_id": format!("message.received:wamid.bench.{i}"), "conversation_id": "cv_bench",
            "wamid": format!("wamid.bench.{i}"), "type": "text"}})
    .to_string()
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
    let mut stack = TestStack::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    stack.stack.serve_websocket_apis_at(&format!("ws://127.0.0.1:{port}"));
    let runtime = LocalRuntime::build(&stack.template, &stack.stack, &stack.aws, &RuntimeOptions::default()).unwrap();
    let websocket = runtime.websocket.clone();
    tokio::spawn(websocket.clone().serve(listener, std::future::pending()));

    let (account_a, key_a) = stack.tenant_with_key(&unique_phone_number_id(), "s", "v").await;
    let (account_b, key_b) = stack.tenant_with_key(&unique_phone_number_id(), "s", "v").await;
    let api = api::ApiService::from_aws(
        &api::ApiConfig::from_env(&stack.env_of("ApiFunction")).unwrap(),
        &stack.aws,
    );
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let logins = LoginStore::new(dynamo.clone(), &table);
    let received_a = Arc::new(AtomicUsize::new(0));
    let received_b = Arc::new(AtomicUsize::new(0));
    for n in 0..agents {
        connect_agent(&api, &key_a, &logins, &account_a.org_id, port, received_a.clone(), n).await;
    }
    for n in 0..10 {
        connect_agent(&api, &key_b, &logins, &account_b.org_id, port, received_b.clone(), n).await;
    }
    let notifier = NotifierService::from_aws(
        &NotifierConfig::from_env(&stack.env_of("NotifierFunction")).unwrap(),
        &stack.aws,
    );

    // The bytes a Query of the organization's connections reads (sizes of the stored items).
    let stored = dynamo
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(shared::platform::table::live_connections_partition(
                &account_a.org_id,
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
            delivery = Some(match notifier.deliver(&envelope(&account_a.org_id, i)).await.unwrap() {
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
                    org_id: &account_a.org_id,
                    agent_id: "agt_gone",
                    session_id: "gone",
                },
                &format!("GONE{n}"),
                now + 60_000,
            )
            .await
            .unwrap();
    }
    let mut delivery = None;
    let entries = record(async {
        delivery = Some(
            match notifier.deliver(&envelope(&account_a.org_id, 999)).await.unwrap() {
                notifier::Delivered::Done(delivery) => delivery,
                other => panic!("not delivered: {other:?}"),
            },
        )
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
        connections.of_organization(&account_a.org_id, now).await.unwrap().len()
    );
}
