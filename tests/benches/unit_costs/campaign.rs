//! The campaign row: what one recipient of a campaign to a tag costs, from the tag's expansion
//! through the feed steps and the send to Meta's three statuses.

use super::{CAMPAIGNS, event_source_mapping, inbound, sent_with_statuses};
use integration_tests::costs::{Row, Usage, measure};
use integration_tests::outreach::{OutreachFixture, campaign_job_event, seed_tagged_contacts, sqs_event_of};
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::outreach::campaign::CampaignJob;

const RECIPIENTS: usize = 60;

async fn call(f: &Fixture, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let (status, answer) = f.call(method, path, Some(&f.a.key), Some(&body.to_string())).await;
    assert!(status.is_success(), "{method} {path}: {answer}");
    answer
}

/// The campaigns function over every job waiting on its queue, until none is left.
async fn run_campaign_queue(f: &Fixture) -> usize {
    let service = f.campaigns();
    let mut jobs = 0;
    loop {
        let queued = f.stack.drain("CampaignQueue").await;
        if queued.is_empty() {
            return jobs;
        }
        jobs += queued.len();
        service.process(sqs_event_of(&queued)).await;
    }
}

pub(super) async fn campaign_row(rows: &mut Vec<Row>) {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "bench_offer",
            "MARKETING",
            json!([{"type": "BODY", "text": "New arrivals are in"}]),
        )
        .await;
    f.graph.take_webhooks();
    f.graph.report_statuses_to(fake_graph::StatusWebhooks {
        url: String::new(),
        app_secret: Tenant::app_secret("a"),
        waba_id: f.a.account.waba_id.clone(),
        display_phone_number: f.a.account.display_phone_number.clone(),
        step: std::time::Duration::ZERO,
    });
    seed_tagged_contacts(&f.stack, &f.a.account.org_id, "bench", 14_150_000_000, RECIPIENTS).await;
    let created = call(
        &f,
        "POST",
        "/v1/campaigns",
        json!({"name": "bench", "template_id": template}),
    )
    .await;
    let id = created["id"].as_str().expect("a campaign id").to_string();
    call(
        &f,
        "POST",
        &format!("/v1/campaigns/{id}/recipients"),
        json!({"tags": ["bench"]}),
    )
    .await;
    let mut expansion_jobs = 0;
    let expansion = measure(async { expansion_jobs = run_campaign_queue(&f).await }).await;
    let expansion =
        event_source_mapping(without_drains(expansion), expansion_jobs).invoked(CAMPAIGNS, expansion_jobs as f64);
    let (status, _) = f
        .call("POST", &format!("/v1/campaigns/{id}/start"), Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    f.stack.drain("CampaignQueue").await;
    let feed_job = CampaignJob::Feed {
        org_id: f.a.account.org_id.clone(),
        campaign_id: id.clone(),
    };
    let mut jobs = Vec::new();
    let mut steps = 0;
    let service = f.campaigns();
    let feed = measure(async {
        while jobs.len() < RECIPIENTS && steps < 50 {
            steps += 1;
            service.process(campaign_job_event(&feed_job)).await;
            jobs.extend(f.stack.drain("OutboundQueue").await);
        }
    })
    .await;
    assert_eq!(jobs.len(), RECIPIENTS, "every recipient queued once");
    // The test's own drains (ReceiveMessage, DeleteMessage) stand for the event source mapping.
    let feed = without_drains(feed);
    let feed = event_source_mapping(feed, steps).invoked(CAMPAIGNS, steps as f64);
    let (sends, hooks) = sent_with_statuses(&f, &jobs).await;
    let statuses = inbound(&f, &hooks).await;
    let mut recipient = Usage::default();
    for part in [&expansion, &feed, &sends] {
        recipient.add(&part.per(RECIPIENTS as f64));
    }
    // `inbound` answers per status: three per recipient.
    recipient.add(&statuses.per(1.0 / 3.0));
    rows.push(Row {
        name: "campaign recipient (expansion, feed, send, 3 statuses)".into(),
        usage: recipient,
    });
}

/// A usage without the SQS receives and deletes the bench made to collect the queued jobs.
fn without_drains(mut usage: Usage) -> Usage {
    usage.requests.retain(|op, _| {
        !matches!(
            op.as_str(),
            "sqs:ReceiveMessage" | "sqs:DeleteMessage" | "sqs:DeleteMessageBatch"
        )
    });
    usage
}
