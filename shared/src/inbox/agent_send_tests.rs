//! An agent's send on in-memory ports. (The API's wiring of it, on DynamoDB and SQS, is proven by
//! `tests/integration/agent_api/inbox.rs` and `sender.rs`; the `Idempotency-Key` header's parsing
//! by the API's own tests.)

use super::*;
use crate::care::contract::default_policy;
use crate::care::memory::MemoryCare;
use crate::care::ports::SlaStarts;
use crate::inbox::memory::MemoryInbox;
use crate::inbox::send_creation::{MemoryReferences, MemorySends};
use crate::inbox::send_memory::MemoryOutbound;
use crate::outreach::template::Template;
use crate::platform::memory::MemoryQueue;

/// 2026-12-04T10:00:00Z.
const T: i64 = 1_796_378_400_000;
const ORG: &str = "org_1";
const HOUR: i64 = 3_600_000;

struct World {
    inbox: Arc<MemoryInbox>,
    outbound: Arc<MemoryOutbound>,
    references: Arc<MemoryReferences>,
    care: Arc<MemoryCare>,
    queue: Arc<MemoryQueue>,
    sends: AgentSends,
}

fn template(name: &str, status: &str, body: &str) -> Template {
    serde_json::from_value(
        serde_json::json!({"template_id": format!("waba_1:{name}:en_US"), "org_id": ORG,
        "waba_id": "waba_1", "name": name, "language": "en_US", "status": status,
        "components": serde_json::json!([{"type": "BODY", "text": body}]).to_string()}),
    )
    .expect("a template")
}

/// Conversation `cv_1` (account `acc_1` on WABA `waba_1`), whose customer 4915 wrote `ago_ms`
/// before now, its clocks started then; templates `hello` (approved, no variables), `order`
/// (approved, one variable) and `draft` (pending); the upload `med_1`.
async fn world(ago_ms: i64) -> World {
    let inbox = Arc::new(MemoryInbox::default());
    let outbound = Arc::new(MemoryOutbound::new(Clock::fixed(T)));
    let references = Arc::new(MemoryReferences::default());
    let care = Arc::new(MemoryCare::default());
    let queue = Arc::new(MemoryQueue::default());
    let (conversation, _) = inbox.put_customer(ORG, "cv_1", "4915", T - ago_ms);
    care.put_policy(default_policy(ORG));
    care.start(&conversation, T - ago_ms, T - ago_ms).await.unwrap();
    references.put_account(ORG, "acc_1", "waba_1");
    references.put_upload(ORG, "med_1");
    references.put_template(template("hello", "APPROVED", "Hello"));
    references.put_template(template("order", "APPROVED", "Order {{1}} shipped"));
    references.put_template(template("draft", "PENDING", "Soon"));
    let ports = AgentSendPorts {
        conversations: inbox.clone(),
        contacts: inbox.clone(),
        sends: Arc::new(MemorySends::new(outbound.clone(), inbox.clone())),
        references: references.clone(),
        rules: care.clone(),
        outbound: queue.clone(),
        sla: care.clone(),
    };
    World {
        sends: AgentSends::new(ports, Clock::fixed(T)),
        inbox,
        outbound,
        references,
        care,
        queue,
    }
}

fn text(body: &str) -> SendRequest<'static> {
    SendRequest {
        origin: crate::inbox::origin::Origin::agent(Some("agt_1")),
        conversation_id: "cv_1",
        message_type: "text",
        content: Content::Text { body: body.into() },
        reply_to: None,
        idempotency: None,
    }
}

fn template_send(name: &str, components: serde_json::Value) -> SendRequest<'static> {
    SendRequest {
        origin: crate::inbox::origin::Origin::agent(Some("agt_1")),
        conversation_id: "cv_1",
        message_type: "template",
        content: Content::Template {
            name: name.into(),
            language: "en_US".into(),
            components,
        },
        reply_to: None,
        idempotency: None,
    }
}

fn keyed(mut request: SendRequest<'static>, fingerprint: &str) -> SendRequest<'static> {
    request.idempotency = Some(IdempotencyClaim {
        key_sha256: "a".repeat(64),
        fingerprint: fingerprint.into(),
    });
    request
}

fn accepted(outcome: SendOutcome) -> (Message, bool) {
    match outcome {
        SendOutcome::Accepted { message, queued } => (*message, queued),
        other => panic!("expected the send accepted: {other:?}"),
    }
}

#[tokio::test]
async fn a_text_in_the_window_is_stored_queued_for_the_sender_and_stops_the_first_response_clock() {
    // The customer wrote a minute ago: the first reply is due within ten.
    let w = world(60_000).await;
    let before = w.care.clocks(ORG, "cv_1").unwrap().next_due_ms().unwrap();
    let (message, queued) = accepted(w.sends.send(ORG, text("On its way")).await.unwrap());
    assert!(queued);
    assert_eq!(
        (message.status.as_str(), message.conversation_id.as_str()),
        ("queued", "cv_1")
    );
    let jobs = w.queue.taken();
    assert_eq!(jobs.len(), 1);
    assert!(
        jobs[0].contains(&message.message_id),
        "the job names the message: {}",
        jobs[0]
    );
    let stored = w.inbox.conversation(ORG, "cv_1").await.unwrap().unwrap();
    assert_eq!(stored.conversation_id, "cv_1");
    let after = w.care.clocks(ORG, "cv_1").unwrap().next_due_ms().unwrap();
    assert!(
        after > before,
        "the first-response clock stopped: next due {after} after {before}"
    );
}

#[tokio::test]
async fn a_bot_s_or_a_rule_s_send_records_its_origin_and_never_stops_the_first_response_clock() {
    use crate::inbox::origin::{Origin, OriginKind};
    let w = world(60_000).await;
    let before = w.care.clocks(ORG, "cv_1").unwrap().next_due_ms().unwrap();
    for origin in [
        Origin::of(OriginKind::Bot, "scn_1"),
        Origin::of(OriginKind::Automation, "aru_1"),
    ] {
        let mut request = text("Automatic hello");
        request.origin = origin.clone();
        let (message, _) = accepted(w.sends.send(ORG, request).await.unwrap());
        assert_eq!(message.origin(), origin);
    }
    let after = w.care.clocks(ORG, "cv_1").unwrap().next_due_ms().unwrap();
    assert_eq!(after, before, "the first-response clock still runs");
    let (message, _) = accepted(w.sends.send(ORG, text("A person now")).await.unwrap());
    assert_eq!(message.origin(), Origin::agent(Some("agt_1")));
}

#[tokio::test]
async fn an_idempotency_key_replays_its_message_and_is_refused_for_another_request() {
    let w = world(HOUR).await;
    let (first, _) = accepted(w.sends.send(ORG, keyed(text("Once"), "f1")).await.unwrap());
    let (again, queued) = accepted(w.sends.send(ORG, keyed(text("Once"), "f1")).await.unwrap());
    assert_eq!(again.message_id, first.message_id, "the same message");
    assert!(queued);
    assert_eq!(
        w.queue.taken().len(),
        2,
        "still queued: its job goes again (harmless to repeat)"
    );
    let reused = w.sends.send(ORG, keyed(text("Other"), "f2")).await;
    assert!(matches!(reused, Err(SendError::KeyReused)), "{reused:?}");
    assert!(w.queue.taken().is_empty());
}

#[tokio::test]
async fn outside_the_window_only_templates_go_and_the_answer_says_when_it_closed() {
    let w = world(25 * HOUR).await;
    let closed = w.sends.send(ORG, text("Late")).await.unwrap();
    let wrote_s = (T - 25 * HOUR) / 1000;
    assert_eq!(
        closed,
        SendOutcome::WindowClosed {
            expires_at: Some(wrote_s + 24 * 3600),
            by_rule: false
        }
    );
    assert!(w.queue.taken().is_empty(), "nothing queued");
    let (message, _) = accepted(
        w.sends
            .send(ORG, template_send("hello", serde_json::json!([])))
            .await
            .unwrap(),
    );
    assert_eq!(message.message_type, "template");
}

#[tokio::test]
async fn a_rule_that_blocks_text_closes_the_window_before_metas() {
    let w = world(2 * HOUR).await;
    let mut rule = crate::care::contract::idle_rule(ORG);
    rule.window_hours = 1;
    rule.block_text_after_window = true;
    w.care.put_rule(rule);
    let closed = w.sends.send(ORG, text("Late")).await.unwrap();
    let wrote_s = (T - 2 * HOUR) / 1000;
    assert_eq!(
        closed,
        SendOutcome::WindowClosed {
            expires_at: Some(wrote_s + 3600),
            by_rule: true
        }
    );
}

#[tokio::test]
async fn what_the_content_names_must_exist_and_a_template_must_be_approved_and_filled_exactly() {
    let w = world(HOUR).await;
    let media = |id: &str| SendRequest {
        origin: crate::inbox::origin::Origin::agent(Some("agt_1")),
        conversation_id: "cv_1",
        message_type: "image",
        content: Content::Media {
            media_kind: crate::meta::MediaKind::Image,
            media_id: id.into(),
            mime_type: None,
            sha256: None,
            caption: None,
            filename: None,
            voice: None,
            animated: None,
        },
        reply_to: None,
        idempotency: None,
    };
    accepted(w.sends.send(ORG, media("med_1")).await.unwrap());
    for id in ["med_none", "med_not well formed"] {
        let refused = w.sends.send(ORG, media(id)).await;
        assert!(matches!(refused, Err(SendError::NoUpload)), "{id}: {refused:?}");
    }
    let missing = w.sends.send(ORG, template_send("nope", serde_json::json!([]))).await;
    assert!(matches!(missing, Err(SendError::TemplateMissing { .. })), "{missing:?}");
    let pending = w.sends.send(ORG, template_send("draft", serde_json::json!([]))).await;
    assert!(
        matches!(&pending, Err(SendError::TemplateNotApproved { status, .. }) if status == "PENDING"),
        "{pending:?}"
    );
    let unfilled = w.sends.send(ORG, template_send("order", serde_json::json!([]))).await;
    assert!(
        matches!(unfilled, Err(SendError::TemplateParameters { .. })),
        "{unfilled:?}"
    );
    let filled = serde_json::json!([{"type": "body", "parameters": [{"type": "text", "text": "A-17"}]}]);
    accepted(w.sends.send(ORG, template_send("order", filled)).await.unwrap());
    assert_eq!(w.queue.taken().len(), 2, "only the accepted sends were queued");
}

#[tokio::test]
async fn a_job_the_queue_refused_is_still_accepted_and_left_to_the_sweeper() {
    let w = world(HOUR).await;
    w.queue.refuse(true);
    let (message, queued) = accepted(w.sends.send(ORG, text("Anyway")).await.unwrap());
    assert!(!queued);
    let key = crate::platform::table::message(ORG, "cv_1", T, &message.message_id);
    let stored = w.outbound.message(&key).expect("stored");
    assert_eq!(stored.status, "queued", "the sweeper finds it by its send state");
}

#[tokio::test]
async fn sends_to_a_missing_or_foreign_conversation_or_a_customer_without_a_phone_are_refused() {
    let w = world(HOUR).await;
    let mut missing = text("Hi");
    missing.conversation_id = "cv_none";
    assert!(matches!(
        w.sends.send(ORG, missing).await,
        Err(SendError::NoConversation)
    ));
    assert!(matches!(
        w.sends.send("org_2", text("Hi")).await,
        Err(SendError::NoConversation)
    ));
    let (conversation, mut contact) = w.inbox.put_customer(ORG, "cv_2", "4916", T - HOUR);
    contact.wa_id = None;
    contact.user_id = Some("BSUID.1".into());
    w.inbox.put_contact(contact);
    let mut no_phone = text("Hi");
    no_phone.conversation_id = "cv_2";
    let refused = w.sends.send(ORG, no_phone).await;
    assert!(matches!(refused, Err(SendError::NoPhone)), "{refused:?}");
    assert_eq!(conversation.conversation_id, "cv_2");
    w.references.put_account(ORG, "acc_1", "waba_other");
    let moved = w.sends.send(ORG, template_send("hello", serde_json::json!([]))).await;
    assert!(
        matches!(moved, Err(SendError::TemplateMissing { .. })),
        "templates are the WABA's: {moved:?}"
    );
}
