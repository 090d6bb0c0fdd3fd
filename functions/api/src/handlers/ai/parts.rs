//! An agent's assignments and handoff rules: each list lives in the agent's item, so every change
//! is a read, an edit and a write of the agent conditioned on the read, checked whole.

use super::agents::{load, store};
use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::ai::agent::{AiAgent, Assignment, CHANNEL, MAX_ASSIGNMENT_TAGS, MAX_PRIORITY};
use shared::ai::handoff::{HandoffRule, Trigger};
use shared::ai::orchestration::OrchestrationRule;
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::items::now_rfc3339;

/// Loads the path's agent, edits it with `change` and stores it checked whole; what `change`
/// answered.
async fn edit<T>(
    api: &ApiService,
    cx: &Context<'_>,
    change: impl FnOnce(&mut AiAgent) -> Result<T, HttpError>,
) -> Result<T, HttpError> {
    let current = load(api, cx).await?;
    let mut agent = current.clone();
    let answer = change(&mut agent)?;
    agent.updated_at = now_rfc3339();
    store(api, cx, &agent, Some(&current)).await?;
    Ok(answer)
}

fn position<T>(items: &[T], id: &str, of: impl Fn(&T) -> &str, what: &str) -> Result<usize, HttpError> {
    items.iter().position(|i| of(i) == id).ok_or_else(|| not_found(what))
}

fn apply_assignment(assignment: &mut Assignment, body: views::WriteAiAssignment) -> Result<(), HttpError> {
    if let Some(channel) = body.channel {
        assignment.channel = channel;
    }
    if let Some(account) = body.account_id {
        assignment.account_id = account;
    }
    if let Some(division) = body.division_id {
        assignment.division_id = division;
    }
    if let Some(tags) = body.contact_tags {
        // Counted as sent, as the document states the limit.
        if tags.len() > MAX_ASSIGNMENT_TAGS {
            return Err(unprocessable("contact_tags", format!("at most {MAX_ASSIGNMENT_TAGS}")));
        }
        assignment.contact_tags =
            shared::desk::normalize_tags(&tags).map_err(|refused| unprocessable("contact_tags", refused.reason))?;
    }
    if let Some(priority) = body.priority {
        if i64::from(priority) > MAX_PRIORITY {
            return Err(unprocessable("priority", format!("0 to {MAX_PRIORITY}")));
        }
        assignment.priority = i64::from(priority);
    }
    if let Some(active) = body.is_active {
        assignment.is_active = active;
    }
    assignment.check().map_err(|r| unprocessable(&r.field, r.reason))
}

pub async fn list_assignments(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = load(api, cx).await?;
    ok(&views::AiAssignmentList {
        data: agent.assignments.iter().map(views::AiAssignment::from).collect(),
    })
}

pub async fn create_assignment(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiAssignment = cx.json()?;
    let made = edit(api, cx, |agent| {
        let mut assignment = Assignment {
            assignment_id: ids::new_id("aas"),
            channel: CHANNEL.into(),
            account_id: None,
            division_id: None,
            contact_tags: vec![],
            priority: 0,
            is_active: true,
            created_at: now_rfc3339(),
        };
        apply_assignment(&mut assignment, body)?;
        agent.assignments.push(assignment.clone());
        Ok(assignment)
    })
    .await?;
    created(&views::AiAssignment::from(&made))
}

pub async fn update_assignment(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiAssignment = cx.json()?;
    let id = cx.id("assignment_id", "assignment")?;
    let changed = edit(api, cx, |agent| {
        let at = position(&agent.assignments, &id, |a| &a.assignment_id, "assignment")?;
        apply_assignment(&mut agent.assignments[at], body)?;
        Ok(agent.assignments[at].clone())
    })
    .await?;
    ok(&views::AiAssignment::from(&changed))
}

pub async fn delete_assignment(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("assignment_id", "assignment")?;
    edit(api, cx, |agent| {
        let at = position(&agent.assignments, &id, |a| &a.assignment_id, "assignment")?;
        agent.assignments.remove(at);
        Ok(())
    })
    .await?;
    no_content()
}

/// The rule's trigger from its `rule_type` and `config` (either given replaces that part).
fn trigger_of(
    current: Option<&Trigger>,
    rule_type: Option<String>,
    config: Option<serde_json::Value>,
) -> Result<Trigger, HttpError> {
    let current = current.and_then(|t| serde_json::to_value(t).ok());
    let rule_type = rule_type
        .or_else(|| {
            current
                .as_ref()
                .and_then(|c| c["rule_type"].as_str().map(str::to_string))
        })
        .ok_or_else(|| unprocessable("rule_type", "is required"))?;
    let config = config
        .or_else(|| current.and_then(|c| c.get("config").cloned()))
        .unwrap_or_else(|| serde_json::json!({}));
    if !config.is_object() {
        return Err(unprocessable("config", "an object"));
    }
    serde_json::from_value(serde_json::json!({"rule_type": rule_type, "config": config})).map_err(|err| {
        match ["keywords", "human_request", "max_turns", "token_limit", "model_failure"].contains(&rule_type.as_str()) {
            true => unprocessable("config", err),
            false => unprocessable(
                "rule_type",
                "keywords, human_request, max_turns, token_limit or model_failure",
            ),
        }
    })
}

fn apply_rule(rule: &mut HandoffRule, body: views::WriteAiHandoffRule) -> Result<(), HttpError> {
    if body.rule_type.is_some() || body.config.is_some() {
        rule.trigger = trigger_of(Some(&rule.trigger), body.rule_type, body.config)?;
    }
    if let Some(target) = body.target_division_id {
        rule.target_division_id = target;
    }
    if let Some(stop) = body.stop_ai_after_handoff {
        rule.stop_ai_after_handoff = stop;
    }
    if let Some(active) = body.is_active {
        rule.is_active = active;
    }
    rule.check().map_err(|r| unprocessable(&r.field, r.reason))
}

pub async fn list_rules(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = load(api, cx).await?;
    ok(&views::AiHandoffRuleList {
        data: agent.handoff_rules.iter().map(views::AiHandoffRule::from).collect(),
    })
}

pub async fn create_rule(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiHandoffRule = cx.json()?;
    let trigger = trigger_of(None, body.rule_type.clone(), body.config.clone())?;
    let made = edit(api, cx, |agent| {
        let mut rule = HandoffRule {
            rule_id: ids::new_id("aho"),
            trigger,
            target_division_id: None,
            stop_ai_after_handoff: true,
            is_active: true,
            created_at: now_rfc3339(),
        };
        apply_rule(&mut rule, body)?;
        agent.handoff_rules.push(rule.clone());
        Ok(rule)
    })
    .await?;
    created(&views::AiHandoffRule::from(&made))
}

pub async fn update_rule(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiHandoffRule = cx.json()?;
    let id = cx.id("handoff_rule_id", "handoff rule")?;
    let changed = edit(api, cx, |agent| {
        let at = position(&agent.handoff_rules, &id, |r| &r.rule_id, "handoff rule")?;
        apply_rule(&mut agent.handoff_rules[at], body)?;
        Ok(agent.handoff_rules[at].clone())
    })
    .await?;
    ok(&views::AiHandoffRule::from(&changed))
}

pub async fn delete_rule(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("handoff_rule_id", "handoff rule")?;
    edit(api, cx, |agent| {
        let at = position(&agent.handoff_rules, &id, |r| &r.rule_id, "handoff rule")?;
        agent.handoff_rules.remove(at);
        Ok(())
    })
    .await?;
    no_content()
}

fn apply_orchestration(rule: &mut OrchestrationRule, body: views::WriteAiOrchestrationRule) -> Result<(), HttpError> {
    if let Some(target) = body.target_agent_id {
        rule.target_agent_id = target;
    }
    if let Some(condition) = body.condition_prompt {
        rule.condition_prompt = condition;
    }
    if let Some(priority) = body.priority {
        if i64::from(priority) > MAX_PRIORITY {
            return Err(unprocessable("priority", format!("0 to {MAX_PRIORITY}")));
        }
        rule.priority = i64::from(priority);
    }
    if let Some(active) = body.is_active {
        rule.is_active = active;
    }
    Ok(())
}

pub async fn list_orchestration(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = load(api, cx).await?;
    ok(&views::AiOrchestrationRuleList {
        data: agent
            .orchestration_rules
            .iter()
            .map(views::AiOrchestrationRule::from)
            .collect(),
    })
}

/// The organization's agents, when a rule names a target (which must be a child of the path's agent).
async fn check_target(api: &ApiService, cx: &Context<'_>, target: Option<&str>) -> Result<(), HttpError> {
    let Some(target) = target else {
        return Ok(());
    };
    let agent_id = cx.id("ai_agent_id", "AI agent")?;
    let agents = shared::ai::ports::AgentBook::agents(&api.ai.agents, cx.org()).await?;
    shared::ai::orchestration::check_target(&agent_id, target, &agents).map_err(|r| unprocessable(&r.field, r.reason))
}

pub async fn create_orchestration(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiOrchestrationRule = cx.json()?;
    // Another organization's agent is 404 before its body is looked at.
    load(api, cx).await?;
    check_target(api, cx, body.target_agent_id.as_deref()).await?;
    for (field, given) in [
        ("target_agent_id", body.target_agent_id.is_some()),
        ("condition_prompt", body.condition_prompt.is_some()),
    ] {
        if !given {
            return Err(unprocessable(field, "is required"));
        }
    }
    let made = edit(api, cx, |agent| {
        let mut rule = OrchestrationRule {
            rule_id: ids::new_id("aor"),
            target_agent_id: String::new(),
            condition_prompt: String::new(),
            priority: 0,
            is_active: true,
            created_at: now_rfc3339(),
        };
        apply_orchestration(&mut rule, body)?;
        agent.orchestration_rules.push(rule.clone());
        Ok(rule)
    })
    .await?;
    created(&views::AiOrchestrationRule::from(&made))
}

pub async fn update_orchestration(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAiOrchestrationRule = cx.json()?;
    check_target(api, cx, body.target_agent_id.as_deref()).await?;
    let id = cx.id("orchestration_rule_id", "orchestration rule")?;
    let changed = edit(api, cx, |agent| {
        let at = position(&agent.orchestration_rules, &id, |r| &r.rule_id, "orchestration rule")?;
        apply_orchestration(&mut agent.orchestration_rules[at], body)?;
        Ok(agent.orchestration_rules[at].clone())
    })
    .await?;
    ok(&views::AiOrchestrationRule::from(&changed))
}

pub async fn delete_orchestration(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("orchestration_rule_id", "orchestration rule")?;
    edit(api, cx, |agent| {
        let at = position(&agent.orchestration_rules, &id, |r| &r.rule_id, "orchestration rule")?;
        agent.orchestration_rules.remove(at);
        Ok(())
    })
    .await?;
    no_content()
}
