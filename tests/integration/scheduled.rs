//! Scheduled messages end to end: the API schedules, the scheduled-sends function (driven by the
//! scheduled event's time, no sleeping) hands due ones to the outbound path, the sender sends.

use integration_tests::*;
use lambda_http::http::StatusCode;
use scheduled_sends::{RunSummary, ScheduledSendsConfig, ScheduledSendsService};
use serde_json::{Value, json};

const CUSTOMER: &str = "16505551234";

fn scheduled_sends(fx: &Fixture) -> ScheduledSendsService {
    ScheduledSendsService::from_aws(
        &ScheduledSendsConfig::from_env(&fx.stack.env_of("ScheduledSendsFunction")).unwrap(),
        &fx.stack.aws,
    )
}

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One run of the function as EventBridge would start it at `now_ms`.
async fn run_at(fx: &Fixture, now_ms: i64) -> RunSummary {
    let mut event = read_event("scheduled-sends-schedule.json");
    event["time"] = json!(at(now_ms));
    scheduled_sends(fx).run(&event).await.unwrap()
}

async fn schedule(fx: &Fixture, conversation: &str, body: Value) -> (StatusCode, Value) {
    fx.call(
        "POST",
        &format!("/v1/conversations/{conversation}/scheduled-messages"),
        Some(&fx.a.key),
        Some(&body.to_string()),
    )
    .await
}

async fn scheduled_of(fx: &Fixture, conversation: &str, id: &str) -> Value {
    let (status, body) = fx
        .call(
            "GET",
            &format!("/v1/conversations/{conversation}/scheduled-messages/{id}"),
            Some(&fx.a.key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// A conversation whose customer wrote at `wrote_at` (seconds).
async fn conversation(fx: &Fixture, wrote_at: i64) -> String {
    fx.inbound(&fx.a, "wamid.scheduled-hello", wrote_at).await;
    fx.conversation_id(&fx.a).await
}

#[tokio::test]
async fn a_message_scheduled_at_t_is_sent_once_between_t_and_t_plus_a_minute_even_with_overlapping_runs() {
    let fx = Fixture::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    let conversation = conversation(&fx, now / 1000).await;
    let t = now + 120_000;
    let (status, created) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {"text": "Your table is ready at 8."}, "scheduled_at": at(t)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["warnings"], json!([]));
    let id = created["id"].as_str().unwrap();

    // A minute early: nothing.
    let early = run_at(&fx, t - 60_000).await;
    assert_eq!(early.sent, 0);
    assert_eq!(scheduled_of(&fx, &conversation, id).await["status"], "pending");

    // Two runs for the same minute at once, then a later one: one message.
    let (first, second) = tokio::join!(run_at(&fx, t + 20_000), run_at(&fx, t + 20_000));
    assert_eq!(first.sent + second.sent, 1, "{first:?} {second:?}");
    let late = run_at(&fx, t + 90_000).await;
    assert_eq!(late.sent, 0);

    let sent = scheduled_of(&fx, &conversation, id).await;
    assert_eq!(sent["status"], "sent", "{sent}");
    let message_id = sent["message_id"].as_str().expect("the message it became");
    assert!(sent["sent_at"].is_string());
    assert_eq!(fx.send_queued().await, 1);
    assert_eq!(fx.graph.sends_to(CUSTOMER), 1);
    let messages = fx.messages(&fx.a, &conversation).await;
    let outbound: Vec<&Value> = messages.iter().filter(|m| m["direction"] == "outbound").collect();
    assert_eq!(outbound.len(), 1);
    assert_eq!(outbound[0]["id"], message_id);
    assert_eq!(outbound[0]["content"]["body"], "Your table is ready at 8.");
    assert_eq!(outbound[0]["status"], "sent");

    let (_, list) = fx
        .call(
            "GET",
            &format!("/v1/conversations/{conversation}/scheduled-messages?status=sent"),
            Some(&fx.a.key),
            None,
        )
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_message_cancelled_before_its_time_is_never_sent() {
    let fx = Fixture::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    let conversation = conversation(&fx, now / 1000).await;
    let t = now + 120_000;
    let (_, created) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {"text": "never"}, "scheduled_at": at(t)}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let cancel = format!("/v1/conversations/{conversation}/scheduled-messages/{id}/cancel");
    let (status, cancelled) = fx.call("POST", &cancel, Some(&fx.a.key), None).await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, again) = fx.call("POST", &cancel, Some(&fx.a.key), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["error"]["code"], "not_pending");

    let run = run_at(&fx, t + 10_000).await;
    assert_eq!(run.sent, 0);
    assert_eq!(fx.send_queued().await, 0);
    assert_eq!(fx.graph.sends_to(CUSTOMER), 0);
    assert_eq!(scheduled_of(&fx, &conversation, id).await["status"], "cancelled");
}

#[tokio::test]
async fn free_form_text_meeting_a_closed_window_fails_with_the_reason() {
    let fx = Fixture::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    // The customer wrote 23 h 59 min ago: the window closes in a minute.
    let conversation = conversation(&fx, now / 1000 - 24 * 3600 + 60).await;
    let t = now + 180_000;
    let (status, created) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {"text": "too late"}, "scheduled_at": at(t)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["warnings"], json!(["window_closed_at_scheduled_time"]));
    let id = created["id"].as_str().unwrap();

    let run = run_at(&fx, t + 5_000).await;
    assert_eq!((run.sent, run.failed), (0, 1), "{run:?}");
    let failed = scheduled_of(&fx, &conversation, id).await;
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["error_message"].as_str().unwrap().starts_with("window_closed"),
        "{failed}"
    );
    assert_eq!(fx.send_queued().await, 0);
    // Settled and announced: a later run finds nothing left.
    let later = run_at(&fx, t + 65_000).await;
    assert_eq!(
        later,
        RunSummary {
            minutes_read: later.minutes_read,
            ..RunSummary::default()
        }
    );
}

#[tokio::test]
async fn scheduling_refuses_bad_times_and_foreign_conversations() {
    let fx = Fixture::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    let conversation = conversation(&fx, now / 1000).await;
    for (scheduled_at, reason) in [
        (at(now - 60_000), "must be in the future"),
        (at(now + 400 * 24 * 3600 * 1000), "at most a year ahead"),
        ("tomorrow at noon".to_string(), "RFC 3339"),
    ] {
        let (status, body) = schedule(
            &fx,
            &conversation,
            json!({"type": "text", "content": {"text": "x"}, "scheduled_at": scheduled_at}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("scheduled_at") && message.contains(reason),
            "{message}"
        );
    }
    let (status, body) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {}, "scheduled_at": at(now + 120_000)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().starts_with("content.text"));
    // Another organization's conversation and scheduled message: 404.
    let (_, created) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {"text": "x"}, "scheduled_at": at(now + 120_000)}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/v1/conversations/{conversation}/scheduled-messages/{id}");
    let (status, _) = fx.call("GET", &path, Some(&fx.b.key), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = fx.call("POST", &format!("{path}/cancel"), Some(&fx.b.key), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(scheduled_of(&fx, &conversation, id).await["status"], "pending");
}

/// One organization's backlog not holding back another's, and draining over runs, is decided by
/// the tick and proven on in-memory ports (scheduled-sends' unit test
/// `one_organizations_backlog_does_not_hold_back_another_and_drains_over_runs`; the heap a run
/// holds is measured by `make bench`'s `scheduled_backlog`). Here: what DynamoDB holds for it, a
/// due entry that points at the message instead of carrying it.
#[tokio::test]
async fn a_due_entry_is_a_pointer_not_the_message() {
    use shared::platform::table::{DUE_SHARDS, SCHEDULED_DUE, due_shard_partition, shard_of};

    let fx = Fixture::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    let conversation = conversation(&fx, now / 1000).await;
    let t = now + 120_000;
    let longest = "x".repeat(shared::inbox::outbound::MAX_TEXT_CHARS);
    let (status, created) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {"text": longest}, "scheduled_at": at(t)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let entries = aws_sdk_dynamodb::Client::new(&fx.stack.aws)
        .query()
        .table_name(fx.stack.name_of("Table"))
        .index_name(shared::platform::table::index::TIMELINE)
        .key_condition_expression("gsi2pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(due_shard_partition(
                SCHEDULED_DUE,
                &shared::platform::tick::minute_of(t),
                shard_of(&fx.a.account.org_id, DUE_SHARDS),
            )),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(entries.items().len(), 1, "one entry");
    let entry = &entries.items()[0];
    let size: usize = entry
        .iter()
        .map(|(k, v)| k.len() + v.as_s().map_or(16, String::len))
        .sum();
    assert!(
        size < 1_024,
        "a due entry is a pointer ({size} bytes), not the 4,096-character text"
    );
    assert!(!entry.contains_key("content"), "the text stays in the message");
    assert_eq!(
        entry.get("scheduled_id").and_then(|v| v.as_s().ok()),
        created["id"].as_str().map(String::from).as_ref()
    );
}
