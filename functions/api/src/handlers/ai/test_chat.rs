//! The test chat: the messages are checked here, then the AI agents function answers them (the
//! only function that may call the models); nothing is sent and no conversation changes.

use super::agents::load;
use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, ok, unprocessable};
use crate::views;
use shared::ai::test_chat::{self, TestChatError, TestChatMessage, TestChatRequest};
use shared::platform::http_error::HttpError;

pub async fn test_chat(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::TestChat = cx.json()?;
    let agent = load(api, cx).await?;
    let request = TestChatRequest {
        org_id: cx.org().into(),
        ai_agent_id: agent.ai_agent_id,
        messages: body
            .messages
            .into_iter()
            .map(|m| TestChatMessage {
                role: m.role,
                content: m.content,
            })
            .collect(),
    };
    test_chat::conversation(&request.messages).map_err(|r| unprocessable(&r.field, r.reason))?;
    match api.ai.test_chats.test_chat(&request).await {
        Ok(reply) => ok(&views::TestChatAnswer::from(reply)),
        Err(TestChatError::NoAgent) => Err(HttpError::not_found("AI agent")),
        Err(TestChatError::Invalid(r)) => Err(unprocessable(&r.field, r.reason)),
        Err(TestChatError::Store(err)) => {
            tracing::error!(error = %err, "the test chat failed");
            Err(HttpError::new(
                lambda_http::http::StatusCode::SERVICE_UNAVAILABLE,
                "ai_unavailable",
                "the AI agents function did not answer; try again",
            ))
        }
    }
}
