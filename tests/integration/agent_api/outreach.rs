use super::*;

/// Templates (created on Meta, the fake; listed, read, synced, deleted) and campaigns (created,
/// changed, given recipients, started, paused, resumed, cancelled, deleted).
#[tokio::test]
async fn templates_and_campaigns_from_creation_to_deletion() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let acc = f.a.account.account_id.as_str();
    // Templates: create on Meta (the fake), list, read, sync, delete.
    let template = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/templates",
            key,
            Some(
                json!({"account_id": acc, "name": "walk", "category": "UTILITY", "language": "en",
                "components": [{"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ada"]]}}]}),
            ),
        )
        .await;
    let template_id = template["id"].as_str().unwrap().to_string();
    let templates = w.expect(StatusCode::OK, "GET", "/v1/templates", key, None).await;
    assert_eq!(templates["data"][0]["id"], template_id.as_str());
    w.expect(
        StatusCode::OK,
        "GET",
        &format!("/v1/templates/{template_id}"),
        key,
        None,
    )
    .await;
    let synced = w
        .expect(
            StatusCode::OK,
            "POST",
            "/v1/templates/sync",
            key,
            Some(json!({"account_id": acc})),
        )
        .await;
    assert_eq!(synced["total"], 1);
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/templates/{template_id}"),
        key,
        None,
    )
    .await;

    // Campaigns: create, read, change, recipients, start, pause, resume, cancel, delete.
    let approved = f
        .approved_template(
            &f.a,
            "walk_campaign",
            "UTILITY",
            json!([{"type": "BODY", "text": "Hello"}]),
        )
        .await;
    let campaign = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/campaigns",
            key,
            Some(json!({"name": "Walk", "template_id": approved})),
        )
        .await;
    let cmp = campaign["id"].as_str().unwrap().to_string();
    let campaigns = w.expect(StatusCode::OK, "GET", "/v1/campaigns", key, None).await;
    assert_eq!(campaigns["data"][0]["id"], cmp.as_str());
    w.expect(StatusCode::OK, "GET", &format!("/v1/campaigns/{cmp}"), key, None)
        .await;
    let renamed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/campaigns/{cmp}"),
            key,
            Some(json!({"name": "Walked"})),
        )
        .await;
    assert_eq!(renamed["name"], "Walked");
    let added = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/campaigns/{cmp}/recipients"),
            key,
            Some(json!({"phone_numbers": ["+16505550199"]})),
        )
        .await;
    assert_eq!(added["added"], 1);
    let recipients = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/campaigns/{cmp}/recipients"),
            key,
            None,
        )
        .await;
    assert_eq!(recipients["data"][0]["status"], "pending");
    for (command, status) in [
        ("start", "in_progress"),
        ("pause", "paused"),
        ("resume", "in_progress"),
        ("cancel", "cancelled"),
    ] {
        let moved = w
            .expect(
                StatusCode::OK,
                "POST",
                &format!("/v1/campaigns/{cmp}/{command}"),
                key,
                None,
            )
            .await;
        assert_eq!(moved["status"], status);
    }
    let draft = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/campaigns",
            key,
            Some(json!({"name": "Gone", "template_id": approved})),
        )
        .await;
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/campaigns/{}", draft["id"].as_str().unwrap()),
        key,
        None,
    )
    .await;

    w.done();
}
