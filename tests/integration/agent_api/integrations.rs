use super::*;

/// Outgoing webhooks through every route, as an admin; an agent may read none of it.
#[tokio::test]
async fn outgoing_webhooks_from_creation_to_deletion() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let codes = w.expect(StatusCode::OK, "GET", "/v1/permissions", key, None).await;
    let manage = codes["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "webhooks.manage")
        .expect("the webhooks' codes are listed");
    assert_eq!(
        (manage["category"].as_str(), manage["name"].as_str()),
        (Some("webhooks"), Some("Webhooks: manage"))
    );
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/webhooks",
            key,
            Some(json!({"name": "CRM", "url": "http://127.0.0.1:9/hook", "events": ["message.received", "message.received"]})),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["events"], json!(["message.received"]), "once each");
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let list = w.expect(StatusCode::OK, "GET", "/v1/webhooks", key, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let one = w
        .expect(StatusCode::OK, "GET", &format!("/v1/webhooks/{id}"), key, None)
        .await;
    assert!(one.get("secret").is_none());
    let changed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            key,
            Some(json!({"events": ["message.status", "csat.rated"], "account_id": f.a.account.account_id})),
        )
        .await;
    assert_eq!(changed["events"], json!(["csat.rated", "message.status"]));
    assert_eq!(changed["account_id"], f.a.account.account_id.as_str());
    let cleared = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            key,
            Some(json!({"account_id": ""})),
        )
        .await;
    assert!(cleared["account_id"].is_null());

    let test = w
        .expect(
            StatusCode::ACCEPTED,
            "POST",
            &format!("/v1/webhooks/{id}/test"),
            key,
            None,
        )
        .await;
    let delivery = test["id"].as_str().unwrap().to_string();
    let log = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/webhooks/{id}/deliveries?status=pending"),
            key,
            None,
        )
        .await;
    assert_eq!(log["data"][0]["id"], delivery.as_str());
    let read = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/webhooks/{id}/deliveries/{delivery}"),
            key,
            None,
        )
        .await;
    assert_eq!(read["payload"]["type"], "webhook.test");
    // Never queued further than the queue: a pending delivery may be queued again.
    w.expect(
        StatusCode::ACCEPTED,
        "POST",
        &format!("/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
        key,
        None,
    )
    .await;
    let bulk = w
        .expect(
            StatusCode::ACCEPTED,
            "POST",
            &format!("/v1/webhooks/{id}/redeliver-failed"),
            key,
            Some(json!({"since": "2026-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(
        (bulk["redelivered"].as_u64(), bulk["more"].as_bool()),
        (Some(0), Some(false))
    );
    let rotated = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/webhooks/{id}/rotate-secret"),
            key,
            None,
        )
        .await;
    assert_ne!(rotated["secret"], created["secret"]);

    let ada = agent(&w, key, "hooks-agent@example.com", "agent").await;
    let agent_key = key_for(&w, key, &ada, json!(["*"])).await;
    for (method, path) in [
        ("GET", "/v1/webhooks".to_string()),
        ("GET", format!("/v1/webhooks/{id}/deliveries")),
    ] {
        let (status, _) = w.call(method, &path, &agent_key, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/webhooks/{id}"),
        key,
        None,
    )
    .await;
    w.expect(StatusCode::NOT_FOUND, "GET", &format!("/v1/webhooks/{id}"), key, None)
        .await;
    w.done();
}
