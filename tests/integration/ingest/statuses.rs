//! Meta's statuses through ingest: any order ends in the highest, one before its message waits for
//! it, a failed one keeps Meta's error.

use super::*;

#[tokio::test]
async fn statuses_in_any_order_end_in_the_highest_one() {
    let f = Fixture::new().await;
    let inbox = f.inbox();
    let org = &f.a.account.org_id;
    let key = table::message(org, "cv_test", 1_700_001_000_000, "msg_out1");
    inbox
        .put_message(&key, &outbound(org, "cv_test", "msg_out1"))
        .await
        .unwrap();
    assert_eq!(inbox.link_outbound(org, "wamid.out1", &key).await.unwrap(), None);

    let body = f.notification(
        Value::Null,
        json!([
            status("wamid.out1", "read", 1_700_001_030),
            status("wamid.out1", "sent", 1_700_001_010)
        ]),
    );
    let (_, summary) = f.ingest().process(ingest_event(&[("s1", &f.a.account, &body)])).await;
    assert_eq!((summary.statuses_applied, summary.statuses_stale), (1, 1));
    let late = f.notification(Value::Null, json!([status("wamid.out1", "delivered", 1_700_001_020)]));
    f.ingest().process(ingest_event(&[("s2", &f.a.account, &late)])).await;
    let message = inbox.message(&key).await.unwrap().unwrap();
    assert_eq!(
        (message.status.as_str(), message.status_rank),
        ("read", DeliveryStatus::Read.rank())
    );
}

#[tokio::test]
async fn a_status_before_its_message_record_is_parked_then_applied() {
    let f = Fixture::new().await;
    let inbox = f.inbox();
    let org = &f.a.account.org_id;
    let early = f.notification(Value::Null, json!([status("wamid.early", "delivered", 1_700_002_020)]));
    let (response, summary) = f.ingest().process(ingest_event(&[("p1", &f.a.account, &early)])).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.statuses_parked, 1);

    let key = table::message(org, "cv_test", 1_700_002_000_000, "msg_out2");
    inbox
        .put_message(&key, &outbound(org, "cv_test", "msg_out2"))
        .await
        .unwrap();
    assert_eq!(
        inbox.link_outbound(org, "wamid.early", &key).await.unwrap(),
        Some(DeliveryStatus::Delivered)
    );
    assert_eq!(inbox.message(&key).await.unwrap().unwrap().status, "delivered");

    let failed = StatusUpdate {
        wamid: "wamid.early".into(),
        status: DeliveryStatus::Failed,
        timestamp: 1_700_002_030,
        recipient_id: None,
        errors: vec![shared::meta::MetaError {
            code: 131026,
            title: Some("Message undeliverable".into()),
            message: None,
            details: Some("receiver incapable".into()),
        }],
        pricing: None,
        conversation: None,
        callback_data: None,
    };
    assert!(matches!(
        inbox.apply_status(org, &failed).await.unwrap(),
        StatusOutcome::Applied { .. }
    ));
    // A status for a wamid nobody ever claims stays parked and harms nothing.
    let orphan = f.notification(Value::Null, json!([status("wamid.never", "read", 1)]));
    assert!(
        f.ingest()
            .process(ingest_event(&[("p2", &f.a.account, &orphan)]))
            .await
            .0
            .batch_item_failures
            .is_empty()
    );
}

#[tokio::test]
async fn the_documented_failed_status_keeps_metas_error() {
    let f = Fixture::new().await;
    let inbox = f.inbox();
    let org = &f.a.account.org_id;
    let sample: Value =
        serde_json::from_slice(&std::fs::read(repo_root().join("events/meta/status-failed.json")).unwrap()).unwrap();
    let wamid = sample["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = table::message(org, "cv_test", 1, "msg_out3");
    inbox
        .put_message(&key, &outbound(org, "cv_test", "msg_out3"))
        .await
        .unwrap();
    inbox.link_outbound(org, &wamid, &key).await.unwrap();
    let body = f.notification(
        Value::Null,
        sample["entry"][0]["changes"][0]["value"]["statuses"].clone(),
    );
    f.ingest().process(ingest_event(&[("f1", &f.a.account, &body)])).await;
    let item = aws_sdk_dynamodb::Client::new(&f.stack.aws)
        .get_item()
        .table_name(f.stack.name_of("Table"))
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(key.pk.clone()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(key.sk.clone()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["status"].as_s().unwrap(), "failed");
    let errors = format!("{:?}", item["status_errors"]);
    assert!(
        errors.contains("131049") && errors.contains("healthy ecosystem"),
        "{errors}"
    );
}
