//! Agent API and sender figures against moto and the fake Graph API:
//! 1. AWS requests per API call (moto's request recorder) and this process's CPU per call (the
//!    handler plus the SDK's signing and parsing; moto's own work runs in another process);
//! 2. sends per second the sender sustains at a number's 80 and 1,000 mps settings, with the
//!    fake enforcing the same limit (any 130429 is counted and printed).
//!
//! Run with `make bench` (it starts moto). Under `cargo test` this binary only checks it starts.

#[path = "api_and_sender/sends.rs"]
mod sends;

use integration_tests::recorder::count_requests;
use integration_tests::*;
use sends::{Backend, moto_ceiling, sender_figures, sender_requests_per_send};
use serde_json::{Value, json};
use std::time::Instant;

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

struct Api {
    stack: TestStack,
    service: api::ApiService,
    key: String,
    account: shared::access::tenancy::WhatsAppAccount,
}

impl Api {
    async fn call(&self, method: &str, path: &str, body: Option<&str>) -> Value {
        let response = self
            .service
            .handle(api_request(method, path, Some(&self.key), body))
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            body_text(&response)
        );
        json_body(&response)
    }
}

async fn api_fixture() -> Api {
    let stack = TestStack::new().await;
    let (account, key) = stack
        .tenant_with_key(&unique_phone_number_id(), "bench-secret", "bench-verify-token")
        .await;
    let service = api::ApiService::from_aws(
        &api::ApiConfig::from_env(&stack.env_of("ApiFunction")).unwrap(),
        &stack.aws,
    );
    let ingest = ingest::IngestService::from_aws(
        &ingest::IngestConfig::from_env(&stack.env_of("IngestFunction")).unwrap(),
        &stack.aws,
    );
    let now = chrono::Utc::now().timestamp();
    // 60 customers with one message each, and 40 more messages from the first one.
    let mut bodies = Vec::new();
    for i in 0..100 {
        let customer = if i < 60 { i } else { 0 };
        let wa_id = format!("1650555{customer:04}");
        bodies.push(notification(
            &account.phone_number_id,
            json!([{"profile": {"name": format!("Customer {customer}")}, "wa_id": wa_id}]),
            json!([{"from": wa_id, "id": format!("wamid.bench.{i}"), "timestamp": (now - 100 + i as i64).to_string(), "type": "text", "text": {"body": "Does it come in navy?"}}]),
            Value::Null,
        ));
    }
    for (batch_index, batch) in bodies.chunks(10).enumerate() {
        let ids: Vec<String> = (0..batch.len()).map(|i| format!("{batch_index}-{i}")).collect();
        let records: Vec<(&str, &shared::access::tenancy::WhatsAppAccount, &[u8])> = batch
            .iter()
            .zip(&ids)
            .map(|(b, id)| (id.as_str(), &account, b.as_slice()))
            .collect();
        ingest.process(ingest_event(&records)).await;
    }
    Api {
        stack,
        service,
        key,
        account,
    }
}

async fn measure_call(api: &Api, label: &str, calls: usize, method: &str, path: &str, body: Option<&str>) {
    let counts = count_requests(async {
        for _ in 0..calls {
            api.call(method, path, body).await;
        }
    })
    .await;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    for _ in 0..calls {
        api.call(method, path, body).await;
    }
    let cpu = (cpu_seconds() - cpu_before) / calls as f64;
    let wall = started.elapsed().as_secs_f64() / calls as f64;
    let per_call: Vec<String> = counts
        .iter()
        .filter(|(op, _)| !op.starts_with("s3:") || label.contains("upload"))
        .map(|(op, n)| format!("{op} {:.2}", *n as f64 / calls as f64))
        .collect();
    println!(
        "  {label:<44} {:>8.0} µs CPU {:>8.1} ms wall   {}",
        cpu * 1e6,
        wall * 1e3,
        per_call.join(", ")
    );
}

async fn api_figures() {
    let api = api_fixture().await;
    let conversation = api.call("GET", "/v1/conversations?limit=1", None).await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The key is cached after the first call; the cold case is a fresh service.
    println!("\nAPI calls (requests per call from moto's recorder; CPU = this process, release build)");
    let cold = count_requests(async {
        let fresh = api::ApiService::from_aws(
            &api::ApiConfig::from_env(&api.stack.env_of("ApiFunction")).unwrap(),
            &api.stack.aws,
        );
        let response = fresh
            .handle(api_request("GET", "/v1/me", Some(&api.key), None))
            .await
            .unwrap();
        assert!(response.status().is_success());
    })
    .await;
    println!("  first request of a cold Lambda (GET /v1/me)  {cold:?}");
    measure_call(
        &api,
        "GET /v1/conversations (page of 25)",
        100,
        "GET",
        "/v1/conversations?limit=25",
        None,
    )
    .await;
    measure_call(
        &api,
        "GET /v1/conversations?status=open&unread=true",
        100,
        "GET",
        "/v1/conversations?status=open&unread=true&limit=25",
        None,
    )
    .await;
    measure_call(
        &api,
        "GET /v1/conversations/{id}",
        100,
        "GET",
        &format!("/v1/conversations/{conversation}"),
        None,
    )
    .await;
    measure_call(
        &api,
        "GET .../messages (page of 25)",
        100,
        "GET",
        &format!("/v1/conversations/{conversation}/messages?limit=25"),
        None,
    )
    .await;
    measure_call(
        &api,
        "POST .../messages (text reply)",
        100,
        "POST",
        &format!("/v1/conversations/{conversation}/messages"),
        Some(r#"{"type":"text","content":{"text":"We have it in navy"}}"#),
    )
    .await;
    measure_call(
        &api,
        "POST .../read",
        100,
        "POST",
        &format!("/v1/conversations/{conversation}/read"),
        None,
    )
    .await;
    measure_call(
        &api,
        "GET /v1/analytics/overview",
        100,
        "GET",
        "/v1/analytics/overview",
        None,
    )
    .await;
    measure_call(
        &api,
        "GET /v1/contacts?q=customer",
        100,
        "GET",
        "/v1/contacts?q=customer&limit=25",
        None,
    )
    .await;

    // Walking every page of the conversation list: one Query per page.
    let mut pages = 0;
    let counts = count_requests(async {
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/conversations?limit=25&cursor={c}"),
                None => "/v1/conversations?limit=25".to_string(),
            };
            let page = api.call("GET", &path, None).await;
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => break,
            }
        }
    })
    .await;
    println!("  all 60 conversations, 25 per page: {pages} pages, {counts:?}");
    let _ = api.account;
}

fn text_content() -> shared::meta::Content {
    shared::meta::Content::Text {
        body: "Your order shipped".into(),
    }
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("api_and_sender: run with `make bench` to measure");
        return;
    }
    // BENCH_ONLY=api|moto|dynalite runs one part (while iterating on it).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only == part;
    if runs("api") {
        api_figures().await;
    }
    // Invocations: enough that whole batches of 10 waiting for the next second do not idle the
    // budget (SQS event source mappings scale invocations up the same way).
    if runs("moto") {
        println!("\nSender throughput against the fake Graph API (pacing items in moto)");
        sender_requests_per_send().await;
        // Only the 80 mps setting: moto's ~300 writes/s cannot carry more than ~70 sends/s, and an
        // overloaded backend only shows slots expiring before their sends leave.
        sender_figures(80, 800, 16, Backend::Moto).await;
        moto_ceiling().await;
    }
    if runs("dynalite") {
        match std::env::var("DYNALITE_URL") {
            Ok(endpoint) => {
                println!("\nSender throughput with DynamoDB on dynalite (fake Graph enforcing the mps)");
                sender_figures(80, 800, 16, Backend::Dynalite(&endpoint)).await;
                sender_figures(1_000, 5_000, 120, Backend::Dynalite(&endpoint)).await;
            }
            Err(_) => println!("(DYNALITE_URL not set: the dynalite runs are skipped; make bench sets it)"),
        }
    }
}
