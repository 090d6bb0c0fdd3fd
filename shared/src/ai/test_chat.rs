//! The test chat: an agent answers messages an admin writes, with its real prompt, knowledge,
//! products and model, but nothing reaches WhatsApp and no conversation changes: tools are only
//! recorded (a product lookup reads the real products). Its model calls count in the agent's
//! usage and limits like any.

use crate::ai::agent::Refusal;
use crate::ai::handoff;
use crate::ai::model::{ChatMessage, Part, Role};
use crate::ai::responder::AiResponder;
use crate::ai::responder::tool_loop::{Ended, ToolLog};
use crate::platform::StoreError;
use serde::{Deserialize, Serialize};

pub const MAX_MESSAGES: usize = 20;
pub const MAX_CONTENT_CHARS: usize = 4_096;

/// Seed 001's TestChatMessage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestChatMessage {
    /// user | assistant
    pub role: String,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestChatRequest {
    pub org_id: String,
    pub ai_agent_id: String,
    pub messages: Vec<TestChatMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestChatReply {
    /// The agent that answered (a parent may have routed to a child).
    pub ai_agent_id: String,
    /// What it would send (none when it hands over).
    pub reply: Option<String>,
    /// Why it would hand over, if it would.
    pub handoff: Option<String>,
    /// It would resolve the conversation after replying.
    pub resolved: bool,
    pub tool_calls: Vec<ToolLog>,
}

#[derive(Debug, thiserror::Error)]
pub enum TestChatError {
    #[error("no such AI agent")]
    NoAgent,
    #[error("{}: {}", .0.field, .0.reason)]
    Invalid(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The messages as the model gets them: 1 to 20, roles `user` and `assistant`, each 1 to 4,096
/// characters, ending with the user's (consecutive ones of a side joined).
pub fn conversation(messages: &[TestChatMessage]) -> Result<Vec<ChatMessage>, Refusal> {
    if messages.is_empty() || messages.len() > MAX_MESSAGES {
        return Err(Refusal::new("messages", format!("1 to {MAX_MESSAGES}")));
    }
    let mut chat: Vec<ChatMessage> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let role = match message.role.as_str() {
            "user" => Role::User,
            "assistant" => Role::Assistant,
            _ => return Err(Refusal::new(format!("messages[{i}].role"), "user or assistant")),
        };
        let content = &message.content;
        if content.trim().is_empty()
            || content.chars().count() > MAX_CONTENT_CHARS
            || content.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Refusal::new(
                format!("messages[{i}].content"),
                format!("1 to {MAX_CONTENT_CHARS} characters, no control characters"),
            ));
        }
        match chat.last_mut() {
            Some(last) if last.role == role => last.parts.push(Part::Text(content.clone())),
            _ => chat.push(ChatMessage {
                role,
                parts: vec![Part::Text(content.clone())],
            }),
        }
    }
    if chat.first().is_some_and(|m| m.role == Role::Assistant) {
        chat.remove(0);
    }
    if chat.last().is_none_or(|m| m.role != Role::User) {
        return Err(Refusal::new("messages", "the last message is the user's"));
    }
    Ok(chat)
}

impl AiResponder {
    /// The agent's answer to a test conversation.
    pub async fn test_chat(&self, request: &TestChatRequest) -> Result<TestChatReply, TestChatError> {
        let history = conversation(&request.messages).map_err(TestChatError::Invalid)?;
        let org = request.org_id.as_str();
        let agents = self.ports.agents.agents(org).await?;
        let agent = agents
            .iter()
            .find(|a| a.ai_agent_id == request.ai_agent_id)
            .ok_or(TestChatError::NoAgent)?;
        let said = request.messages.last().map(|m| m.content.as_str()).unwrap_or_default();
        if let Some(handoff) = handoff::in_message(&agent.handoff_rules, said) {
            return Ok(TestChatReply {
                ai_agent_id: agent.ai_agent_id.clone(),
                reply: None,
                handoff: Some(handoff.reason.describe()),
                resolved: false,
                tool_calls: vec![],
            });
        }
        let mut log = Vec::new();
        let ended = self
            .run_tools(org, agent, &agents, None, history, None, true, &mut log)
            .await
            .map_err(|err| match err {
                crate::ai::responder::TurnError::Store(err) => TestChatError::Store(err),
                crate::ai::responder::TurnError::Model(err) => TestChatError::Store(StoreError::io("model", err)),
            })?;
        Ok(match ended {
            Ended::Replied { agent, text, resolve } => TestChatReply {
                ai_agent_id: agent.ai_agent_id.clone(),
                reply: crate::ai::turn::cut(&text),
                handoff: None,
                resolved: resolve,
                tool_calls: log,
            },
            Ended::HandOff { agent, handoff } => TestChatReply {
                ai_agent_id: agent.ai_agent_id.clone(),
                reply: None,
                handoff: Some(handoff.reason.describe()),
                resolved: false,
                tool_calls: log,
            },
        })
    }
}

#[cfg(test)]
#[path = "test_chat_tests.rs"]
mod tests;

/// Where the API gets a test chat's answer: the AI agents function (the only one that may call
/// the models), or the responder itself in tests.
#[async_trait::async_trait]
pub trait TestChats: Send + Sync {
    async fn test_chat(&self, request: &TestChatRequest) -> Result<TestChatReply, TestChatError>;
}

#[async_trait::async_trait]
impl TestChats for AiResponder {
    async fn test_chat(&self, request: &TestChatRequest) -> Result<TestChatReply, TestChatError> {
        AiResponder::test_chat(self, request).await
    }
}

/// The invocation's payload and its answer, as they cross Lambda's Invoke.
pub mod wire {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    pub struct Invocation {
        pub test_chat: TestChatRequest,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Answer {
        Reply(TestChatReply),
        NoAgent,
        Invalid { field: String, reason: String },
        Failed { detail: String },
    }

    impl From<Result<TestChatReply, TestChatError>> for Answer {
        fn from(result: Result<TestChatReply, TestChatError>) -> Self {
            match result {
                Ok(reply) => Answer::Reply(reply),
                Err(TestChatError::NoAgent) => Answer::NoAgent,
                Err(TestChatError::Invalid(r)) => Answer::Invalid {
                    field: r.field,
                    reason: r.reason,
                },
                Err(TestChatError::Store(err)) => Answer::Failed {
                    detail: err.to_string(),
                },
            }
        }
    }

    impl From<Answer> for Result<TestChatReply, TestChatError> {
        fn from(answer: Answer) -> Self {
            match answer {
                Answer::Reply(reply) => Ok(reply),
                Answer::NoAgent => Err(TestChatError::NoAgent),
                Answer::Invalid { field, reason } => Err(TestChatError::Invalid(Refusal::new(field, reason))),
                Answer::Failed { detail } => Err(TestChatError::Store(StoreError::io("test chat", detail))),
            }
        }
    }
}

/// The AI agents function through Lambda's Invoke (synchronous).
#[cfg(feature = "lambda")]
pub struct LambdaTestChats {
    client: aws_sdk_lambda::Client,
    function_name: String,
}

#[cfg(feature = "lambda")]
impl LambdaTestChats {
    pub fn new(client: aws_sdk_lambda::Client, function_name: impl Into<String>) -> Self {
        Self {
            client,
            function_name: function_name.into(),
        }
    }
}

#[cfg(feature = "lambda")]
#[async_trait::async_trait]
impl TestChats for LambdaTestChats {
    async fn test_chat(&self, request: &TestChatRequest) -> Result<TestChatReply, TestChatError> {
        let payload = serde_json::to_vec(&wire::Invocation {
            test_chat: request.clone(),
        })
        .map_err(|e| StoreError::io("test chat payload", e))?;
        let output = self
            .client
            .invoke()
            .function_name(&self.function_name)
            .payload(aws_sdk_lambda::primitives::Blob::new(payload))
            .send()
            .await
            .map_err(|e| StoreError::aws("Invoke(AI agents)", e))?;
        if let Some(error) = output.function_error() {
            return Err(TestChatError::Store(StoreError::io("Invoke(AI agents)", error)));
        }
        let body = output.payload().map(|b| b.as_ref().to_vec()).unwrap_or_default();
        let answer: wire::Answer = serde_json::from_slice(&body).map_err(|e| StoreError::io("test chat answer", e))?;
        answer.into()
    }
}
