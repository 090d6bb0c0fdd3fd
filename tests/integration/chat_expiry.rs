//! Chat expiration end to end: idle conversations resolved by the sla-checks function (driven by
//! the scheduled event's time) through the agents' resolve path, the customer's next message opening
//! exactly one new conversation, and text blocked after the rule's window.

use integration_tests::event_tap::EventTap;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use sla_checks::{RunSummary, SlaChecksConfig, SlaChecksService};

const HOUR: i64 = 3_600_000;

async fn run_at(fx: &Fixture, now_ms: i64) -> RunSummary {
    let service = SlaChecksService::from_aws(
        &SlaChecksConfig::from_env(&fx.stack.env_of("SlaChecksFunction")).unwrap(),
        &fx.stack.aws,
    );
    let mut event = read_event("sla-checks-schedule.json");
    event["time"] = json!(chrono::DateTime::from_timestamp_millis(now_ms).unwrap().to_rfc3339());
    service.run(&event).await.unwrap()
}

async fn call_ok(fx: &Fixture, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string());
    let (status, answer) = fx.call(method, path, Some(&fx.a.key), body.as_deref()).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

async fn rule(fx: &Fixture, body: Value) {
    call_ok(fx, "PUT", "/v1/chat-expiration-rules/whatsapp", Some(body)).await;
}

async fn conversations(fx: &Fixture) -> Vec<Value> {
    let list = call_ok(fx, "GET", "/v1/conversations", None).await;
    list["data"].as_array().unwrap().clone()
}

async fn status_of(fx: &Fixture, conversation: &str) -> String {
    let c = call_ok(fx, "GET", &format!("/v1/conversations/{conversation}"), None).await;
    c["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_idle_conversation_is_resolved_once_and_the_next_message_opens_one_new_conversation() {
    let fx = Fixture::new().await;
    let tap = EventTap::new(&fx.stack).await;
    rule(&fx, json!({"window_hours": 1, "auto_resolve": true})).await;
    let t0 = chrono::Utc::now().timestamp_millis() / 1000 * 1000;
    fx.inbound(&fx.a, "wamid.idle-1", t0 / 1000).await;
    let first = fx.conversation_id(&fx.a).await;

    assert_eq!(
        run_at(&fx, t0 + HOUR / 2).await.auto_resolved,
        0,
        "not idle long enough"
    );
    assert_eq!(status_of(&fx, &first).await, "open");
    let (a, b) = tokio::join!(run_at(&fx, t0 + HOUR + 60_000), run_at(&fx, t0 + HOUR + 60_000));
    assert_eq!(a.auto_resolved + b.auto_resolved, 1, "{a:?} {b:?}");
    assert_eq!(run_at(&fx, t0 + HOUR + 120_000).await.auto_resolved, 0);
    assert_eq!(status_of(&fx, &first).await, "resolved");
    let overview = call_ok(&fx, "GET", "/v1/analytics/overview", None).await;
    assert_eq!(
        (
            overview["open_conversations"].as_i64(),
            overview["resolved_conversations"].as_i64()
        ),
        (Some(0), Some(1)),
        "the agents' resolve path moved the counters"
    );

    // The customer writes again (and Meta delivers it twice): one new conversation.
    let later = (t0 + HOUR + 180_000) / 1000;
    fx.inbound(&fx.a, "wamid.idle-2", later).await;
    fx.inbound(&fx.a, "wamid.idle-2", later).await;
    let all = conversations(&fx).await;
    assert_eq!(all.len(), 2, "{all:?}");
    let second = all[0]["id"].as_str().unwrap();
    assert_ne!(second, first);
    assert_eq!(all[0]["status"], "open");
    assert_eq!(status_of(&fx, &first).await, "resolved", "the old one stays resolved");

    let events = tap.received(4).await;
    let resolved: Vec<&Value> = events
        .iter()
        .filter(|e| e["detail-type"] == "conversation.auto_resolved")
        .collect();
    assert_eq!(resolved.len(), 1, "{events:?}");
    assert_eq!(resolved[0]["detail"]["conversation_id"], first.as_str());
}

#[tokio::test]
async fn activity_postpones_expiry_and_pending_conversations_expire_too() {
    let fx = Fixture::new().await;
    rule(&fx, json!({"window_hours": 1, "auto_resolve": true})).await;
    let t0 = chrono::Utc::now().timestamp_millis() / 1000 * 1000;
    fx.inbound(&fx.a, "wamid.busy-1", t0 / 1000).await;
    let conversation = fx.conversation_id(&fx.a).await;
    fx.inbound(&fx.a, "wamid.busy-2", (t0 + 40 * 60_000) / 1000).await;

    let early = run_at(&fx, t0 + HOUR + 60_000).await;
    assert_eq!(early.auto_resolved, 0, "active 40 minutes in: {early:?}");
    assert_eq!(status_of(&fx, &conversation).await, "open");

    // Pending (waiting on the customer) is idle all the same.
    let dynamo = aws_sdk_dynamodb::Client::new(&fx.stack.aws);
    let key = shared::platform::table::conversation(&fx.a.account.org_id, &conversation);
    dynamo
        .update_item()
        .table_name(fx.stack.name_of("Table"))
        .set_key(Some(shared::platform::items::key_item(&key)))
        .update_expression("SET #s = :pending")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":pending", shared::platform::items::s("pending"))
        .send()
        .await
        .unwrap();
    let due = run_at(&fx, t0 + 40 * 60_000 + HOUR + 30_000).await;
    assert_eq!(due.auto_resolved, 1, "{due:?}");
    assert_eq!(status_of(&fx, &conversation).await, "resolved");
}

#[tokio::test]
async fn a_rule_that_blocks_text_closes_the_window_early_and_is_checked() {
    let fx = Fixture::new().await;
    let wrote = chrono::Utc::now().timestamp() - 2 * 3600;
    fx.inbound(&fx.a, "wamid.block-1", wrote).await;
    let conversation = fx.conversation_id(&fx.a).await;
    let send = format!("/v1/conversations/{conversation}/messages");
    let text = json!({"type": "text", "content": {"text": "Still there?"}}).to_string();

    rule(&fx, json!({"window_hours": 1, "block_text_after_window": true})).await;
    let (status, refused) = fx.call("POST", &send, Some(&fx.a.key), Some(&text)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "window_closed");
    assert_eq!(
        refused["error"]["window_expires_at"],
        shared::inbox::rfc3339_seconds(wrote + 3600)
    );

    rule(&fx, json!({"window_hours": 1, "block_text_after_window": false})).await;
    let (status, sent) = fx.call("POST", &send, Some(&fx.a.key), Some(&text)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "Meta's 24 hours still open: {sent}");

    for (body, field) in [
        (json!({"window_hours": 9000}), "window_hours"),
        (json!({"auto_resolve": true}), "window_hours"),
        (json!({"window_hours": -1}), "window_hours"),
    ] {
        let (status, error) = fx
            .call(
                "PUT",
                "/v1/chat-expiration-rules/whatsapp",
                Some(&fx.a.key),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(field), "{error}");
    }
    let (status, _) = fx
        .call(
            "PUT",
            "/v1/chat-expiration-rules/carrier-pigeon",
            Some(&fx.a.key),
            Some(&json!({"window_hours": 1}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, b_rules) = fx.call("GET", "/v1/chat-expiration-rules", Some(&fx.b.key), None).await;
    assert_eq!(b_rules["data"], json!([]), "another organization's rules are its own");
}
