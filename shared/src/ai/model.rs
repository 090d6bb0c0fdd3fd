//! What the AI agents need of a model, as a narrow port: a conversation turn (system prompt,
//! messages, tools) answered with text and tool calls and the tokens spent, and text embeddings.
//! Tool inputs and results are JSON; nothing is ever parsed out of reply text.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// One block of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    /// The model asks for a tool: its call id, the tool's name and its JSON input.
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// What a tool answered (`failed`: an error the model should see).
    ToolResult {
        id: String,
        content: Value,
        failed: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub role: Role,
    pub parts: Vec<Part>,
}

impl ChatMessage {
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            parts: vec![Part::Text(text.into())],
        }
    }
}

/// A tool the model may call: its input is described by a JSON Schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
}

/// A Bedrock guardrail applied to the turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardrail {
    pub id: String,
    pub version: String,
}

/// One turn asked of a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub model_id: String,
    pub system: String,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
    pub temperature: f32,
    pub guardrail: Option<Guardrail>,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    EndTurn,
    ToolUse,
    MaxTokens,
    /// A guardrail or content filter stepped in.
    Refused,
    Other(String),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub parts: Vec<Part>,
    pub stop: Stop,
    pub usage: Usage,
}

impl Reply {
    /// The reply's text blocks, joined.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The tool calls it asks for, in order.
    pub fn tool_uses(&self) -> Vec<(&str, &str, &Value)> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
                _ => None,
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub vector: Vec<f32>,
    pub tokens: u64,
}

/// Why a model call gave no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Throttled after the SDK's own retries: back off, then hand over.
    #[error("the model is throttled")]
    Throttled,
    /// The model or the service failed (after retries), or timed out.
    #[error("the model failed: {0}")]
    Failed(String),
    /// The request was refused as invalid (our bug or a bad setting, e.g. a model not enabled).
    #[error("the model refused the request: {0}")]
    Invalid(String),
}

#[async_trait::async_trait]
pub trait Model: Send + Sync {
    async fn converse(&self, prompt: &Prompt) -> Result<Reply, ModelError>;
    /// `text` embedded by `model_id` in `dimensions` (256, 512 or 1024), normalized.
    async fn embed(&self, model_id: &str, text: &str, dimensions: u32) -> Result<Embedding, ModelError>;
}
