//! Automation end to end on moto: rules written through the API, events from ingest through the
//! bus rule to the automation function's queue, effects through the desk and the send path, each
//! once however often an event is delivered; a rule never loops on its own effect.

use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

async fn rule(f: &Fixture, body: Value) -> Value {
    let (status, created) = f
        .call("POST", "/v1/automation-rules", Some(&f.a.key), Some(&body.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

#[tokio::test]
async fn a_price_question_is_tagged_noted_and_answered_once_and_an_assigning_rule_does_not_loop() {
    let f = Fixture::new().await;
    let a = f.a.key.as_str();
    let (_, agent) = f
        .call(
            "POST",
            "/v1/agents",
            Some(a),
            Some(&json!({"email": "auto@example.com", "full_name": "Auto", "role": "agent"}).to_string()),
        )
        .await;
    let agent_id = agent["id"].as_str().unwrap().to_string();
    let price = rule(
        &f,
        json!({"name": "Price questions", "trigger": "message_received", "priority": 10, "stop_on_match": true,
               "conditions": [{"type": "message_text", "op": "matches", "value": "\\b(price|cost)s?\\b"}],
               "actions": [{"type": "add_tags", "tags": ["asked-price"]},
                           {"type": "send_text", "text": "Our prices are on the site."},
                           {"type": "add_note", "content": "asked about prices"},
                           {"type": "assign_agent", "agent_id": agent_id}]}),
    )
    .await;
    // Never reached for a price question: the first rule stops the walk.
    let after = rule(
        &f,
        json!({"name": "Everything else", "trigger": "message_received", "priority": 20,
               "actions": [{"type": "add_tags", "tags": ["other"]}]}),
    )
    .await;
    // A rule that assigns whenever a conversation is assigned: its own assignment must not start it again.
    let reassign = rule(
        &f,
        json!({"name": "Keep with Auto", "trigger": "conversation_assigned",
               "actions": [{"type": "assign_agent", "agent_id": agent_id}]}),
    )
    .await;

    // Bad input, each naming its field; nothing stored.
    for (body, field) in [
        (
            json!({"name": "x", "trigger": "message_received", "actions": []}),
            "actions",
        ),
        (
            json!({"name": "x", "trigger": "nope", "actions": [{"type": "resolve"}]}),
            "trigger",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "actions": [{"type": "explode"}]}),
            "actions[0]",
        ),
        (
            json!({"name": "x", "trigger": "message_received", "actions": [{"type": "resolve"}],
                "conditions": [{"type": "message_text", "op": "matches", "value": "(("}]}),
            "conditions[0].value",
        ),
        (
            json!({"trigger": "message_received", "actions": [{"type": "resolve"}]}),
            "name",
        ),
    ] {
        let (status, value) = f
            .call("POST", "/v1/automation-rules", Some(a), Some(&body.to_string()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {value}");
        assert!(
            value["error"]["message"].as_str().unwrap().starts_with(field),
            "{body}: {value}"
        );
    }
    let (_, listed) = f.call("GET", "/v1/automation-rules", Some(a), None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 3);

    let now = chrono::Utc::now().timestamp();
    let response = f
        .customer_sends(
            &f.a,
            "wamid.auto.1",
            now,
            "text",
            json!({"body": "What's the PRICE of the navy jacket?"}),
        )
        .await;
    assert!(response.batch_item_failures.is_empty());
    let conversation_id = f.conversation_id(&f.a).await;

    // A dry run changes nothing and says what would happen.
    let (status, dry) = f
        .call(
            "POST",
            &format!("/v1/automation-rules/{}/test", price["id"].as_str().unwrap()),
            Some(a),
            Some(&json!({"conversation_id": conversation_id, "message_text": "the cost?"}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(
        (dry["matched"].clone(), dry["actions"].as_array().unwrap().len()),
        (json!(true), 4)
    );

    let automation = f.automation();
    let delivered = f.automate_queued(&automation).await;
    assert!(!delivered.is_empty());
    // The assignment the rule made comes back through the bus (conversation.assigned, caused by it).
    let mut more = f.automate_queued(&automation).await;
    // Every event delivered again, as SQS may: nothing happens twice.
    let again =
        automation::AutomationService::process(&f.automation(), integration_tests::outreach::sqs_event_of(&delivered))
            .await;
    assert!(again.0.batch_item_failures.is_empty());
    more.extend(f.automate_queued(&automation).await);

    let (_, conversation) = f
        .call("GET", &format!("/v1/conversations/{conversation_id}"), Some(a), None)
        .await;
    assert_eq!(conversation["assigned_agent_id"], agent_id.as_str());
    assert_eq!(
        conversation["contact"]["tags"],
        json!(["asked-price"]),
        "the second rule never ran"
    );
    let messages = f.messages(&f.a, &conversation_id).await;
    let replies: Vec<&Value> = messages.iter().filter(|m| m["direction"] == "outbound").collect();
    assert_eq!(replies.len(), 1, "one answer: {messages:?}");
    let (_, notes) = f
        .call(
            "GET",
            &format!("/v1/conversations/{conversation_id}/notes"),
            Some(a),
            None,
        )
        .await;
    assert_eq!(notes["data"].as_array().unwrap().len(), 1, "{notes}");

    let runs = |id: &Value| format!("/v1/automation-rules/{}/runs", id.as_str().unwrap());
    let (_, price_runs) = f.call("GET", &runs(&price["id"]), Some(a), None).await;
    let price_runs = price_runs["data"].as_array().unwrap().clone();
    assert_eq!(price_runs.len(), 1, "{price_runs:?}");
    assert_eq!(price_runs[0]["executed"], true);
    assert!(
        price_runs[0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ok"] == true),
        "{price_runs:?}"
    );
    let (_, after_runs) = f.call("GET", &runs(&after["id"]), Some(a), None).await;
    assert!(after_runs["data"].as_array().unwrap().is_empty());
    let (_, loop_runs) = f.call("GET", &runs(&reassign["id"]), Some(a), None).await;
    let skipped: Vec<&str> = loop_runs["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["skipped"].as_str())
        .collect();
    // The price rule's assignment started it once; its own assignment did not start it again,
    // and the redelivered events wrote no second entry.
    assert_eq!(skipped, ["own_effect"], "{loop_runs}");
    let executed = loop_runs["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["executed"] == true)
        .count();
    assert_eq!(executed, 1, "{loop_runs}");
    let _ = more;

    // Paused, nothing runs.
    let (status, control) = f
        .call(
            "PUT",
            "/v1/automation-control",
            Some(a),
            Some(&json!({"is_paused": true, "pause_reason": "migration"}).to_string()),
        )
        .await;
    assert_eq!((status, control["is_paused"].clone()), (StatusCode::OK, json!(true)));
    let paused = f.automation();
    f.customer_sends(&f.a, "wamid.auto.2", now + 1, "text", json!({"body": "price again?"}))
        .await;
    f.automate_queued(&paused).await;
    let (_, price_runs) = f.call("GET", &runs(&price["id"]), Some(a), None).await;
    assert_eq!(price_runs["data"].as_array().unwrap().len(), 1, "no run while paused");
    let (status, _) = f
        .call(
            "DELETE",
            &format!("/v1/automation-rules/{}", after["id"].as_str().unwrap()),
            Some(a),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_rule_posts_to_one_outgoing_webhook_once_however_often_its_event_comes() {
    let f = Fixture::new().await;
    let receiver = integration_tests::receiver::Receiver::start(false).await;
    let body = json!({"name": "CRM", "url": receiver.url(), "events": ["conversation.created"]}).to_string();
    let (status, hook) = f.call("POST", "/v1/webhooks", Some(&f.a.key), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    receiver.secrets(&[hook["secret"].as_str().unwrap()]).await;
    let webhook_id = hook["id"].as_str().unwrap();
    rule(
        &f,
        json!({"name": "Tell the CRM", "trigger": "message_received",
               "conditions": [{"type": "message_text", "op": "contains", "value": "refund"}],
               "actions": [{"type": "send_to_webhook", "webhook_id": webhook_id}]}),
    )
    .await;
    let (status, refused) = f
        .call(
            "POST",
            "/v1/automation-rules",
            Some(&f.a.key),
            Some(&json!({"name": "x", "trigger": "message_received", "actions": [{"type": "send_to_webhook", "webhook_id": "not an id"}]}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    f.customer_sends(
        &f.a,
        "wamid.hook.1",
        chrono::Utc::now().timestamp(),
        "text",
        json!({"body": "I want a refund"}),
    )
    .await;
    let automation = f.automation();
    let delivered = f.automate_queued(&automation).await;
    // Delivered again, as SQS may: the delivery log's guard keeps one delivery.
    let again =
        automation::AutomationService::process(&f.automation(), integration_tests::outreach::sqs_event_of(&delivered))
            .await;
    assert!(again.0.batch_item_failures.is_empty());
    let jobs = f.stack.drain_settled("DeliveriesQueue").await;
    let (response, _) = f
        .deliveries()
        .process(integration_tests::outreach::sqs_event_of(&jobs))
        .await;
    assert!(response.batch_item_failures.is_empty());
    let received = receiver.deliveries().await;
    let posted: Vec<&Value> = received.iter().filter(|d| d["type"] == "automation.webhook").collect();
    assert_eq!(posted.len(), 1, "{received:?}");
    assert_eq!(posted[0]["verified"], true, "signed as every delivery");
    let (_, log) = f
        .call(
            "GET",
            &format!("/v1/webhooks/{webhook_id}/deliveries"),
            Some(&f.a.key),
            None,
        )
        .await;
    let automated = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event_type"] == "automation.webhook")
        .count();
    assert_eq!(automated, 1, "{log}");
}
