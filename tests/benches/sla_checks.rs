//! The cost of sla-checks runs, measured on moto with its request recorder: an organization with
//! SLA_BENCH_OPEN open conversations under a policy (default 10,000), of which 100 come due. Three
//! runs, as the schedule would start them a minute apart: 100 warnings, 100 breaches, nothing due.
//! The same is measured first with a tenth of the open conversations, to show the cost follows the
//! due work and not the open conversations. Printed: requests by operation, read units (estimated
//! from the items' sizes), write units, and the month at one run a minute.
//!
//! Run with `make bench` (it starts moto), or alone against a moto: `cargo bench -p
//! integration-tests --bench sla_checks`. Under `cargo test` this binary only checks it starts.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::StreamExt;
use integration_tests::recorder::{body_of, operation_of, record, write_units};
use integration_tests::*;
use serde_json::json;
use shared::care::sla::SlaPolicy;
use shared::care::sla_clock::SlaClocks;
use shared::care::sla_store::SlaStore;
use sla_checks::{SlaChecksConfig, SlaChecksService};
use std::collections::{BTreeMap, HashMap};

const DUE: usize = 100;
const ORG: &str = "org_01slabench0000000000000000";
const RUNS_PER_MONTH: f64 = 30.0 * 24.0 * 60.0;

fn policy(first_response_secs: i64, warning_pct: u8) -> SlaPolicy {
    SlaPolicy {
        policy_id: "sla_bench".into(),
        org_id: ORG.into(),
        name: "Bench".into(),
        description: None,
        first_response_time_secs: Some(first_response_secs),
        resolution_time_secs: Some(7 * 86_400),
        warning_threshold_pct: warning_pct,
        priority: None,
        channel: None,
        division_id: None,
        is_default: true,
        is_active: true,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

/// Stores clocks for `count` conversations started at `started_ms` (setup, not measured).
async fn seed(store: &SlaStore, prefix: &str, count: usize, policy: &SlaPolicy, started_ms: i64) {
    futures::stream::iter(0..count)
        .map(|i| async move {
            let clocks = SlaClocks::start(ORG, &format!("cv_{prefix}{i:07}"), policy, None, started_ms, started_ms);
            store.create(&clocks, started_ms).await.unwrap();
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
}

/// DynamoDB's size of an item: attribute names and values (numbers estimated by their digits).
fn size_of(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| 1 + size_of(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + size_of(v)).sum::<usize>(),
        _ => 0,
    }
}

fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter().map(|(k, v)| k.len() + size_of(v)).sum()
}

#[derive(Default)]
struct RunCost {
    requests: BTreeMap<String, usize>,
    write_units: usize,
    read_units: f64,
}

impl RunCost {
    fn line(&self) -> String {
        let requests: usize = self.requests.values().sum();
        format!(
            "{requests} requests ({}), {:.1} RCU, {} WCU",
            self.requests
                .iter()
                .map(|(op, n)| format!("{} {n}", op.trim_start_matches("dynamodb:")))
                .collect::<Vec<_>>()
                .join(", "),
            self.read_units,
            self.write_units
        )
    }
}

/// One run at `now_ms`, recorded; read units: a consistent GetItem of the cursor (1), and per
/// index Query half a unit per 4 KB started of the items it answered (eventually consistent).
async fn measured_run(
    service: &SlaChecksService,
    table: &TableReader,
    now_ms: i64,
) -> (RunCost, sla_checks::RunSummary) {
    let mut event = read_event("sla-checks-schedule.json");
    event["time"] = json!(chrono::DateTime::from_timestamp_millis(now_ms).unwrap().to_rfc3339());
    let mut summary = None;
    let entries = record(async { summary = Some(service.run(&event).await.unwrap()) }).await;
    let mut cost = RunCost::default();
    for entry in &entries {
        let operation = operation_of(entry);
        if !operation.starts_with("dynamodb:") && !operation.starts_with("events:") {
            continue;
        }
        let body = body_of(entry);
        cost.write_units += write_units(&operation, &body);
        match operation.as_str() {
            "dynamodb:GetItem" => cost.read_units += 1.0,
            "dynamodb:Query" => {
                let minute = body["ExpressionAttributeValues"][":pk"]["S"]
                    .as_str()
                    .unwrap_or_default();
                let bytes = table.bytes_in(minute).await;
                cost.read_units += 0.5 * bytes.div_ceil(4096).max(1) as f64;
            }
            _ => {}
        }
        *cost.requests.entry(operation).or_default() += 1;
    }
    (cost, summary.unwrap())
}

/// What the index held when a run read it (re-read after the run: the run moves what it handled,
/// so the bench keeps its own copy of each minute's size from before).
struct TableReader {
    sizes: std::sync::Mutex<HashMap<String, usize>>,
}

impl TableReader {
    async fn bytes_in(&self, partition: &str) -> usize {
        self.sizes.lock().unwrap().get(partition).copied().unwrap_or(0)
    }

    async fn remember(&self, dynamo: &aws_sdk_dynamodb::Client, table: &str, minutes: &[String]) {
        for minute in minutes {
            let partition = format!("{}{minute}", shared::platform::table::SLA_DUE);
            let mut bytes = 0;
            let mut start = None;
            loop {
                let page = dynamo
                    .query()
                    .table_name(table)
                    .index_name(shared::platform::table::index::TIMELINE)
                    .key_condition_expression("gsi2pk = :pk")
                    .expression_attribute_values(":pk", AttributeValue::S(partition.clone()))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                bytes += page.items().iter().map(item_size).sum::<usize>();
                match page.last_evaluated_key {
                    Some(next) => start = Some(next),
                    None => break,
                }
            }
            self.sizes.lock().unwrap().insert(partition, bytes);
        }
    }
}

async fn scenario(stack: &TestStack, open: usize, prefix: &str, base_ms: i64) -> [RunCost; 3] {
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let store = SlaStore::new(dynamo.clone(), &table);
    let service = SlaChecksService::from_aws(
        &SlaChecksConfig::from_env(&stack.env_of("SlaChecksFunction")).unwrap(),
        &stack.aws,
    );
    // T is a minute start; the due ones warn at T - 52 s and breach at T + 60 s, the rest a day on.
    let t = base_ms - base_ms.rem_euclid(60_000);
    let started = std::time::Instant::now();
    seed(&store, &format!("{prefix}due"), DUE, &policy(160, 30), t - 100_000).await;
    seed(
        &store,
        &format!("{prefix}open"),
        open - DUE,
        &policy(86_400, 80),
        t - 100_000,
    )
    .await;
    println!(
        "  seeded {open} open conversations' clocks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // A run just before, as the schedule would have made: the cursor sits at T - 1 min.
    service
        .run(&json!({"time": chrono::DateTime::from_timestamp_millis(t - 60_000).unwrap().to_rfc3339()}))
        .await
        .unwrap();
    let reader = TableReader {
        sizes: Default::default(),
    };
    let minute = |ms: i64| shared::platform::tick::minute_of(ms);
    let mut costs = Vec::new();
    for (now, label) in [
        (t + 30_000, "100 warnings"),
        (t + 90_000, "100 breaches"),
        (t + 150_000, "nothing due"),
    ] {
        reader
            .remember(
                &dynamo,
                &table,
                &[minute(now - 120_000), minute(now - 60_000), minute(now)],
            )
            .await;
        let (cost, summary) = measured_run(&service, &reader, now).await;
        println!(
            "  run ({label}): warnings {}, breaches {}, minutes read {}: {}",
            summary.warnings,
            summary.breaches,
            summary.minutes_read,
            cost.line()
        );
        costs.push(cost);
    }
    costs.try_into().unwrap_or_else(|_| unreachable!())
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("sla_checks: run with `make bench` to measure");
        return;
    }
    let open: usize = std::env::var("SLA_BENCH_OPEN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let stack = TestStack::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    println!("\nsla-checks runs (moto, request recorder)");
    println!("{} open conversations, {DUE} due:", open / 10);
    scenario(&stack, open / 10, "a", now + 3_600_000).await;
    println!("{open} open conversations, {DUE} due:");
    let [warnings, breaches, idle] = scenario(&stack, open, "b", now + 7_200_000).await;

    // A month at one run a minute, with the same due work spread over it: every run costs what the
    // idle run does; each warning and each breach adds its share of the measured runs.
    let idle_requests: usize = idle.requests.values().sum();
    let per_notice = |run: &RunCost| {
        let requests: usize = run.requests.values().sum();
        (
            (requests - idle_requests) as f64 / DUE as f64,
            (run.read_units - idle.read_units) / DUE as f64,
            (run.write_units as f64 - idle.write_units as f64) / DUE as f64,
        )
    };
    let (w_req, w_rcu, w_wcu) = per_notice(&warnings);
    let (b_req, b_rcu, b_wcu) = per_notice(&breaches);
    println!("per warning: {w_req:.2} requests, {w_rcu:.2} RCU, {w_wcu:.2} WCU");
    println!("per breach: {b_req:.2} requests, {b_rcu:.2} RCU, {b_wcu:.2} WCU");
    let idle_rcu_month = idle.read_units * RUNS_PER_MONTH;
    let idle_wcu_month = idle.write_units as f64 * RUNS_PER_MONTH;
    println!(
        "a month of runs with nothing due: {:.0} requests, {idle_rcu_month:.0} RCU, {idle_wcu_month:.0} WCU = ${:.3} (on-demand: $0.125 per million reads, $0.625 per million writes)",
        idle_requests as f64 * RUNS_PER_MONTH,
        idle_rcu_month * 0.125e-6 + idle_wcu_month * 0.625e-6
    );
}
