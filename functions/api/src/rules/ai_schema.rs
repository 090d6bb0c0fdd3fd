//! AI agents' body fields (and the contact's seed 004 fields they read) as JSON Schema: what
//! `shared::ai::agent` and `shared::ai::handoff` accept, as far as a schema can say it (the model allow-list is the deployment's, the memory's
//! size is counted as JSON, and references are looked up: each refused with a 422 or 404 naming
//! the field).

use super::{ID, NO_CONTROLS, NOT_BLANK, TAG};
use serde_json::{Value, json};
use shared::ai::agent::{
    MAX_ASSIGNMENT_TAGS, MAX_CONVERSATION_TURNS, MAX_DAILY_TOKEN_LIMIT, MAX_MAX_TOKENS, MAX_NAME_CHARS, MAX_PRIORITY,
    MAX_SYSTEM_CONTEXT_CHARS, MAX_SYSTEM_PROMPT_CHARS, MAX_WELCOME_CHARS, MIN_MAX_TOKENS,
};
use shared::ai::handoff::{MAX_KEYWORD_CHARS, MAX_KEYWORDS};

fn optional(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn text(max: usize) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": NOT_BLANK})
}

/// (schema, field, JSON Schema) for each.
pub(super) fn patches() -> Vec<(&'static str, &'static str, Value)> {
    let id = json!({"type": "string", "pattern": ID});
    let decimal = json!({"type": "string", "maxLength": shared::ai::catalog::MAX_DECIMAL_CHARS,
        "pattern": "^[0-9]+(\\.[0-9]{1,4})?$", "description": "a decimal string such as \"19.90\""});
    vec![
        ("WriteAiAgent", "name", optional(text(MAX_NAME_CHARS))),
        ("WriteAiAgent", "system_prompt", optional(text(MAX_SYSTEM_PROMPT_CHARS))),
        (
            "WriteAiAgent",
            "model",
            optional(json!({"type": "string", "maxLength": 128, "pattern": "^[a-z0-9.:-]+$",
                "description": "one of this deployment's models (template parameter AiModels)"})),
        ),
        (
            "WriteAiAgent",
            "temperature",
            optional(json!({"type": "number", "minimum": 0, "maximum": 1})),
        ),
        (
            "WriteAiAgent",
            "max_tokens",
            optional(json!({"type": "integer", "minimum": MIN_MAX_TOKENS, "maximum": MAX_MAX_TOKENS})),
        ),
        ("WriteAiAgent", "welcome_message", optional(text(MAX_WELCOME_CHARS))),
        (
            "WriteAiAgent",
            "system_context",
            optional(text(MAX_SYSTEM_CONTEXT_CHARS)),
        ),
        ("WriteAiAgent", "parent_agent_id", optional(id.clone())),
        (
            "WriteAiAgent",
            "daily_token_limit",
            optional(json!({"type": "integer", "minimum": 1, "maximum": MAX_DAILY_TOKEN_LIMIT})),
        ),
        (
            "WriteAiAgent",
            "max_conversation_turns",
            optional(json!({"type": "integer", "minimum": 1, "maximum": MAX_CONVERSATION_TURNS})),
        ),
        (
            "WriteAiAgent",
            "memory",
            optional(json!({"type": "object", "description": "at most 8192 bytes as JSON"})),
        ),
        (
            "WriteAiAssignment",
            "channel",
            optional(json!({"type": "string", "enum": ["whatsapp"]})),
        ),
        ("WriteAiAssignment", "account_id", optional(id.clone())),
        ("WriteAiAssignment", "division_id", optional(id.clone())),
        (
            "WriteAiAssignment",
            "contact_tags",
            optional(json!({"type": "array", "maxItems": MAX_ASSIGNMENT_TAGS,
                "items": {"type": "string", "maxLength": shared::desk::MAX_TAG_CHARS, "pattern": TAG}})),
        ),
        (
            "WriteAiAssignment",
            "priority",
            optional(json!({"type": "integer", "minimum": 0, "maximum": MAX_PRIORITY})),
        ),
        (
            "WriteAiHandoffRule",
            "rule_type",
            optional(
                json!({"type": "string", "enum": ["keywords", "human_request", "max_turns", "token_limit", "model_failure"]}),
            ),
        ),
        (
            "WriteAiHandoffRule",
            "config",
            optional(json!({"type": "object", "properties": {
                "keywords": {"type": "array", "minItems": 1, "maxItems": MAX_KEYWORDS,
                    "items": {"type": "string", "maxLength": MAX_KEYWORD_CHARS, "pattern": NO_CONTROLS}},
                "turns": {"type": "integer", "minimum": 1, "maximum": MAX_CONVERSATION_TURNS}},
                "description": "keywords: {\"keywords\": [...]} (each with a letter or digit); max_turns: {\"turns\": n}; the others: {}"})),
        ),
        ("WriteAiHandoffRule", "target_division_id", optional(id.clone())),
        (
            "WriteAiProduct",
            "name",
            optional(text(shared::ai::catalog::MAX_NAME_CHARS)),
        ),
        (
            "WriteAiProduct",
            "description",
            optional(
                json!({"type": "string", "maxLength": shared::ai::catalog::MAX_DESCRIPTION_CHARS, "pattern": NO_CONTROLS}),
            ),
        ),
        ("WriteAiProduct", "price", optional(decimal.clone())),
        ("WriteAiProduct", "weight", optional(decimal)),
        (
            "WriteAiProduct",
            "metadata",
            optional(json!({"type": "object", "description": "at most 2048 bytes as JSON"})),
        ),
        (
            "WriteAiOrchestrationRule",
            "target_agent_id",
            optional(json!({"type": "string", "pattern": ID,
            "description": "one of this agent's children"})),
        ),
        (
            "WriteAiOrchestrationRule",
            "condition_prompt",
            optional(text(shared::ai::orchestration::MAX_CONDITION_CHARS)),
        ),
        (
            "WriteAiOrchestrationRule",
            "priority",
            optional(json!({"type": "integer", "minimum": 0, "maximum": MAX_PRIORITY})),
        ),
        (
            "CreateAiEvaluation",
            "corrected_response",
            text(shared::ai::evaluation::MAX_CORRECTED_CHARS),
        ),
        (
            "CreateAiEvaluation",
            "context_message_ids",
            optional(
                json!({"type": "array", "maxItems": shared::ai::evaluation::MAX_CONTEXT_MESSAGES, "items": id.clone()}),
            ),
        ),
        (
            "TestChat",
            "messages",
            json!({"type": "array", "minItems": 1, "maxItems": shared::ai::test_chat::MAX_MESSAGES,
                "items": {"type": "object", "required": ["role", "content"], "additionalProperties": false, "properties": {
                    "role": {"type": "string", "enum": ["user", "assistant"]},
                    "content": text(shared::ai::test_chat::MAX_CONTENT_CHARS)}},
                "description": "the last one is the user's"}),
        ),
        (
            "UpdateContact",
            "country",
            optional(
                json!({"type": "string", "maxLength": 2, "anyOf": [{"pattern": "^[A-Za-z]{2}$"}, {"maxLength": 0}],
                "description": "ISO 3166-1 alpha-2 (upper-cased); empty removes it"}),
            ),
        ),
        (
            "UpdateContact",
            "llm_context",
            optional(json!({"type": "object",
                "description": "what AI agents know about the customer, at most 4096 bytes as JSON; null removes it"})),
        ),
    ]
}
