//! Outgoing webhooks end to end on moto: domain events from the functions reach the bus, its rule
//! puts them on the deliveries queue, the deliveries function posts them to a local receiver that
//! verifies every signature with the independent `standardwebhooks` library; the API manages the
//! endpoints and shows the delivery log.

mod address_checks;
mod delivery;

use integration_tests::receiver::Receiver;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

pub(crate) async fn call(fx: &Fixture, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let body = body.map(|b| b.to_string());
    fx.call(method, path, Some(&fx.a.key), body.as_deref()).await
}

pub(crate) async fn call_ok(fx: &Fixture, method: &str, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = call(fx, method, path, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {answer}");
    answer
}

/// Creates an endpoint of `a` for `events` at the receiver, tells the receiver its secret;
/// answers the webhook's id and secret.
pub(crate) async fn endpoint(fx: &Fixture, receiver: &Receiver, events: &[&str]) -> (String, String) {
    let created = call_ok(
        fx,
        "POST",
        "/v1/webhooks",
        Some(json!({"name": "CRM", "url": receiver.url(), "events": events})),
    )
    .await;
    let secret = created["secret"].as_str().expect("the secret, once");
    assert!(secret.starts_with("whsec_"));
    receiver.secrets(&[secret]).await;
    (created["id"].as_str().unwrap().to_string(), secret.to_string())
}
