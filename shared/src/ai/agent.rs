//! An AI agent as the organization writes it (seed 001's AiAgent with seed 004's context and
//! memory), with where it answers (`assignments`) and when it hands over (`handoff_rules`) kept in
//! the agent's own item: one read loads everything a turn needs, and each list is small.
//! Everything here is pure: what a valid agent is, and which agent answers a conversation.

use crate::ai::handoff::HandoffRule;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const MAX_AGENTS: usize = 20;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_SYSTEM_PROMPT_CHARS: usize = 8_000;
pub const MAX_SYSTEM_CONTEXT_CHARS: usize = 4_000;
pub const MAX_WELCOME_CHARS: usize = 1_024;
/// The agent's memory (a JSON object), serialized.
pub const MAX_MEMORY_BYTES: usize = 8_192;
pub const MIN_MAX_TOKENS: u32 = 16;
pub const MAX_MAX_TOKENS: u32 = 4_096;
pub const MAX_DAILY_TOKEN_LIMIT: u64 = 100_000_000;
pub const MAX_CONVERSATION_TURNS: u32 = 1_000;
pub const MAX_ASSIGNMENTS: usize = 20;
pub const MAX_ASSIGNMENT_TAGS: usize = 10;
pub const MAX_PRIORITY: i64 = 1_000;
pub const DEFAULT_TEMPERATURE: f32 = 0.3;
pub const DEFAULT_MAX_TOKENS: u32 = 512;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiAgent {
    pub org_id: String,
    pub ai_agent_id: String,
    pub name: String,
    pub system_prompt: String,
    /// A Bedrock model id (or cross-region inference profile) on the deployment's allow-list.
    pub model: String,
    pub temperature: f32,
    pub max_tokens: u32,
    /// Sent once, before its first answer in a conversation.
    #[serde(default)]
    pub welcome_message: Option<String>,
    pub is_active: bool,
    /// The orchestrating agent this one is a child of.
    #[serde(default)]
    pub parent_agent_id: Option<String>,
    #[serde(default)]
    pub daily_token_limit: Option<u64>,
    #[serde(default)]
    pub max_conversation_turns: Option<u32>,
    /// Seed 004's `agent_system_context`: standing facts about the business, after the prompt.
    #[serde(default)]
    pub system_context: Option<String>,
    /// Seed 004's `agent_memory`: a JSON object the agent is given with every turn.
    #[serde(default)]
    pub memory: Option<Value>,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    #[serde(default)]
    pub handoff_rules: Vec<HandoffRule>,
    /// Where this agent (a parent) passes conversations to its children.
    #[serde(default)]
    pub orchestration_rules: Vec<crate::ai::orchestration::OrchestrationRule>,
    pub created_at: String,
    pub updated_at: String,
}

/// Where an agent answers: a channel, optionally one WhatsApp number, one division and contacts
/// with any of some tags (seed 004's `agent_assigned_tags`). The highest priority wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub assignment_id: String,
    pub channel: String,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub division_id: Option<String>,
    #[serde(default)]
    pub contact_tags: Vec<String>,
    pub priority: i64,
    pub is_active: bool,
    pub created_at: String,
}

/// The only channel Switchboard serves.
pub const CHANNEL: &str = "whatsapp";

/// A field of an agent that cannot be stored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: String,
    pub reason: String,
}

impl Refusal {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Result<(), Refusal> {
    if required && value.trim().is_empty() {
        return Err(Refusal::new(field, "must not be blank"));
    }
    if value.chars().count() > max {
        return Err(Refusal::new(field, format!("at most {max} characters")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Refusal::new(field, "no control characters"));
    }
    Ok(())
}

impl AiAgent {
    /// Checks the agent whole: `models` is the deployment's allow-list, `agents` the
    /// organization's others (a parent must be one of them, and not itself a child).
    pub fn check(&self, models: &[String], agents: &[AiAgent]) -> Result<(), Refusal> {
        text("name", &self.name, MAX_NAME_CHARS, true)?;
        text("system_prompt", &self.system_prompt, MAX_SYSTEM_PROMPT_CHARS, true)?;
        if !models.contains(&self.model) {
            return Err(Refusal::new(
                "model",
                format!("one of this deployment's models: {}", models.join(", ")),
            ));
        }
        if !(0.0..=1.0).contains(&self.temperature) || !self.temperature.is_finite() {
            return Err(Refusal::new("temperature", "0 to 1"));
        }
        if !(MIN_MAX_TOKENS..=MAX_MAX_TOKENS).contains(&self.max_tokens) {
            return Err(Refusal::new(
                "max_tokens",
                format!("{MIN_MAX_TOKENS} to {MAX_MAX_TOKENS}"),
            ));
        }
        if let Some(welcome) = &self.welcome_message {
            text("welcome_message", welcome, MAX_WELCOME_CHARS, true)?;
        }
        if let Some(context) = &self.system_context {
            text("system_context", context, MAX_SYSTEM_CONTEXT_CHARS, true)?;
        }
        if let Some(limit) = self.daily_token_limit
            && !(1..=MAX_DAILY_TOKEN_LIMIT).contains(&limit)
        {
            return Err(Refusal::new(
                "daily_token_limit",
                format!("1 to {MAX_DAILY_TOKEN_LIMIT}"),
            ));
        }
        if let Some(turns) = self.max_conversation_turns
            && !(1..=MAX_CONVERSATION_TURNS).contains(&turns)
        {
            return Err(Refusal::new(
                "max_conversation_turns",
                format!("1 to {MAX_CONVERSATION_TURNS}"),
            ));
        }
        if let Some(memory) = &self.memory {
            if !memory.is_object() {
                return Err(Refusal::new("memory", "a JSON object"));
            }
            if memory.to_string().len() > MAX_MEMORY_BYTES {
                return Err(Refusal::new(
                    "memory",
                    format!("at most {MAX_MEMORY_BYTES} bytes as JSON"),
                ));
            }
        }
        if let Some(parent) = &self.parent_agent_id {
            if *parent == self.ai_agent_id {
                return Err(Refusal::new("parent_agent_id", "an agent cannot be its own parent"));
            }
            match agents.iter().find(|a| a.ai_agent_id == *parent) {
                None => return Err(Refusal::new("parent_agent_id", "no AI agent with this id")),
                Some(p) if p.parent_agent_id.is_some() => {
                    return Err(Refusal::new(
                        "parent_agent_id",
                        "the parent is itself a child (one level of orchestration)",
                    ));
                }
                Some(_)
                    if agents
                        .iter()
                        .any(|a| a.parent_agent_id.as_deref() == Some(&self.ai_agent_id)) =>
                {
                    return Err(Refusal::new(
                        "parent_agent_id",
                        "this agent has children of its own (one level of orchestration)",
                    ));
                }
                Some(_) => {}
            }
        }
        if self.assignments.len() > MAX_ASSIGNMENTS {
            return Err(Refusal::new("assignments", format!("at most {MAX_ASSIGNMENTS}")));
        }
        for (i, assignment) in self.assignments.iter().enumerate() {
            assignment
                .check()
                .map_err(|r| Refusal::new(format!("assignments[{i}].{}", r.field), r.reason))?;
        }
        crate::ai::handoff::check_all(&self.handoff_rules)?;
        crate::ai::orchestration::check_all(self)
    }

    /// Whether it may answer at all.
    pub fn answers(&self) -> bool {
        self.is_active
    }
}

impl Assignment {
    pub fn check(&self) -> Result<(), Refusal> {
        if self.channel != CHANNEL {
            return Err(Refusal::new("channel", "whatsapp"));
        }
        if !(0..=MAX_PRIORITY).contains(&self.priority) {
            return Err(Refusal::new("priority", format!("0 to {MAX_PRIORITY}")));
        }
        if self.contact_tags.len() > MAX_ASSIGNMENT_TAGS {
            return Err(Refusal::new("contact_tags", format!("at most {MAX_ASSIGNMENT_TAGS}")));
        }
        Ok(())
    }

    /// Whether it covers a conversation on `account_id`, in `division_id`, with a contact tagged
    /// `tags` (no number, division or tags named: any).
    pub fn covers(&self, account_id: &str, division_id: Option<&str>, tags: &[String]) -> bool {
        self.is_active
            && self.account_id.as_deref().is_none_or(|a| a == account_id)
            && self.division_id.as_deref().is_none_or(|d| Some(d) == division_id)
            && (self.contact_tags.is_empty() || self.contact_tags.iter().any(|t| tags.contains(t)))
    }
}

/// The agent that answers a conversation: among active agents' active assignments that cover it,
/// the highest priority; ties go to the older assignment, then the agent id (so the choice is the
/// same on every retry).
pub fn choose<'a>(
    agents: &'a [AiAgent],
    account_id: &str,
    division_id: Option<&str>,
    tags: &[String],
) -> Option<(&'a AiAgent, &'a Assignment)> {
    agents
        .iter()
        .filter(|a| a.answers())
        .flat_map(|agent| agent.assignments.iter().map(move |s| (agent, s)))
        .filter(|(_, s)| s.covers(account_id, division_id, tags))
        .min_by(|(a, x), (b, y)| {
            y.priority
                .cmp(&x.priority)
                .then_with(|| x.created_at.cmp(&y.created_at))
                .then_with(|| a.ai_agent_id.cmp(&b.ai_agent_id))
        })
}

/// Whether any agent may answer on this WhatsApp number (the turn then checks the division and
/// tags): what decides queueing a turn at all.
pub fn may_answer(agents: &[AiAgent], account_id: &str) -> bool {
    agents
        .iter()
        .filter(|a| a.answers())
        .flat_map(|a| &a.assignments)
        .any(|s| s.is_active && s.account_id.as_deref().is_none_or(|a| a == account_id))
}

#[cfg(test)]
#[path = "agent_tests.rs"]
mod tests;
