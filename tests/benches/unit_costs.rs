//! The money table (`make bench`): what one inbound message (steady state, from a new customer,
//! a duplicate), one status, one agent send, one campaign recipient and one live update (to 0, 10
//! and 50 connected agents) costs on AWS at list prices, measured against moto
//! with its capacity meter and request recorder (`integration_tests::costs` says what is measured
//! and what is modelled). Each figure must stay within 5 % of `unit_costs_baseline.json`;
//! changing the baseline (`UPDATE_COST_BASELINE=1 make bench`) is a commit that says why.
//!
//! Under `cargo test` this binary only checks it starts.

#[path = "unit_costs/ai.rs"]
mod ai;
#[path = "unit_costs/bot.rs"]
mod bot;
#[path = "unit_costs/campaign.rs"]
mod campaign;

use integration_tests::costs::{Function, Row, Usage, check_baseline, measure, print_table};
use integration_tests::live_rig::{LiveRig, message_received};
use integration_tests::outreach::sqs_event_of;
use integration_tests::stream_tap::StreamTap;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

/// The template's functions all have 256 MB (media, not measured here, has 512).
const fn at_256_mb(name: &'static str) -> Function {
    Function { name, memory_mb: 256.0 }
}

const WEBHOOK: Function = at_256_mb("webhook");
const INGEST: Function = at_256_mb("ingest");
const API: Function = at_256_mb("api");
const SENDER: Function = at_256_mb("sender");
const CAMPAIGNS: Function = at_256_mb("campaigns");
const NOTIFIER: Function = at_256_mb("notifier");
const TALLY: Function = at_256_mb("tally");
const DELIVERIES_FN: Function = at_256_mb("deliveries");
const AUTOMATION: Function = at_256_mb("automation");
/// Events delivered to an outgoing webhook in the delivery row.
const WEBHOOK_EVENTS: usize = 100;
/// The tally's stream batch (template: BatchSize 100, a 10 s window): full from about 10 inbound
/// messages a second.
const TALLY_BATCH: usize = 100;

/// Deliveries per inbound case: the per-message figures are steady well before this.
const DELIVERIES: usize = 200;
const SENDS: usize = 50;
const LIVE_EVENTS: usize = 10;

/// The SQS event source mapping's receive and delete per batch of `messages` (in batches of 10).
pub(crate) fn event_source_mapping(usage: Usage, messages: usize) -> Usage {
    let batches = messages.div_ceil(10) as f64;
    usage
        .modelled("sqs:ReceiveMessage (event source mapping)", batches)
        .modelled("sqs:DeleteMessageBatch (event source mapping)", batches)
}

/// The sender over `jobs` in batches of 10 (each send waiting on Graph), with the event source
/// mapping's requests; and the sent, delivered and read webhooks the fake kept for them, signed.
pub(crate) async fn sent_with_statuses(
    f: &Fixture,
    jobs: &[aws_sdk_sqs::types::Message],
) -> (Usage, Vec<(Vec<u8>, String)>) {
    let sends = sent(f, jobs).await;
    let hooks: Vec<(Vec<u8>, String)> = f
        .graph
        .take_webhooks()
        .into_iter()
        .map(|hook| (hook.body.into_bytes(), hook.signature))
        .collect();
    assert_eq!(hooks.len(), 3 * jobs.len(), "sent, delivered and read for every send");
    (sends, hooks)
}

/// The sender over `jobs` in batches of 10 (each send waiting on Graph), with the event source
/// mapping's requests.
pub(crate) async fn sent(f: &Fixture, jobs: &[aws_sdk_sqs::types::Message]) -> Usage {
    let service = f.sender();
    let sends = measure(async {
        for chunk in jobs.chunks(10) {
            let (response, _) = service.process(sqs_event_of(chunk)).await;
            assert!(response.batch_item_failures.is_empty());
        }
    })
    .await
    .modelled("graph:send", jobs.len() as f64)
    .invoked(SENDER, jobs.len().div_ceil(10) as f64);
    event_source_mapping(sends, jobs.len())
}

pub(crate) fn text_from(phone_number_id: &str, customer: usize, wamid: &str, timestamp: i64) -> Vec<u8> {
    let wa_id = format!("1650555{customer:04}");
    notification(
        phone_number_id,
        json!([{"profile": {"name": format!("Customer {customer}")}, "wa_id": wa_id}]),
        json!([{"from": wa_id, "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": {"body": "Does it come in another color?"}}]),
        Value::Null,
    )
}

/// Meta's deliveries through the webhook (signed with the account's secret), the ingest queue and
/// the tally of their claims from the stream: the usage of each function, and of the whole leg per
/// delivery.
pub(crate) async fn inbound(f: &Fixture, signed: &[(Vec<u8>, String)]) -> Usage {
    let tap = StreamTap::new(&f.stack);
    tap.take(TALLY_BATCH).await;
    let webhook = measure(async {
        for (body, signature) in signed {
            let request = webhook_post(&f.a.account.account_id, body, Some(signature), false);
            assert_eq!(f.webhook.handle(request).await.unwrap().status(), StatusCode::OK);
        }
    })
    .await
    .modelled("apigateway:http request", signed.len() as f64)
    .invoked(WEBHOOK, signed.len() as f64);
    let queued = f.stack.drain("IngestQueue").await;
    assert_eq!(queued.len(), signed.len(), "every delivery was queued");
    let service = f.ingest();
    let ingest = measure(async {
        for chunk in queued.chunks(10) {
            let (response, _) = service.process(sqs_event_of(chunk)).await;
            assert!(response.batch_item_failures.is_empty());
        }
    })
    .await
    .invoked(INGEST, queued.len().div_ceil(10) as f64);
    let tallied = tally_leg(f, &tap).await;
    let mut leg = event_source_mapping(ingest, queued.len());
    leg.add(&webhook);
    leg.add(&tallied);
    leg.per(signed.len() as f64)
}

/// The tally over what the stream holds since `tap` last took, in full batches. Stream reads by
/// Lambda's event source are free: only the tally's own work is measured.
pub(crate) async fn tally_leg(f: &Fixture, tap: &StreamTap) -> Usage {
    let batches = tap.take(TALLY_BATCH).await;
    let tally = f.stack.tally_service();
    measure(async {
        for batch in &batches {
            let (response, _) = tally.process(batch.clone()).await;
            assert!(response.batch_item_failures.is_empty());
        }
    })
    .await
    .invoked(TALLY, batches.len() as f64)
}

pub(crate) fn signed(bodies: Vec<Vec<u8>>) -> Vec<(Vec<u8>, String)> {
    bodies
        .into_iter()
        .map(|body| {
            let signature = sign(&Tenant::app_secret("a"), &body);
            (body, signature)
        })
        .collect()
}

async fn inbound_rows(rows: &mut Vec<Row>) {
    let f = Fixture::new().await;
    let phone = f.a.account.phone_number_id.clone();
    let start = chrono::Utc::now().timestamp() - 3_600;
    // The first message opens the conversation; the steady state is every message after it.
    let opening = signed(vec![text_from(&phone, 0, "wamid.open", start)]);
    inbound(&f, &opening).await;
    let steady = signed(
        (0..DELIVERIES)
            .map(|i| text_from(&phone, 0, &format!("wamid.steady.{i}"), start + 1 + i as i64))
            .collect(),
    );
    rows.push(Row {
        name: "inbound message, steady state".into(),
        usage: inbound(&f, &steady).await,
    });
    rows.push(Row {
        name: "inbound message, a duplicate (Meta's retry)".into(),
        usage: inbound(&f, &steady[..DELIVERIES / 2]).await,
    });
    let newcomers = signed(
        (1..=DELIVERIES / 2)
            .map(|i| text_from(&phone, i, &format!("wamid.new.{i}"), start + 1_000 + i as i64))
            .collect(),
    );
    rows.push(Row {
        name: "inbound message, from a new customer".into(),
        usage: inbound(&f, &newcomers).await,
    });
}

async fn send_rows(rows: &mut Vec<Row>) {
    let f = Fixture::new().await;
    f.graph.report_statuses_to(fake_graph::StatusWebhooks {
        url: String::new(),
        app_secret: Tenant::app_secret("a"),
        waba_id: f.a.account.waba_id.clone(),
        display_phone_number: "15550001111".into(),
        step: std::time::Duration::ZERO,
    });
    let phone = f.a.account.phone_number_id.clone();
    let now = chrono::Utc::now().timestamp();
    inbound(&f, &signed(vec![text_from(&phone, 0, "wamid.window", now)])).await;
    let conversation = f.conversation_id(&f.a).await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let tap = StreamTap::new(&f.stack);
    tap.take(TALLY_BATCH).await;
    let api = measure(async {
        for i in 0..SENDS {
            let body = json!({"type": "text", "content": {"text": format!("We have it in navy ({i})")}}).to_string();
            let (status, answer) = f.call("POST", &path, Some(&f.a.key), Some(&body)).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        }
    })
    .await
    .modelled("apigateway:http request", SENDS as f64)
    .invoked(API, SENDS as f64);
    let jobs = f.stack.drain("OutboundQueue").await;
    assert_eq!(jobs.len(), SENDS, "every send was queued");
    let (mut send, hooks) = sent_with_statuses(&f, &jobs).await;
    send.add(&api);
    send.add(&tally_leg(&f, &tap).await);
    rows.push(Row {
        name: "agent send (API, queue, sender)".into(),
        usage: send.per(SENDS as f64),
    });
    rows.push(Row {
        name: "status (sent, delivered or read)".into(),
        usage: inbound(&f, &hooks).await,
    });
}

/// One outgoing webhook delivery (a `message.received` to one subscribed endpoint, answered 204):
/// the bus rule's SendMessage, the event source mapping, the deliveries function's reads and
/// writes (the endpoints cached per sandbox, the guard, the delivery, its outcome) and its Lambda
/// time. The event's own PutEvents is the publisher's, counted in its row.
async fn webhook_row(rows: &mut Vec<Row>) {
    let f = Fixture::new().await;
    let receiver = integration_tests::receiver::Receiver::start(false).await;
    let body = json!({"name": "CRM", "url": receiver.url(), "events": ["message.received"]}).to_string();
    let (status, created) = f.call("POST", "/v1/webhooks", Some(&f.a.key), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    receiver.secrets(&[created["secret"].as_str().unwrap()]).await;
    let phone = f.a.account.phone_number_id.clone();
    let start = chrono::Utc::now().timestamp() - 3_600;
    let messages = signed(
        (0..WEBHOOK_EVENTS)
            .map(|i| text_from(&phone, 0, &format!("wamid.hook.{i}"), start + i as i64))
            .collect(),
    );
    inbound(&f, &messages).await;
    let mut queued = f.stack.drain_settled("DeliveriesQueue").await;
    // The subscribed events only (the rule also carries the others; the function skips them).
    let service = f.deliveries();
    // One warm sandbox: its cache of the organization's endpoints is filled once.
    let warm = queued.split_off(queued.len().min(10));
    let (response, _) = service.process(sqs_event_of(&warm)).await;
    assert!(response.batch_item_failures.is_empty());
    let before = receiver.deliveries().await.len();
    let usage = measure(async {
        for chunk in queued.chunks(10) {
            let (response, _) = service.process(sqs_event_of(chunk)).await;
            assert!(response.batch_item_failures.is_empty());
        }
    })
    .await;
    let received = receiver.deliveries().await;
    assert!(received.iter().all(|d| d["verified"] == true));
    let delivered = received.len() - before;
    let usage = event_source_mapping(usage, queued.len())
        .modelled("sqs:SendMessage (bus rule)", queued.len() as f64)
        .invoked(DELIVERIES_FN, queued.len().div_ceil(10) as f64);
    rows.push(Row {
        name: "outgoing webhook delivery (one endpoint, answered 2xx)".into(),
        usage: usage.per(delivered.max(1) as f64),
    });
}

/// The live-update leg: the notifier's work for one event with 0, 10 and 50 agents connected.
async fn live_rows(rows: &mut Vec<Row>) {
    let mut rig = LiveRig::new().await;
    let org = rig.organization().await;
    let mut connected = 0;
    for agents in [0, 10, 50] {
        rig.connect(&org, agents - connected).await;
        connected = agents;
        let mut posted = 0;
        let usage = measure(async {
            for i in 0..LIVE_EVENTS {
                match rig.notifier.deliver(&message_received(&org.org_id, i)).await {
                    Ok(notifier::Delivered::Done(delivery)) => posted += delivery.posted as usize,
                    other => panic!("not delivered: {other:?}"),
                }
            }
        })
        .await;
        assert_eq!(
            posted,
            agents * LIVE_EVENTS,
            "every connected agent was sent every event"
        );
        let usage = usage
            .modelled("calls:PostToConnection", posted as f64)
            .modelled("apigateway:websocket message", posted as f64)
            .invoked(NOTIFIER, LIVE_EVENTS as f64);
        rows.push(Row {
            name: format!("live update, one event, {agents} agents connected"),
            usage: usage.per(LIVE_EVENTS as f64),
        });
    }
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("unit_costs: run with `make bench` to measure");
        return;
    }
    if std::env::var("MOTO_METER_FILEPATH").is_err() {
        eprintln!("unit_costs: moto must run with MOTO_METER_FILEPATH (make bench starts it so)");
        std::process::exit(2);
    }
    let mut rows = Vec::new();
    inbound_rows(&mut rows).await;
    send_rows(&mut rows).await;
    campaign::campaign_row(&mut rows).await;
    live_rows(&mut rows).await;
    webhook_row(&mut rows).await;
    bot::bot_row(&mut rows).await;
    ai::ai_row(&mut rows).await;
    print_table(&rows);
    let baseline = repo_root().join("tests/benches/unit_costs_baseline.json");
    if let Err(rises) = check_baseline(&rows, &baseline) {
        eprintln!("\nunit_costs: figures rose above the baseline:\n{rises}");
        std::process::exit(1);
    }
}
