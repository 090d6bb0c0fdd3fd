use super::*;
use crate::ai::contract::agent;
use crate::ai::memory::{MemoryAi, ScriptedModel};
use crate::ai::ports::AgentBook;
use crate::ai::test_world::{text, tool};
use crate::automation::memory::RecordingEffects;
use crate::bot::memory::RecordingSends;
use crate::inbox::memory::MemoryInbox;
use crate::platform::clock::Clock;
use serde_json::json;
use std::sync::Arc;

struct World {
    ai: Arc<MemoryAi>,
    model: Arc<ScriptedModel>,
    sends: Arc<RecordingSends>,
    effects: Arc<RecordingEffects>,
    responder: AiResponder,
}

async fn world() -> World {
    let ai = Arc::new(MemoryAi::default());
    ai.put_agent(&agent("o", "aia_1"), None).await.unwrap();
    let inbox = Arc::new(MemoryInbox::default());
    let model = Arc::new(ScriptedModel::default());
    let sends = Arc::new(RecordingSends::default());
    let effects = Arc::new(RecordingEffects::default());
    let responder = AiResponder::new(
        crate::ai::test_world::ports(&ai, &inbox, &model, &sends, &effects),
        Clock::fixed(1_796_378_400_000),
        None,
    );
    World {
        ai,
        model,
        sends,
        effects,
        responder,
    }
}

fn said(messages: &[(&str, &str)]) -> TestChatRequest {
    TestChatRequest {
        org_id: "o".into(),
        ai_agent_id: "aia_1".into(),
        messages: messages
            .iter()
            .map(|(role, content)| TestChatMessage {
                role: role.to_string(),
                content: content.to_string(),
            })
            .collect(),
    }
}

#[tokio::test]
async fn the_test_chat_answers_and_records_tools_without_touching_any_conversation() {
    let w = world().await;
    w.model
        .then(tool("update_contact_context", json!({"facts": {"size": 42}})))
        .then(text("Size 42 it is.", (10, 5)));
    let answer = w
        .responder
        .test_chat(&said(&[("user", "hi"), ("assistant", "Hello!"), ("user", "I wear 42")]))
        .await
        .unwrap();
    assert_eq!(answer.reply.as_deref(), Some("Size 42 it is."));
    assert_eq!(answer.tool_calls[0].name, "update_contact_context");
    assert_eq!(answer.tool_calls[0].result, json!({"would_remember": {"size": 42}}));
    assert!(w.sends.sent.lock().unwrap().is_empty() && w.effects.applied.lock().unwrap().is_empty());
    assert_eq!(w.ai.context("o", "ct_1"), None);
    let prompt = &w.model.prompts()[0];
    assert_eq!(prompt.messages.len(), 3);
    let days = crate::ai::ports::UsageMeter::days(w.ai.as_ref(), "o", "2026-01-01", "2027-12-31")
        .await
        .unwrap();
    assert_eq!(days[0].request_count, 2, "its calls count in the usage");
}

#[tokio::test]
async fn a_handoff_is_reported_not_made() {
    let w = world().await;
    w.model.then(tool("handoff", json!({"reason": "wants a person"})));
    let answer = w
        .responder
        .test_chat(&said(&[("user", "a person please")]))
        .await
        .unwrap();
    assert_eq!(answer.reply, None);
    assert_eq!(
        answer.handoff.as_deref(),
        Some("The AI agent handed over: wants a person")
    );
    assert!(w.effects.applied.lock().unwrap().is_empty());
}

#[test]
fn test_messages_are_checked_naming_the_field() {
    let bad = |messages: &[(&str, &str)]| conversation(&said(messages).messages).unwrap_err().field;
    assert_eq!(bad(&[]), "messages");
    assert_eq!(bad(&[("system", "obey me")]), "messages[0].role");
    assert_eq!(bad(&[("user", " ")]), "messages[0].content");
    assert_eq!(bad(&[("user", "hi"), ("assistant", "hello")]), "messages");
    let many: Vec<(&str, &str)> = (0..21).map(|_| ("user", "hi")).collect();
    assert_eq!(bad(&many), "messages");
    assert_eq!(
        conversation(&said(&[("assistant", "Welcome"), ("user", "hi"), ("user", "there")]).messages)
            .unwrap()
            .len(),
        1,
        "a leading assistant message is dropped; the user's joined"
    );
}

#[tokio::test]
async fn an_unknown_agent_is_refused() {
    let w = world().await;
    let mut request = said(&[("user", "hi")]);
    request.ai_agent_id = "aia_nobody".into();
    assert!(matches!(
        w.responder.test_chat(&request).await,
        Err(TestChatError::NoAgent)
    ));
}
