//! The money table: what one inbound message, status, agent send or campaign recipient costs on
//! AWS at list prices, from what the code really asked of AWS.
//!
//! - Requests come from moto's request recorder, by API (EventBridge bills per entry, so a
//!   PutEvents call counts its entries).
//! - DynamoDB capacity comes from the meter in `infra/dynamodb_meter.py` (moto with
//!   `MOTO_METER_FILEPATH` set): write and read units from the items' real sizes, index writes
//!   included, transactions at their transactional rates.
//! - What no local service can measure is modelled, and the model is here: the API Gateway request
//!   in front of each webhook delivery or API call, the SQS event source mapping's receive and
//!   delete per batch, and Lambda's requests, billed duration (the AWS round trips it waits on, at
//!   the latencies below, plus its CPU) and its platform log lines.

use crate::recorder::{body_of, moto, operation_of};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// US East (N. Virginia) list prices in USD, as published for 2026 (no free tier, no volume tiers).
pub struct Prices {
    pub dynamodb_write_unit: f64,
    pub dynamodb_read_unit: f64,
    /// HTTP API, per request (512 KB increments).
    pub api_gateway_http_request: f64,
    /// WebSocket API, per message (32 KB increments).
    pub api_gateway_websocket_message: f64,
    /// Standard queue, per request (64 KB chunks).
    pub sqs_request: f64,
    /// Custom events, per entry (64 KB chunks).
    pub eventbridge_event: f64,
    pub lambda_request: f64,
    /// arm64, the template's default architecture.
    pub lambda_gb_second: f64,
    pub s3_put: f64,
    pub s3_get: f64,
    pub kms_request: f64,
    /// CloudWatch Logs ingestion (standard class), per byte.
    pub log_byte: f64,
}

pub const LIST_PRICES: Prices = Prices {
    dynamodb_write_unit: 0.625 / 1e6,
    dynamodb_read_unit: 0.125 / 1e6,
    api_gateway_http_request: 1.00 / 1e6,
    api_gateway_websocket_message: 1.00 / 1e6,
    sqs_request: 0.40 / 1e6,
    eventbridge_event: 1.00 / 1e6,
    lambda_request: 0.20 / 1e6,
    lambda_gb_second: 0.000_013_333_4,
    s3_put: 0.005 / 1e3,
    s3_get: 0.000_4 / 1e3,
    kms_request: 0.03 / 1e4,
    log_byte: 0.50 / (1024.0 * 1024.0 * 1024.0),
};

/// In-region round trips a function waits on (its billed duration), in milliseconds: typical
/// published figures, not measured here. Meta's Graph API answers a send in about a quarter second.
fn latency_ms(operation: &str) -> f64 {
    match operation {
        "dynamodb:TransactWriteItems" => 12.0,
        op if op.starts_with("dynamodb:") => 5.0,
        op if op.starts_with("sqs:") => 8.0,
        op if op.starts_with("events:") => 15.0,
        op if op.starts_with("s3:") => 20.0,
        op if op.starts_with("kms:") => 8.0,
        "graph:send" => 250.0,
        _ => 10.0,
    }
}

/// PutEvents calls, counted apart from the entries EventBridge bills.
const CALLS_OF_PUT_EVENTS: &str = "calls:PutEvents";

/// Lambda's START, END and REPORT lines per invocation, in bytes.
const PLATFORM_LOG_BYTES: f64 = 330.0;
/// CPU a warm invocation spends besides waiting (the emulator's figure for the webhook, about 1.5 ms).
const CPU_MS_PER_INVOCATION: f64 = 1.5;

/// A Lambda function as the template configures it.
#[derive(Clone, Copy)]
pub struct Function {
    pub name: &'static str,
    pub memory_mb: f64,
}

/// What a piece of work used: requests by API operation, DynamoDB capacity, Lambda time and logs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub requests: BTreeMap<String, f64>,
    pub write_units: f64,
    pub index_write_units: f64,
    pub read_units: f64,
    pub lambda_gb_seconds: f64,
    pub log_bytes: f64,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        for (operation, count) in &other.requests {
            *self.requests.entry(operation.clone()).or_default() += count;
        }
        self.write_units += other.write_units;
        self.index_write_units += other.index_write_units;
        self.read_units += other.read_units;
        self.lambda_gb_seconds += other.lambda_gb_seconds;
        self.log_bytes += other.log_bytes;
    }

    /// This usage divided over `units` pieces of work.
    pub fn per(&self, units: f64) -> Usage {
        Usage {
            requests: self.requests.iter().map(|(k, v)| (k.clone(), v / units)).collect(),
            write_units: self.write_units / units,
            index_write_units: self.index_write_units / units,
            read_units: self.read_units / units,
            lambda_gb_seconds: self.lambda_gb_seconds / units,
            log_bytes: self.log_bytes / units,
        }
    }

    /// `count` requests that no recording sees (API Gateway, the event source mapping, Graph sends).
    pub fn modelled(mut self, operation: &str, count: f64) -> Self {
        *self.requests.entry(operation.to_string()).or_default() += count;
        self
    }

    /// `function` ran `invocations` times and waited on every AWS request recorded so far (and
    /// on Graph sends): its requests, GB-seconds and platform logs.
    pub fn invoked(mut self, function: Function, invocations: f64) -> Self {
        let waited_ms: f64 = self
            .requests
            .iter()
            .filter(|(op, _)| !op.starts_with("apigateway:") && !op.starts_with("lambda:"))
            .filter(|(op, _)| op.as_str() != "events:PutEvents entries")
            .map(|(op, count)| {
                latency_ms(if op.as_str() == CALLS_OF_PUT_EVENTS {
                    "events:"
                } else {
                    op
                }) * count
            })
            .sum();
        let billed_seconds = (waited_ms + CPU_MS_PER_INVOCATION * invocations) / 1000.0;
        self.lambda_gb_seconds += billed_seconds * function.memory_mb / 1024.0;
        self.log_bytes += PLATFORM_LOG_BYTES * invocations;
        self.modelled(&format!("lambda:Invoke {}", function.name), invocations)
    }

    /// Requests the code made to AWS (PutEvents by calls), not the modelled ones around it.
    pub fn aws_calls(&self) -> f64 {
        self.requests
            .iter()
            .filter(|(op, _)| !op.contains("(event source mapping)") && op.as_str() != "events:PutEvents entries")
            .filter(|(op, _)| {
                ["dynamodb:", "sqs:", "s3:", "kms:", "calls:"]
                    .iter()
                    .any(|p| op.starts_with(p))
            })
            .map(|(_, v)| v)
            .sum()
    }

    pub fn requests_of(&self, prefix: &str) -> f64 {
        self.requests
            .iter()
            .filter(|(op, _)| op.starts_with(prefix))
            .map(|(_, v)| v)
            .sum()
    }

    /// Dollars by service.
    pub fn dollars(&self, prices: &Prices) -> BTreeMap<&'static str, f64> {
        let requests = |prefix: &str| self.requests_of(prefix);
        let mut bill = BTreeMap::new();
        bill.insert(
            "dynamodb",
            (self.write_units + self.index_write_units) * prices.dynamodb_write_unit
                + self.read_units * prices.dynamodb_read_unit,
        );
        bill.insert(
            "api gateway",
            requests("apigateway:http") * prices.api_gateway_http_request
                + requests("apigateway:websocket") * prices.api_gateway_websocket_message,
        );
        bill.insert("sqs", requests("sqs:") * prices.sqs_request);
        bill.insert("eventbridge", requests("events:") * prices.eventbridge_event);
        bill.insert(
            "lambda",
            requests("lambda:") * prices.lambda_request + self.lambda_gb_seconds * prices.lambda_gb_second,
        );
        bill.insert(
            "s3",
            requests("s3:PUT") * prices.s3_put + requests("s3:GET") * prices.s3_get,
        );
        bill.insert("kms", requests("kms:") * prices.kms_request);
        bill.insert("logs", self.log_bytes * prices.log_byte);
        bill
    }

    pub fn total_dollars(&self, prices: &Prices) -> f64 {
        self.dollars(prices).values().sum()
    }
}

fn meter_path() -> Option<String> {
    std::env::var("MOTO_METER_FILEPATH").ok().filter(|p| !p.is_empty())
}

/// Empties the capacity meter's log (a no-op when moto runs without it).
fn reset_meter() {
    if let Some(path) = meter_path() {
        let _ = std::fs::write(path, "");
    }
}

/// Write, index write and read units the meter logged since its reset.
fn read_meter() -> (f64, f64, f64) {
    let Some(path) = meter_path() else {
        return (0.0, 0.0, 0.0);
    };
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .fold((0.0, 0.0, 0.0), |(w, i, r), entry| {
            (
                w + entry["wru"].as_f64().unwrap_or(0.0),
                i + entry["index_wru"].as_f64().unwrap_or(0.0),
                r + entry["rru"].as_f64().unwrap_or(0.0),
            )
        })
}

/// Runs `work` with the recorder and the meter on: the AWS requests it made (PutEvents counted by
/// entries) and the DynamoDB capacity they consumed.
pub async fn measure<F: std::future::Future<Output = ()>>(work: F) -> Usage {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL points at moto");
    moto(&endpoint, "reset-recording").await;
    reset_meter();
    moto(&endpoint, "start-recording").await;
    work.await;
    moto(&endpoint, "stop-recording").await;
    let (write_units, index_write_units, read_units) = read_meter();
    let mut usage = Usage {
        write_units,
        index_write_units,
        read_units,
        ..Usage::default()
    };
    for line in moto(&endpoint, "download-recording").await.lines() {
        let Ok(entry) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let operation = operation_of(&entry);
        if operation == "events:PutEvents" {
            // Billed per entry; the calls are what the function waits on.
            let entries = body_of(&entry)["Entries"].as_array().map_or(1, Vec::len) as f64;
            *usage.requests.entry("events:PutEvents entries".into()).or_default() += entries;
            *usage.requests.entry(CALLS_OF_PUT_EVENTS.into()).or_default() += 1.0;
            continue;
        }
        *usage.requests.entry(operation).or_default() += 1.0;
    }
    usage
}

/// One row of the money table: a kind of work and what one of it uses.
pub struct Row {
    pub name: String,
    pub usage: Usage,
}

impl Row {
    /// The figures the baseline guards.
    fn figures(&self) -> BTreeMap<&'static str, f64> {
        BTreeMap::from([
            ("write_units", self.usage.write_units + self.usage.index_write_units),
            ("read_units", self.usage.read_units),
            ("aws_requests", self.usage.aws_calls()),
            ("usd_per_million", self.usage.total_dollars(&LIST_PRICES) * 1e6),
        ])
    }
}

pub fn print_table(rows: &[Row]) {
    println!("\n== money table: per unit of work, at US East list prices ==");
    for row in rows {
        let u = &row.usage;
        println!("\n{}", row.name);
        let mut line = String::from("  requests:");
        for (operation, count) in &u.requests {
            if *count > 0.0005 {
                line.push_str(&format!(" {operation} {count:.3};"));
            }
        }
        println!("{line}");
        println!("  AWS requests the code made: {:.3}", u.aws_calls());
        println!(
            "  DynamoDB: {:.2} write units ({:.2} table + {:.2} index), {:.2} read units",
            u.write_units + u.index_write_units,
            u.write_units,
            u.index_write_units,
            u.read_units
        );
        let bill = u.dollars(&LIST_PRICES);
        let parts: Vec<String> = bill
            .iter()
            .filter(|(_, v)| **v > 0.0)
            .map(|(k, v)| format!("{k} {:.3}", v * 1e6))
            .collect();
        println!(
            "  $ per 1M: {:.2} = {}",
            u.total_dollars(&LIST_PRICES) * 1e6,
            parts.join(" + ")
        );
    }
}

/// Compares each row with the committed baseline: a figure more than 5 % above it is a failure
/// (answered as text). `UPDATE_COST_BASELINE=1` writes the measured figures as the new baseline.
pub fn check_baseline(rows: &[Row], path: &Path) -> Result<(), String> {
    let measured: BTreeMap<&str, BTreeMap<&str, f64>> = rows.iter().map(|r| (r.name.as_str(), r.figures())).collect();
    if std::env::var("UPDATE_COST_BASELINE").as_deref() == Ok("1") {
        let rounded: BTreeMap<&str, BTreeMap<&str, f64>> = measured
            .iter()
            .map(|(row, figures)| {
                (
                    *row,
                    figures
                        .iter()
                        .map(|(k, v)| (*k, (v * 1000.0).round() / 1000.0))
                        .collect(),
                )
            })
            .collect();
        let text = serde_json::to_string_pretty(&json!(rounded)).expect("figures serialize");
        std::fs::write(path, text + "\n").map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!("\nwrote the baseline {}", path.display());
        return Ok(());
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let baseline: BTreeMap<String, BTreeMap<String, f64>> =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rises = Vec::new();
    println!("\n== against the baseline ({}) ==", path.display());
    for (row, figures) in &measured {
        let Some(base) = baseline.get(*row) else {
            rises.push(format!("{row}: no baseline (UPDATE_COST_BASELINE=1 writes one)"));
            continue;
        };
        for (figure, value) in figures {
            let before = base.get(*figure).copied().unwrap_or(0.0);
            let change = if before > 0.0 {
                (value / before - 1.0) * 100.0
            } else {
                0.0
            };
            println!("  {row} / {figure}: {before:.3} -> {value:.3} ({change:+.1} %)");
            if *value > before * 1.05 + 0.001 {
                rises.push(format!(
                    "{row} / {figure}: {value:.3} is more than 5 % above {before:.3}"
                ));
            }
        }
    }
    match rises.is_empty() {
        true => Ok(()),
        false => Err(rises.join("\n")),
    }
}
