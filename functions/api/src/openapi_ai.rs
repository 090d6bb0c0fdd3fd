//! The document's schemas and examples for AI agents.

use crate::views::*;
use serde_json::{Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(
    AiAgent,
    AiAgentList,
    WriteAiAgent,
    AiAssignment,
    AiAssignmentList,
    WriteAiAssignment,
    AiHandoffRule,
    AiHandoffRuleList,
    WriteAiHandoffRule,
    AiUsage,
    AiUsageDay,
    ConversationAi
)))]
pub(super) struct Schemas;

/// A valid body of these request schemas.
pub(super) fn example(schema: &str) -> Option<Value> {
    Some(match schema {
        "WriteAiAgent" => json!({
            "name": "Shop assistant", "model": "amazon.nova-lite-v1:0", "temperature": 0.3, "max_tokens": 512,
            "system_prompt": "You answer questions about Acme Shoes' products, sizes and deliveries.",
            "system_context": "We ship within 2 days. Returns are free for 30 days.",
            "daily_token_limit": 200000, "max_conversation_turns": 20
        }),
        "WriteAiAssignment" => json!({"channel": "whatsapp", "priority": 10, "contact_tags": []}),
        "WriteAiHandoffRule" => {
            json!({"rule_type": "keywords", "config": {"keywords": ["refund", "complaint"]}, "stop_ai_after_handoff": true})
        }
        _ => return None,
    })
}
