//! Campaigns end to end on moto and the fake Graph API: the API, the campaigns function (tag
//! expansion, metered fan-out), the sender and ingest (statuses, opt-outs), each called as Lambda
//! calls it. Here: the fan-out through a kill and a pause; `sends`: what each recipient's send
//! comes to; `feed`: the messaging limit, the feed's pages and the end's sweep.

mod feed;
mod sends;

use fake_graph::SignedWebhook;
use integration_tests::outreach::{CampaignFixture, OutreachFixture, outbox_of, sqs_event_of};
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use shared::platform::StoreError;
use shared::platform::job_queue::JobQueue;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub(super) fn restock() -> Value {
    json!([{"type": "BODY", "text": "Hi {{1}}, {{2}} is back in stock.", "example": {"body_text": [["Ada", "the blue scarf"]]}}])
}

pub(super) async fn campaign(f: &Fixture, template_id: &str, variables: Value) -> String {
    let body = json!({"name": "Restock", "template_id": template_id, "variables": variables});
    let (status, created) = f
        .call("POST", "/v1/campaigns", Some(&f.a.key), Some(&body.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "draft");
    created["id"].as_str().unwrap().to_string()
}

pub(super) async fn post(f: &Fixture, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    f.call("POST", path, Some(&f.a.key), body.map(|b| b.to_string()).as_deref())
        .await
}

/// An outbound queue that takes the first `allowed` sends, then never answers: the fan-out's
/// invocation is cut off mid-way, as a timeout or crash would.
pub(super) struct StallingQueue {
    inner: Arc<dyn JobQueue>,
    allowed: usize,
    stalled: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl JobQueue for StallingQueue {
    async fn send_all(&self, bodies: &[String]) -> Vec<usize> {
        let (first, _) = bodies.split_at(self.allowed.min(bodies.len()));
        let failed = self.inner.send_all(first).await;
        assert!(failed.is_empty());
        self.stalled.store(true, Ordering::SeqCst);
        std::future::pending::<()>().await;
        unreachable!()
    }
    async fn send_one(&self, body: &str) -> Result<(), StoreError> {
        self.inner.send_one(body).await
    }
    async fn send_later(&self, body: &str, delay_seconds: u32) -> Result<(), StoreError> {
        self.inner.send_later(body, delay_seconds).await
    }
}

pub(super) async fn deliver(f: &Fixture, hooks: &[SignedWebhook]) {
    for hook in hooks {
        let request = webhook_post(
            &f.a.account.account_id,
            hook.body.as_bytes(),
            Some(&hook.signature),
            false,
        );
        assert_eq!(f.webhook.handle(request).await.unwrap().status(), StatusCode::OK);
    }
    let queued = f.stack.drain("IngestQueue").await;
    for chunk in queued.chunks(10) {
        let (response, _) = f.ingest().process(sqs_event_of(chunk)).await;
        assert!(response.batch_item_failures.is_empty());
    }
}

#[tokio::test]
async fn every_recipient_is_reached_once_through_a_killed_fan_out_and_counted_once() {
    let f = Fixture::new().await;
    f.graph.report_statuses_to(outbox_of(&f.a, "a"));
    let template = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    f.graph.take_webhooks();
    let vip = f.tagged_contacts(&f.a, "vip", 4_915_100_000_000, 30).await;
    let id = campaign(&f, &template, json!({"1": "friend", "2": "the blue scarf"})).await;
    let path = format!("/v1/campaigns/{id}");

    // The same phone by tag, by phone number and by contact id is one recipient.
    let add = json!({
        "tags": ["vip", "nobody-has-this"],
        "phone_numbers": [format!("+{}", vip[0].1), "+49 151 0000001", "12ab"],
        "contact_ids": [vip[0].0, vip[1].0, "ct_nope"],
        "variables": {"+49 151 0000001": {"1": "Zed"}},
    });
    let (status, added) = post(&f, &format!("{path}/recipients"), Some(add)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        (added["added"].as_u64(), added["already_present"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(added["tags_queued"], json!(["vip"]));
    let refused: Vec<(String, String)> = added["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["field"].as_str().unwrap().into(), r["entry"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        refused,
        [
            ("phone_numbers".to_string(), "12ab".to_string()),
            ("contact_ids".into(), "ct_nope".into()),
            ("tags".into(), "nobody-has-this".into()),
        ]
    );
    assert_eq!(
        added["campaign"]["status"], "preparing",
        "the tag is expanded asynchronously"
    );
    let (status, refusal) = post(&f, &format!("{path}/start"), None).await;
    assert_eq!(
        (status, refusal["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("audience_preparing"))
    );

    assert_eq!(f.run_campaign_jobs().await, 1, "the expansion job");
    let (_, prepared) = f.call("GET", &path, Some(&f.a.key), None).await;
    assert_eq!(prepared["status"], "draft");
    assert_eq!(
        prepared["counts"]["total"], 31,
        "30 tagged, one more by phone; duplicates once"
    );
    assert_eq!(prepared["tags"], json!(["vip"]));

    let (status, started) = post(&f, &format!("{path}/start"), None).await;
    assert_eq!(
        (status, started["status"].as_str()),
        (StatusCode::OK, Some("in_progress"))
    );
    let (status, again) = post(&f, &format!("{path}/start"), None).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_started"))
    );

    // The first feed step is cut off after queueing 12 sends, before its checkpoint; SQS delivers
    // its job again to a fresh invocation.
    let feed_jobs = f.stack.drain("CampaignQueue").await;
    assert_eq!(feed_jobs.len(), 1);
    let stalled = Arc::new(AtomicBool::new(false));
    let stalling = f.campaigns().wrap_outbound(|inner| {
        Arc::new(StallingQueue {
            inner,
            allowed: 12,
            stalled: stalled.clone(),
        })
    });
    // Dropped as soon as it stalls (however long a loaded machine takes to get there).
    let run = stalling.process(sqs_event_of(&feed_jobs));
    tokio::pin!(run);
    let cut = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            tokio::select! {
                _ = &mut run => return false,
                _ = tokio::time::sleep(Duration::from_millis(20)) => {
                    if stalled.load(Ordering::SeqCst) {
                        return true;
                    }
                }
            }
        }
    })
    .await;
    assert_eq!(cut, Ok(true), "the handler's future was dropped mid-way");
    let (response, _) = f.campaigns().process(sqs_event_of(&feed_jobs)).await;
    assert!(response.batch_item_failures.is_empty());

    let done = f.run_campaign(&f.a, &id, 10).await;
    assert_eq!(done["status"], "completed", "{done}");
    let phones: Vec<String> = vip
        .iter()
        .map(|(_, p)| p.clone())
        .chain(["491510000001".to_string()])
        .collect();
    for phone in &phones {
        assert_eq!(f.graph.sends_to(phone), 1, "{phone} reached exactly once");
    }
    assert_eq!(f.graph.sent().len(), 31);
    assert_eq!(done["counts"]["sent"], 31);
    let zed = f
        .graph
        .sent()
        .into_iter()
        .find(|m| m.body["to"] == "491510000001")
        .unwrap();
    let text =
        |m: &fake_graph::SentMessage, i: usize| m.body["template"]["components"][0]["parameters"][i]["text"].clone();
    assert_eq!(
        (text(&zed, 0), text(&zed, 1)),
        (json!("Zed"), json!("the blue scarf")),
        "per-recipient variables"
    );
    let other = f
        .graph
        .sent()
        .into_iter()
        .find(|m| m.body["to"] == vip[5].1.as_str())
        .unwrap();
    assert_eq!(text(&other, 0), json!("friend"), "the campaign's default");
    assert_eq!(other.body["biz_opaque_callback_data"], format!("cmp:{id}:{}", vip[5].1));

    // Meta's statuses, delivered twice and in reverse order, count once each.
    let mut hooks = Vec::new();
    for _ in 0..100 {
        hooks.extend(f.graph.take_webhooks());
        if hooks.len() >= 3 * 31 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hooks.len(), 3 * 31, "sent, delivered and read for each");
    hooks.reverse();
    deliver(&f, &hooks).await;
    deliver(&f, &hooks[..15]).await;
    let (_, counted) = f.call("GET", &path, Some(&f.a.key), None).await;
    let counts = &counted["counts"];
    assert_eq!(
        (
            counts["sent"].as_u64(),
            counts["delivered"].as_u64(),
            counts["read"].as_u64(),
            counts["failed"].as_u64()
        ),
        (Some(31), Some(31), Some(31), Some(0)),
        "{counts}"
    );
    let (_, read) = f
        .call(
            "GET",
            &format!("{path}/recipients?status=read&limit=20"),
            Some(&f.a.key),
            None,
        )
        .await;
    assert_eq!(read["data"].as_array().unwrap().len(), 20, "a page of the read ones");
    assert!(read["data"][0]["wamid"].as_str().unwrap().starts_with("wamid."));
    assert!(read["data"][0]["read_at"].is_string() && read["data"][0]["sent_at"].is_string());

    // The other organization sees none of it.
    let (status, _) = f.call("GET", &path, Some(&f.b.key), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pause_stops_new_sends_resume_finishes_and_finished_campaigns_refuse() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "notice",
            "UTILITY",
            json!([{"type": "BODY", "text": "Store hours change"}]),
        )
        .await;
    let id = campaign(&f, &template, json!({})).await;
    let path = format!("/v1/campaigns/{id}");
    let (status, _) = post(&f, &format!("{path}/start"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "no recipients yet");
    let phones: Vec<String> = (0..30).map(|i| format!("+1650555{:04}", 1000 + i)).collect();
    let (_, added) = post(
        &f,
        &format!("{path}/recipients"),
        Some(json!({"phone_numbers": phones})),
    )
    .await;
    assert_eq!(added["added"], 30);
    post(&f, &format!("{path}/start"), None).await;
    f.run_campaign_jobs().await;
    assert_eq!(f.stack.drain("OutboundQueue").await.len(), 30, "fed");
    // Those jobs were taken off the queue by the drain above; pause, and feed again after resume.
    let (status, paused) = post(&f, &format!("{path}/pause"), None).await;
    assert_eq!(
        (status, paused["status"].as_str(), paused["pause_reason"].as_str()),
        (StatusCode::OK, Some("paused"), Some("manual"))
    );
    let (status, _) = post(&f, &format!("{path}/pause"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    f.feed(&f.a, &id).await;
    assert_eq!(f.run_sends().await, 0, "a paused campaign is not fed");
    let (status, _) = post(&f, &format!("{path}/resume"), None).await;
    assert_eq!(status, StatusCode::OK);
    let done = f.run_campaign(&f.a, &id, 10).await;
    assert_eq!(
        (done["status"].as_str(), done["counts"]["sent"].as_u64()),
        (Some("completed"), Some(30))
    );
    assert_eq!(f.graph.sent().len(), 30);
    for command in ["pause", "resume", "cancel", "start"] {
        let (status, _) = post(&f, &format!("{path}/{command}"), None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{command} of a completed campaign");
    }
    let (status, _) = f.call("PATCH", &path, Some(&f.a.key), Some(r#"{"name":"late"}"#)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Sends already queued when a campaign is cancelled are dropped by the sender.
    let other = campaign(&f, &template, json!({})).await;
    let other_path = format!("/v1/campaigns/{other}");
    post(
        &f,
        &format!("{other_path}/recipients"),
        Some(json!({"phone_numbers": ["+16505559999", "+16505559998"]})),
    )
    .await;
    post(&f, &format!("{other_path}/start"), None).await;
    f.run_campaign_jobs().await;
    let (status, cancelled) = post(&f, &format!("{other_path}/cancel"), None).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    f.run_sends().await;
    assert_eq!(f.graph.sends_to("16505559999") + f.graph.sends_to("16505559998"), 0);
}

pub(super) async fn counts(f: &Fixture, campaign_id: &str) -> Value {
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{campaign_id}"), Some(&f.a.key), None)
        .await;
    campaign["counts"].clone()
}
