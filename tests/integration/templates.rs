//! Templates end to end: created on the fake Graph API, reviewed by its signed webhook through the
//! webhook and ingest functions, synced, deleted, and checked before any send reaches Meta.

use fake_graph::{FakeTemplate, Review};
use integration_tests::outreach::{OutreachFixture, outbox_of};
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn order_update() -> Value {
    json!([
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#12"]}},
        {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.", "example": {"body_text": [["Ada", "#12"]]}},
        {"type": "FOOTER", "text": "Reply STOP to opt out"}
    ])
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_created_template_is_reviewed_by_webhook_and_checked_before_sends() {
    let f = Fixture::new().await;
    let id = f
        .approved_template(&f.a, "order_update", "UTILITY", order_update())
        .await;
    let on_meta = f.graph.templates_of(&f.a.account.waba_id);
    assert_eq!(on_meta.len(), 1);
    assert_eq!(
        on_meta[0].components,
        order_update(),
        "Meta got the components as written"
    );
    let (_, template) = f
        .call("GET", &format!("/v1/templates/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(template["variables"], json!(["1", "2", "header.1"]));
    assert_eq!(template["meta_template_id"], on_meta[0].id.as_str());

    f.inbound(&f.a, "wamid.t1", now()).await;
    let conversation = f.conversation_id(&f.a).await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let send = |components: Value, name: &str| {
        json!({"type": "template", "content": {"name": name, "language": "en_US", "components": components}})
            .to_string()
    };
    let text = |t: &str| json!({"type": "text", "text": t});
    let header = json!({"type": "header", "parameters": [text("#12")]});
    let good = send(
        json!([header, {"type": "body", "parameters": [text("Ada"), text("#12")]}]),
        "order_update",
    );
    let (status, sent) = f.call("POST", &path, Some(&f.a.key), Some(&good)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");

    let cases = [
        (
            send(
                json!([header, {"type": "body", "parameters": [text("Ada")]}]),
                "order_update",
            ),
            "body: missing parameter {{2}}",
        ),
        (
            send(
                json!([header, {"type": "body", "parameters": [text("Ada"), text("#12"), text("x")]}]),
                "order_update",
            ),
            "body: unexpected parameter {{3}}",
        ),
        (
            send(
                json!([{"type": "body", "parameters": [text("Ada"), text("#12")]}]),
                "order_update",
            ),
            "header: missing parameter {{1}}",
        ),
    ];
    for (body, says) in cases {
        let (status, answer) = f.call("POST", &path, Some(&f.a.key), Some(&body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message} should say {says}");
    }
    // A template that does not exist is a missing resource: 404 naming it, for a send and for a
    // scheduled send alike.
    let scheduled_path = path.replace("/messages", "/scheduled-messages");
    let in_an_hour = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let mut scheduled: Value = serde_json::from_str(&send(json!([]), "no_such_template")).unwrap();
    scheduled["scheduled_at"] = json!(in_an_hour);
    for (route, body) in [
        (&path, send(json!([]), "no_such_template")),
        (&scheduled_path, scheduled.to_string()),
    ] {
        let (status, answer) = f.call("POST", route, Some(&f.a.key), Some(&body)).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("template_not_found")),
            "{route}: {answer}"
        );
        assert!(answer["error"]["message"].as_str().unwrap().starts_with("content.name"));
    }
    assert_eq!(f.graph.sent().len(), 0, "nothing refused here reached Meta");

    // A rejected template answers 422 with its status, and shows Meta's reason.
    f.graph.review_templates(Review {
        webhooks: outbox_of(&f.a, "a"),
        delay: Duration::from_millis(20),
        verdict: "REJECTED".into(),
        reason: "INVALID_FORMAT".into(),
    });
    let rejected = json!({"account_id": f.a.account.account_id, "name": "promo", "category": "MARKETING", "language": "en_US",
        "components": [{"type": "BODY", "text": "Sale!"}]});
    let (status, created) = f
        .call("POST", "/v1/templates", Some(&f.a.key), Some(&rejected.to_string()))
        .await;
    assert_eq!(
        (status, created["status"].as_str()),
        (StatusCode::CREATED, Some("PENDING"))
    );
    let (status, answer) = f
        .call("POST", &path, Some(&f.a.key), Some(&send(json!([]), "promo")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer["error"]["code"], "template_not_approved",
        "pending is not approved"
    );
    assert!(f.deliver_webhooks_soon(&f.a).await > 0);
    let (_, promo) = f
        .call(
            "GET",
            &format!("/v1/templates/{}", created["id"].as_str().unwrap()),
            Some(&f.a.key),
            None,
        )
        .await;
    assert_eq!(
        (promo["status"].as_str(), promo["status_reason"].as_str()),
        (Some("REJECTED"), Some("INVALID_FORMAT"))
    );
    let (status, answer) = f
        .call("POST", &path, Some(&f.a.key), Some(&send(json!([]), "promo")))
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("template_not_approved"))
    );

    // The other organization sees none of it.
    let (status, _) = f
        .call("GET", &format!("/v1/templates/{id}"), Some(&f.b.key), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = f
        .call("DELETE", &format!("/v1/templates/{id}"), Some(&f.b.key), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = f.call("GET", "/v1/templates", Some(&f.b.key), None).await;
    assert_eq!(listed["data"], json!([]));
    let sync_a = json!({"account_id": f.a.account.account_id}).to_string();
    let (status, _) = f
        .call("POST", "/v1/templates/sync", Some(&f.b.key), Some(&sync_a))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another org's account");
}

#[tokio::test]
async fn sync_pulls_every_page_and_delete_reaches_meta() {
    let f = Fixture::new().await;
    let waba = f.a.account.waba_id.clone();
    for i in 0..130 {
        f.graph.add_template(FakeTemplate {
            id: format!("{}", 9_000_000 + i),
            waba_id: waba.clone(),
            name: format!("made_in_manager_{i}"),
            language: "en_US".into(),
            category: "MARKETING".into(),
            status: "APPROVED".into(),
            components: json!([{"type": "BODY", "text": "Hello {{1}}", "example": {"body_text": [["x"]]}}]),
            parameter_format: "POSITIONAL".into(),
        });
    }
    let sync = json!({"account_id": f.a.account.account_id}).to_string();
    let (status, synced) = f.call("POST", "/v1/templates/sync", Some(&f.a.key), Some(&sync)).await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(
        (synced["total"].as_u64(), synced["removed"].as_u64()),
        (Some(130), Some(0)),
        "two Graph pages"
    );
    let mut seen = 0;
    let mut cursor = String::new();
    loop {
        let (_, page) = f
            .call(
                "GET",
                &format!("/v1/templates?limit=100&cursor={cursor}"),
                Some(&f.a.key),
                None,
            )
            .await;
        seen += page["data"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 130);

    // Deleted here: gone on Meta and here. Deleted in the manager: the next sync removes it.
    let id = shared::outreach::template::template_id(&waba, "made_in_manager_0", "en_US");
    let (status, _) = f
        .call("DELETE", &format!("/v1/templates/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(f.graph.templates_of(&waba).len(), 129);
    let (status, _) = f
        .call("GET", &format!("/v1/templates/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let gone_on_meta = f.graph.templates_of(&waba)[0].clone();
    f.graph.remove_template(&waba, &gone_on_meta.name, "en_US");
    let (_, synced) = f.call("POST", "/v1/templates/sync", Some(&f.a.key), Some(&sync)).await;
    assert_eq!(
        (synced["total"].as_u64(), synced["removed"].as_u64()),
        (Some(128), Some(1))
    );
    let gone = shared::outreach::template::template_id(&waba, &gone_on_meta.name, "en_US");
    let (status, _) = f
        .call("GET", &format!("/v1/templates/{gone}"), Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_definitions_are_refused_naming_the_part() {
    let f = Fixture::new().await;
    let account = f.a.account.account_id.clone();
    let body = |name: &str, components: Value| {
        json!({"account_id": account, "name": name, "category": "UTILITY", "language": "en_US", "components": components}).to_string()
    };
    let cases = [
        (body("Order Update", json!([{"type": "BODY", "text": "x"}])), "name"),
        (body("t", json!([{"type": "BODY", "text": "Hi {{1}}"}])), "components[0].example.body_text"),
        (body("t", json!([{"type": "BODY", "text": "Hi {{1}} {{3}}", "example": {"body_text": [["a", "b"]]}}])), "components[0].text"),
        (body("t", json!([{"type": "FOOTER", "text": "x"}])), "components"),
        (body("t", json!([{"type": "BODY", "text": "x"}, {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Go", "url": "https://a.example/{{1}}"}]}])), "components[1].buttons[0].example"),
        (
            json!({"account_id": account, "name": "t", "category": "PROMO", "language": "en_US", "components": [{"type": "BODY", "text": "x"}]}).to_string(),
            "category",
        ),
    ];
    for (request, field) in cases {
        let (status, answer) = f.call("POST", "/v1/templates", Some(&f.a.key), Some(&request)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{request}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.starts_with(field), "{message} should name {field}");
    }
    assert!(
        f.graph.templates_of(&f.a.account.waba_id).is_empty(),
        "nothing invalid reached Meta"
    );
    let unknown = json!({"account_id": "acc_nope", "name": "t", "category": "UTILITY", "language": "en", "components": [{"type": "BODY", "text": "x"}]});
    let (status, _) = f
        .call("POST", "/v1/templates", Some(&f.a.key), Some(&unknown.to_string()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let good = body("welcome", json!([{"type": "BODY", "text": "Welcome"}]));
    let (status, _) = f.call("POST", "/v1/templates", Some(&f.a.key), Some(&good)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, answer) = f.call("POST", "/v1/templates", Some(&f.a.key), Some(&good)).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("template_exists"))
    );
}

#[tokio::test]
async fn the_six_hourly_tick_pulls_every_accounts_templates() {
    let f = Fixture::new().await;
    f.graph.add_template(FakeTemplate {
        id: "777".into(),
        waba_id: f.a.account.waba_id.clone(),
        name: "made_elsewhere".into(),
        language: "de".into(),
        category: "UTILITY".into(),
        status: "APPROVED".into(),
        components: json!([{"type": "BODY", "text": "Hallo"}]),
        parameter_format: "POSITIONAL".into(),
    });
    let not_yet = f
        .campaigns()
        .tick(&json!({"time": "2026-11-30T07:00:00Z"}))
        .await
        .unwrap();
    assert_eq!(not_yet.synced, 0);
    let (_, listed) = f.call("GET", "/v1/templates", Some(&f.a.key), None).await;
    assert_eq!(listed["data"], json!([]));
    let synced = f
        .campaigns()
        .tick(&json!({"time": "2026-11-30T12:00:10Z"}))
        .await
        .unwrap();
    assert!(synced.synced >= 2, "both organizations' WABAs: {synced:?}");
    for key in [&f.a.key, &f.b.key] {
        let (_, listed) = f.call("GET", "/v1/templates", Some(key), None).await;
        assert_eq!(
            listed["data"][0]["name"], "made_elsewhere",
            "each org gets its WABA's templates"
        );
    }
}

#[tokio::test]
async fn a_template_sync_pass_goes_a_page_of_accounts_per_tick_until_every_one_is_synced() {
    let f = Fixture::new().await;
    // With the fixture's two, one more account than a tick takes.
    for _ in 0..(campaigns::SYNC_PAGE - 1) {
        f.stack
            .tenant_with_key(&unique_phone_number_id(), "sync-secret", "sync-verify-token")
            .await;
    }
    let tick = |time: &'static str| {
        let f = &f;
        async move { f.campaigns().tick(&json!({"time": time})).await.unwrap().synced }
    };
    assert_eq!(
        tick("2026-11-30T12:00:10Z").await,
        campaigns::SYNC_PAGE as u32,
        "the first page"
    );
    assert_eq!(
        tick("2026-11-30T12:01:10Z").await,
        1,
        "the next tick goes on where it stopped"
    );
    assert_eq!(tick("2026-11-30T12:02:10Z").await, 0, "the pass is over");
    assert_eq!(
        tick("2026-11-30T18:00:10Z").await,
        campaigns::SYNC_PAGE as u32,
        "the next pass"
    );
}
