//! A customer's edits and deletions: applied to the original message (its earlier content kept for
//! audit) once however often Meta delivers them, never stored as messages of their own.

use integration_tests::event_tap::EventTap;
use integration_tests::*;
use serde_json::{Value, json};

async fn only_message(fx: &Fixture, conversation: &str) -> Value {
    let all = fx.messages(&fx.a, conversation).await;
    assert_eq!(all.len(), 1, "the changes are not messages of their own: {all:?}");
    all[0].clone()
}

#[tokio::test]
async fn an_edit_and_a_revoke_change_the_original_message_once() {
    let fx = Fixture::new().await;
    let tap = EventTap::new(&fx.stack).await;
    let now = chrono::Utc::now().timestamp();
    fx.customer_sends(
        &fx.a,
        "wamid.original",
        now,
        "text",
        json!({"body": "I want the blue one"}),
    )
    .await;
    let conversation = fx.conversation_id(&fx.a).await;

    let edit = json!({"original_message_id": "wamid.original",
        "message": {"type": "text", "text": {"body": "I want the navy one"}}});
    for _ in 0..2 {
        let response = fx
            .customer_sends(&fx.a, "wamid.edit-1", now + 10, "edit", edit.clone())
            .await;
        assert!(response.batch_item_failures.is_empty());
    }
    let edited = only_message(&fx, &conversation).await;
    assert_eq!(edited["content"]["body"], "I want the navy one", "{edited}");
    assert!(edited["edited_at"].is_string());
    assert_eq!(
        edited["previous_contents"],
        json!([{"kind": "text", "body": "I want the blue one"}])
    );

    let revoke = json!({"original_message_id": "wamid.original"});
    let response = fx
        .customer_sends(&fx.a, "wamid.revoke-1", now + 20, "revoke", revoke)
        .await;
    assert!(response.batch_item_failures.is_empty());
    let deleted = only_message(&fx, &conversation).await;
    assert_eq!(deleted["content"]["kind"], "revoke", "{deleted}");
    assert!(deleted["revoked_at"].is_string());
    assert_eq!(
        deleted["previous_contents"].as_array().unwrap().len(),
        2,
        "both earlier contents kept"
    );

    // An edit of a message never stored waits for it (retried), and on its last receive is
    // recorded as an orphan change for operators: no failure, no dead letter, nothing lost.
    let orphan = json!({"original_message_id": "wamid.never", "message": {"type": "text", "text": {"body": "x"}}});
    let response = fx
        .customer_sends(&fx.a, "wamid.edit-2", now + 30, "edit", orphan.clone())
        .await;
    assert_eq!(response.batch_item_failures.len(), 1, "waits for its original");
    let mut message =
        json!({"from": "16505551234", "id": "wamid.edit-2", "timestamp": (now + 30).to_string(), "type": "edit"});
    message["edit"] = orphan;
    let body = notification(
        &fx.a.account.phone_number_id,
        json!([{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}]),
        json!([message]),
        Value::Null,
    );
    let mut event = ingest_event(&[("m", &fx.a.account, &body)]);
    let max_receives = fx.stack.env_of("IngestFunction")["MAX_RECEIVE_COUNT"].clone();
    event.records[0]
        .attributes
        .insert("ApproximateReceiveCount".into(), max_receives);
    let (response, summary) = fx.ingest().process(event).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "no failure on the last receive"
    );
    assert_eq!((summary.orphan_changes, summary.failed_records), (1, 0));
    assert!(
        fx.stack.drain("IngestDeadLetterQueue").await.is_empty(),
        "nothing dead-lettered"
    );
    let orphan_key = shared::platform::table::orphan_change(&fx.a.account.org_id, "wamid.edit-2");
    let stored = aws_sdk_dynamodb::Client::new(&fx.stack.aws)
        .get_item()
        .table_name(fx.stack.name_of("Table"))
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(orphan_key.pk))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(orphan_key.sk))
        .send()
        .await
        .unwrap()
        .item
        .expect("the orphan change is kept for operators");
    assert_eq!(stored["original_wamid"].as_s().unwrap(), "wamid.never");
    assert_eq!(
        only_message(&fx, &conversation).await["content"]["kind"],
        "revoke",
        "nothing else changed"
    );

    let events = tap.received(4).await;
    let mut changes: Vec<String> = events
        .iter()
        .filter(|e| e["detail-type"] == "message.edited" || e["detail-type"] == "message.revoked")
        .map(|e| e["detail"]["event_id"].as_str().unwrap().to_string())
        .collect();
    changes.sort();
    changes.dedup();
    assert_eq!(
        changes,
        ["message.edited:wamid.edit-1", "message.revoked:wamid.revoke-1"]
    );
}
