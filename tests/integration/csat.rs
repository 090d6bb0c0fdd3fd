//! Satisfaction surveys end to end: sent on resolve (an interactive list inside the window, the
//! account's approved template outside it), through the sender to the fake Graph API; the
//! customer's answer recorded once as the rating, without opening or reopening a conversation.

use integration_tests::event_tap::EventTap;
use integration_tests::outreach::OutreachFixture;
use integration_tests::*;
use serde_json::{Value, json};

async fn call_ok(fx: &Fixture, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string());
    let (status, answer) = fx.call(method, path, Some(&fx.a.key), body.as_deref()).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

/// The customer's message of `kind` with its `body`, ingested (as Meta delivers it).
async fn customer_sends(fx: &Fixture, wamid: &str, timestamp: i64, kind: &str, body: Value) {
    let response = fx.customer_sends(&fx.a, wamid, timestamp, kind, body).await;
    assert!(response.batch_item_failures.is_empty());
}

async fn surveys(fx: &Fixture) -> Vec<Value> {
    call_ok(fx, "GET", "/v1/csat-surveys", None).await["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn enable(fx: &Fixture, settings: Value) {
    let path = format!("/v1/accounts/{}", fx.a.account.account_id);
    call_ok(fx, "PATCH", &path, Some(settings)).await;
}

#[tokio::test]
async fn inside_the_window_the_survey_is_a_list_and_the_chosen_row_is_the_rating() {
    let fx = Fixture::new().await;
    let tap = EventTap::new(&fx.stack).await;
    enable(&fx, json!({"csat_enabled": true})).await;
    let now = chrono::Utc::now().timestamp();
    fx.inbound(&fx.a, "wamid.csat-hello", now).await;
    let conversation = fx.conversation_id(&fx.a).await;
    let me = call_ok(&fx, "GET", "/v1/me", None).await;
    let assign = format!("/v1/conversations/{conversation}/assign");
    call_ok(&fx, "POST", &assign, Some(json!({"agent_id": me["id"]}))).await;
    let resolve = format!("/v1/conversations/{conversation}/resolve");
    call_ok(&fx, "POST", &resolve, None).await;
    call_ok(&fx, "POST", &resolve, None).await;

    assert_eq!(fx.send_queued().await, 1, "one survey, however often it is resolved");
    let sent = fx.graph.sent();
    let survey_message = &sent.last().unwrap().body;
    assert_eq!(survey_message["type"], "interactive", "{survey_message}");
    assert_eq!(survey_message["interactive"]["type"], "list");
    let rows = survey_message["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), 5);
    let listed = surveys(&fx).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "sent");
    assert_eq!(listed[0]["via"], "interactive");
    assert_eq!(listed[0]["contact_name"], "Sheena Nelson");
    assert_eq!(listed[0]["agent_name"], me["full_name"]);
    let four = rows.iter().find(|r| r["title"] == "4 - Good").unwrap()["id"].clone();

    // The customer picks "4 - Good"; Meta delivers it twice.
    let reply = json!({"type": "list_reply", "list_reply": {"id": four, "title": "4 - Good"}});
    customer_sends(&fx, "wamid.csat-answer", now + 60, "interactive", reply.clone()).await;
    customer_sends(&fx, "wamid.csat-answer", now + 60, "interactive", reply).await;

    let rated = surveys(&fx).await;
    assert_eq!(rated[0]["status"], "rated");
    assert_eq!(rated[0]["rating"], 4);
    let conversations = call_ok(&fx, "GET", "/v1/conversations", None).await;
    assert_eq!(
        conversations["data"].as_array().unwrap().len(),
        1,
        "no new conversation"
    );
    assert_eq!(conversations["data"][0]["status"], "resolved", "and not reopened");
    let overview = call_ok(&fx, "GET", "/v1/analytics/overview", None).await;
    assert_eq!(
        (
            overview["csat_surveys_sent"].as_i64(),
            overview["csat_responses"].as_i64(),
            overview["csat_average"].as_f64(),
            overview["csat_response_rate"].as_f64()
        ),
        (Some(1), Some(1), Some(4.0), Some(100.0))
    );
    let events = tap.received(1).await;
    let rated_events: Vec<&Value> = events.iter().filter(|e| e["detail-type"] == "csat.rated").collect();
    assert!(!rated_events.is_empty(), "{events:?}");
    assert!(rated_events.iter().all(|e| e["detail"]["rating"] == 4));
    assert!(
        rated_events
            .iter()
            .all(|e| e["detail"]["event_id"] == format!("csat.rated:{}", rated[0]["id"].as_str().unwrap()))
    );
}

#[tokio::test]
async fn outside_the_window_the_survey_is_the_template_and_a_digit_with_a_comment_answers_it() {
    let fx = Fixture::new().await;
    fx.approved_template(
        &fx.a,
        "csat_survey",
        "UTILITY",
        json!([{"type": "BODY", "text": "How did we do? Reply with a number from 1 to 5."}]),
    )
    .await;
    enable(&fx, json!({"csat_enabled": true, "csat_template_name": "csat_survey"})).await;
    let yesterday = chrono::Utc::now().timestamp() - 25 * 3600;
    fx.inbound(&fx.a, "wamid.csat-old", yesterday).await;
    let conversation = fx.conversation_id(&fx.a).await;
    call_ok(&fx, "POST", &format!("/v1/conversations/{conversation}/resolve"), None).await;
    assert_eq!(fx.send_queued().await, 1);
    let survey_message = fx.graph.sent().last().unwrap().body.clone();
    assert_eq!(survey_message["type"], "template", "{survey_message}");
    assert_eq!(survey_message["template"]["name"], "csat_survey");
    assert_eq!(surveys(&fx).await[0]["via"], "template");

    let now = chrono::Utc::now().timestamp();
    customer_sends(&fx, "wamid.csat-5", now, "text", json!({"body": "5 - great service"})).await;
    let rated = surveys(&fx).await;
    assert_eq!(
        (rated[0]["rating"].as_u64(), rated[0]["comment"].as_str()),
        (Some(5), Some("great service"))
    );
    // A later "3" is an ordinary message: it opens a new conversation.
    customer_sends(
        &fx,
        "wamid.csat-3",
        now + 5,
        "text",
        json!({"body": "3 more jackets please"}),
    )
    .await;
    let conversations = call_ok(&fx, "GET", "/v1/conversations", None).await;
    assert_eq!(conversations["data"].as_array().unwrap().len(), 2);
    assert_eq!(surveys(&fx).await[0]["rating"], 5, "the rating stands");

    let (status, _) = fx
        .call("GET", "/v1/csat-surveys?status=maybe", Some(&fx.a.key), None)
        .await;
    assert_eq!(status.as_u16(), 422);
    let (_, other) = fx.call("GET", "/v1/csat-surveys", Some(&fx.b.key), None).await;
    assert_eq!(other["data"], json!([]), "another organization's surveys are its own");
}

#[tokio::test]
async fn a_division_can_opt_in_for_its_conversations() {
    let fx = Fixture::new().await;
    let division = call_ok(
        &fx,
        "POST",
        "/v1/divisions",
        Some(json!({"name": "Care", "allocation_method": "manual"})),
    )
    .await;
    let division_id = division["id"].as_str().unwrap();
    let updated = call_ok(
        &fx,
        "PATCH",
        &format!("/v1/divisions/{division_id}"),
        Some(json!({"csat_enabled": true})),
    )
    .await;
    assert_eq!(updated["csat_enabled"], true);
    enable(&fx, json!({"division_id": division_id})).await;
    fx.inbound(&fx.a, "wamid.csat-division", chrono::Utc::now().timestamp())
        .await;
    let conversation = fx.conversation_id(&fx.a).await;
    call_ok(&fx, "POST", &format!("/v1/conversations/{conversation}/resolve"), None).await;
    assert_eq!(fx.send_queued().await, 1, "the division asked for it");
    assert_eq!(surveys(&fx).await[0]["conversation_id"], conversation.as_str());
}

#[tokio::test]
async fn without_the_opt_in_no_survey_is_sent() {
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.csat-off", chrono::Utc::now().timestamp())
        .await;
    let conversation = fx.conversation_id(&fx.a).await;
    call_ok(&fx, "POST", &format!("/v1/conversations/{conversation}/resolve"), None).await;
    assert_eq!(fx.send_queued().await, 0);
    assert!(surveys(&fx).await.is_empty());
}
