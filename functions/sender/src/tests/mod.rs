//! The sender's decisions on in-memory ports (no moto, no HTTP): what each answer of Meta's comes
//! to, that nothing is sent twice, and that waiting uses no attempt. The wire (Meta's error JSON,
//! an edge's 502 page, a timeout) and SQS's dead-letter queue stay in the integration tests.

mod campaign;

use super::*;
use shared::access::tenancy::WhatsAppAccount;
use shared::inbox::memory::MemoryInbox;
use shared::inbox::send_contract::queued_text;
use shared::inbox::send_memory::{MemoryAccounts, MemoryOutbound, MemoryPacer, MemoryUploads, PacerAnswer};
use shared::meta::graph_memory::ScriptedGraph;
use shared::meta::{Content, MediaKind};
use shared::outreach::campaign_sends_memory::MemoryCampaignSends;
use shared::platform::memory::{MemoryEvents, MemoryQueueControl};
use shared::platform::sealed_secret::StoredSecret;
use shared::platform::secret::Secret;
use shared::platform::table::Key;
use std::sync::atomic::{AtomicI64, Ordering};

const ORG: &str = "org_s";
const ACCOUNT: &str = "acc_s";
const MAX_RECEIVES: u32 = 5;

struct Desk {
    service: SenderService,
    now: Arc<AtomicI64>,
    outbound: Arc<MemoryOutbound>,
    pacer: Arc<MemoryPacer>,
    accounts: Arc<MemoryAccounts>,
    uploads: Arc<MemoryUploads>,
    graph: Arc<ScriptedGraph>,
    events: Arc<MemoryEvents>,
    campaigns: Arc<MemoryCampaignSends>,
    inbox: Arc<MemoryInbox>,
    queue: Arc<MemoryQueueControl>,
}

/// The account's record; its open token is given to the in-memory accounts beside it.
fn account() -> WhatsAppAccount {
    let clear = |s: &str| StoredSecret::Clear(Secret::new(s));
    WhatsAppAccount {
        org_id: ORG.into(),
        account_id: ACCOUNT.into(),
        phone_number_id: "1065550001".into(),
        waba_id: "2065550001".into(),
        display_phone_number: "15550001".into(),
        verify_token: clear("verify-token-of-the-test"),
        app_secret: clear("app-secret"),
        access_token: clear("sealed-elsewhere"),
        throughput_mps: 80,
        division_id: None,
        messaging_limit: None,
        out_of_hours_reply: None,
        csat_enabled: false,
        csat_template_name: None,
        created_at: "2026-12-05T00:00:00Z".into(),
        updated_at: "2026-12-05T00:00:00Z".into(),
    }
}

fn desk() -> Desk {
    let now = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp_millis()));
    let read = now.clone();
    let clock = Clock::new(move || read.load(Ordering::SeqCst));
    let outbound = Arc::new(MemoryOutbound::new(clock.clone()));
    let (pacer, accounts, uploads) = Default::default();
    let (graph, events, queue) = Default::default();
    let campaigns = Arc::new(MemoryCampaignSends::new(clock.clone()));
    let inbox = Arc::new(MemoryInbox::default());
    let desk = Desk {
        service: SenderService::new(
            SenderPorts {
                ledger: outbound.clone(),
                pacer: Arc::clone(&pacer) as _,
                wamids: outbound.clone(),
                accounts: Arc::clone(&accounts) as _,
                uploads: Arc::clone(&uploads) as _,
                graph: Arc::clone(&graph) as _,
                events: Arc::clone(&events) as _,
                campaigns: campaigns.clone(),
                replies: inbox.clone(),
            },
            BatchRunner::new("sender", Box::new(Arc::clone(&queue)), MAX_RECEIVES, Order::Concurrent),
            clock,
        ),
        now,
        outbound,
        pacer,
        accounts,
        uploads,
        graph,
        events,
        campaigns,
        inbox,
        queue,
    };
    desk.accounts.put(account(), "token-one");
    desk
}

/// An SQS event of these bodies, each on its `receives`-th receive.
fn jobs(bodies: &[&str], receives: u32) -> SqsEvent {
    let records: Vec<serde_json::Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| serde_json::json!({"messageId": format!("m{i}"), "receiptHandle": format!("h{i}"), "body": body, "attributes": {"ApproximateReceiveCount": receives.to_string()}, "messageAttributes": {}}))
        .collect();
    serde_json::from_value(serde_json::json!({"Records": records})).expect("an SQS event")
}

impl Desk {
    /// A queued text reply and its job's body.
    fn reply(&self) -> (Key, String) {
        let queued = queued_text(ORG, "cv_s", ACCOUNT, "4915550001");
        let body = SenderJob::Message(queued.2.clone()).body();
        (self.outbound.queue(queued), body)
    }

    async fn send(&self, body: &str, receives: u32) -> (SqsBatchResponse, SendSummary) {
        self.service.process(jobs(&[body], receives)).await
    }

    fn message(&self, key: &Key) -> shared::inbox::Message {
        self.outbound.message(key).expect("the message")
    }

    async fn attempts(&self, key: &Key) -> u32 {
        self.outbound.pending(key).await.unwrap().unwrap().attempts
    }

    fn sends(&self) -> usize {
        self.graph.requests().len()
    }
}

#[tokio::test]
async fn a_reply_goes_to_meta_once_in_metas_shape_and_its_wamid_is_linked() {
    let d = desk();
    let (key, body) = d.reply();
    let (response, summary) = d.send(&body, 1).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.sent, 1);
    let request = d.graph.requests().remove(0);
    let message = d.message(&key);
    assert_eq!(
        (request.phone_number_id.as_str(), request.access_token.as_str()),
        ("1065550001", "token-one")
    );
    assert_eq!(request.body["to"], "4915550001");
    assert_eq!(request.body["type"], "text");
    assert_eq!(request.body["text"]["body"], "the contract's message");
    assert_eq!(request.body["biz_opaque_callback_data"], message.message_id.as_str());
    assert_eq!(
        (message.status.as_str(), message.wamid.as_deref()),
        ("sent", Some("wamid.scripted1"))
    );
    assert_eq!(d.outbound.linked(ORG, "wamid.scripted1"), Some(key.clone()));
    // Redelivered: nothing more reaches Meta.
    let (response, summary) = d.send(&body, 2).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((summary.skipped, d.sends()), (1, 1));
}

#[tokio::test]
async fn a_pacer_error_gives_nothing_away_and_the_retry_sends_once() {
    let d = desk();
    let (key, body) = d.reply();
    d.pacer.answer([PacerAnswer::Fails]);
    let (response, _) = d.send(&body, 1).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(
        (d.message(&key).status.as_str(), d.attempts(&key).await),
        ("queued", 0),
        "no claim was taken"
    );
    let (_, summary) = d.send(&body, 2).await;
    assert_eq!(
        (summary.sent, d.message(&key).status.as_str(), d.sends()),
        (1, "sent", 1)
    );
}

#[tokio::test]
async fn waiting_for_a_pacing_slot_uses_no_send_attempt_and_a_stale_slot_is_not_used() {
    let d = desk();
    let (key, body) = d.reply();
    d.pacer.answer([PacerAnswer::NoSlot; 3]);
    for receive in 1..=3 {
        let (response, summary) = d.send(&body, receive).await;
        assert_eq!((response.batch_item_failures.len(), summary.retrying), (1, 1));
    }
    assert_eq!(
        (d.message(&key).status.as_str(), d.attempts(&key).await, d.sends()),
        ("queued", 0, 0),
        "three waits for a slot claimed nothing"
    );
    assert_eq!(d.queue.retries.lock().unwrap().len(), 3, "each wait put the job back");
    // A slot whose second ran out (a stalled process) is given up for another.
    d.pacer.answer([PacerAnswer::Stale]);
    let (_, summary) = d.send(&body, 4).await;
    assert_eq!((summary.sent, d.attempts(&key).await, d.sends()), (1, 1, 1));
    assert_eq!(*d.pacer.asked.lock().unwrap(), 5);
}

#[tokio::test]
async fn a_5xx_gives_the_claim_back_and_the_retry_sends_once() {
    let d = desk();
    let (key, body) = d.reply();
    d.graph.answer([Err(ScriptedGraph::refusal(503, 2))]);
    let (response, summary) = d.send(&body, 1).await;
    assert_eq!((response.batch_item_failures.len(), summary.retrying), (1, 1));
    assert_eq!(d.message(&key).status, "queued");
    assert_eq!(
        d.queue.retries.lock().unwrap()[0].0,
        "h0",
        "retried after Meta's backoff"
    );
    let (_, summary) = d.send(&body, 2).await;
    assert_eq!((summary.sent, d.message(&key).status.as_str()), (1, "sent"));
    assert_eq!(
        (d.sends(), d.attempts(&key).await),
        (2, 2),
        "two requests, one accepted"
    );
}

#[tokio::test]
async fn no_answer_is_unknown_and_never_resent() {
    let d = desk();
    for answer in [
        GraphError::NoAnswer("timed out".into()),
        GraphError::Unexpected("no messages[0].id".into()),
        GraphError::Http {
            status: 502,
            code: None,
            message: "<html>502</html>".into(),
        },
    ] {
        let (key, body) = d.reply();
        let sends = d.sends();
        d.graph.answer([Err(answer)]);
        let (response, summary) = d.send(&body, 1).await;
        assert!(response.batch_item_failures.is_empty(), "not retried");
        assert_eq!((summary.unknown, d.message(&key).status.as_str()), (1, "unknown"));
        let (_, summary) = d.send(&body, 2).await;
        assert_eq!((summary.skipped, d.sends()), (1, sends + 1), "never twice");
    }
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_message_with_metas_error_and_announces_it() {
    let d = desk();
    let (key, body) = d.reply();
    d.graph.answer([Err(ScriptedGraph::refusal(400, 131047))]);
    let (response, summary) = d.send(&body, 1).await;
    assert!(response.batch_item_failures.is_empty(), "not retried");
    assert_eq!(summary.failed, 1);
    let message = d.message(&key);
    assert_eq!(
        (message.status.as_str(), message.status_errors[0].code),
        ("failed", 131047)
    );
    let events = d.events.events.lock().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail_type, "message.failed");
    assert_eq!(events[0].detail["message_id"], message.message_id.as_str());
    assert_eq!(d.sends(), 1);
}

#[tokio::test]
async fn a_refused_token_is_retried_only_when_it_was_replaced() {
    let d = desk();
    // Refused, and the stored token is the same: failed.
    let (key, body) = d.reply();
    d.graph.answer([Err(ScriptedGraph::refusal(401, 190))]);
    let (response, summary) = d.send(&body, 1).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((summary.failed, d.message(&key).status.as_str()), (1, "failed"));
    assert_eq!(
        *d.accounts.forgotten.lock().unwrap(),
        1,
        "the cached account was dropped"
    );

    // Refused, but an admin rotated the token meanwhile (the cache still held the old one):
    // retried with the new one, sent once.
    let (key, body) = d.reply();
    d.graph.answer([Err(ScriptedGraph::refusal(401, 190))]);
    d.accounts.rotate_on_forget(account(), "token-two");
    let (response, summary) = d.send(&body, 1).await;
    assert_eq!((response.batch_item_failures.len(), summary.retrying), (1, 1));
    assert_eq!(d.message(&key).status, "queued", "the claim was given back");
    assert_eq!(d.send(&body, 2).await.1.sent, 1);
    let tokens: Vec<_> = d.graph.requests().into_iter().map(|r| r.access_token).collect();
    assert_eq!(tokens, ["token-one", "token-one", "token-two"]);
}

#[tokio::test]
async fn an_upload_goes_as_a_link_and_a_vanished_one_fails_the_message() {
    let d = desk();
    let media = |media_id: &str| {
        let mut queued = queued_text(ORG, "cv_s", ACCOUNT, "4915550001");
        queued.1.content = Content::Media {
            media_kind: MediaKind::Image,
            media_id: media_id.into(),
            mime_type: None,
            caption: Some("the receipt".into()),
            filename: None,
            sha256: None,
            voice: None,
            animated: None,
        };
        queued.1.message_type = "image".into();
        let body = SenderJob::Message(queued.2.clone()).body();
        (d.outbound.queue(queued), body)
    };
    d.uploads.put(ORG, "med_kept", "https://bucket.example/med_kept?signed");
    let (key, body) = media("med_kept");
    assert_eq!(d.send(&body, 1).await.1.sent, 1);
    let request = d.graph.requests().remove(0);
    assert_eq!(request.body["image"]["link"], "https://bucket.example/med_kept?signed");
    assert_eq!(d.message(&key).status, "sent");

    let (key, body) = media("med_gone");
    let (_, summary) = d.send(&body, 1).await;
    assert_eq!((summary.failed, d.sends()), (1, 1), "nothing sent for it");
    let message = d.message(&key);
    assert_eq!(
        message.status_errors[0].title.as_deref(),
        Some("the uploaded media no longer exists")
    );
}

#[tokio::test]
async fn a_live_claim_is_waited_for_and_a_dead_ones_message_becomes_unknown() {
    let d = desk();
    let (key, body) = d.reply();
    // Another invocation claimed it and is sending.
    assert!(matches!(
        d.outbound.claim(ORG, &key).await.unwrap(),
        ClaimOutcome::Claimed(_)
    ));
    let (response, summary) = d.send(&body, 2).await;
    assert_eq!((response.batch_item_failures.len(), summary.retrying), (1, 1));
    assert_eq!(d.message(&key).status, "sending");
    // Long after: that invocation died, and its request may have left.
    d.now
        .fetch_add(send_policy::CLAIM_STALE_AFTER_MS + 1_000, Ordering::SeqCst);
    let (response, summary) = d.send(&body, 3).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        (summary.unknown, d.message(&key).status.as_str(), d.sends()),
        (1, "unknown", 0)
    );
}

#[tokio::test]
async fn a_job_on_its_last_receive_that_did_not_send_fails_its_message_with_the_reason() {
    let d = desk();
    let (key, body) = d.reply();
    d.graph.answer([Err(ScriptedGraph::refusal(500, 1))]);
    let (response, _) = d.send(&body, MAX_RECEIVES).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "dead-lettered, not left to SQS"
    );
    let message = d.message(&key);
    let reason = message.status_errors[0].title.clone().unwrap();
    assert_eq!(message.status, "failed");
    assert!(
        reason.contains(&format!("gave up after {MAX_RECEIVES} receives")),
        "{reason}"
    );
    let dead = d.queue.dead_letters.lock().unwrap().clone();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.contains("500"), "{}", dead[0].1);
}

#[tokio::test]
async fn a_body_that_is_not_a_job_is_dead_lettered_with_its_reason() {
    let d = desk();
    let (response, _) = d.send("{\"to\": 1}", 1).await;
    assert!(response.batch_item_failures.is_empty());
    let dead = d.queue.dead_letters.lock().unwrap().clone();
    assert_eq!(dead[0].0, "{\"to\": 1}");
    assert!(dead[0].1.starts_with("not an outbound job"), "{}", dead[0].1);
    assert_eq!(d.sends(), 0);
}
