//! Orchestration (seed 001's AiOrchestrationRule): a parent agent passes a conversation to one of
//! its children when the child's `condition_prompt` fits; the model decides, through the
//! `route_to_agent` tool, among the rules' targets, shown to it by priority.

use crate::ai::agent::{AiAgent, Refusal};
use serde::{Deserialize, Serialize};

pub const MAX_RULES: usize = 20;
pub const MAX_CONDITION_CHARS: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrchestrationRule {
    pub rule_id: String,
    /// A child of the agent holding the rule.
    pub target_agent_id: String,
    /// When to route there, in words the model reads.
    pub condition_prompt: String,
    /// Higher first.
    pub priority: i64,
    pub is_active: bool,
    pub created_at: String,
}

/// Checks an agent's rules as written (their targets are checked when a rule is written, by
/// [`check_target`]: a child that leaves later only stops being routed to).
pub fn check_all(agent: &AiAgent) -> Result<(), Refusal> {
    if agent.orchestration_rules.len() > MAX_RULES {
        return Err(Refusal::new("orchestration_rules", format!("at most {MAX_RULES}")));
    }
    for rule in &agent.orchestration_rules {
        if rule.condition_prompt.trim().is_empty()
            || rule.condition_prompt.chars().count() > MAX_CONDITION_CHARS
            || rule
                .condition_prompt
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Refusal::new(
                "condition_prompt",
                format!("1 to {MAX_CONDITION_CHARS} characters, no control characters"),
            ));
        }
        if !(0..=crate::ai::agent::MAX_PRIORITY).contains(&rule.priority) {
            return Err(Refusal::new(
                "priority",
                format!("0 to {}", crate::ai::agent::MAX_PRIORITY),
            ));
        }
    }
    Ok(())
}

/// Whether `target` may be a rule's target for `agent`: one of its children.
pub fn check_target(agent_id: &str, target: &str, agents: &[AiAgent]) -> Result<(), Refusal> {
    match agents
        .iter()
        .any(|a| a.ai_agent_id == target && a.parent_agent_id.as_deref() == Some(agent_id))
    {
        true => Ok(()),
        false => Err(Refusal::new(
            "target_agent_id",
            "one of this agent's children (an AI agent whose parent_agent_id is this one)",
        )),
    }
}

/// Where `agent` may route: its active rules whose targets are active children, by priority.
pub fn targets<'a>(agent: &'a AiAgent, agents: &'a [AiAgent]) -> Vec<(&'a AiAgent, &'a OrchestrationRule)> {
    if agent.parent_agent_id.is_some() {
        return vec![];
    }
    let mut found: Vec<(&AiAgent, &OrchestrationRule)> = agent
        .orchestration_rules
        .iter()
        .filter(|r| r.is_active)
        .filter_map(|r| {
            agents
                .iter()
                .find(|a| {
                    a.ai_agent_id == r.target_agent_id
                        && a.is_active
                        && a.parent_agent_id.as_deref() == Some(&agent.ai_agent_id)
                })
                .map(|a| (a, r))
        })
        .collect();
    found.sort_by(|(_, x), (_, y)| {
        y.priority
            .cmp(&x.priority)
            .then_with(|| x.created_at.cmp(&y.created_at))
    });
    found
}
