//! Corrections of AI replies: list (one agent's or every agent's, newest first), create (from an
//! AI message of a conversation the caller sees), delete.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::ai::evaluation::{Evaluation, MAX_PER_AGENT};
use shared::ai::ports::{AgentBook, EvaluationBook};
use shared::inbox::Direction;
use shared::inbox::origin::OriginKind;
use shared::platform::ids;

/// Messages of the conversation a correction may name.
const SEARCHED_MESSAGES: i32 = 100;
/// Corrections one list answers.
const LISTED: usize = 100;

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agents: Vec<String> = match cx.query("ai_agent_id") {
        Some(id) if ids::is_well_formed(&id) => vec![id],
        Some(_) => return Err(unprocessable("ai_agent_id", "an AI agent id")),
        None => api
            .ai
            .agents
            .agents(cx.org())
            .await?
            .into_iter()
            .map(|a| a.ai_agent_id)
            .collect(),
    };
    let mut all = Vec::new();
    for agent in agents {
        all.extend(api.ai.evaluations.evaluations(cx.org(), &agent, LISTED).await?);
    }
    all.sort_by(|a, b| b.evaluation_id.cmp(&a.evaluation_id));
    all.truncate(LISTED);
    ok(&views::AiEvaluationList {
        data: all.iter().map(views::AiEvaluation::from).collect(),
    })
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateAiEvaluation = cx.json()?;
    let conversation_id = crate::rules::REQUIRED_ID.check("conversation_id", body.conversation_id.as_deref())?;
    let message_id = crate::rules::REQUIRED_ID.check("message_id", body.message_id.as_deref())?;
    let (Some(conversation_id), Some(message_id)) = (conversation_id, message_id) else {
        return Err(unprocessable("conversation_id", "is required"));
    };
    let Some(corrected) = body.corrected_response else {
        return Err(unprocessable("corrected_response", "is required"));
    };
    let conversation = api
        .inbox
        .conversations
        .conversation(cx.org(), &conversation_id)
        .await?
        .ok_or_else(|| {
            shared::platform::http_error::HttpError::not_found("conversation_id: no conversation with this id")
        })?;
    let (messages, _) = api
        .inbox
        .messages
        .page(cx.org(), &conversation.conversation_id, SEARCHED_MESSAGES, None)
        .await?;
    let Some(at) = messages.iter().position(|m| m.message_id == message_id) else {
        return Err(shared::platform::http_error::HttpError::not_found(
            "message_id: no such message among the conversation's newest 100",
        ));
    };
    let origin = messages[at].origin();
    let (OriginKind::Ai, Some(ai_agent_id)) = (origin.kind, origin.id) else {
        return Err(unprocessable("message_id", "not an AI agent's message"));
    };
    let customer = messages[at + 1..].iter().find(|m| m.direction == Direction::Inbound);
    let evaluation = Evaluation {
        org_id: cx.org().into(),
        evaluation_id: ids::new_id("aev"),
        ai_agent_id: ai_agent_id.clone(),
        conversation_id: conversation.conversation_id.clone(),
        message_id,
        customer_message: customer.map(|m| m.content.preview()),
        original_response: messages[at].content.preview(),
        corrected_response: corrected,
        context_message_ids: body
            .context_message_ids
            .unwrap_or_else(|| customer.map(|m| vec![m.message_id.clone()]).unwrap_or_default()),
        evaluated_by: cx.caller.agent_id.clone(),
        created_at: shared::platform::items::now_rfc3339(),
    };
    evaluation
        .check()
        .map_err(|refusal| unprocessable(&refusal.field, refusal.reason))?;
    // Read, then written: two corrections racing at the limit may make one more.
    if api
        .ai
        .evaluations
        .evaluations(cx.org(), &ai_agent_id, MAX_PER_AGENT)
        .await?
        .len()
        >= MAX_PER_AGENT
    {
        return Err(conflict(
            "too_many_evaluations",
            format!("an AI agent keeps at most {MAX_PER_AGENT} corrections: delete old ones first"),
        ));
    }
    api.ai.evaluations.add_evaluation(&evaluation).await?;
    created(&views::AiEvaluation::from(&evaluation))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("evaluation_id", "evaluation")?;
    if !api.ai.evaluations.delete_evaluation(cx.org(), &id).await? {
        return Err(not_found("evaluation"));
    }
    no_content()
}
