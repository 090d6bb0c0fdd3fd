//! Richer sends through the agent API to the fake Graph API: interactive messages, locations and
//! media by link in Meta's shapes, Meta's limits refused before anything is stored, and every
//! message's origin.

use super::*;

#[tokio::test]
async fn buttons_lists_products_locations_and_linked_media_reach_meta_in_its_shapes_with_their_origin() {
    let mut f = Fixture::new().await;
    let graph = f.stack.fake_graph().await;
    let key = f.a.key.clone();
    f.inbound(&f.a, "wamid.rich", now()).await;
    let conv = f.conversation_id(&f.a).await;
    let path = format!("/v1/conversations/{conv}/messages");
    let sends = [
        json!({"type": "buttons", "content": {"header": "Hi!", "body": "How can we help?", "buttons": [
            {"id": "order", "title": "My order"}, {"id": "human", "title": "A person"}]}}),
        json!({"type": "list", "content": {"body": "Pick a topic", "button": "Topics", "sections": [
            {"title": "Orders", "rows": [{"id": "track", "title": "Track", "description": "Where is it?"}]},
            {"title": "Shop", "rows": [{"id": "hours", "title": "Opening hours"}]}]}}),
        json!({"type": "product_list", "content": {"header": "Shoes", "body": "Our picks", "catalog_id": "1234",
            "sections": [{"title": "Running", "product_retailer_ids": ["sku-1", "sku-2"]}]}}),
        json!({"type": "location", "content": {"latitude": 48.8584, "longitude": 2.2945, "name": "Shop"}}),
        json!({"type": "image", "content": {"link": "https://cdn.example.com/menu.jpg", "caption": "Menu"}}),
    ];
    for send in &sends {
        let (status, body) = f.call("POST", &path, Some(&key), Some(&send.to_string())).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{send}: {body}");
        assert_eq!(body["origin"], "agent", "{body}");
        assert!(
            body["origin_id"].as_str().is_some_and(|id| id.starts_with("agt_")),
            "the sending agent: {body}"
        );
    }
    // Meta's limits are checked before anything is stored: 422 naming the field.
    let refused = [
        (
            json!({"type": "buttons", "content": {"body": "b", "buttons": [
            {"id": "1", "title": "a"}, {"id": "2", "title": "b"}, {"id": "3", "title": "c"}, {"id": "4", "title": "d"}]}}),
            "content.buttons",
        ),
        (
            json!({"type": "list", "content": {"body": "b", "button": "Pick", "sections": [
            {"rows": (0..11).map(|i| json!({"id": format!("r{i}"), "title": "row"})).collect::<Vec<_>>()}]}}),
            "content.sections",
        ),
        (
            json!({"type": "image", "content": {"link": "http://cdn.example.com/a.jpg"}}),
            "content.link",
        ),
        (
            json!({"type": "location", "content": {"latitude": 123, "longitude": 0}}),
            "content.latitude",
        ),
    ];
    for (send, field) in &refused {
        let (status, body) = f.call("POST", &path, Some(&key), Some(&send.to_string())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{send}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().starts_with(field), "{body}");
    }
    assert_eq!(f.send_queued().await, sends.len());
    let sent = graph.sent();
    let kinds: Vec<(String, String)> = sent
        .iter()
        .map(|s| {
            (
                s.body["type"].as_str().unwrap_or_default().to_string(),
                s.body["interactive"]["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for expected in [
        ("interactive", "button"),
        ("interactive", "list"),
        ("interactive", "product_list"),
        ("location", ""),
        ("image", ""),
    ] {
        assert!(
            kinds.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {kinds:?}"
        );
    }
    let list = sent.iter().find(|s| s.body["interactive"]["type"] == "list").unwrap();
    assert_eq!(
        list.body["interactive"]["action"]["sections"][0]["rows"][0]["description"],
        "Where is it?"
    );
    let image = sent.iter().find(|s| s.body["type"] == "image").unwrap();
    assert_eq!(image.body["image"]["link"], "https://cdn.example.com/menu.jpg");
    // Every message says where it came from: the customer's, then the agent's sends.
    let shown = f.messages(&f.a, &conv).await;
    let origins: Vec<&str> = shown.iter().map(|m| m["origin"].as_str().unwrap()).collect();
    assert_eq!(
        origins.iter().filter(|o| **o == "agent").count(),
        sends.len(),
        "{origins:?}"
    );
    assert_eq!(origins.last(), Some(&"customer"));
}
