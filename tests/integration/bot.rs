//! The keyword bot end to end on moto and the fake Graph API: scenarios written through the API, a
//! customer's messages through ingest, the bus rule and the automation function, the bot's
//! messages through the sender to Meta's wire shapes; each once however often an event comes.

use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

async fn scenario(f: &Fixture, body: Value) -> String {
    let (status, created) = f
        .call("POST", "/v1/scenarios", Some(&f.a.key), Some(&body.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_string()
}

fn welcome() -> Value {
    json!({"title": "Welcome", "keywords": ["hello", "hi"], "repeat_count": 1, "start_item_id": "welcome",
    "items": [
        {"id": "welcome", "kind": "buttons", "label": "Welcome! How can we help?", "children": ["shop", "hours"]},
        {"id": "shop", "kind": "list", "title": "Shop", "label": "What are you looking for?", "button": "Departments",
            "children": ["shoes", "bags"]},
        {"id": "hours", "kind": "text", "title": "Opening hours", "label": "We open 9 to 18."},
        {"id": "shoes", "kind": "text", "title": "Shoes", "description": "sizes 36-46", "label": "Shoes: sizes 36 to 46.",
            "children": ["shoes_photo"]},
        {"id": "shoes_photo", "kind": "image", "label": "Our best seller", "url": "https://cdn.example.com/shoes.jpg"},
        {"id": "bags", "kind": "text", "title": "Bags", "label": "Bags: leather and canvas."}
    ]})
}

struct Walk {
    f: Fixture,
    automation: automation::AutomationService,
    n: i64,
    delivered: Vec<aws_sdk_sqs::types::Message>,
}

impl Walk {
    /// The customer sends `kind` (`body` under it); everything runs; answers what Meta got.
    async fn customer(&mut self, kind: &str, body: Value) -> Vec<Value> {
        self.n += 1;
        let before = self.f.graph.sent().len();
        let at = chrono::Utc::now().timestamp() + self.n;
        let response = self
            .f
            .customer_sends(&self.f.a, &format!("wamid.bot.{}", self.n), at, kind, body)
            .await;
        assert!(response.batch_item_failures.is_empty());
        self.delivered.extend(self.f.automate_queued(&self.automation).await);
        self.f.send_queued().await;
        self.f.graph.sent()[before..].iter().map(|s| s.body.clone()).collect()
    }

    async fn says(&mut self, text: &str) -> Vec<Value> {
        self.customer("text", json!({"body": text})).await
    }

    async fn presses(&mut self, reply: &str, id: &str, title: &str) -> Vec<Value> {
        self.customer("interactive", json!({"type": reply, reply: {"id": id, "title": title}}))
            .await
    }

    async fn runs(&self) -> Vec<Value> {
        let (_, runs) = self.f.call("GET", "/v1/bot-runs", Some(&self.f.a.key), None).await;
        runs["data"].as_array().unwrap().clone()
    }
}

fn choice(sent: &Value, title: &str) -> String {
    let interactive = &sent["interactive"];
    let choices: Vec<&Value> = match interactive["type"].as_str() {
        Some("button") => interactive["action"]["buttons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| &b["reply"])
            .collect(),
        _ => interactive["action"]["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["rows"].as_array().unwrap())
            .collect(),
    };
    let found = choices
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("{title} in {sent}"));
    found["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn hello_walks_buttons_a_list_and_a_row_to_a_text_and_an_image_once_each() {
    let f = Fixture::new().await;
    let a = f.a.key.clone();
    // A broken graph is refused, naming the item; nothing stored.
    let mut cycle = welcome();
    cycle["items"][5]["children"] = json!(["welcome"]);
    let mut crowded = welcome();
    crowded["items"][0]["children"] = json!(["shop", "hours", "shoes", "bags"]);
    let mut missing = welcome();
    missing["items"][1]["children"] = json!(["shoes", "ghost"]);
    for (body, field) in [
        (cycle, "items"),
        (crowded, "items[0].children"),
        (missing, "items[1].children"),
    ] {
        let (status, refused) = f.call("POST", "/v1/scenarios", Some(&a), Some(&body.to_string())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["error"]["message"].as_str().unwrap().starts_with(field),
            "{refused}"
        );
    }
    let welcome_id = scenario(&f, welcome()).await;
    let menu_id = scenario(
        &f,
        json!({"title": "Menu", "keywords": ["menu"], "start_item_id": "menu",
            "items": [{"id": "menu", "kind": "text", "label": "Today: soup."}]}),
    )
    .await;
    scenario(
        &f,
        json!({"title": "Hours", "keywords": ["opening hours"], "start_item_id": "hours",
            "items": [{"id": "hours", "kind": "text", "label": "We open 9 to 18."}]}),
    )
    .await;
    let (_, listed) = f.call("GET", "/v1/scenarios", Some(&a), None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 3);
    let automation = f.automation();
    let mut walk = Walk {
        f,
        automation,
        n: 0,
        delivered: vec![],
    };

    let sent = walk.says("Hello!").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["interactive"]["type"], "button");
    let sent = walk.presses("button_reply", &choice(&sent[0], "Shop"), "Shop").await;
    assert_eq!(sent[0]["interactive"]["type"], "list", "{sent:?}");
    assert_eq!(sent[0]["interactive"]["action"]["button"], "Departments");
    let sent = walk.presses("list_reply", &choice(&sent[0], "Shoes"), "Shoes").await;
    let kinds: Vec<&str> = sent.iter().map(|s| s["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 2, "{sent:?}");
    assert!(kinds.contains(&"text") && kinds.contains(&"image"), "{kinds:?}");

    // Every event delivered again, as SQS may: nothing is sent twice.
    let before = walk.f.graph.sent().len();
    let again = automation::AutomationService::process(
        &walk.f.automation(),
        integration_tests::outreach::sqs_event_of(&walk.delivered),
    )
    .await;
    assert!(again.0.batch_item_failures.is_empty());
    walk.f.send_queued().await;
    assert_eq!(walk.f.graph.sent().len(), before, "redelivery sent nothing");

    // Past repeat_count, the keyword gets nothing; the run log says why.
    assert!(walk.says("hello").await.is_empty());
    assert!(walk.runs().await[0]["results"].to_string().contains("repeat_count"));

    // A blocked scenario never answers this customer.
    let conversation_id = walk.f.conversation_id(&walk.f.a).await;
    let (_, conversation) = walk
        .f
        .call("GET", &format!("/v1/conversations/{conversation_id}"), Some(&a), None)
        .await;
    let contact_id = conversation["contact"]["id"].as_str().unwrap().to_string();
    let path = format!("/v1/contacts/{contact_id}/blocked-scenarios");
    let (status, blocked) = walk
        .f
        .call(
            "PUT",
            &path,
            Some(&a),
            Some(&json!({"scenario_ids": [menu_id]}).to_string()),
        )
        .await;
    assert_eq!(
        (status, blocked["scenario_ids"][0].as_str()),
        (StatusCode::OK, Some(menu_id.as_str()))
    );
    let (status, _) = walk
        .f
        .call(
            "PUT",
            &path,
            Some(&a),
            Some(&json!({"scenario_ids": ["scn_nope"]}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The API's cache of scenarios in the automation function is 30 s; a fresh one reads now.
    walk.automation = walk.f.automation();
    assert!(walk.says("menu").await.is_empty());

    // While a person handles the conversation, the bot keeps quiet and says so.
    assert_eq!(walk.says("opening hours?").await.len(), 1);
    let me = walk.f.call("GET", "/v1/me", Some(&a), None).await.1;
    let (status, assigned) = walk
        .f
        .call(
            "POST",
            &format!("/v1/conversations/{conversation_id}/assign"),
            Some(&a),
            Some(&json!({"agent_id": me["agent"]["id"]}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    let (status, _) = walk
        .f
        .call(
            "POST",
            &format!("/v1/conversations/{conversation_id}/messages"),
            Some(&a),
            Some(&json!({"type": "text", "content": {"text": "Hi, Ada here."}}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    walk.f.send_queued().await;
    assert!(walk.says("opening hours").await.is_empty());
    assert!(
        walk.runs().await[0]["results"]
            .to_string()
            .contains("a person is handling")
    );

    // An agent pauses the bot for the conversation; the page shows each message's origin.
    let (status, paused) = walk
        .f
        .call(
            "PUT",
            &format!("/v1/conversations/{conversation_id}/bot"),
            Some(&a),
            Some(&json!({"paused": true}).to_string()),
        )
        .await;
    assert_eq!((status, paused["paused"].clone()), (StatusCode::OK, json!(true)));
    let messages = walk.f.messages(&walk.f.a, &conversation_id).await;
    let bots = messages
        .iter()
        .filter(|m| m["origin"] == "bot" && m["origin_id"].as_str() == Some(welcome_id.as_str()))
        .count();
    assert_eq!(bots, 4, "welcome, list, text, image: {messages:?}");
    assert!(messages.iter().any(|m| m["origin"] == "agent"));
}
