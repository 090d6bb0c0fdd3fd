//! Security against moto: what a key may hand out, secrets at rest, what the template grants.

use crate::agent_api::{Walk, agent, key_for};
use crate::api::Fixture;
use lambda_http::http::StatusCode;
use serde_json::json;

/// Creates a key with `creator` asking for `scopes` (and optionally for another agent).
async fn mint(
    w: &Walk<'_>,
    creator: &str,
    scopes: Option<serde_json::Value>,
    agent_id: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut body = json!({"name": "minted"});
    if let Some(scopes) = scopes {
        body["scopes"] = scopes;
    }
    if let Some(agent_id) = agent_id {
        body["agent_id"] = json!(agent_id);
    }
    w.call("POST", "/v1/api-keys", creator, Some(body)).await
}

#[tokio::test]
async fn no_key_mints_a_key_holding_more_than_it_holds() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let admin = f.a.key.as_str();
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", admin, None).await;
    let admin_id = me["agent"]["id"].as_str().unwrap().to_string();
    let plain = agent(&w, admin, "plain@example.com", "agent").await;

    // An admin's key that may only manage its own keys.
    let own_only = key_for(&w, admin, &admin_id, json!(["api_keys.own"])).await;
    for scopes in [
        json!(["*"]),
        json!(["api_keys.*"]),
        json!(["conversations.read"]),
        json!(["api_keys.own", "agents.manage"]),
    ] {
        let (status, body) = mint(&w, &own_only, Some(scopes.clone()), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{scopes}: {body}");
        assert_eq!(body["error"]["code"], "scope_not_held");
        assert!(
            body["error"]["message"].as_str().unwrap().starts_with("scopes"),
            "{body}"
        );
    }
    // What it holds it may pass on; without scopes the new key copies the creator's.
    let (status, body) = mint(&w, &own_only, Some(json!(["api_keys.own"])), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = mint(&w, &own_only, None, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["scopes"], json!(["api_keys.own"]));
    let copied = body["plaintext_key"].as_str().unwrap();
    let (status, _) = w.call("GET", "/v1/conversations", copied, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the copy holds no more than its creator");

    // A key that may manage every agent's keys still cannot mint `*` for another agent.
    let manager = key_for(
        &w,
        admin,
        &admin_id,
        json!(["api_keys.own", "api_keys.manage", "conversations.read"]),
    )
    .await;
    let (status, body) = mint(&w, &manager, Some(json!(["*"])), Some(&plain)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_not_held"))
    );
    let (status, body) = mint(&w, &manager, Some(json!(["conversations.reply"])), Some(&plain)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = mint(&w, &manager, Some(json!(["conversations.read"])), Some(&plain)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // An agent's `*` key may pass `*` on, but not name what its role lacks.
    let agent_star = key_for(&w, admin, &plain, json!(["*"])).await;
    let (status, body) = mint(&w, &agent_star, Some(json!(["*"])), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = mint(&w, &agent_star, Some(json!(["agents.manage"])), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_not_held"))
    );
    // The admin's `*` key may grant anything.
    let (status, body) = mint(&w, admin, Some(json!(["*"])), Some(&plain)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
