//! AI agents on the wire: agents with their assignments and handoff rules, and usage per day.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::ai::{agent, handoff, ports::UsageDay};
use utoipa::ToSchema;

/// Where an agent answers: the highest priority covering a conversation wins.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiAssignment {
    pub id: String,
    /// whatsapp
    pub channel: String,
    /// One WhatsApp number (none: every number).
    pub account_id: Option<String>,
    /// Conversations of one division (none: any).
    pub division_id: Option<String>,
    /// Contacts with any of these tags (none: any contact).
    pub contact_tags: Vec<String>,
    /// 0 to 1000; higher wins.
    pub priority: i64,
    pub is_active: bool,
    pub created_at: String,
}

impl From<&agent::Assignment> for AiAssignment {
    fn from(a: &agent::Assignment) -> Self {
        Self {
            id: a.assignment_id.clone(),
            channel: a.channel.clone(),
            account_id: a.account_id.clone(),
            division_id: a.division_id.clone(),
            contact_tags: a.contact_tags.clone(),
            priority: a.priority,
            is_active: a.is_active,
            created_at: a.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiAssignmentList {
    pub data: Vec<AiAssignment>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAiAssignment {
    /// whatsapp (the default)
    pub channel: Option<String>,
    /// null: every number.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub account_id: Option<Option<String>>,
    /// null: any division.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub division_id: Option<Option<String>>,
    pub contact_tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub priority: Option<u32>,
    pub is_active: Option<bool>,
}

/// When the agent hands a conversation to people.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiHandoffRule {
    pub id: String,
    /// keywords | human_request | max_turns | token_limit | model_failure
    pub rule_type: String,
    /// keywords: `{"keywords": [...]}`; max_turns: `{"turns": n}`; the others: `{}`.
    #[schema(value_type = Object)]
    pub config: Value,
    /// The division that takes over (none: the conversation's own).
    pub target_division_id: Option<String>,
    /// The AI keeps silent in the conversation afterwards.
    pub stop_ai_after_handoff: bool,
    pub is_active: bool,
    pub created_at: String,
}

impl From<&handoff::HandoffRule> for AiHandoffRule {
    fn from(r: &handoff::HandoffRule) -> Self {
        let wire = serde_json::to_value(&r.trigger).unwrap_or_default();
        Self {
            id: r.rule_id.clone(),
            rule_type: wire["rule_type"].as_str().unwrap_or_default().to_string(),
            config: wire
                .get("config")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())),
            target_division_id: r.target_division_id.clone(),
            stop_ai_after_handoff: r.stop_ai_after_handoff,
            is_active: r.is_active,
            created_at: r.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiHandoffRuleList {
    pub data: Vec<AiHandoffRule>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAiHandoffRule {
    pub rule_type: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    /// null: the conversation's own division.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub target_division_id: Option<Option<String>>,
    pub stop_ai_after_handoff: Option<bool>,
    pub is_active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiAgent {
    pub id: String,
    pub name: String,
    pub system_prompt: String,
    /// A Bedrock model id on this deployment's allow-list.
    pub model: String,
    pub temperature: f32,
    pub max_tokens: u32,
    /// Sent once before its first answer in a conversation.
    pub welcome_message: Option<String>,
    pub is_active: bool,
    /// The orchestrating agent that routes conversations to this one.
    pub parent_agent_id: Option<String>,
    /// Tokens a day; at the limit conversations are handed over.
    pub daily_token_limit: Option<u64>,
    /// Answers in one conversation; at the limit it is handed over.
    pub max_conversation_turns: Option<u32>,
    /// Standing facts about the business (seed 004's agent_system_context).
    pub system_context: Option<String>,
    /// A JSON object the agent is given with every turn (seed 004's agent_memory).
    #[schema(value_type = Option<Object>)]
    pub memory: Option<Value>,
    pub assignments: Vec<AiAssignment>,
    pub handoff_rules: Vec<AiHandoffRule>,
    pub orchestration_rules: Vec<AiOrchestrationRule>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&agent::AiAgent> for AiAgent {
    fn from(a: &agent::AiAgent) -> Self {
        Self {
            id: a.ai_agent_id.clone(),
            name: a.name.clone(),
            system_prompt: a.system_prompt.clone(),
            model: a.model.clone(),
            temperature: a.temperature,
            max_tokens: a.max_tokens,
            welcome_message: a.welcome_message.clone(),
            is_active: a.is_active,
            parent_agent_id: a.parent_agent_id.clone(),
            daily_token_limit: a.daily_token_limit,
            max_conversation_turns: a.max_conversation_turns,
            system_context: a.system_context.clone(),
            memory: a.memory.clone(),
            assignments: a.assignments.iter().map(AiAssignment::from).collect(),
            handoff_rules: a.handoff_rules.iter().map(AiHandoffRule::from).collect(),
            orchestration_rules: a.orchestration_rules.iter().map(AiOrchestrationRule::from).collect(),
            created_at: a.created_at.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiAgentList {
    pub data: Vec<AiAgent>,
}

/// An agent's settings: on create `name`, `system_prompt` and `model` are required; on PATCH the
/// fields given replace theirs (null clears a nullable one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAiAgent {
    pub name: Option<String>,
    pub system_prompt: Option<String>,
    pub model: Option<String>,
    /// 0 to 1 (default 0.3).
    pub temperature: Option<f64>,
    /// 16 to 4096 (default 512).
    #[serde(default, deserialize_with = "super::whole_number")]
    pub max_tokens: Option<u32>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub welcome_message: Option<Option<String>>,
    pub is_active: Option<bool>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub parent_agent_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable_whole")]
    #[schema(value_type = Option<u32>)]
    pub daily_token_limit: Option<Option<u32>>,
    #[serde(default, deserialize_with = "super::nullable_whole")]
    #[schema(value_type = Option<u32>)]
    pub max_conversation_turns: Option<Option<u32>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub system_context: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Object>)]
    pub memory: Option<Option<Value>>,
}

/// One agent's usage on one day (UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct AiUsageDay {
    /// YYYY-MM-DD
    pub date: String,
    pub ai_agent_id: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    /// USD at the price table's list prices (README, AI agents).
    pub total_cost: f64,
    pub request_count: u64,
    /// Calls refused at the daily token limit (each handed over).
    pub refused_count: u64,
}

impl From<&UsageDay> for AiUsageDay {
    fn from(d: &UsageDay) -> Self {
        Self {
            date: d.date.clone(),
            ai_agent_id: d.ai_agent_id.clone(),
            prompt_tokens: d.prompt_tokens,
            completion_tokens: d.completion_tokens,
            total_tokens: d.total_tokens(),
            total_cost: d.cost_micros as f64 / 1_000_000.0,
            request_count: d.request_count,
            refused_count: d.refused_count,
        }
    }
}

/// Usage per day and agent, and the organization's totals over the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiUsage {
    pub from: String,
    pub to: String,
    pub data: Vec<AiUsageDay>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub total_cost: f64,
    pub request_count: u64,
}

/// A conversation's life with AI agents: who answers, and why and when it was handed over.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationAi {
    /// The agent a parent routed it to (none: its assignment decides each turn).
    pub ai_agent_id: Option<String>,
    /// The AI's answers in it.
    pub turns: u32,
    pub handed_off: bool,
    /// Why it went to people (a rule, the model's `handoff`, a limit, a failing model, a take-over).
    pub handoff_reason: Option<String>,
    pub handed_off_at: Option<String>,
    /// The AI keeps silent in it.
    pub silenced: bool,
}

impl From<&shared::ai::ports::Session> for ConversationAi {
    fn from(s: &shared::ai::ports::Session) -> Self {
        Self {
            ai_agent_id: s.ai_agent_id.clone(),
            turns: s.turns,
            handed_off: s.handoff.is_some(),
            handoff_reason: s.handoff.as_ref().map(|h| h.reason.describe()),
            handed_off_at: s.handed_off_ms.map(shared::platform::items::rfc3339_of_ms),
            silenced: s.silenced(),
        }
    }
}

/// A product the agent's `lookup_product` answers from.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiProduct {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// A decimal string.
    pub price: Option<String>,
    /// A decimal string.
    pub weight: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&shared::ai::catalog::Product> for AiProduct {
    fn from(p: &shared::ai::catalog::Product) -> Self {
        Self {
            id: p.product_id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            price: p.price.clone(),
            weight: p.weight.clone(),
            metadata: p.metadata.clone(),
            is_active: p.is_active,
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiProductList {
    pub data: Vec<AiProduct>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAiProduct {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub price: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub weight: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
    pub is_active: Option<bool>,
}

/// A parent agent passes conversations to a child when its condition fits.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiOrchestrationRule {
    pub id: String,
    pub target_agent_id: String,
    pub condition_prompt: String,
    pub priority: i64,
    pub is_active: bool,
    pub created_at: String,
}

impl From<&shared::ai::orchestration::OrchestrationRule> for AiOrchestrationRule {
    fn from(r: &shared::ai::orchestration::OrchestrationRule) -> Self {
        Self {
            id: r.rule_id.clone(),
            target_agent_id: r.target_agent_id.clone(),
            condition_prompt: r.condition_prompt.clone(),
            priority: r.priority,
            is_active: r.is_active,
            created_at: r.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiOrchestrationRuleList {
    pub data: Vec<AiOrchestrationRule>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAiOrchestrationRule {
    /// One of this agent's children.
    pub target_agent_id: Option<String>,
    pub condition_prompt: Option<String>,
    #[serde(default, deserialize_with = "super::whole_number")]
    pub priority: Option<u32>,
    pub is_active: Option<bool>,
}

/// A correction of an AI reply (seed 001's AiEvaluation); the agent's newest are its examples.
#[derive(Debug, Serialize, ToSchema)]
pub struct AiEvaluation {
    pub id: String,
    pub ai_agent_id: String,
    pub conversation_id: String,
    pub message_id: String,
    /// What the customer wrote before the reply.
    pub customer_message: Option<String>,
    pub original_response: String,
    pub corrected_response: String,
    pub context_message_ids: Vec<String>,
    /// The agent who corrected it.
    pub evaluated_by: String,
    pub created_at: String,
}

impl From<&shared::ai::evaluation::Evaluation> for AiEvaluation {
    fn from(e: &shared::ai::evaluation::Evaluation) -> Self {
        Self {
            id: e.evaluation_id.clone(),
            ai_agent_id: e.ai_agent_id.clone(),
            conversation_id: e.conversation_id.clone(),
            message_id: e.message_id.clone(),
            customer_message: e.customer_message.clone(),
            original_response: e.original_response.clone(),
            corrected_response: e.corrected_response.clone(),
            context_message_ids: e.context_message_ids.clone(),
            evaluated_by: e.evaluated_by.clone(),
            created_at: e.created_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AiEvaluationList {
    pub data: Vec<AiEvaluation>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAiEvaluation {
    pub conversation_id: Option<String>,
    /// An AI agent's message in the conversation (among its newest 100).
    pub message_id: Option<String>,
    pub corrected_response: Option<String>,
    /// The messages the correction rests on (default: the customer's message before the reply).
    pub context_message_ids: Option<Vec<String>>,
}

/// One message of a test conversation (seed 001's TestChatMessage).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestChatMessage {
    /// user | assistant
    pub role: String,
    pub content: String,
}

/// A test conversation: the agent answers its last (user's) message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestChat {
    pub messages: Vec<TestChatMessage>,
}

/// A tool the agent called in the test chat, and what it answered (nothing was changed).
#[derive(Debug, Serialize, ToSchema)]
pub struct TestChatToolCall {
    pub name: String,
    #[schema(value_type = Object)]
    pub input: Value,
    #[schema(value_type = Object)]
    pub result: Value,
    pub failed: bool,
}

/// What the agent would do: reply (and maybe resolve), or hand over and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestChatAnswer {
    /// The agent that answered (a parent may have routed to a child).
    pub ai_agent_id: String,
    pub reply: Option<String>,
    pub handoff_reason: Option<String>,
    pub resolved: bool,
    pub tool_calls: Vec<TestChatToolCall>,
}

impl From<shared::ai::test_chat::TestChatReply> for TestChatAnswer {
    fn from(r: shared::ai::test_chat::TestChatReply) -> Self {
        Self {
            ai_agent_id: r.ai_agent_id,
            reply: r.reply,
            handoff_reason: r.handoff,
            resolved: r.resolved,
            tool_calls: r
                .tool_calls
                .into_iter()
                .map(|t| TestChatToolCall {
                    name: t.name,
                    input: t.input,
                    result: t.result,
                    failed: t.failed,
                })
                .collect(),
        }
    }
}
