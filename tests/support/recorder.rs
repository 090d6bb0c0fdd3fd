//! moto's request recorder: which AWS requests a piece of code made, counted by operation.

use serde_json::Value;
use std::collections::BTreeMap;

/// Calls the recorder's `action` (reset-recording, start-recording, stop-recording, download-recording).
pub async fn moto(endpoint: &str, action: &str) -> String {
    let url = format!("{endpoint}/moto-api/recorder/{action}");
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg("import sys,urllib.request;r=urllib.request.Request(sys.argv[1],method=sys.argv[2]);print(urllib.request.urlopen(r).read().decode())")
        .arg(&url)
        .arg(if action == "download-recording" { "GET" } else { "POST" })
        .output()
        .await
        .expect("python3 runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `dynamodb:Query`, `sqs:SendMessage`, `s3:PUT object`, ... for one recorded request.
pub fn operation_of(entry: &Value) -> String {
    let headers = &entry["headers"];
    let target = headers["X-Amz-Target"]
        .as_str()
        .or_else(|| headers["x-amz-target"].as_str());
    if let Some(target) = target {
        return target
            .replace("DynamoDB_20120810.", "dynamodb:")
            .replace("AmazonSQS.", "sqs:")
            .replace("AWSEvents.", "events:")
            .replace("TrentService.", "kms:");
    }
    let url = entry["url"].as_str().unwrap_or_default();
    let body = entry["body"].as_str().unwrap_or_default();
    if let Some(action) = body.split('&').find_map(|p| p.strip_prefix("Action=")) {
        return format!("sqs:{action}");
    }
    format!(
        "s3:{} {}",
        entry["method"].as_str().unwrap_or_default(),
        url.split('?')
            .next()
            .unwrap_or_default()
            .split('/')
            .nth(3)
            .map(|_| "object")
            .unwrap_or("bucket")
    )
}

/// Runs `work` with the recorder on and answers the requests it made, as moto recorded them.
pub async fn record<F: std::future::Future<Output = ()>>(work: F) -> Vec<Value> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL points at moto");
    moto(&endpoint, "reset-recording").await;
    moto(&endpoint, "start-recording").await;
    work.await;
    moto(&endpoint, "stop-recording").await;
    moto(&endpoint, "download-recording")
        .await
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect()
}

/// Runs `work` with the recorder on and answers the requests it made, by operation.
pub async fn count_requests<F: std::future::Future<Output = ()>>(work: F) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for entry in record(work).await {
        *counts.entry(operation_of(&entry)).or_default() += 1;
    }
    counts
}

/// Write units of one recorded request (items under 1 KB: 1 per item, 2 per transactional item).
pub fn write_units(operation: &str, body: &Value) -> usize {
    match operation {
        "dynamodb:PutItem" | "dynamodb:UpdateItem" | "dynamodb:DeleteItem" => 1,
        "dynamodb:BatchWriteItem" => body["RequestItems"]
            .as_object()
            .map(|tables| tables.values().map(|v| v.as_array().map_or(0, Vec::len)).sum())
            .unwrap_or(0),
        "dynamodb:TransactWriteItems" => 2 * body["TransactItems"].as_array().map_or(0, Vec::len),
        _ => 0,
    }
}

/// The JSON body of one recorded request (moto base64-encodes some).
pub fn body_of(entry: &Value) -> Value {
    let text = entry["body"].as_str().unwrap_or_default();
    let bytes = match entry["body_encoded"].as_bool() {
        Some(true) => base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text).unwrap_or_default(),
        _ => text.as_bytes().to_vec(),
    };
    serde_json::from_slice(&bytes).unwrap_or_default()
}
