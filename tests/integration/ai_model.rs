//! The model port on Amazon Bedrock, through the real SDK against `infra/fake-bedrock` (Converse
//! and InvokeModel's wire shapes): text and token usage, a tool call and its result, an answer
//! from given knowledge, the guardrail passed through, throttling and failures after the SDK's
//! retries, and embeddings that put similar texts close.

use fake_bedrock::FakeBedrock;
use serde_json::json;
use shared::ai::bedrock::BedrockModel;
use shared::ai::model::{ChatMessage, Guardrail, Model, ModelError, Part, Prompt, Role, Stop, ToolSpec};

const CLAUDE: &str = "anthropic.claude-3-5-haiku-20241022-v1:0";
const TITAN: &str = "amazon.titan-embed-text-v2:0";

async fn model() -> (FakeBedrock, BedrockModel) {
    let fake = FakeBedrock::start().await;
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_bedrockruntime::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    let config = aws_sdk_bedrockruntime::config::Builder::from(&aws)
        .endpoint_url(fake.url())
        .build();
    (
        fake,
        BedrockModel::new(aws_sdk_bedrockruntime::Client::from_conf(config)),
    )
}

fn prompt(text: &str, tools: &[&str]) -> Prompt {
    Prompt {
        model_id: CLAUDE.into(),
        system: "You answer for Acme Shoes.\nKnowledge:\nWe ship within 2 days.\nWe open Saturday at 10.".into(),
        messages: vec![ChatMessage::user(text)],
        tools: tools
            .iter()
            .map(|name| ToolSpec {
                name: name.to_string(),
                description: format!("the {name} tool"),
                input_schema: json!({"type": "object", "properties": {"query": {"type": "string"}}}),
            })
            .collect(),
        max_tokens: 512,
        temperature: 0.2,
        guardrail: None,
    }
}

#[tokio::test]
async fn a_turn_answers_from_knowledge_and_calls_tools_with_json_through_the_sdk() {
    let (fake, model) = model().await;
    let reply = model
        .converse(&prompt("When do you open on Saturday?", &[]))
        .await
        .unwrap();
    assert_eq!(reply.text(), "According to what we know: We open Saturday at 10.");
    assert_eq!(reply.stop, Stop::EndTurn);
    assert!(
        reply.usage.input_tokens > 10 && reply.usage.output_tokens > 0,
        "{:?}",
        reply.usage
    );

    let mut asked = prompt("How much are the navy runners?", &["lookup_product", "handoff"]);
    asked.guardrail = Some(Guardrail {
        id: "gr-1".into(),
        version: "DRAFT".into(),
    });
    let reply = model.converse(&asked).await.unwrap();
    assert_eq!(reply.stop, Stop::ToolUse);
    let (id, name, input) = reply.tool_uses()[0];
    assert_eq!(
        (name, input["query"].as_str()),
        ("lookup_product", Some("How much are the navy runners?"))
    );
    let sent = fake.calls().last().unwrap().body.clone();
    assert_eq!(sent["guardrailConfig"]["guardrailIdentifier"], "gr-1");
    assert_eq!(
        sent["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["type"],
        "object"
    );
    assert_eq!(fake.calls().last().unwrap().model_id, CLAUDE);

    // The tool's answer goes back as JSON; the model answers with it.
    asked.messages.push(ChatMessage {
        role: Role::Assistant,
        parts: reply.parts.clone(),
    });
    asked.messages.push(ChatMessage {
        role: Role::User,
        parts: vec![Part::ToolResult {
            id: id.to_string(),
            content: json!({"name": "Navy runner", "price": "89.90"}),
            failed: false,
        }],
    });
    let answered = model.converse(&asked).await.unwrap();
    assert!(answered.text().contains("89.90"), "{}", answered.text());
    let handoff = model
        .converse(&prompt("I want to talk to a person", &["lookup_product", "handoff"]))
        .await
        .unwrap();
    assert_eq!(handoff.tool_uses()[0].1, "handoff");
}

#[tokio::test]
async fn throttling_and_failures_that_outlast_the_sdks_retries_are_told_apart() {
    let (fake, model) = model().await;
    fake.throttle_next(1);
    assert!(
        model.converse(&prompt("hello", &[])).await.is_ok(),
        "one throttle is retried by the SDK"
    );
    fake.throttle_next(10);
    assert_eq!(model.converse(&prompt("hello", &[])).await, Err(ModelError::Throttled));
    fake.throttle_next(0);
    fake.fail_next(10);
    assert!(matches!(
        model.converse(&prompt("hello", &[])).await,
        Err(ModelError::Failed(_))
    ));
    fake.fail_next(0);
    let mut empty = prompt("hello", &[]);
    empty.model_id = "not-enabled".into();
    empty.messages.clear();
    assert!(matches!(model.converse(&empty).await, Err(ModelError::Invalid(_))));
}

#[tokio::test]
async fn embeddings_are_repeatable_and_put_similar_texts_close() {
    let (_fake, model) = model().await;
    let cosine = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let shipping = model.embed(TITAN, "How long does shipping take?", 256).await.unwrap();
    let similar = model
        .embed(TITAN, "how long does the shipping take", 256)
        .await
        .unwrap();
    let other = model.embed(TITAN, "Opening hours on Saturday", 256).await.unwrap();
    assert_eq!(shipping.vector.len(), 256);
    assert!(shipping.tokens > 0);
    assert_eq!(
        shipping,
        model.embed(TITAN, "How long does shipping take?", 256).await.unwrap()
    );
    assert!(cosine(&shipping.vector, &similar.vector) > cosine(&shipping.vector, &other.vector) + 0.3);
    assert!(matches!(
        model.embed(TITAN, "x", 100).await,
        Err(ModelError::Invalid(_))
    ));
}
