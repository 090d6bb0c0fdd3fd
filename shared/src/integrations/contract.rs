//! The contracts of [`Endpoints`] and [`DeliveryLog`], held by the memory adapters (their unit
//! tests below) and DynamoDB on moto (`tests/integration/contracts.rs`): conditional creation,
//! claims and settlements that move only from the attempt they name, a reopen only of settled
//! deliveries, newest-first pages with filters, the endpoint's failure streak.

use crate::integrations::ports::{Created, DeliveryFilter, DeliveryLog, EndpointChanges, Endpoints, Settlement};
use crate::integrations::{Delivery, DeliveryStatus, Endpoint, delivery_id};
use crate::platform::StoreError;
use crate::platform::sealed_secret::SealedSecret;

pub fn sealed(tag: &str) -> SealedSecret {
    SealedSecret {
        wrapped_key: format!("wrapped-{tag}"),
        nonce: "bm9uY2U=".into(),
        ciphertext: format!("c2VjcmV0-{tag}"),
        hint: "whsec_…".into(),
    }
}

pub fn endpoint(org_id: &str, webhook_id: &str, url: &str, events: &[&str]) -> Endpoint {
    Endpoint {
        org_id: org_id.into(),
        webhook_id: webhook_id.into(),
        name: format!("hook {webhook_id}"),
        url: url.into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        account_id: None,
        is_active: true,
        disabled_reason: None,
        secret: sealed("1"),
        previous_secret: None,
        previous_until_ms: None,
        consecutive_failures: 0,
        failing_since_ms: None,
        created_at: "2026-12-05T10:00:00.000Z".into(),
        updated_at: "2026-12-05T10:00:00.000Z".into(),
        created_by: "agt_admin".into(),
        last_triggered_at: None,
        last_success_at: None,
    }
}

pub fn delivery(org_id: &str, webhook_id: &str, event_id: &str, time_ms: i64, event_type: &str) -> Delivery {
    Delivery {
        org_id: org_id.into(),
        webhook_id: webhook_id.into(),
        delivery_id: delivery_id(time_ms, event_id, webhook_id),
        event_id: event_id.into(),
        event_type: event_type.into(),
        payload: r#"{"type":"message.received","timestamp":"2026-12-05T10:00:00.000Z","data":{}}"#.into(),
        status: DeliveryStatus::Sending,
        attempt: 1,
        max_attempts: 8,
        created_at: "2026-12-05T10:00:00.000Z".into(),
        http_status: None,
        response_body: None,
        error_message: None,
        next_retry_ms: None,
        completed_at: None,
        attempt_started_ms: Some(time_ms),
    }
}

fn retrying(next_ms: i64) -> Settlement {
    Settlement {
        status: DeliveryStatus::Retrying,
        http_status: Some(503),
        response_body: Some("busy".into()),
        error_message: None,
        next_retry_ms: Some(next_ms),
        index_at_ms: Some(next_ms),
        completed_at: None,
    }
}

fn succeeded() -> Settlement {
    Settlement {
        status: DeliveryStatus::Succeeded,
        http_status: Some(204),
        response_body: None,
        error_message: None,
        next_retry_ms: None,
        index_at_ms: None,
        completed_at: Some("2026-12-05T10:00:01.000Z".into()),
    }
}

/// Endpoints of `org_id` (which must have none yet).
pub async fn endpoints_contract(store: &dyn Endpoints, org_id: &str) {
    let a = endpoint(org_id, "wh_a", "https://a.example/", &["message.received"]);
    let b = endpoint(org_id, "wh_b", "https://b.example/", &["message.status"]);
    assert!(store.create_endpoint(&a).await.unwrap());
    assert!(store.create_endpoint(&b).await.unwrap());
    let mut all = store.endpoints_of(org_id).await.unwrap();
    all.sort_by(|x, y| x.webhook_id.cmp(&y.webhook_id));
    assert_eq!(all, vec![a.clone(), b.clone()]);
    assert!(store.endpoints_of("org_nobody").await.unwrap().is_empty());

    let changes = EndpointChanges {
        events: Some(vec!["message.received".into(), "message.status".into()]),
        rotated: Some((sealed("2"), sealed("1"), 99)),
        ..Default::default()
    };
    let updated = store
        .update_endpoint(org_id, "wh_a", changes, "2026-12-05T11:00:00.000Z")
        .await
        .unwrap()
        .expect("updated");
    assert_eq!(updated.events.len(), 2);
    assert_eq!(updated.secret, sealed("2"));
    assert_eq!(updated.previous_secret, Some(sealed("1")));
    assert_eq!(store.endpoint(org_id, "wh_a").await.unwrap(), Some(updated));
    assert!(
        store
            .update_endpoint(org_id, "wh_none", EndpointChanges::default(), "t")
            .await
            .unwrap()
            .is_none()
    );

    let first = store
        .record_failure(org_id, "wh_a", 1_000, "t1")
        .await
        .unwrap()
        .unwrap();
    let second = store
        .record_failure(org_id, "wh_a", 5_000, "t2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.since_ms, first.consecutive), (1_000, 1));
    assert_eq!(
        (second.since_ms, second.consecutive),
        (1_000, 2),
        "the streak keeps its start"
    );
    store.record_success(org_id, "wh_a", "t3").await.unwrap();
    let healthy = store.endpoint(org_id, "wh_a").await.unwrap().unwrap();
    assert_eq!((healthy.consecutive_failures, healthy.failing_since_ms), (0, None));
    assert_eq!(healthy.last_success_at.as_deref(), Some("t3"));
    assert!(store.record_failure(org_id, "wh_none", 1, "t").await.unwrap().is_none());

    assert!(store.disable(org_id, "wh_b", "gone", "t4").await.unwrap());
    assert!(!store.disable(org_id, "wh_b", "gone", "t5").await.unwrap(), "once");
    let disabled = store.endpoint(org_id, "wh_b").await.unwrap().unwrap();
    assert!(!disabled.is_active);
    assert_eq!(disabled.disabled_reason.as_deref(), Some("gone"));

    assert!(store.delete_endpoint(org_id, "wh_b").await.unwrap());
    assert!(!store.delete_endpoint(org_id, "wh_b").await.unwrap());
    assert_eq!(store.endpoints_of(org_id).await.unwrap().len(), 1);
}

/// The delivery log of endpoint `wh_log` of `org_id` (which must have no deliveries yet).
pub async fn delivery_log_contract(log: &dyn DeliveryLog, org_id: &str) {
    let first = delivery(org_id, "wh_log", "evt_1", 1_000, "message.received");
    assert_eq!(log.create_delivery(&first).await.unwrap(), Created::New);
    let existing = Created::Existing {
        delivery_id: first.delivery_id.clone(),
    };
    assert_eq!(
        log.create_delivery(&first).await.unwrap(),
        existing,
        "a redelivered event adds none"
    );
    // Announced again later (another time, so another id): still the first delivery.
    let announced_again = delivery(org_id, "wh_log", "evt_1", 1_500, "message.received");
    assert_ne!(announced_again.delivery_id, first.delivery_id);
    assert_eq!(log.create_delivery(&announced_again).await.unwrap(), existing);
    let reference = first.reference();
    assert_eq!(log.delivery(&reference).await.unwrap(), Some(first.clone()));

    assert!(
        !log.settle(&reference, 2, &succeeded()).await.unwrap(),
        "not the attempt in flight"
    );
    assert!(log.settle(&reference, 1, &retrying(9_000)).await.unwrap());
    assert!(!log.settle(&reference, 1, &succeeded()).await.unwrap(), "settled once");
    let waiting = log.delivery(&reference).await.unwrap().unwrap();
    assert_eq!(waiting.status, DeliveryStatus::Retrying);
    assert_eq!((waiting.http_status, waiting.next_retry_ms), (Some(503), Some(9_000)));

    assert!(log.recheck_at(&reference, 1, 20_000).await.unwrap());
    assert!(!log.recheck_at(&reference, 2, 20_000).await.unwrap(), "moved on");
    assert!(log.claim(&waiting, 9_500).await.unwrap());
    assert!(!log.claim(&waiting, 9_600).await.unwrap(), "claimed once");
    let sending = log.delivery(&reference).await.unwrap().unwrap();
    assert_eq!((sending.status, sending.attempt), (DeliveryStatus::Sending, 2));
    assert_eq!(sending.attempt_started_ms, Some(9_500));
    assert!(
        matches!(log.reopen(&reference).await, Err(StoreError::Conflict(_))),
        "in progress: no manual redelivery"
    );

    assert!(log.settle(&reference, 2, &succeeded()).await.unwrap());
    let done = log.delivery(&reference).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.http_status, done.error_message),
        (DeliveryStatus::Succeeded, Some(204), None)
    );
    assert_eq!(
        done.response_body, None,
        "the earlier answer is not kept past a later one"
    );
    let reopened = log.reopen(&reference).await.unwrap().expect("reopened");
    assert_eq!((reopened.status, reopened.max_attempts), (DeliveryStatus::Pending, 3));
    assert_eq!(reopened.completed_at, None);
    assert!(log.claim(&reopened, 10_000).await.unwrap());

    let mut missing = reference.clone();
    missing.delivery_id = "dlv_none".into();
    assert_eq!(log.reopen(&missing).await.unwrap(), None);
    assert_eq!(log.delivery(&missing).await.unwrap(), None);

    // Newest first, filtered.
    for (i, kind) in ["message.status", "message.received", "message.status"]
        .iter()
        .enumerate()
    {
        let d = delivery(org_id, "wh_log", &format!("evt_p{i}"), 2_000 + i as i64, kind);
        assert_eq!(log.create_delivery(&d).await.unwrap(), Created::New);
    }
    let page = log
        .deliveries_page(org_id, "wh_log", &DeliveryFilter::default(), 10, None)
        .await
        .unwrap();
    let ids: Vec<&str> = page.items.iter().map(|d| d.event_id.as_str()).collect();
    assert_eq!(ids, vec!["evt_p2", "evt_p1", "evt_p0", "evt_1"]);
    let statuses = DeliveryFilter {
        event_type: Some("message.status".into()),
        status: None,
    };
    let mut seen = Vec::new();
    let mut start = None;
    loop {
        let page = log
            .deliveries_page(org_id, "wh_log", &statuses, 2, start)
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|d| d.event_id));
        match page.next {
            Some(next) => start = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, vec!["evt_p2".to_string(), "evt_p0".to_string()]);
    let none = log
        .deliveries_page(org_id, "wh_other", &DeliveryFilter::default(), 10, None)
        .await
        .unwrap();
    assert!(none.items.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::memory::{MemoryDeliveryLog, MemoryEndpoints};

    #[tokio::test]
    async fn the_memory_adapters_hold_the_contracts() {
        endpoints_contract(&MemoryEndpoints::default(), "org_c").await;
        delivery_log_contract(&MemoryDeliveryLog::default(), "org_c").await;
    }
}
