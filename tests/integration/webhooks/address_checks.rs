//! Where endpoints may point: bad URLs, private addresses, unknown events and oversize names are
//! refused by name and nothing is stored; the delivering client refuses a refused address again
//! as it connects.

use super::call;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::json;
use shared::integrations::address_policy::Reach;
use shared::integrations::delivery_policy::Answer;
use shared::integrations::ports::{Call, EndpointCaller};
use shared::integrations::safe_http::SafeHttpClient;

#[tokio::test]
async fn bad_input_is_refused_by_name_and_nothing_is_stored() {
    let fx = Fixture::new().await;
    let good = json!({"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["message.received"]});
    let with = |field: &str, value: serde_json::Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let cases = [
        (
            with("events", json!(["message.received", "message.teleported", "x"])),
            "message.teleported, x",
        ),
        (with("events", json!([])), "events"),
        (with("url", json!("http://10.0.0.8/hook")), "private"),
        (
            with("url", json!("http://169.254.169.254/latest/meta-data/")),
            "link-local",
        ),
        (with("url", json!("http://[fd00::1]/")), "unique-local"),
        (with("url", json!("http://100.64.1.1/")), "carrier-grade"),
        (with("url", json!("http://[::ffff:127.0.0.1]/")), "embedding"),
        (with("url", json!("http://224.0.0.1/")), "multicast"),
        (with("url", json!("ftp://example.com/")), "url"),
        (with("url", json!("https://user:pw@example.com/")), "user name"),
        (with("url", json!("https://no-such-host.invalid/")), "does not resolve"),
        (
            with("url", json!(format!("https://example.com/{}", "a".repeat(2_100)))),
            "2048",
        ),
        (with("name", json!("n".repeat(101))), "name"),
        (with("name", json!("   ")), "name"),
    ];
    for (body, named) in cases {
        let (status, answer) = call(&fx, "POST", "/v1/webhooks", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{message} should name {named}");
    }
    let (status, _) = call(
        &fx,
        "POST",
        "/v1/webhooks",
        Some(with("account_id", json!("acc_notours"))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&fx, "POST", "/v1/webhooks", Some(with("secret", json!("mine")))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "unknown fields are refused");
    let listed = fx.call("GET", "/v1/webhooks", Some(&fx.a.key), None).await.1;
    assert!(listed["data"].as_array().unwrap().is_empty(), "nothing stored");

    // A refused change to a stored endpoint changes nothing.
    let created = call(&fx, "POST", "/v1/webhooks", Some(good.clone())).await.1;
    let id = created["id"].as_str().unwrap();
    let (status, answer) = call(
        &fx,
        "PATCH",
        &format!("/v1/webhooks/{id}"),
        Some(json!({"url": "http://192.168.0.1/"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let kept = call(&fx, "GET", &format!("/v1/webhooks/{id}"), None).await.1;
    assert_eq!(
        kept["url"], "http://127.0.0.1:9/hook",
        "a refused change changes nothing"
    );
}

#[tokio::test]
async fn the_client_refuses_loopback_again_at_connection_on_a_deployed_stack() {
    let deployed = SafeHttpClient::new(Reach { allow_loopback: false });
    let call = |url| Call {
        url,
        headers: vec![("content-type", "application/json".into())],
        body: b"{}",
    };
    // A name that resolves to loopback: the resolver refuses it before any connection.
    let named = deployed.post(call("https://localhost:9/hook")).await;
    assert!(
        matches!(&named.answer, Answer::Refused { reason } if reason.contains("loopback")),
        "{named:?}"
    );
    let literal = deployed.post(call("https://127.0.0.1:9/hook")).await;
    assert!(matches!(literal.answer, Answer::Refused { .. }), "{literal:?}");
    let plain = deployed.post(call("http://8.8.8.8/hook")).await;
    assert!(matches!(plain.answer, Answer::Refused { .. }), "{plain:?}");
    // Loopback allowed (local stacks): a closed port is no answer, and not an unknown outcome.
    let local = SafeHttpClient::new(Reach { allow_loopback: true });
    let closed = local.post(call("http://127.0.0.1:9/hook")).await;
    assert!(
        matches!(closed.answer, Answer::NoAnswer { unknown: false, .. }),
        "{closed:?}"
    );
}
