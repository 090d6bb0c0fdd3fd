//! AI agents: list, create, get, PATCH (fields given replace theirs; the agent is checked whole
//! against the deployment's model allow-list and the organization's other agents), DELETE.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::ai::agent::{self, AiAgent, DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE};
use shared::ai::ports::AgentBook;
use shared::platform::http_error::HttpError;
use shared::platform::ids;

/// The caller's agent named by the path.
pub(crate) async fn load(api: &ApiService, cx: &Context<'_>) -> Result<AiAgent, HttpError> {
    let id = cx.id("ai_agent_id", "AI agent")?;
    api.ai
        .agents
        .agent(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("AI agent"))
}

/// Checks `changed` whole and writes it over `current` (`None`: a new agent).
pub(crate) async fn store(
    api: &ApiService,
    cx: &Context<'_>,
    changed: &AiAgent,
    current: Option<&AiAgent>,
) -> Result<(), HttpError> {
    let others: Vec<AiAgent> = api
        .ai
        .agents
        .agents(cx.org())
        .await?
        .into_iter()
        .filter(|a| a.ai_agent_id != changed.ai_agent_id)
        .collect();
    changed
        .check(&api.ai.models, &others)
        .map_err(|refusal| unprocessable(&refusal.field, refusal.reason))?;
    for division in changed
        .assignments
        .iter()
        .filter_map(|a| a.division_id.as_deref())
        .chain(
            changed
                .handoff_rules
                .iter()
                .filter_map(|r| r.target_division_id.as_deref()),
        )
    {
        if api.desk.divisions.division(cx.org(), division).await?.is_none() {
            return Err(HttpError::not_found("division_id: no division with this id"));
        }
    }
    for account in changed.assignments.iter().filter_map(|a| a.account_id.as_deref()) {
        if api.access.meta_accounts.get(cx.org(), account).await?.is_none() {
            return Err(HttpError::not_found("account_id: no WhatsApp account with this id"));
        }
    }
    if current.is_none() && others.len() >= agent::MAX_AGENTS {
        return Err(conflict(
            "too_many_ai_agents",
            format!("an organization has at most {} AI agents", agent::MAX_AGENTS),
        ));
    }
    api.ai
        .agents
        .put_agent(changed, current.map(|c| c.updated_at.as_str()))
        .await?;
    Ok(())
}

fn apply(agent: &mut AiAgent, body: views::WriteAiAgent) -> Result<(), HttpError> {
    if let Some(name) = body.name {
        agent.name = name.trim().to_string();
    }
    if let Some(prompt) = body.system_prompt {
        agent.system_prompt = prompt;
    }
    if let Some(model) = body.model {
        agent.model = model;
    }
    if let Some(temperature) = body.temperature {
        if !(0.0..=1.0).contains(&temperature) {
            return Err(unprocessable("temperature", "0 to 1"));
        }
        agent.temperature = temperature as f32;
    }
    if let Some(max_tokens) = body.max_tokens {
        agent.max_tokens = max_tokens;
    }
    if let Some(welcome) = body.welcome_message {
        agent.welcome_message = welcome;
    }
    if let Some(active) = body.is_active {
        agent.is_active = active;
    }
    if let Some(parent) = body.parent_agent_id {
        agent.parent_agent_id = parent;
    }
    if let Some(limit) = body.daily_token_limit {
        agent.daily_token_limit = limit.map(u64::from);
    }
    if let Some(turns) = body.max_conversation_turns {
        agent.max_conversation_turns = turns;
    }
    if let Some(context) = body.system_context {
        agent.system_context = context;
    }
    if let Some(memory) = body.memory {
        agent.memory = memory;
    }
    Ok(())
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agents = api.ai.agents.agents(cx.org()).await?;
    ok(&views::AiAgentList {
        data: agents.iter().map(views::AiAgent::from).collect(),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::AiAgent::from(&load(api, cx).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiAgent = cx.json()?;
    for (field, given) in [
        ("name", body.name.is_some()),
        ("system_prompt", body.system_prompt.is_some()),
        ("model", body.model.is_some()),
    ] {
        if !given {
            return Err(unprocessable(field, "is required"));
        }
    }
    let now = shared::platform::items::now_rfc3339();
    let mut agent = AiAgent {
        org_id: cx.org().into(),
        ai_agent_id: ids::new_id("aia"),
        name: String::new(),
        system_prompt: String::new(),
        model: String::new(),
        temperature: DEFAULT_TEMPERATURE,
        max_tokens: DEFAULT_MAX_TOKENS,
        welcome_message: None,
        is_active: true,
        parent_agent_id: None,
        daily_token_limit: None,
        max_conversation_turns: None,
        system_context: None,
        memory: None,
        assignments: vec![],
        handoff_rules: vec![],
        orchestration_rules: vec![],
        created_at: now.clone(),
        updated_at: now,
    };
    apply(&mut agent, body)?;
    store(api, cx, &agent, None).await?;
    created(&views::AiAgent::from(&agent))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiAgent = cx.json()?;
    let current = load(api, cx).await?;
    let mut agent = current.clone();
    apply(&mut agent, body)?;
    agent.updated_at = shared::platform::items::now_rfc3339();
    store(api, cx, &agent, Some(&current)).await?;
    ok(&views::AiAgent::from(&agent))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("ai_agent_id", "AI agent")?;
    let agents = api.ai.agents.agents(cx.org()).await?;
    if agents.iter().any(|a| a.parent_agent_id.as_deref() == Some(id.as_str())) {
        return Err(conflict(
            "ai_agent_has_children",
            "other AI agents name this one as their parent: change them first",
        ));
    }
    if !api.ai.agents.delete_agent(cx.org(), &id).await? {
        return Err(not_found("AI agent"));
    }
    no_content()
}
