//! Deliveries: signed, logged, redelivered with the same id; a gone endpoint disabled; a rotated
//! secret signing beside the new one; a long retry brought back by the due index.

use super::{call, call_ok, endpoint};
use integration_tests::receiver::Receiver;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::integrations::delivery_store::DeliveryStore;
use shared::integrations::ports::DeliveryLog;

#[tokio::test]
async fn events_reach_a_subscribed_endpoint_signed_verifiably_logged_and_redeliverable() {
    let fx = Fixture::new().await;
    let receiver = Receiver::start(false).await;
    let (id, _) = endpoint(
        &fx,
        &receiver,
        &["message.received", "conversation.created", "contact.created"],
    )
    .await;
    let listed = call_ok(&fx, "GET", "/v1/webhooks", None).await;
    assert_eq!(listed["data"][0]["id"], id.as_str());
    assert!(
        listed["data"][0].get("secret").is_none(),
        "the secret is never shown again"
    );
    assert!(listed["data"][0]["secret_hint"].as_str().unwrap().starts_with("whsec_"));

    fx.inbound(&fx.a, "wamid.hook1", 1_765_000_000).await;
    fx.inbound(&fx.a, "wamid.hook2", 1_765_000_010).await;
    assert!(fx.deliver_queued().await >= 4);
    let received = receiver.deliveries().await;
    let mut types: Vec<&str> = received.iter().map(|d| d["type"].as_str().unwrap()).collect();
    types.sort();
    assert_eq!(
        types,
        vec![
            "contact.created",
            "conversation.created",
            "message.received",
            "message.received"
        ],
        "{received:?}"
    );
    assert!(
        received.iter().all(|d| d["verified"] == true && d["signatures"] == 1),
        "standardwebhooks verifies every one: {received:?}"
    );
    assert_eq!(fx.deliver_queued().await, 0, "nothing delivered twice");
    // Meta delivers the first message again: ingest announces its events again (later, so on
    // the bus with another time), and the receiver gets nothing twice.
    fx.inbound(&fx.a, "wamid.hook1", 1_765_000_000).await;
    assert!(fx.deliver_queued().await >= 1);
    let all = receiver.deliveries().await;
    let mut ids: Vec<&str> = all.iter().map(|d| d["webhook_id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "{all:?}");
    // A second copy only where an attempt was made again (an outcome unknown), never for the
    // event announced again.
    let log = call_ok(&fx, "GET", &format!("/v1/webhooks/{id}/deliveries"), None).await;
    let attempts: u64 = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempt"].as_u64().unwrap())
        .sum();
    assert_eq!(
        all.len() as u64,
        attempts,
        "no duplicate at the receiver: {all:?} {log}"
    );

    // The log, newest first, filtered.
    let log = call_ok(&fx, "GET", &format!("/v1/webhooks/{id}/deliveries"), None).await;
    assert_eq!(log["data"].as_array().unwrap().len(), 4);
    assert!(
        log["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "succeeded" && d["http_status"] == 204)
    );
    let path = format!("/v1/webhooks/{id}/deliveries?event_type=message.received&limit=1");
    let page = call_ok(&fx, "GET", &path, None).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let rest = call_ok(&fx, "GET", &format!("{path}&cursor={cursor}"), None).await;
    assert_eq!(rest["data"][0]["event_type"], "message.received");
    let newest = &page["data"][0];
    assert_eq!(newest["payload"]["data"]["wamid"], "wamid.hook2");
    let delivery_id = newest["id"].as_str().unwrap();
    let one = call_ok(&fx, "GET", &format!("/v1/webhooks/{id}/deliveries/{delivery_id}"), None).await;
    assert_eq!(
        (one["attempt"].as_u64(), one["event_id"].clone()),
        (Some(1), newest["event_id"].clone())
    );
    let (status, _) = call(&fx, "GET", &format!("/v1/webhooks/{id}/deliveries?status=lost"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Redelivered: the same webhook-id again, one more attempt on the same record.
    let redelivered = call_ok(
        &fx,
        "POST",
        &format!("/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver"),
        None,
    )
    .await;
    assert_eq!(redelivered["status"], "pending");
    assert_eq!(fx.deliver_queued().await, 1);
    let received = receiver.deliveries().await;
    let same: Vec<_> = received
        .iter()
        .filter(|d| d["webhook_id"] == newest["event_id"])
        .collect();
    assert_eq!(same.len(), 2);
    let again = call_ok(&fx, "GET", &format!("/v1/webhooks/{id}/deliveries/{delivery_id}"), None).await;
    assert_eq!(
        (again["status"].as_str(), again["attempt"].as_u64()),
        (Some("succeeded"), Some(2))
    );

    // The other organization sees none of it.
    for path in [
        format!("/v1/webhooks/{id}"),
        format!("/v1/webhooks/{id}/deliveries"),
        format!("/v1/webhooks/{id}/deliveries/{delivery_id}"),
    ] {
        let (status, _) = fx.call("GET", &path, Some(&fx.b.key), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = fx
        .call("POST", &format!("/v1/webhooks/{id}/test"), Some(&fx.b.key), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let theirs = fx.call("GET", "/v1/webhooks", Some(&fx.b.key), None).await.1;
    assert!(theirs["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn gone_disables_the_endpoint_and_a_rotated_secret_signs_beside_the_new_one() {
    let fx = Fixture::new().await;
    let receiver = Receiver::start(false).await;
    let (id, old_secret) = endpoint(&fx, &receiver, &["message.received"]).await;

    receiver.script(&[410]).await;
    let test = call_ok(&fx, "POST", &format!("/v1/webhooks/{id}/test"), None).await;
    assert_eq!(test["event_type"], "webhook.test");
    fx.deliver_queued().await;
    let hook = call_ok(&fx, "GET", &format!("/v1/webhooks/{id}"), None).await;
    assert_eq!(
        (hook["is_active"].as_bool(), hook["disabled_reason"].as_str()),
        (Some(false), Some("gone"))
    );
    let (status, body) = call(&fx, "POST", &format!("/v1/webhooks/{id}/test"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    call_ok(
        &fx,
        "PATCH",
        &format!("/v1/webhooks/{id}"),
        Some(json!({"is_active": true})),
    )
    .await;
    let rotated = call_ok(&fx, "POST", &format!("/v1/webhooks/{id}/rotate-secret"), None).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret);
    assert!(rotated["previous_secret_expires_at"].as_str().is_some());
    // Either secret alone verifies a delivery during the overlap.
    for secret in [&old_secret, &new_secret] {
        receiver.secrets(&[secret.as_str()]).await;
        call_ok(&fx, "POST", &format!("/v1/webhooks/{id}/test"), None).await;
        fx.deliver_queued().await;
        let last = receiver.deliveries().await.pop().unwrap();
        assert_eq!(
            (last["verified"].as_bool(), last["signatures"].as_u64()),
            (Some(true), Some(2)),
            "{last}"
        );
    }
}

#[tokio::test]
async fn retries_past_fifteen_minutes_wait_in_the_due_index_until_the_minute_s_run_queues_them() {
    let fx = Fixture::new().await;
    let receiver = Receiver::start(false).await;
    let (id, _) = endpoint(&fx, &receiver, &["message.received"]).await;
    receiver.script(&[500, 502, 503]).await;
    fx.inbound(&fx.a, "wamid.retry1", 1_765_000_000).await;
    fx.deliver_queued().await;
    let store = DeliveryStore::new(aws_sdk_dynamodb::Client::new(&fx.stack.aws), fx.stack.name_of("Table"));
    let log = call_ok(&fx, "GET", &format!("/v1/webhooks/{id}/deliveries"), None).await;
    let reference = shared::integrations::DeliveryRef {
        org_id: fx.a.account.org_id.clone(),
        webhook_id: id.clone(),
        delivery_id: log["data"][0]["id"].as_str().unwrap().into(),
    };
    let service = fx.deliveries();
    let tick_at = |ms: i64| {
        json!({"detail-type": "Scheduled Event", "source": "aws.events",
            "time": chrono::DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339()})
    };
    // Attempts 2 and 3 wait on the queue (5 s, 5 min); were their jobs lost, the due index's
    // safety entry (two minutes after each is due) brings them back: run the minute then.
    for (attempt, answered) in [(1, 500), (2, 502)] {
        let waiting = store.delivery(&reference).await.unwrap().unwrap();
        assert_eq!((waiting.attempt, waiting.http_status), (attempt, Some(answered)));
        let due_ms = waiting.next_retry_ms.unwrap();
        let (queued, _) = service.tick(&tick_at(due_ms + 121_000 + 60_000)).await.unwrap();
        assert_eq!(queued, 1, "attempt {attempt}");
        fx.deliver_queued().await;
    }
    // Attempt 3 answered 503: 30 minutes is past SQS's delay, so no job, only the due index.
    let waiting = store.delivery(&reference).await.unwrap().unwrap();
    assert_eq!((waiting.attempt, waiting.http_status), (3, Some(503)));
    let due_ms = waiting.next_retry_ms.unwrap();
    let wait_ms = due_ms - waiting.attempt_started_ms.unwrap();
    assert!((1_620_000..=1_990_000).contains(&wait_ms), "30 min ± 10 %: {wait_ms}");
    let (early, _) = service.tick(&tick_at(due_ms - 120_000)).await.unwrap();
    assert_eq!(early, 0, "not due yet");
    let (queued, _) = service.tick(&tick_at(due_ms + 60_000)).await.unwrap();
    assert_eq!(queued, 1);
    fx.deliver_queued().await;
    let done = store.delivery(&reference).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.attempt),
        (shared::integrations::DeliveryStatus::Succeeded, 4)
    );
    let received = receiver.deliveries().await;
    assert_eq!(received.len(), 4);
    assert!(
        received
            .iter()
            .all(|d| d["verified"] == true && d["webhook_id"] == received[0]["webhook_id"])
    );
}
