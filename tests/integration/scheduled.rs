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
    // The schedule has been running every minute: the cursor is near (a first run would look an
    // hour back, 480 empty shard reads of the run's time budget).
    run_at(&fx, t - 60_000).await;
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
    // The schedule has been running every minute: the cursor is near (a first run would look an
    // hour back, 480 empty shard reads of the run's time budget).
    run_at(&fx, t - 60_000).await;
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

#[tokio::test]
async fn one_organizations_five_thousand_in_a_minute_do_not_hold_back_anothers_one() {
    use futures::StreamExt;
    use shared::outreach::schedule::{ITEMS_PER_SHARD_PER_RUN, ScheduledMessage, ScheduledStatus};
    use shared::outreach::scheduled_store::ScheduledStore;
    use shared::platform::table::{DUE_SHARDS, shard_of};

    let fx = Fixture::new().await;
    let now = chrono::Utc::now().timestamp_millis();
    let conversation = conversation(&fx, now / 1000).await;
    let t = now + 120_000;
    // The schedule has been running every minute: the cursor is near (a first run would look an
    // hour back, 480 empty shard reads of the run's time budget).
    run_at(&fx, t - 60_000).await;
    // The other organization: one message, in the same minute as the flood.
    let (status, created) = schedule(
        &fx,
        &conversation,
        json!({"type": "text", "content": {"text": "Your table is ready."}, "scheduled_at": at(t + 30_000)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    // The flood: 5,000 messages of one organization in that minute, due a few seconds earlier (so
    // they come first in any order), in another shard than the one message's organization.
    let org_a = fx.a.account.org_id.clone();
    let flooder = (0..)
        .map(|n| format!("org_flood{n}"))
        .find(|org| shard_of(org, DUE_SHARDS) != shard_of(&org_a, DUE_SHARDS))
        .unwrap();
    let store = ScheduledStore::new(aws_sdk_dynamodb::Client::new(&fx.stack.aws), fx.stack.name_of("Table"));
    let message = |n: usize| ScheduledMessage {
        scheduled_id: shared::platform::ids::new_id("sch"),
        org_id: flooder.clone(),
        conversation_id: format!("cv_flood{n}"),
        scheduled_by: "agt_flood".into(),
        agent_name: None,
        msg_type: "text".into(),
        content: shared::meta::Content::Text {
            body: "x".repeat(shared::inbox::outbound::MAX_TEXT_CHARS),
        },
        reply_to: None,
        scheduled_at_ms: t + (n % 20) as i64,
        status: ScheduledStatus::Pending,
        error_message: None,
        sent_at: None,
        message_id: None,
        announced: false,
        created_at: at(now),
    };
    futures::stream::iter(0..5_000)
        .map(|n| {
            let store = &store;
            let message = message(n);
            async move { store.create(&message).await.unwrap() }
        })
        .buffer_unordered(32)
        .collect::<Vec<()>>()
        .await;

    // The due index holds pointers: the flood's shard reads as ids, not 5,000 full texts.
    let entries = aws_sdk_dynamodb::Client::new(&fx.stack.aws)
        .query()
        .table_name(fx.stack.name_of("Table"))
        .index_name(shared::platform::table::index::TIMELINE)
        .key_condition_expression("gsi2pk = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(shared::platform::table::due_shard_partition(
                shared::platform::table::SCHEDULED_DUE,
                &shared::outreach::schedule::minute_of(t),
                shard_of(&flooder, DUE_SHARDS),
            )),
        )
        .limit(100)
        .send()
        .await
        .unwrap();
    let largest = entries
        .items()
        .iter()
        .map(|item| {
            item.iter()
                .map(|(k, v)| k.len() + v.as_s().map_or(16, String::len))
                .sum::<usize>()
        })
        .max()
        .unwrap();
    assert_eq!(entries.items().len(), 100);
    assert!(largest < 400, "a due entry is a pointer ({largest} bytes)");

    let first = run_at(&fx, t + 40_000).await;
    assert_eq!(
        first.sent, 1,
        "the other organization's message goes out in the first run: {first:?}"
    );
    assert_eq!(scheduled_of(&fx, &conversation, &id).await["status"], "sent");
    assert_eq!(
        first.failed, ITEMS_PER_SHARD_PER_RUN,
        "the flood's shard got its budget, no more: {first:?}"
    );
    assert!(
        first.unread_minutes >= 1,
        "the flood's minute is left unfinished: {first:?}"
    );
    // The backlog drains over the next runs, a budget at a time, the cursor held at its minute.
    let second = run_at(&fx, t + 100_000).await;
    assert_eq!((second.sent, second.failed), (0, ITEMS_PER_SHARD_PER_RUN), "{second:?}");
    assert!(
        second.minutes_read >= 2,
        "the unfinished minute is read again: {second:?}"
    );
}
