//! An admin's walk through the keyword bot's routes.

use super::*;

#[tokio::test]
async fn scenarios_templates_blocks_and_the_bot_pause_from_creation_to_deletion() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    let template = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/scenario-templates",
            a,
            Some(json!({"name": "Shoes", "catalog_id": "1234", "header": "Our shoes",
                "sections": [{"title": "Running", "product_retailer_ids": ["sku-1", "sku-2"]}]})),
        )
        .await;
    let template_id = template["id"].as_str().unwrap();
    let template_path = format!("/v1/scenario-templates/{template_id}");
    // A product list needs a header; more than 30 products is past Meta's limit.
    for (body, field) in [
        (json!({"header": ""}), "header"),
        (
            json!({"sections": [{"title": "All", "product_retailer_ids": (0..31).map(|i| format!("s{i}")).collect::<Vec<_>>()}]}),
            "sections",
        ),
    ] {
        let (status, refused) = w.call("PATCH", &template_path, a, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["error"]["message"].as_str().unwrap().starts_with(field),
            "{refused}"
        );
    }
    let catalog = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &template_path,
            a,
            Some(json!({"sections": [], "thumbnail_product_retailer_id": "sku-1"})),
        )
        .await;
    assert_eq!(catalog["thumbnail_product_retailer_id"], "sku-1");
    w.expect(StatusCode::OK, "GET", &template_path, a, None).await;
    let templates = w.expect(StatusCode::OK, "GET", "/v1/scenario-templates", a, None).await;
    assert_eq!(templates["data"].as_array().unwrap().len(), 1);

    let scenario = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/scenarios",
            a,
            Some(json!({"title": "Shop", "keywords": ["shop"], "repeat_count": 2, "start_item_id": "menu",
                "items": [
                    {"id": "menu", "kind": "buttons", "label": "What would you like?", "children": ["see"]},
                    {"id": "see", "kind": "products", "title": "See the shoes", "label": "Here they are", "template_id": template_id}
                ]})),
        )
        .await;
    assert_eq!(
        (scenario["type"].clone(), scenario["repeat_count"].clone()),
        (json!("generic"), json!(2))
    );
    let id = scenario["id"].as_str().unwrap();
    let path = format!("/v1/scenarios/{id}");
    // A client scenario names its number; a template in use is not deleted.
    let (status, _) = w.call("PATCH", &path, a, Some(json!({"type": "client"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let client = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &path,
            a,
            Some(json!({"type": "client", "account_id": f.a.account.account_id, "repeat_count": 0})),
        )
        .await;
    assert_eq!(
        (client["account_id"].as_str(), client["repeat_count"].clone()),
        (Some(f.a.account.account_id.as_str()), json!(0))
    );
    let (status, in_use) = w.call("DELETE", &template_path, a, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{in_use}");
    w.expect(StatusCode::OK, "GET", &path, a, None).await;
    let listed = w.expect(StatusCode::OK, "GET", "/v1/scenarios", a, None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    f.inbound(&f.a, "wamid.bot.walk", now()).await;
    let conversation_id = f.conversation_id(&f.a).await;
    let (_, conversation) = w
        .call("GET", &format!("/v1/conversations/{conversation_id}"), a, None)
        .await;
    let contact_id = conversation["contact"]["id"].as_str().unwrap().to_string();
    let blocked_path = format!("/v1/contacts/{contact_id}/blocked-scenarios");
    let blocked = w
        .expect(
            StatusCode::OK,
            "PUT",
            &blocked_path,
            a,
            Some(json!({"scenario_ids": [id, id]})),
        )
        .await;
    assert_eq!(blocked["scenario_ids"], json!([id]), "once each");
    let read = w.expect(StatusCode::OK, "GET", &blocked_path, a, None).await;
    assert_eq!(read["scenario_ids"], json!([id]));
    let paused = w
        .expect(
            StatusCode::OK,
            "PUT",
            &format!("/v1/conversations/{conversation_id}/bot"),
            a,
            Some(json!({"paused": true})),
        )
        .await;
    assert_eq!(paused["paused"], true);
    let (_, shown) = w
        .call("GET", &format!("/v1/conversations/{conversation_id}"), a, None)
        .await;
    assert_eq!(shown["bot_paused"], true);
    let triaged = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/conversations/{conversation_id}"),
            a,
            Some(json!({"priority": "high"})),
        )
        .await;
    assert_eq!(
        (triaged["priority"].clone(), triaged["bot_paused"].clone()),
        (json!("high"), json!(true))
    );
    let runs = w.expect(StatusCode::OK, "GET", "/v1/bot-runs", a, None).await;
    assert!(runs["data"].as_array().unwrap().is_empty());

    w.expect(StatusCode::NO_CONTENT, "DELETE", &path, a, None).await;
    w.expect(StatusCode::NO_CONTENT, "DELETE", &template_path, a, None)
        .await;
    let (status, _) = w.call("GET", &path, a, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    w.done();
}
