//! Time triggers end to end on moto: a customer's message, through the bus rule and the
//! automation function, starts the agents' wait; the function's minute schedule fires the rule
//! once its wait has passed (once however often the minute is read), and a person's reply ends
//! the wait. A rule's priority and snooze land on the conversation an agent sees and filters.

use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

fn minute_event(at_ms: i64) -> Value {
    let time = chrono::DateTime::from_timestamp_millis(at_ms).unwrap().to_rfc3339();
    json!({"version": "0", "id": "tick", "detail-type": "Scheduled Event", "source": "aws.events",
           "time": time, "detail": {}})
}

#[tokio::test]
async fn an_unanswered_customer_raises_the_priority_once_at_the_rules_wait_and_a_persons_reply_ends_it() {
    let f = Fixture::new().await;
    let a = f.a.key.as_str();
    let f = &f;
    let post = |body: Value| async move {
        f.call("POST", "/v1/automation-rules", Some(a), Some(&body.to_string()))
            .await
    };
    // Bad waits, each naming its field.
    for (body, field) in [
        (
            json!({"name": "x", "trigger": "no_agent_reply", "actions": [{"type": "resolve"}]}),
            "wait_minutes",
        ),
        (
            json!({"name": "x", "trigger": "no_agent_reply", "wait_minutes": 20000, "actions": [{"type": "resolve"}]}),
            "wait_minutes",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "wait_minutes": 5, "actions": [{"type": "resolve"}]}),
            "wait_minutes",
        ),
        (
            json!({"name": "x", "trigger": "no_agent_reply", "wait_minutes": 5, "actions": [{"type": "snooze", "minutes": 0}]}),
            "actions[0].minutes",
        ),
        (
            json!({"name": "x", "trigger": "no_agent_reply", "wait_minutes": 5, "actions": [{"type": "resolve"}],
                   "schedule_settings": {"mode": "custom", "time_zone": "Nowhere/Atlantis", "days": []}}),
            "schedule_settings.time_zone",
        ),
    ] {
        let (status, value) = post(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {value}");
        assert!(
            value["error"]["message"].as_str().unwrap().starts_with(field),
            "{body}: {value}"
        );
    }
    let (status, escalate) = post(json!({"name": "Unanswered 5 minutes", "trigger": "no_agent_reply", "wait_minutes": 5,
        "conditions": [{"type": "priority", "any_of": ["none", "low"]}],
        "actions": [{"type": "set_priority", "priority": "urgent"}, {"type": "add_note", "content": "waiting 5 minutes"}]}))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{escalate}");
    assert_eq!(
        (escalate["trigger"].clone(), escalate["wait_minutes"].clone()),
        (json!("no_agent_reply"), json!(5))
    );

    let start_ms = chrono::Utc::now().timestamp_millis();
    f.customer_sends(&f.a, "wamid.wait.1", start_ms / 1000, "text", json!({"body": "hello?"}))
        .await;
    let conversation_id = f.conversation_id(&f.a).await;
    let automation = f.automation();
    f.automate_queued(&automation).await;

    let before = automation.tick(&minute_event(start_ms + 3 * 60_000)).await.unwrap();
    assert_eq!(before.fired, 0, "not yet");
    let at = automation.tick(&minute_event(start_ms + 6 * 60_000)).await.unwrap();
    assert_eq!(at.fired, 1);
    let again = automation.tick(&minute_event(start_ms + 8 * 60_000)).await.unwrap();
    assert_eq!(again.fired, 0, "each threshold once");
    let path = format!("/v1/conversations/{conversation_id}");
    let (_, conversation) = f.call("GET", &path, Some(a), None).await;
    assert_eq!(conversation["priority"], "urgent", "{conversation}");
    let (_, runs) = f
        .call(
            "GET",
            &format!("/v1/automation-rules/{}/runs", escalate["id"].as_str().unwrap()),
            Some(a),
            None,
        )
        .await;
    let runs = runs["data"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["event_type"], "conversation.no_agent_reply");

    // An agent triages by hand: priority cleared, snoozed; the list filters by both.
    let until = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let (status, patched) = f
        .call(
            "PATCH",
            &path,
            Some(a),
            Some(&json!({"priority": null, "snoozed_until": until}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        (patched["priority"].clone(), patched["snoozed_until"].is_string()),
        (Value::Null, true)
    );
    for (query, found) in [
        ("priority=none&snoozed=true", 1),
        ("priority=urgent", 0),
        ("snoozed=false", 0),
    ] {
        let (_, list) = f
            .call("GET", &format!("/v1/conversations?{query}"), Some(a), None)
            .await;
        assert_eq!(list["data"].as_array().unwrap().len(), found, "{query}: {list}");
    }
    for (body, field) in [
        (json!({"priority": "soon"}), "priority"),
        (json!({"snoozed_until": "2020-01-01T00:00:00Z"}), "snoozed_until"),
        (json!({}), "priority"),
    ] {
        let (status, value) = f.call("PATCH", &path, Some(a), Some(&body.to_string())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {value}");
        assert!(
            value["error"]["message"].as_str().unwrap().starts_with(field),
            "{value}"
        );
    }
    // The customer's next message wakes it.
    f.customer_sends(
        &f.a,
        "wamid.wait.2",
        start_ms / 1000 + 60,
        "text",
        json!({"body": "still there?"}),
    )
    .await;
    let (_, woken) = f.call("GET", &path, Some(a), None).await;
    assert_eq!(woken["snoozed_until"], Value::Null, "{woken}");

    // A person answers: the customer's next message starts a new wait.
    let (status, sent) = f
        .call(
            "POST",
            &format!("{path}/messages"),
            Some(a),
            Some(&json!({"type": "text", "content": {"text": "Here, sorry!"}}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    let ended = automation.tick(&minute_event(start_ms + 9 * 60_000)).await.unwrap();
    assert_eq!(ended.fired, 0);
    let store = shared::automation::wait_store::WaitStore::new(
        aws_sdk_dynamodb::Client::new(&f.stack.aws),
        f.stack.name_of("Table"),
    );
    use shared::automation::waits::{Side, WaitBook};
    let org_id = f.a.account.org_id.as_str();
    let spent = store
        .wait(org_id, &conversation_id, Side::Agent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spent.due_ms(), None, "every threshold fired: out of the index");
    f.customer_sends(
        &f.a,
        "wamid.wait.3",
        start_ms / 1000 + 120,
        "text",
        json!({"body": "thanks"}),
    )
    .await;
    f.automate_queued(&automation).await;
    let renewed = store
        .wait(org_id, &conversation_id, Side::Agent)
        .await
        .unwrap()
        .unwrap();
    assert!(renewed.since_ms > spent.since_ms, "answered since: a new wait began");
    assert!(renewed.due_ms().is_some());
}
