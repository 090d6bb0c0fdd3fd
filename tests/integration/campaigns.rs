//! Campaigns end to end on moto and the fake Graph API: the API, the campaigns function (tag
//! expansion, metered fan-out), the sender and ingest (statuses, opt-outs), each called as Lambda
//! calls it.

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

fn restock() -> Value {
    json!([{"type": "BODY", "text": "Hi {{1}}, {{2}} is back in stock.", "example": {"body_text": [["Ada", "the blue scarf"]]}}])
}

async fn campaign(f: &Fixture, template_id: &str, variables: Value) -> String {
    let body = json!({"name": "Restock", "template_id": template_id, "variables": variables});
    let (status, created) = f
        .call("POST", "/v1/campaigns", Some(&f.a.key), Some(&body.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "draft");
    created["id"].as_str().unwrap().to_string()
}

async fn post(f: &Fixture, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    f.call("POST", path, Some(&f.a.key), body.map(|b| b.to_string()).as_deref())
        .await
}

/// An outbound queue that takes the first `allowed` sends, then never answers: the fan-out's
/// invocation is cut off mid-way, as a timeout or crash would.
struct StallingQueue {
    inner: Box<dyn JobQueue>,
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

async fn deliver(f: &Fixture, hooks: &[SignedWebhook]) {
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
    let vip = f.tagged_contacts(&f.a, "vip", 4_915_100_000_000, 120).await;
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
        prepared["counts"]["total"], 121,
        "120 tagged, one more by phone; duplicates once"
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

    // The first feed step is cut off after queueing 50 sends, before its checkpoint; SQS delivers
    // its job again to a fresh invocation.
    let feed_jobs = f.stack.drain("CampaignQueue").await;
    assert_eq!(feed_jobs.len(), 1);
    let stalled = Arc::new(AtomicBool::new(false));
    let stalling = f.campaigns().wrap_outbound(|inner| {
        Box::new(StallingQueue {
            inner,
            allowed: 50,
            stalled: stalled.clone(),
        })
    });
    let cut = tokio::time::timeout(Duration::from_secs(5), stalling.process(sqs_event_of(&feed_jobs))).await;
    assert!(
        cut.is_err() && stalled.load(Ordering::SeqCst),
        "the handler's future was dropped mid-way"
    );
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
    assert_eq!(f.graph.sent().len(), 121);
    assert_eq!(done["counts"]["sent"], 121);
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
        if hooks.len() >= 3 * 121 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hooks.len(), 3 * 121, "sent, delivered and read for each");
    hooks.reverse();
    deliver(&f, &hooks).await;
    deliver(&f, &hooks[..60]).await;
    let (_, counted) = f.call("GET", &path, Some(&f.a.key), None).await;
    let counts = &counted["counts"];
    assert_eq!(
        (
            counts["sent"].as_u64(),
            counts["delivered"].as_u64(),
            counts["read"].as_u64(),
            counts["failed"].as_u64()
        ),
        (Some(121), Some(121), Some(121), Some(0)),
        "{counts}"
    );
    let (_, read) = f
        .call(
            "GET",
            &format!("{path}/recipients?status=read&limit=100"),
            Some(&f.a.key),
            None,
        )
        .await;
    assert_eq!(read["data"].as_array().unwrap().len(), 100);
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

#[tokio::test]
async fn metas_refusals_and_opt_outs_settle_recipients_with_their_reasons() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "offer",
            "MARKETING",
            json!([{"type": "BODY", "text": "20% off today"}]),
        )
        .await;
    f.graph.take_webhooks();
    f.graph.refuse_recipient("16505550001", 131049);
    f.graph.refuse_recipient("16505550002", 131050);
    f.graph.refuse_recipient("16505550003", 131026);
    // 16505550004 stopped marketing messages on WhatsApp before the campaign.
    let preference = json!({"object": "whatsapp_business_account", "entry": [{"id": f.a.account.waba_id, "changes": [{"field": "user_preferences", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": f.a.account.display_phone_number, "phone_number_id": f.a.account.phone_number_id},
        "contacts": [{"wa_id": "16505550004", "profile": {"name": "Pat"}}],
        "user_preferences": [{"wa_id": "16505550004", "detail": "User requested to stop marketing messages", "category": "marketing_messages", "value": "stop", "timestamp": 1_700_000_000}]
    }}]}]}).to_string();
    deliver(
        &f,
        &[SignedWebhook {
            signature: sign(&Tenant::app_secret("a"), preference.as_bytes()),
            body: preference,
        }],
    )
    .await;

    let id = campaign(&f, &template, json!({})).await;
    let path = format!("/v1/campaigns/{id}");
    let phones: Vec<String> = (1..=5).map(|i| format!("+1650555000{i}")).collect();
    post(
        &f,
        &format!("{path}/recipients"),
        Some(json!({"phone_numbers": phones})),
    )
    .await;
    post(&f, &format!("{path}/start"), None).await;
    let done = f.run_campaign(&f.a, &id, 10).await;
    assert_eq!(done["status"], "completed", "{done}");
    let counts = &done["counts"];
    assert_eq!(
        (
            counts["sent"].as_u64(),
            counts["failed"].as_u64(),
            counts["skipped"].as_u64()
        ),
        (Some(1), Some(3), Some(1)),
        "{counts}"
    );
    let (_, recipients) = f.call("GET", &format!("{path}/recipients"), Some(&f.a.key), None).await;
    let by_phone = |phone: &str| {
        recipients["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["phone_number"] == format!("+{phone}"))
            .cloned()
            .unwrap()
    };
    for (phone, code) in [
        ("16505550001", 131049),
        ("16505550002", 131050),
        ("16505550003", 131026),
    ] {
        let recipient = by_phone(phone);
        assert_eq!(
            (recipient["status"].as_str(), recipient["error_code"].as_i64()),
            (Some("failed"), Some(code))
        );
        assert!(recipient["error_message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(by_phone("16505550004")["status"], "skipped");
    assert_eq!(by_phone("16505550005")["status"], "sent");
    assert_eq!(
        f.graph.sends_to("16505550004"),
        0,
        "an opted-out customer is not sent marketing"
    );

    // 131050 recorded the opt-out: the next marketing campaign skips that customer without asking
    // Meta; "resume" lifts 16505550004's.
    let resume = json!({"object": "whatsapp_business_account", "entry": [{"id": f.a.account.waba_id, "changes": [{"field": "user_preferences", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": f.a.account.display_phone_number, "phone_number_id": f.a.account.phone_number_id},
        "user_preferences": [{"wa_id": "16505550004", "category": "marketing_messages", "value": "resume", "timestamp": 1_700_000_100}]
    }}]}]}).to_string();
    deliver(
        &f,
        &[SignedWebhook {
            signature: sign(&Tenant::app_secret("a"), resume.as_bytes()),
            body: resume,
        }],
    )
    .await;
    let next = campaign(&f, &template, json!({})).await;
    post(
        &f,
        &format!("/v1/campaigns/{next}/recipients"),
        Some(json!({"phone_numbers": ["+16505550002", "+16505550004"]})),
    )
    .await;
    post(&f, &format!("/v1/campaigns/{next}/start"), None).await;
    let done = f.run_campaign(&f.a, &next, 10).await;
    assert_eq!(
        (done["counts"]["skipped"].as_u64(), done["counts"]["sent"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(f.graph.sends_to("16505550004"), 1);
}

#[tokio::test]
async fn templates_and_variables_are_checked_before_anything_is_sent() {
    let f = Fixture::new().await;
    let approved = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    let pending = json!({"account_id": f.a.account.account_id, "name": "pending_one", "category": "UTILITY", "language": "en_US",
        "components": [{"type": "BODY", "text": "Hello"}]});
    let (_, pending) = f
        .call("POST", "/v1/templates", Some(&f.a.key), Some(&pending.to_string()))
        .await;
    f.graph.take_webhooks();
    let create = |template: &str, variables: Value| {
        json!({"name": "c", "template_id": template, "variables": variables}).to_string()
    };
    let (status, answer) = f
        .call(
            "POST",
            "/v1/campaigns",
            Some(&f.a.key),
            Some(&create(pending["id"].as_str().unwrap(), json!({}))),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("template_not_approved"))
    );
    let (status, answer) = f
        .call(
            "POST",
            "/v1/campaigns",
            Some(&f.a.key),
            Some(&create(&approved, json!({"3": "x"}))),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer["error"]["message"].as_str().unwrap().starts_with("variables.3"));
    let id = campaign(&f, &approved, json!({"2": "the blue scarf"})).await;
    let add = json!({"phone_numbers": ["+16505550100", "+16505550101"], "variables": {"+16505550101": {"1": "Ada"}}});
    let (_, added) = post(&f, &format!("/v1/campaigns/{id}/recipients"), Some(add)).await;
    assert_eq!(added["added"], 1, "{added}");
    assert_eq!(added["refused"][0]["entry"], "+16505550100");
    assert!(
        added["refused"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("missing variable \"1\"")
    );
    assert_eq!(f.graph.sent().len(), 0);
}

#[tokio::test]
async fn a_reply_is_attributed_once_and_its_conversation_goes_to_the_responding_agent() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "welcome_back",
            "UTILITY",
            json!([{"type": "BODY", "text": "We missed you"}]),
        )
        .await;
    let body = json!({"email": "rita@example.com", "full_name": "Rita Responder", "role": "agent"}).to_string();
    let (_, rita) = f.call("POST", "/v1/agents", Some(&f.a.key), Some(&body)).await;
    let rita = rita["id"].as_str().unwrap().to_string();
    let body = json!({"name": "Win back", "template_id": template, "responding_agent_id": rita}).to_string();
    let (status, created) = f.call("POST", "/v1/campaigns", Some(&f.a.key), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    post(
        &f,
        &format!("/v1/campaigns/{id}/recipients"),
        Some(json!({"phone_numbers": ["+16505551234", "+16505551235"]})),
    )
    .await;
    post(&f, &format!("/v1/campaigns/{id}/start"), None).await;
    assert_eq!(f.run_campaign(&f.a, &id, 10).await["status"], "completed");

    let now = chrono::Utc::now().timestamp();
    f.inbound_from(&f.a, "16505551234", "Sheena Nelson", "wamid.reply1", now)
        .await;
    f.inbound_from(&f.a, "16505551234", "Sheena Nelson", "wamid.reply2", now + 1)
        .await;
    let conversation_id = f.conversation_id(&f.a).await;
    let (_, conversation) = f
        .call(
            "GET",
            &format!("/v1/conversations/{conversation_id}"),
            Some(&f.a.key),
            None,
        )
        .await;
    assert_eq!(
        conversation["campaign_id"],
        id.as_str(),
        "the conversation records the campaign"
    );
    assert_eq!(
        conversation["assigned_agent_id"],
        rita.as_str(),
        "and goes to the responding agent"
    );
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(campaign["counts"]["replied"], 1, "two messages, one reply counted");
    let (_, replied) = f
        .call(
            "GET",
            &format!("/v1/campaigns/{id}/recipients?status=sent"),
            Some(&f.a.key),
            None,
        )
        .await;
    let sheena = replied["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["phone_number"] == "+16505551234")
        .unwrap();
    assert_eq!(sheena["conversation_id"], conversation_id.as_str());
    assert!(sheena["replied_at"].is_string());
    // The agent reads what the customer answers: the campaign send, once, before the replies.
    f.inbound_from(&f.a, "16505551234", "Sheena Nelson", "wamid.reply1", now)
        .await;
    let messages = f.messages(&f.a, &conversation_id).await;
    let kinds: Vec<(&str, Option<&str>)> = messages
        .iter()
        .rev()
        .map(|m| (m["direction"].as_str().unwrap(), m["origin"].as_str()))
        .collect();
    let origin = format!("campaign:{id}");
    assert_eq!(
        kinds,
        [
            ("outbound", Some(origin.as_str())),
            ("inbound", None),
            ("inbound", None)
        ],
        "{messages:?}"
    );
    let shown = messages.last().unwrap();
    assert_eq!(shown["wamid"], sheena["wamid"]);
    assert_eq!(shown["content"]["kind"], "template");
    assert_eq!(shown["status"], "sent");
}

#[tokio::test]
async fn the_messaging_limit_pauses_a_campaign_until_the_window_allows_then_it_resumes_by_itself() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "big_news",
            "UTILITY",
            json!([{"type": "BODY", "text": "Big news"}]),
        )
        .await;
    let account = format!("/v1/accounts/{}", f.a.account.account_id);
    let (status, updated) = f
        .call("PATCH", &account, Some(&f.a.key), Some(r#"{"messaging_limit":"250"}"#))
        .await;
    assert_eq!(
        (status, updated["messaging_limit"].as_str()),
        (StatusCode::OK, Some("250"))
    );
    let id = campaign(&f, &template, json!({})).await;
    let path = format!("/v1/campaigns/{id}");
    let phones: Vec<String> = (0..300).map(|i| format!("+1415555{:04}", i)).collect();
    let (_, added) = post(
        &f,
        &format!("{path}/recipients"),
        Some(json!({"phone_numbers": phones})),
    )
    .await;
    assert_eq!(added["added"], 300);
    post(&f, &format!("{path}/start"), None).await;
    f.run_campaign_jobs().await;
    assert_eq!(
        f.run_sends().await,
        250,
        "the first step stays within the 24-hour allowance"
    );
    f.feed(&f.a, &id).await;
    let (_, paused) = f.call("GET", &path, Some(&f.a.key), None).await;
    assert_eq!(
        (paused["status"].as_str(), paused["pause_reason"].as_str()),
        (Some("paused"), Some("messaging_limit"))
    );
    assert_eq!(paused["counts"]["sent"], 250);

    // A day later the minute tick finds it due and resumes it; the window has room again.
    let later = chrono::Utc::now().timestamp_millis() + 26 * 3_600_000;
    let time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(later)
        .unwrap()
        .to_rfc3339();
    let summary = f.campaigns().tick(&json!({"time": time})).await.unwrap();
    assert_eq!(summary.started, 1);
    let jobs = f.stack.drain("CampaignQueue").await;
    let later_service = || f.campaigns().with_clock(move || later);
    later_service().process(sqs_event_of(&jobs)).await;
    f.run_sends().await;
    assert_eq!(f.graph.sent().len(), 300, "the other 50 went out, each once");
    let job = shared::outreach::campaign::CampaignJob::Feed {
        org_id: f.a.account.org_id.clone(),
        campaign_id: id.clone(),
    };
    later_service()
        .process(integration_tests::outreach::campaign_job_event(&job))
        .await;
    let (_, done) = f.call("GET", &path, Some(&f.a.key), None).await;
    assert_eq!(
        (done["status"].as_str(), done["counts"]["sent"].as_u64()),
        (Some("completed"), Some(300)),
        "{done}"
    );
    assert_eq!(f.graph.sent().len(), 300);
}

#[tokio::test]
async fn a_scheduled_campaign_starts_within_a_minute_of_its_time() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "tomorrow",
            "UTILITY",
            json!([{"type": "BODY", "text": "See you tomorrow"}]),
        )
        .await;
    let at = chrono::Utc::now() + chrono::Duration::hours(2);
    let body = json!({"name": "Later", "template_id": template, "scheduled_at": at.to_rfc3339()}).to_string();
    let (_, created) = f.call("POST", "/v1/campaigns", Some(&f.a.key), Some(&body)).await;
    assert_eq!(created["status"], "scheduled");
    let id = created["id"].as_str().unwrap().to_string();
    post(
        &f,
        &format!("/v1/campaigns/{id}/recipients"),
        Some(json!({"phone_numbers": ["+14155550999"]})),
    )
    .await;
    let tick = |at: chrono::DateTime<chrono::Utc>| json!({"time": at.to_rfc3339()});
    let early = f
        .campaigns()
        .tick(&tick(at - chrono::Duration::seconds(61)))
        .await
        .unwrap();
    assert_eq!(early.started, 0, "not before its time");
    let on_time = f
        .campaigns()
        .tick(&tick(at + chrono::Duration::seconds(30)))
        .await
        .unwrap();
    assert_eq!(on_time.started, 1);
    let again = f
        .campaigns()
        .tick(&tick(at + chrono::Duration::seconds(90)))
        .await
        .unwrap();
    assert_eq!(again.started, 0, "a second tick starts nothing twice");
    let done = f.run_campaign(&f.a, &id, 10).await;
    assert_eq!(
        (done["status"].as_str(), done["counts"]["sent"].as_u64()),
        (Some("completed"), Some(1))
    );
    assert_eq!(f.graph.sends_to("14155550999"), 1);
}

#[tokio::test]
async fn per_phone_variables_reach_tag_recipients_and_unmatched_phones_are_reported() {
    let f = Fixture::new().await;
    let template = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    let gold = f.tagged_contacts(&f.a, "gold", 4_915_200_000_000, 3).await;
    // No default for {{1}}: each recipient needs its own.
    let id = campaign(&f, &template, json!({"2": "the blue scarf"})).await;
    let path = format!("/v1/campaigns/{id}/recipients");
    let add = json!({
        "tags": ["gold"],
        "variables": {
            format!("+{}", gold[0].1): {"1": "Ada"},
            format!("+{}", gold[1].1): {"1": "Bo"},
            "+49 151 99999999": {"1": "Nobody"},
        },
    });
    let (status, added) = post(&f, &path, Some(add)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let refused: Vec<(&str, &str)> = added["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["field"].as_str().unwrap(), r["entry"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, [("variables", "+4915199999999")], "{added}");
    assert_eq!(f.run_campaign_jobs().await, 1, "the expansion job");
    let store = shared::outreach::campaign_store::CampaignStore::new(
        aws_sdk_dynamodb::Client::new(&f.stack.aws),
        f.stack.name_of("Table"),
    );
    let org = &f.a.account.org_id;
    let id_ref = id.as_str();
    let variables_of = |phone: String| {
        let store = &store;
        let id = id_ref;
        async move {
            let recipient = store.recipient(org, id, &phone).await.unwrap().expect("a recipient");
            serde_json::to_value(&recipient.variables).unwrap()
        }
    };
    assert_eq!(
        variables_of(gold[0].1.clone()).await,
        json!({"1": "Ada"}),
        "added by tag, kept its own"
    );
    assert_eq!(variables_of(gold[1].1.clone()).await, json!({"1": "Bo"}));
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(campaign["counts"]["total"], 3, "each phone once: {campaign}");
    // Variables for a phone already in the campaign (by tag) apply to it while it is pending.
    let later = json!({"variables": {format!("+{}", gold[2].1): {"1": "Cy"}}});
    let (status, added) = post(&f, &path, Some(later)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["refused"], json!([]), "{added}");
    assert_eq!(variables_of(gold[2].1.clone()).await, json!({"1": "Cy"}));
}

#[tokio::test]
async fn a_status_after_an_unconfirmed_failure_wins_and_the_counts_follow() {
    use shared::outreach::campaign_store::{CampaignStore, Claim};
    let f = Fixture::new().await;
    let template = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    let id = campaign(&f, &template, json!({"1": "friend", "2": "the blue scarf"})).await;
    let (status, _) = post(
        &f,
        &format!("/v1/campaigns/{id}/recipients"),
        Some(json!({"phone_numbers": ["+4915300000001"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let store = CampaignStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"));
    let org = &f.a.account.org_id;
    let phone = "4915300000001";
    // Claimed, sent without an answer (unknown), then failed unconfirmed when no status came.
    let Claim::Claimed(claimed) = store.claim(org, &id, phone).await.unwrap() else {
        panic!("claimed")
    };
    assert!(store.mark_unknown(&claimed).await.unwrap());
    let unknown = store.recipient(org, &id, phone).await.unwrap().unwrap();
    assert!(store.fail_unconfirmed(&unknown, "no status in time").await.unwrap());
    let failed = counts(&f, &id).await;
    assert_eq!(
        (failed["failed"].as_u64(), failed["sent"].as_u64()),
        (Some(1), Some(0)),
        "{failed}"
    );
    // Meta's delivered status comes late: it wins, and the failure is taken back.
    assert!(
        store
            .apply_status(org, &id, phone, "delivered", "wamid.late", None)
            .await
            .unwrap()
    );
    let recipient = store.recipient(org, &id, phone).await.unwrap().unwrap();
    assert_eq!(recipient.status, "delivered");
    let after = counts(&f, &id).await;
    assert_eq!(
        (
            after["failed"].as_u64(),
            after["sent"].as_u64(),
            after["delivered"].as_u64()
        ),
        (Some(0), Some(1), Some(1)),
        "{after}"
    );
    // A `sent` after `delivered` moves nothing back.
    assert!(
        !store
            .apply_status(org, &id, phone, "sent", "wamid.late", None)
            .await
            .unwrap(),
        "no move back down"
    );
}

async fn counts(f: &Fixture, campaign_id: &str) -> Value {
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{campaign_id}"), Some(&f.a.key), None)
        .await;
    campaign["counts"].clone()
}

#[tokio::test]
async fn five_feeds_on_one_number_stay_within_its_messaging_limit_together() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "big_news",
            "UTILITY",
            json!([{"type": "BODY", "text": "Big news"}]),
        )
        .await;
    let account = format!("/v1/accounts/{}", f.a.account.account_id);
    let (status, _) = f
        .call("PATCH", &account, Some(&f.a.key), Some(r#"{"messaging_limit":"250"}"#))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Five campaigns of 100 on one number, started together.
    let mut ids = Vec::new();
    for c in 0..5 {
        let id = campaign(&f, &template, json!({})).await;
        let phones: Vec<String> = (0..100).map(|i| format!("+1415{c}55{i:04}")).collect();
        let path = format!("/v1/campaigns/{id}");
        let (_, added) = post(
            &f,
            &format!("{path}/recipients"),
            Some(json!({"phone_numbers": phones})),
        )
        .await;
        assert_eq!(added["added"], 100);
        post(&f, &format!("{path}/start"), None).await;
        ids.push(id);
    }
    // Their feed steps run at once, each in its own invocation, round after round (a step that
    // lost the race for the room looks again a second later).
    let mut queued = 0;
    for round in 0..6 {
        let jobs = f.stack.drain("CampaignQueue").await;
        if round == 0 {
            assert_eq!(jobs.len(), 5);
        }
        let runs = jobs.iter().map(|job| {
            let service = f.campaigns();
            async move { service.process(sqs_event_of(std::slice::from_ref(job))).await }
        });
        futures::future::join_all(runs).await;
        queued += f.stack.drain("OutboundQueue").await.len();
        assert!(
            queued <= 250,
            "{queued} sends queued for a limit of 250 (round {round})"
        );
        tokio::time::sleep(Duration::from_millis(1_200)).await;
    }
    assert_eq!(queued, 250, "the whole allowance is used, and no more");
}

#[tokio::test]
async fn a_feed_step_reads_one_page_past_its_cursor_and_a_resume_goes_on_from_its_last_steps() {
    use shared::outreach::campaign_store::CampaignStore;
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "big_news",
            "UTILITY",
            json!([{"type": "BODY", "text": "Big news"}]),
        )
        .await;
    let id = campaign(&f, &template, json!({})).await;
    let org = f.a.account.org_id.clone();
    let store = CampaignStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"));
    // 20,000 recipients, 19,990 of them sent already (a resumed, nearly finished campaign).
    let phones: Vec<String> = (0..20_000).map(|i| format!("49155{i:08}")).collect();
    let now = shared::platform::items::now_rfc3339();
    let recipients: Vec<shared::outreach::campaign::Recipient> = phones
        .iter()
        .enumerate()
        .map(|(i, phone)| {
            let mut r = shared::outreach::campaign::Recipient::pending(
                &org,
                &id,
                phone.clone(),
                None,
                Default::default(),
                &now,
            );
            if !(15_000..15_010).contains(&i) {
                r.status = "sent".into();
                r.status_rank = shared::outreach::campaign::rank::SENT;
            }
            r
        })
        .collect();
    store.write_recipients(&org, &recipients, "bench").await.unwrap();
    store.add_total(&org, &id, 20_000).await.unwrap();
    let path = format!("/v1/campaigns/{id}");
    let (status, started) = post(&f, &format!("{path}/start"), None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let position = |cursor: &Option<String>| {
        cursor
            .as_ref()
            .map(|c| phones.binary_search(c).unwrap() as i64)
            .unwrap_or(-1)
    };
    let mut queued = 0;
    let mut at = -1i64;
    let mut sending_step_began = None;
    while queued < 10 {
        assert_eq!(f.run_campaign_jobs().await, 1, "one step at a time");
        let cursor = store.campaign(&org, &id).await.unwrap().unwrap().feed_cursor;
        let moved = position(&cursor) - at;
        assert!(
            (1..=1_000).contains(&moved),
            "a step read one page past its cursor: {moved}"
        );
        let step = f.stack.drain("OutboundQueue").await.len();
        if step > 0 {
            sending_step_began = Some(at);
        }
        queued += step;
        at = position(&cursor);
    }
    assert_eq!(queued, 10, "the ten pending ones");
    assert!((15_009..16_000).contains(&at), "{at}");
    // Paused before their sends went out (the sender drops them), then resumed: the fan-out goes
    // on from where its last sending step began, not from the first recipient.
    post(&f, &format!("{path}/pause"), None).await;
    let (status, _) = post(&f, &format!("{path}/resume"), None).await;
    assert_eq!(status, StatusCode::OK);
    let resumed = store.campaign(&org, &id).await.unwrap().unwrap();
    assert_eq!(
        Some(position(&resumed.feed_cursor)),
        sending_step_began,
        "{:?}",
        resumed.feed_cursor
    );
    assert!(position(&resumed.feed_cursor) > 14_000);
    f.stack.drain("CampaignQueue").await;
    f.feed(&f.a, &id).await;
    assert_eq!(
        f.stack.drain("OutboundQueue").await.len(),
        10,
        "the dropped ten, queued again"
    );
}

#[tokio::test]
async fn the_ends_sweep_reads_a_page_a_step_and_completes_only_after_a_sweep_with_nothing_open() {
    use shared::outreach::campaign::settle::SETTLE_PAGE;
    use shared::outreach::campaign_store::CampaignStore;
    let f = Fixture::new().await;
    let template = f
        .approved_template(&f.a, "end_sweep", "UTILITY", json!([{"type": "BODY", "text": "Hi"}]))
        .await;
    let id = campaign(&f, &template, json!({})).await;
    let org = f.a.account.org_id.clone();
    let store = CampaignStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"));
    // 3,000 recipients, all sent but two: one whose send is still on its way (claimed just now),
    // one unknown for 20 minutes (no answer from Meta, no status).
    let phones: Vec<String> = (0..3_000).map(|i| format!("49166{i:08}")).collect();
    let now = shared::platform::items::now_rfc3339();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let recipient = |i: usize, status: &str, claimed: Option<i64>| {
        let mut r = shared::outreach::campaign::Recipient::pending(
            &org,
            &id,
            phones[i].clone(),
            None,
            Default::default(),
            &now,
        );
        r.status = status.into();
        r.status_rank = match status {
            "sending" => shared::outreach::campaign::rank::SENDING,
            "unknown" => shared::outreach::campaign::rank::UNKNOWN,
            _ => shared::outreach::campaign::rank::SENT,
        };
        r.send_claimed_ms = claimed;
        r
    };
    let recipients: Vec<_> = (0..3_000)
        .map(|i| match i {
            600 => recipient(i, "sending", Some(now_ms)),
            2_500 => recipient(i, "unknown", Some(now_ms - 20 * 60_000)),
            _ => recipient(i, "sent", None),
        })
        .collect();
    store.write_recipients(&org, &recipients, "test").await.unwrap();
    store.add_total(&org, &id, 3_000).await.unwrap();
    let (status, started) = post(&f, &format!("/v1/campaigns/{id}/start"), None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let position = |cursor: &Option<String>| cursor.as_ref().map(|c| phones.binary_search(c).unwrap() as i64);

    // The fan-out crosses the sent recipients, then the sweep reads a page a step.
    let mut swept = -1i64;
    let mut sweep_steps = 0;
    for _ in 0..20 {
        if f.run_campaign_jobs().await == 0 {
            break;
        }
        let campaign = store.campaign(&org, &id).await.unwrap().unwrap();
        if let Some(at) = position(&campaign.settle_cursor) {
            assert!(
                (1..=SETTLE_PAGE as i64).contains(&(at - swept)),
                "a sweep step read one page past its cursor: {swept} → {at}"
            );
            swept = at;
            sweep_steps += 1;
        } else if sweep_steps > 0 {
            break; // the sweep ended
        }
    }
    assert!(sweep_steps >= 2, "the sweep took several steps: {sweep_steps}");
    let campaign = store.campaign(&org, &id).await.unwrap().unwrap();
    assert_eq!(
        campaign.status,
        shared::outreach::campaign::CampaignStatus::InProgress,
        "a send on its way keeps the campaign open"
    );
    assert_eq!(campaign.settle_cursor, None, "the sweep starts again later");
    let unconfirmed = store.recipient(&org, &id, &phones[2_500]).await.unwrap().unwrap();
    assert_eq!(unconfirmed.status, "failed", "the old unknown failed, unconfirmed");

    // The send on its way settles; the next sweep finds nothing open and completes.
    store
        .write_recipients(&org, &[recipient(600, "sent", None)], "test")
        .await
        .unwrap();
    f.stack.drain("CampaignQueue").await;
    f.feed(&f.a, &id).await;
    for _ in 0..10 {
        if f.run_campaign_jobs().await == 0 {
            break;
        }
    }
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(campaign["status"], "completed", "{campaign}");
}
