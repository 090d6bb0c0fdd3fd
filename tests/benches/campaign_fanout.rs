//! A campaign to one tag, measured on moto with its request recorder and the fake Graph API:
//! 1. expansion of CAMPAIGN_BENCH_RECIPIENTS (default 100,000) tagged contacts: time, requests,
//!    write units;
//! 2. the fan-out of all of them at the 1,000 mps setting: SQS and DynamoDB requests per recipient;
//! 3. sends and their three statuses (through the webhook and ingest) for CAMPAIGN_BENCH_SENDS
//!    recipients (default 800) at the 80 mps setting and CAMPAIGN_BENCH_FAST_SENDS (default 3,000)
//!    at the 1,000 mps setting: sends per second, 130429s, double sends, requests and write units
//!    per recipient.
//!
//! From those, the AWS cost per 1M campaign sends (list prices printed with it).
//!
//! Run with `make bench` (it starts moto) or `BENCH_ONLY=campaigns`. Under `cargo test` this binary
//! only checks it starts.

use integration_tests::outreach::{campaign_job_event, seed_tagged_contacts, sqs_event_of};
use integration_tests::*;
use serde_json::{Value, json};
use shared::outreach::campaign::CampaignJob;
use std::collections::BTreeMap;
use std::time::Instant;

/// Requests and write units by operation, from moto's recording.
#[derive(Default, Debug)]
struct Usage {
    requests: BTreeMap<String, usize>,
    write_units: usize,
}

impl Usage {
    fn requests(&self, prefix: &str) -> usize {
        self.requests
            .iter()
            .filter(|(op, _)| op.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }

    fn per(&self, recipients: usize) -> String {
        self.requests
            .iter()
            .map(|(op, n)| format!("{op} {:.3}", *n as f64 / recipients as f64))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn recorded<F: std::future::Future<Output = ()>>(work: F) -> Usage {
    if std::env::var("CAMPAIGN_BENCH_RECORD").as_deref() == Ok("0") {
        work.await;
        return Usage::default();
    }
    let mut usage = Usage::default();
    for entry in integration_tests::recorder::record(work).await {
        let operation = integration_tests::recorder::operation_of(&entry);
        if operation.starts_with("s3:") || operation.contains("moto-api") {
            continue;
        }
        let body = integration_tests::recorder::body_of(&entry);
        usage.write_units += integration_tests::recorder::write_units(&operation, &body);
        *usage.requests.entry(operation).or_default() += 1;
    }
    usage
}

/// The outbound queue of the 100,000-recipient fan-out: it counts the SendMessageBatch requests
/// `SqsJobQueue` would make (ten bodies each) and keeps nothing. moto's SQS takes ~0.13 s per
/// SendMessageBatch, which would make this run take an hour; the sends themselves are measured on
/// moto's SQS in the second part.
#[derive(Clone, Default)]
struct CountingQueue {
    batches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    bodies: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

#[async_trait::async_trait]
impl shared::platform::job_queue::JobQueue for CountingQueue {
    async fn send_all(&self, bodies: &[String]) -> Vec<usize> {
        use std::sync::atomic::Ordering::SeqCst;
        self.batches.fetch_add(bodies.len().div_ceil(10), SeqCst);
        self.bodies.fetch_add(bodies.len(), SeqCst);
        Vec::new()
    }
    async fn send_one(&self, _: &str) -> Result<(), shared::platform::StoreError> {
        Ok(())
    }
    async fn send_later(&self, _: &str, _: u32) -> Result<(), shared::platform::StoreError> {
        Ok(())
    }
}

struct Bench {
    stack: TestStack,
    graph: fake_graph::FakeGraph,
    account: shared::access::tenancy::WhatsAppAccount,
    key: String,
    api: api::ApiService,
}

impl Bench {
    async fn new(mps: u32) -> Self {
        let mut stack = TestStack::new().await;
        let graph = stack.fake_graph().await;
        graph.set_mps_limit(mps);
        let (account, key) = stack
            .tenant_with_key(&unique_phone_number_id(), "bench-secret", "bench-verify-token")
            .await;
        let accounts = stack.account_secrets();
        accounts
            .update(
                &account.org_id,
                &account.account_id,
                shared::access::account_store::AccountChanges {
                    throughput_mps: Some(mps),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let api = api::ApiService::from_aws(
            &api::ApiConfig::from_env(&stack.env_of("ApiFunction")).unwrap(),
            &stack.aws,
        );
        // An approved template, as a sync would store it.
        shared::outreach::template_store::TemplateStore::new(
            aws_sdk_dynamodb::Client::new(&stack.aws),
            stack.name_of("Table"),
        )
        .save_synced(
            &account.org_id,
            &account.waba_id,
            &shared::outreach::template_store::MetaTemplate {
                meta_template_id: "1".into(),
                name: "bench".into(),
                language: "en_US".into(),
                category: "MARKETING".into(),
                status: "APPROVED".into(),
                components: json!([{"type": "BODY", "text": "Hi {{1}}, new arrivals are in."}]),
                parameter_format: Some("POSITIONAL".into()),
                rejected_reason: None,
            },
        )
        .await
        .unwrap();
        Self {
            stack,
            graph,
            account,
            key,
            api,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let response = self
            .api
            .handle(api_request(
                method,
                path,
                Some(&self.key),
                body.map(|b| b.to_string()).as_deref(),
            ))
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{method} {path}: {}",
            body_text(&response)
        );
        json_body(&response)
    }

    fn campaigns(&self) -> campaigns::CampaignsService {
        campaigns::CampaignsService::from_aws(
            &campaigns::CampaignsConfig::from_env(&self.stack.env_of("CampaignsFunction")).unwrap(),
            &self.stack.aws,
        )
    }

    async fn campaign_for(&self, tag: &str) -> String {
        let template = shared::outreach::template::template_id(&self.account.waba_id, "bench", "en_US");
        let created = self
            .call(
                "POST",
                "/v1/campaigns",
                Some(json!({"name": "bench", "template_id": template, "variables": {"1": "friend"}})),
            )
            .await;
        let id = created["id"].as_str().unwrap().to_string();
        let started = Instant::now();
        self.call(
            "POST",
            &format!("/v1/campaigns/{id}/recipients"),
            Some(json!({"tags": [tag]})),
        )
        .await;
        println!(
            "  adding the tag answered in {:.0} ms (the expansion is the campaigns function's)",
            started.elapsed().as_secs_f64() * 1e3
        );
        id
    }

    /// Runs the campaign queue until the expansion is done; its time.
    async fn expand(&self) -> f64 {
        let started = Instant::now();
        loop {
            let jobs = self.stack.drain("CampaignQueue").await;
            if jobs.is_empty() {
                return started.elapsed().as_secs_f64();
            }
            self.campaigns().process(sqs_event_of(&jobs)).await;
        }
    }

    fn feed_job(&self, id: &str) -> CampaignJob {
        CampaignJob::Feed {
            org_id: self.account.org_id.clone(),
            campaign_id: id.into(),
        }
    }
}

async fn expansion_and_fan_out(recipients: usize) {
    let bench = Bench::new(1_000).await;
    seed_tagged_contacts(&bench.stack, &bench.account.org_id, "bench", 16_500_000_000, recipients).await;
    let id = bench.campaign_for("bench").await;
    let mut seconds = 0.0;
    let expansion = recorded(async { seconds = bench.expand().await }).await;
    let campaign = bench.call("GET", &format!("/v1/campaigns/{id}"), None).await;
    assert_eq!(campaign["counts"]["total"].as_u64(), Some(recipients as u64));
    println!(
        "  expansion of {recipients} recipients: {seconds:.1} s ({:.0} recipients/s); per recipient: {}; write units {:.2}",
        recipients as f64 / seconds,
        expansion.per(recipients),
        expansion.write_units as f64 / recipients as f64
    );
    bench.call("POST", &format!("/v1/campaigns/{id}/start"), None).await;
    bench.stack.drain("CampaignQueue").await;
    let steps = recipients.div_ceil(shared::outreach::campaign::feed_budget(1_000));
    let started = Instant::now();
    let outbound = CountingQueue::default();
    let mut feed = recorded(async {
        for _ in 0..steps {
            let counting = outbound.clone();
            let service = bench.campaigns().wrap_outbound(move |_| std::sync::Arc::new(counting));
            service.process(campaign_job_event(&bench.feed_job(&id))).await;
        }
    })
    .await;
    let queued = outbound.bodies.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(queued, recipients, "every recipient queued once");
    feed.requests.insert(
        "sqs:SendMessageBatch".into(),
        outbound.batches.load(std::sync::atomic::Ordering::SeqCst),
    );
    println!(
        "  fan-out at the 1,000 mps setting: {steps} steps of {} in {:.1} s ({:.0} ms per step); per recipient: {}; write units {:.4}",
        shared::outreach::campaign::feed_budget(1_000),
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() * 1e3 / steps as f64,
        feed.per(recipients),
        feed.write_units as f64 / recipients as f64
    );
    println!(
        "  SendMessageBatch per recipient: {:.4} (goal <= 0.11)",
        feed.requests("sqs:SendMessageBatch") as f64 / recipients as f64
    );
}

async fn sends_and_statuses(sends: usize, mps: u32, invocations: usize) {
    let bench = Bench::new(mps).await;
    let webhooks = fake_graph::StatusWebhooks {
        url: String::new(),
        app_secret: "bench-secret".into(),
        waba_id: bench.account.waba_id.clone(),
        display_phone_number: bench.account.display_phone_number.clone(),
        step: std::time::Duration::ZERO,
    };
    bench.graph.report_statuses_to(webhooks);
    seed_tagged_contacts(&bench.stack, &bench.account.org_id, "few", 14_150_000_000, sends).await;
    let id = bench.campaign_for("few").await;
    bench.expand().await;
    bench.call("POST", &format!("/v1/campaigns/{id}/start"), None).await;
    // One feed step enqueues about the number's mps × 5 s; step until every recipient is queued.
    let mut jobs = Vec::new();
    while jobs.len() < sends {
        bench.stack.drain("CampaignQueue").await;
        bench
            .campaigns()
            .process(campaign_job_event(&bench.feed_job(&id)))
            .await;
        let fed = bench.stack.drain("OutboundQueue").await;
        assert!(
            !fed.is_empty(),
            "a feed step queued nothing with {} of {sends} queued",
            jobs.len()
        );
        jobs.extend(fed);
    }
    assert_eq!(jobs.len(), sends);
    let sender_config = sender::SenderConfig::from_env(&bench.stack.env_of("SenderFunction")).unwrap();
    let batches: Vec<Vec<aws_sdk_sqs::types::Message>> = jobs.chunks(10).map(|c| c.to_vec()).collect();
    let queue = std::sync::Arc::new(tokio::sync::Mutex::new(batches.into_iter()));
    let started = Instant::now();
    let mut elapsed = 0.0;
    let send_usage = recorded(async {
        let mut tasks = Vec::new();
        for _ in 0..invocations {
            let queue = queue.clone();
            let service = sender::SenderService::from_aws(&sender_config, &bench.stack.aws);
            tasks.push(tokio::spawn(async move {
                loop {
                    let Some(batch) = queue.lock().await.next() else { break };
                    service.process(sqs_event_of(&batch)).await;
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        elapsed = started.elapsed().as_secs_f64();
    })
    .await;
    let sent = bench.graph.sent();
    let mut per_phone: BTreeMap<String, usize> = BTreeMap::new();
    for message in &sent {
        *per_phone
            .entry(message.body["to"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    let doubles = per_phone.values().filter(|n| **n > 1).count();
    println!(
        "  sends at the {mps} mps setting by {invocations} invocation(s): {}/{sends} in {elapsed:.1} s = {:.0} sends/s; 130429 answers {}; recipients sent twice {doubles}",
        sent.len(),
        sent.len() as f64 / elapsed,
        bench.graph.rate_limited()
    );
    println!(
        "    sender per recipient: {}; write units {:.2}",
        send_usage.per(sends),
        send_usage.write_units as f64 / sends as f64
    );
    if std::env::var("CAMPAIGN_BENCH_STATUSES").as_deref() == Ok("0") {
        return;
    }
    // Meta's sent, delivered and read for each, through the webhook and ingest.
    let webhook = webhook::WebhookService::from_aws(
        &webhook::WebhookConfig::from_env(&bench.stack.env_of("WebhookFunction")).unwrap(),
        &bench.stack.aws,
    );
    let ingest = ingest::IngestService::from_aws(
        &ingest::IngestConfig::from_env(&bench.stack.env_of("IngestFunction")).unwrap(),
        &bench.stack.aws,
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let hooks = bench.graph.take_webhooks();
    let status_usage = recorded(async {
        for hook in &hooks {
            let request = webhook_post(
                &bench.account.account_id,
                hook.body.as_bytes(),
                Some(&hook.signature),
                false,
            );
            webhook.handle(request).await.unwrap();
        }
        let queued = bench.stack.drain("IngestQueue").await;
        for chunk in queued.chunks(10) {
            ingest.process(sqs_event_of(chunk)).await;
        }
    })
    .await;
    let campaign = bench.call("GET", &format!("/v1/campaigns/{id}"), None).await;
    println!(
        "    counters after {} status webhooks: {}",
        hooks.len(),
        campaign["counts"]
    );
    println!(
        "    statuses (webhook + ingest) per recipient: {}; write units {:.2}",
        status_usage.per(sends),
        status_usage.write_units as f64 / sends as f64
    );
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("campaign_fanout: run with `make bench` to measure");
        return;
    }
    let number = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    // CAMPAIGN_BENCH_PARTS=fanout|sends|fast picks a part (fast: the 1,000 mps sends only;
    // CAMPAIGN_BENCH_STATUSES=0 skips the status webhooks); with AWS_ENDPOINT_URL_DYNAMODB set (dynalite)
    // the fan-out's DynamoDB is dynalite, faster than moto on a 100,000-item partition (moto's
    // Query reads the whole partition), and CAMPAIGN_BENCH_RECORD=0 skips moto's recorder.
    let parts = std::env::var("CAMPAIGN_BENCH_PARTS").unwrap_or_default();
    let dynamo = match std::env::var("AWS_ENDPOINT_URL_DYNAMODB") {
        Ok(_) => "dynalite",
        Err(_) => "moto",
    };
    println!("\nCampaign fan-out (DynamoDB on {dynamo}, SQS and KMS on moto, fake Graph API)");
    if parts.is_empty() || parts == "fanout" {
        expansion_and_fan_out(number("CAMPAIGN_BENCH_RECIPIENTS", 100_000)).await;
    }
    if parts == "fast" {
        sends_and_statuses(number("CAMPAIGN_BENCH_FAST_SENDS", 3000), 1000, 16).await;
    }
    if parts.is_empty() || parts == "sends" {
        // One invocation: the requests per send without pacing contention (moto carries ~70
        // writes/s, so several invocations only measure moto); then 16, as the event source
        // mapping would run.
        sends_and_statuses(number("CAMPAIGN_BENCH_SENDS", 800), 80, 1).await;
        sends_and_statuses(number("CAMPAIGN_BENCH_SENDS", 800), 80, 16).await;
        // The 1,000 mps tier: pacing allows 1,000/s, so what this measures is how fast the sender
        // and the local DynamoDB go, and that nothing is refused or sent twice.
        sends_and_statuses(number("CAMPAIGN_BENCH_FAST_SENDS", 3000), 1000, 16).await;
    }
}
