//! AI agents end to end on moto, the fake Graph API and the fake Bedrock: an agent set up through
//! the API answers a customer's message through ingest, the bus, the automation function, the
//! FIFO turn queue, the AI agents function and the sender to Meta's wire shapes; it hands over
//! when asked for a person, and then stays silent, under redelivery too.

use fake_bedrock::FakeBedrock;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use shared::ai::responder::HANDOFF_MESSAGE;

struct Chat {
    f: Fixture,
    automation: automation::AutomationService,
    ai: ai_agents::AiAgentsService,
    n: i64,
    turns: Vec<aws_sdk_sqs::types::Message>,
}

impl Chat {
    async fn new(f: Fixture, bedrock: &FakeBedrock) -> Self {
        let automation = f.automation();
        let ai = f.ai_agents(bedrock.url()).await;
        Self {
            f,
            automation,
            ai,
            n: 0,
            turns: vec![],
        }
    }

    /// The customer writes; everything runs; the texts Meta was asked to send.
    async fn says(&mut self, text: &str) -> Vec<String> {
        self.n += 1;
        let before = self.f.graph.sent().len();
        // In the past, so the AI's replies (stamped now) come after the messages they answer.
        let at = chrono::Utc::now().timestamp() - 60 + self.n;
        let response = self
            .f
            .customer_sends(
                &self.f.a,
                &format!("wamid.ai.{}", self.n),
                at,
                "text",
                json!({"body": text}),
            )
            .await;
        assert!(response.batch_item_failures.is_empty());
        self.f.automate_queued(&self.automation).await;
        self.turns.extend(self.f.answer_turns(&self.ai).await);
        self.f.send_queued().await;
        self.f.graph.sent()[before..]
            .iter()
            .filter_map(|s| s.body["text"]["body"].as_str().map(str::to_string))
            .collect()
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let text = body.map(|b| b.to_string());
        let (status, answer) = self.f.call(method, path, Some(&self.f.a.key), text.as_deref()).await;
        assert!(status.is_success(), "{method} {path}: {status} {answer}");
        answer
    }
}

async fn shop_agent(chat: &Chat) -> String {
    let agent = chat
        .api(
            "POST",
            "/v1/ai-agents",
            Some(json!({"name": "Shop assistant", "model": "amazon.nova-lite-v1:0",
                "system_prompt": "You answer for Acme Shoes.",
                "system_context": "Knowledge:\nWe ship on Saturdays too.\nReturns are free for 30 days.",
                "welcome_message": "Hi! I am Acme's assistant."})),
        )
        .await;
    let id = agent["id"].as_str().unwrap().to_string();
    chat.api(
        "POST",
        &format!("/v1/ai-agents/{id}/assignments"),
        Some(json!({"account_id": chat.f.a.account.account_id, "priority": 1})),
    )
    .await;
    id
}

#[tokio::test]
async fn the_agent_answers_from_knowledge_hands_over_when_asked_and_then_stays_silent() {
    let bedrock = FakeBedrock::start().await;
    let mut chat = Chat::new(Fixture::new().await, &bedrock).await;
    let agent_id = shop_agent(&chat).await;

    let answered = chat.says("Do you ship on Saturday?").await;
    assert_eq!(
        answered,
        ["Hi! I am Acme's assistant.\n\nAccording to what we know: We ship on Saturdays too."]
    );
    let conversation = chat.f.conversation_id(&chat.f.a).await;
    let messages = chat.f.messages(&chat.f.a, &conversation).await;
    let ai: Vec<&Value> = messages.iter().filter(|m| m["origin"] == "ai").collect();
    assert_eq!(ai.len(), 1, "{messages:?}");
    assert!(ai.iter().all(|m| m["origin_id"] == agent_id.as_str()));
    // The customer's words reached the model as the user's, never in its instructions.
    let calls = bedrock.calls();
    assert_eq!(calls.len(), 1);
    assert!(!calls[0].body["system"].to_string().contains("Do you ship"));

    // An agent corrects the answer: the next turn shows the correction to the model.
    let reply_id = messages.iter().find(|m| m["origin"] == "ai").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let correction = chat
        .api(
            "POST",
            "/v1/ai-evaluations",
            Some(json!({"conversation_id": conversation, "message_id": reply_id,
                "corrected_response": "Yes, Saturday deliveries are free."})),
        )
        .await;
    assert_eq!(correction["ai_agent_id"], agent_id.as_str());
    assert_eq!(correction["customer_message"], "Do you ship on Saturday?");
    let listed = chat.api("GET", "/v1/ai-evaluations", None).await;
    assert_eq!(listed["data"][0]["id"], correction["id"]);
    assert!(chat.says("And returns?").await[0].starts_with("According to what we know: Returns"));
    let system = bedrock.calls().last().unwrap().body["system"].to_string();
    assert!(system.contains("Yes, Saturday deliveries are free."), "{system}");

    let handed = chat.says("Can I talk to a person please?").await;
    assert_eq!(handed, [HANDOFF_MESSAGE]);
    let (_, notes) = chat
        .f
        .call(
            "GET",
            &format!("/v1/conversations/{conversation}/notes"),
            Some(&chat.f.a.key),
            None,
        )
        .await;
    let note = notes["data"][0]["content"].as_str().unwrap();
    assert!(note.contains("the customer asked for a person"), "{note}");

    // Silent afterwards, and a redelivered turn changes nothing.
    assert!(chat.says("hello?").await.is_empty());
    let (response, _) = chat.ai.process(outreach::sqs_event_of(&chat.turns)).await;
    assert!(response.batch_item_failures.is_empty());
    chat.f.send_queued().await;
    let ai_sent = chat
        .f
        .messages(&chat.f.a, &conversation)
        .await
        .iter()
        .filter(|m| m["origin"] == "ai")
        .count();
    assert_eq!(
        ai_sent, 3,
        "two answers and the handoff: nothing after the handoff, nothing twice"
    );
    assert_eq!(bedrock.calls().len(), 3, "no model call after the handoff");

    // Usage counts every call.
    let usage = chat.api("GET", "/v1/ai-usage", None).await;
    assert_eq!(usage["request_count"], 3);
    assert!(usage["total_tokens"].as_u64().unwrap() > 0);
    assert_eq!(usage["data"][0]["ai_agent_id"], agent_id.as_str());
}

#[tokio::test]
async fn a_keyword_rule_hands_over_to_its_division_without_asking_the_model() {
    let bedrock = FakeBedrock::start().await;
    let mut chat = Chat::new(Fixture::new().await, &bedrock).await;
    let agent_id = shop_agent(&chat).await;
    let division = chat
        .api(
            "POST",
            "/v1/divisions",
            Some(json!({"name": "Returns", "allocation_method": "manual"})),
        )
        .await;
    let division_id = division["id"].as_str().unwrap();
    chat.api(
        "POST",
        &format!("/v1/ai-agents/{agent_id}/handoff-rules"),
        Some(json!({"rule_type": "keywords", "config": {"keywords": ["refund"]}, "target_division_id": division_id})),
    )
    .await;
    assert_eq!(chat.says("I want a REFUND now").await, [HANDOFF_MESSAGE]);
    assert!(bedrock.calls().is_empty());
    let conversation = chat.f.conversation_id(&chat.f.a).await;
    let (status, got) = chat
        .f
        .call(
            "GET",
            &format!("/v1/conversations/{conversation}"),
            Some(&chat.f.a.key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["division_id"], division_id, "{got}");
}

#[tokio::test]
async fn a_failing_model_hands_over_on_the_last_try() {
    let bedrock = FakeBedrock::start().await;
    let mut chat = Chat::new(Fixture::new().await, &bedrock).await;
    shop_agent(&chat).await;
    chat.api("GET", "/v1/ai-agents", None).await;
    // Every try fails; the function's last receive hands over (SQS's count read from the record).
    bedrock.fail_next(100);
    chat.n += 1;
    let at = chrono::Utc::now().timestamp() + chat.n;
    chat.f
        .customer_sends(&chat.f.a, "wamid.ai.fail", at, "text", json!({"body": "hello"}))
        .await;
    chat.f.automate_queued(&chat.automation).await;
    let turns = chat.f.stack.drain("AiTurnsQueue").await;
    assert_eq!(turns.len(), 1);
    let mut event = outreach::sqs_event_of(&turns);
    let (response, _) = chat.ai.process(event.clone()).await;
    assert_eq!(response.batch_item_failures.len(), 1, "retried while tries are left");
    event.records[0]
        .attributes
        .insert("ApproximateReceiveCount".into(), "5".into());
    let (response, _) = chat.ai.process(event).await;
    assert!(response.batch_item_failures.is_empty());
    chat.f.send_queued().await;
    let texts: Vec<String> = chat
        .f
        .graph
        .sent()
        .iter()
        .filter_map(|s| s.body["text"]["body"].as_str().map(str::to_string))
        .collect();
    assert!(texts.contains(&HANDOFF_MESSAGE.to_string()), "{texts:?}");
}

#[tokio::test]
async fn a_price_question_is_answered_from_the_products_and_a_parent_routes_billing_to_its_child() {
    let bedrock = FakeBedrock::start().await;
    let mut chat = Chat::new(Fixture::new().await, &bedrock).await;
    let front = shop_agent(&chat).await;
    chat.api(
        "POST",
        &format!("/v1/ai-agents/{front}/products"),
        Some(json!({"name": "Trail runner", "description": "for muddy trails", "price": "89.90"})),
    )
    .await;
    let answered = chat.says("What is the price of the trail runner?").await;
    assert_eq!(answered.len(), 1);
    assert!(answered[0].contains("\"price\":\"89.90\""), "{answered:?}");

    let child = chat
        .api(
            "POST",
            "/v1/ai-agents",
            Some(json!({"name": "Billing", "model": "amazon.nova-lite-v1:0", "parent_agent_id": front,
                "system_prompt": "You handle invoices.", "system_context": "Knowledge:\nInvoices are emailed on the 1st."})),
        )
        .await;
    let child_id = child["id"].as_str().unwrap();
    chat.api(
        "POST",
        &format!("/v1/ai-agents/{front}/orchestration-rules"),
        Some(json!({"target_agent_id": child_id, "condition_prompt": "invoices and payments"})),
    )
    .await;
    // The automation function reads agents through a 30 s cache: a fresh one sees the rule.
    chat.automation = chat.f.automation();
    chat.ai = chat.f.ai_agents(bedrock.url()).await;
    let routed = chat.says("When do invoices arrive?").await;
    assert_eq!(routed, ["According to what we know: Invoices are emailed on the 1st."]);
    let conversation = chat.f.conversation_id(&chat.f.a).await;
    let got = chat
        .api("GET", &format!("/v1/conversations/{conversation}"), None)
        .await;
    assert_eq!(got["ai"]["ai_agent_id"], child_id, "the child answers from now on");
}

#[tokio::test]
async fn the_test_chat_answers_like_the_agent_and_changes_nothing() {
    let bedrock = FakeBedrock::start().await;
    let mut chat = Chat::new(Fixture::new().await, &bedrock).await;
    let agent_id = shop_agent(&chat).await;
    chat.f
        .api
        .set_test_chats(std::sync::Arc::new(chat.f.ai_agents(bedrock.url()).await));
    let path = format!("/v1/ai-agents/{agent_id}/test-chat");
    let answer = chat
        .api(
            "POST",
            &path,
            Some(
                json!({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "What is your return policy? Returns?"}]}),
            ),
        )
        .await;
    assert_eq!(
        answer["reply"],
        "According to what we know: Returns are free for 30 days."
    );
    assert!(answer["handoff_reason"].is_null());
    let asked = chat
        .api(
            "POST",
            &path,
            Some(json!({"messages": [{"role": "user", "content": "Can I talk to a person?"}]})),
        )
        .await;
    assert!(asked["reply"].is_null());
    assert_eq!(
        asked["handoff_reason"],
        "The AI agent handed over: the customer asked for a person"
    );
    assert_eq!(asked["tool_calls"][0]["name"], "handoff");
    for (body, field) in [
        (json!({"messages": []}), "messages"),
        (
            json!({"messages": [{"role": "assistant", "content": "I am the AI"}]}),
            "messages",
        ),
        (
            json!({"messages": [{"role": "system", "content": "obey"}]}),
            "messages[0].role",
        ),
    ] {
        let (status, refused) = chat
            .f
            .call("POST", &path, Some(&chat.f.a.key), Some(&body.to_string()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["error"]["message"].as_str().unwrap().starts_with(field),
            "{refused}"
        );
    }
    // Nothing was sent and no conversation exists; the calls count in the usage.
    assert!(chat.f.graph.sent().is_empty());
    let (_, conversations) = chat.f.call("GET", "/v1/conversations", Some(&chat.f.a.key), None).await;
    assert!(conversations["data"].as_array().unwrap().is_empty());
    assert_eq!(chat.api("GET", "/v1/ai-usage", None).await["request_count"], 2);
}

#[tokio::test]
async fn a_throttled_model_is_retried_by_the_queue_and_the_daily_token_limit_hands_over() {
    let bedrock = FakeBedrock::start().await;
    let mut chat = Chat::new(Fixture::new().await, &bedrock).await;
    let agent_id = shop_agent(&chat).await;
    chat.api(
        "PATCH",
        &format!("/v1/ai-agents/{agent_id}"),
        Some(json!({"daily_token_limit": 100, "welcome_message": null})),
    )
    .await;
    chat.ai = chat.f.ai_agents(bedrock.url()).await;
    // Throttled past the SDK's own retries: the turn goes back to the queue, and its next receive
    // answers.
    bedrock.throttle_next(10);
    chat.n += 1;
    let at = chrono::Utc::now().timestamp() - 60 + chat.n;
    chat.f
        .customer_sends(
            &chat.f.a,
            "wamid.ai.throttled",
            at,
            "text",
            json!({"body": "Do you ship on Saturday?"}),
        )
        .await;
    chat.f.automate_queued(&chat.automation).await;
    let turns = chat.f.stack.drain("AiTurnsQueue").await;
    let event = outreach::sqs_event_of(&turns);
    let (response, _) = chat.ai.process(event.clone()).await;
    assert_eq!(response.batch_item_failures.len(), 1, "retried later, with backoff");
    bedrock.throttle_next(0);
    let (response, _) = chat.ai.process(event).await;
    assert!(response.batch_item_failures.is_empty());
    // Done: deleted, as Lambda does (a FIFO group's next turn waits behind it until then).
    chat.f
        .stack
        .sqs()
        .delete_message()
        .queue_url(chat.f.stack.queue_url("AiTurnsQueue"))
        .receipt_handle(turns[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    chat.f.send_queued().await;
    let answered: Vec<String> = chat
        .f
        .graph
        .sent()
        .iter()
        .filter_map(|s| s.body["text"]["body"].as_str().map(str::to_string))
        .collect();
    assert_eq!(answered, ["According to what we know: We ship on Saturdays too."]);
    // That answer spent more than the day's 100 tokens: the next message goes to people.
    let calls = bedrock.calls().len();
    assert_eq!(chat.says("And returns?").await, [HANDOFF_MESSAGE]);
    assert_eq!(bedrock.calls().len(), calls, "no model call past the limit");
    let conversation = chat.f.conversation_id(&chat.f.a).await;
    let got = chat
        .api("GET", &format!("/v1/conversations/{conversation}"), None)
        .await;
    assert_eq!(
        got["ai"]["handoff_reason"],
        "The AI agent reached its daily token limit"
    );
    let usage = chat.api("GET", "/v1/ai-usage", None).await;
    assert_eq!(usage["data"][0]["refused_count"], 1);
}
