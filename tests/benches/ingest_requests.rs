//! AWS requests per inbound message, counted from moto's request recorder over 1,000 messages
//! delivered one per webhook (the common case) in SQS batches of 10, for three cases: one customer
//! (steady state), 100 customers, and every delivery repeated (Meta retries / duplicates).
//!
//! Run with `make bench` (it starts moto). Under `cargo test` this binary only checks it starts.

use integration_tests::recorder::{moto, operation_of};
use integration_tests::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const MESSAGES: usize = 1_000;
/// The duplicate and many-customer cases use fewer deliveries: moto keeps a full copy of the table
/// per transaction item, and its memory grows past 20 GB long before 3,000 transactions.
const SMALLER_CASES: usize = 300;

async fn measure(label: &str, f: &Fixture, deliveries: Vec<Vec<u8>>) {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    let service = ingest::IngestService::from_aws(
        &ingest::IngestConfig::from_env(&f.stack.env_of("IngestFunction")).unwrap(),
        &f.stack.aws,
    );
    moto(&endpoint, "reset-recording").await;
    moto(&endpoint, "start-recording").await;
    let started = std::time::Instant::now();
    let mut stored = 0;
    for (batch_index, batch) in deliveries.chunks(10).enumerate() {
        let ids: Vec<String> = (0..batch.len()).map(|i| format!("{batch_index}-{i}")).collect();
        let records: Vec<(&str, &shared::access::tenancy::WhatsAppAccount, &[u8])> = batch
            .iter()
            .zip(&ids)
            .map(|(body, id)| (id.as_str(), &f.a.account, body.as_slice()))
            .collect();
        let (response, summary) = service.process(ingest_event(&records)).await;
        assert!(response.batch_item_failures.is_empty());
        stored += summary.messages_stored;
    }
    let elapsed = started.elapsed();
    moto(&endpoint, "stop-recording").await;
    let recording = moto(&endpoint, "download-recording").await;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for line in recording.lines().filter(|l| !l.trim().is_empty()) {
        let entry: Value = serde_json::from_str(line).unwrap();
        *counts.entry(operation_of(&entry)).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    let dynamo_writes: usize = counts
        .iter()
        .filter(|(k, _)| {
            k.contains("TransactWrite") || k.contains("PutItem") || k.contains("UpdateItem") || k.contains("BatchWrite")
        })
        .map(|(_, v)| v)
        .sum();
    println!(
        "\n{label}: {} deliveries, {stored} new messages stored, {:.1} s against moto",
        deliveries.len(),
        elapsed.as_secs_f64()
    );
    println!("  {:<32} {:>8} {:>12}", "operation", "requests", "per message");
    for (operation, count) in &counts {
        println!(
            "  {operation:<32} {count:>8} {:>12.3}",
            *count as f64 / deliveries.len() as f64
        );
    }
    println!(
        "  {:<32} {total:>8} {:>12.3}",
        "all AWS requests",
        total as f64 / deliveries.len() as f64
    );
    println!(
        "  {:<32} {dynamo_writes:>8} {:>12.3}",
        "DynamoDB write requests",
        dynamo_writes as f64 / deliveries.len() as f64
    );
}

fn delivery(phone_number_id: &str, customer: usize, wamid: &str, timestamp: usize) -> Vec<u8> {
    let wa_id = format!("1650555{customer:04}");
    notification(
        phone_number_id,
        json!([{"profile": {"name": format!("Customer {customer}")}, "wa_id": wa_id}]),
        json!([{"from": wa_id, "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": {"body": "Does it come in another color?"}}]),
        Value::Null,
    )
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("ingest_requests: run with `make bench` to measure");
        return;
    }
    // A stack per case keeps each case's counters and conversations its own.
    let f = Fixture::new().await;
    let phone = f.a.account.phone_number_id.clone();
    let one_customer: Vec<Vec<u8>> = (0..MESSAGES)
        .map(|i| delivery(&phone, 0, &format!("wamid.steady.{i}"), 1_749_000_000 + i))
        .collect();
    measure(
        "one customer (steady state after the first message)",
        &f,
        one_customer.clone(),
    )
    .await;
    measure(
        "300 of those deliveries again (all duplicates)",
        &f,
        one_customer.into_iter().take(SMALLER_CASES).collect(),
    )
    .await;
    let f = Fixture::new().await;
    let phone = f.a.account.phone_number_id.clone();
    let many: Vec<Vec<u8>> = (0..MESSAGES)
        .map(|i| delivery(&phone, i % 100, &format!("wamid.many.{i}"), 1_749_100_000 + i))
        .collect();
    measure(
        "100 customers, 10 messages each (first message opens a conversation)",
        &f,
        many,
    )
    .await;
}
