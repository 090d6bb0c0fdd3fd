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
    ConversationAi,
    AiProduct,
    AiProductList,
    WriteAiProduct,
    AiOrchestrationRule,
    AiOrchestrationRuleList,
    WriteAiOrchestrationRule,
    AiEvaluation,
    AiEvaluationList,
    CreateAiEvaluation,
    TestChat,
    TestChatMessage,
    TestChatAnswer,
    TestChatToolCall
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
        "WriteAiProduct" => {
            json!({"name": "Trail runner", "description": "A running shoe for muddy trails, sizes 36-47.",
            "price": "89.90", "weight": "0.62", "metadata": {"sku": "TR-1"}})
        }
        "WriteAiOrchestrationRule" => {
            json!({"target_agent_id": "aia_01j9z8billing", "condition_prompt": "invoices, refunds and payments", "priority": 10})
        }
        "CreateAiEvaluation" => json!({"conversation_id": "cv_01j9z8example", "message_id": "msg_01j9z8example",
            "corrected_response": "We do not ship on Sundays; Saturday deliveries are free."}),
        "TestChat" => json!({"messages": [{"role": "user", "content": "Do you ship on Saturdays?"}]}),
        _ => return None,
    })
}
