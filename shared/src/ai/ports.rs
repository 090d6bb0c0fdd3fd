//! What AI agents need from the world beyond the model, the inbox's reads and sends and the
//! desk's effects: the organization's agents, each conversation's AI session (its turn counter
//! and handoff), the daily usage counters, and the queue of turns to answer.

use crate::ai::agent::AiAgent;
use crate::ai::handoff::Handoff;
use crate::platform::StoreError;
use serde::{Deserialize, Serialize};

#[async_trait::async_trait]
pub trait AgentBook: Send + Sync {
    /// The organization's agents (active or not), oldest first.
    async fn agents(&self, org_id: &str) -> Result<Vec<AiAgent>, StoreError>;
    async fn agent(&self, org_id: &str, ai_agent_id: &str) -> Result<Option<AiAgent>, StoreError>;
    /// Writes an agent whole: a new one only if its id is free, a changed one only if it was not
    /// changed since `read_at` (its `updated_at` as read); otherwise `Conflict`.
    async fn put_agent(&self, agent: &AiAgent, read_at: Option<&str>) -> Result<(), StoreError>;
    /// `false` when there was none.
    async fn delete_agent(&self, org_id: &str, ai_agent_id: &str) -> Result<bool, StoreError>;
}

/// An agent's products (what `lookup_product` answers from).
#[async_trait::async_trait]
pub trait ProductBook: Send + Sync {
    /// The agent's products (active or not), by name.
    async fn products(&self, org_id: &str, ai_agent_id: &str) -> Result<Vec<crate::ai::catalog::Product>, StoreError>;
    /// Writes a product whole: new only if its id is free, changed only if not changed since
    /// `read_at`; otherwise `Conflict`.
    async fn put_product(&self, product: &crate::ai::catalog::Product, read_at: Option<&str>)
    -> Result<(), StoreError>;
    /// `false` when there was none.
    async fn delete_product(&self, org_id: &str, ai_agent_id: &str, product_id: &str) -> Result<bool, StoreError>;
}

/// Corrections of AI replies, per agent.
#[async_trait::async_trait]
pub trait EvaluationBook: Send + Sync {
    /// The agent's corrections, newest first, at most `limit`.
    async fn evaluations(
        &self,
        org_id: &str,
        ai_agent_id: &str,
        limit: usize,
    ) -> Result<Vec<crate::ai::evaluation::Evaluation>, StoreError>;
    /// Stores a new correction (with its pointer by id).
    async fn add_evaluation(&self, evaluation: &crate::ai::evaluation::Evaluation) -> Result<(), StoreError>;
    /// The organization's correction by id.
    async fn evaluation(
        &self,
        org_id: &str,
        evaluation_id: &str,
    ) -> Result<Option<crate::ai::evaluation::Evaluation>, StoreError>;
    /// `false` when there was none.
    async fn delete_evaluation(&self, org_id: &str, evaluation_id: &str) -> Result<bool, StoreError>;
}

/// A conversation's life with AI agents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub org_id: String,
    pub conversation_id: String,
    /// The agent answering now (a parent may have routed it to a child).
    #[serde(default)]
    pub ai_agent_id: Option<String>,
    /// Turns answered.
    #[serde(default)]
    pub turns: u32,
    /// The customer message (its wamid) the last counted turn answered.
    #[serde(default)]
    pub last_message_id: Option<String>,
    #[serde(default)]
    pub handoff: Option<Handoff>,
    /// The customer message the handoff was decided on, and when (epoch milliseconds).
    #[serde(default)]
    pub handoff_message_id: Option<String>,
    #[serde(default)]
    pub handed_off_ms: Option<i64>,
}

impl Session {
    /// Whether the AI keeps quiet in it: handed over with silence asked.
    pub fn silenced(&self) -> bool {
        self.handoff.as_ref().is_some_and(|h| h.stop_ai)
    }
}

/// What counting a turn came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnCount {
    /// Counted (or counted before for this very message: a redelivery): the turn's number.
    Counted(u32),
    /// The limit is reached: nothing was counted.
    LimitReached(u32),
    /// Handed over with silence: nothing was counted.
    Silenced,
}

#[async_trait::async_trait]
pub trait Sessions: Send + Sync {
    async fn session(&self, org_id: &str, conversation_id: &str) -> Result<Option<Session>, StoreError>;
    /// Counts the turn answering `message_id` by `ai_agent_id`, only below `limit` and only when
    /// the AI was not silenced; the same message counted before counts as allowed again.
    async fn count_turn(
        &self,
        org_id: &str,
        conversation_id: &str,
        ai_agent_id: &str,
        message_id: &str,
        limit: Option<u32>,
    ) -> Result<TurnCount, StoreError>;
    /// Sets the agent answering from now on (orchestration).
    async fn route(&self, org_id: &str, conversation_id: &str, ai_agent_id: &str) -> Result<(), StoreError>;
    /// Records the handoff decided on `message_id` at `at_ms`, unless another message's silencing
    /// handoff stands: when it is (now or on an earlier delivery of the same message) recorded,
    /// its time as recorded first; `None` when another one stands.
    async fn hand_off(
        &self,
        org_id: &str,
        conversation_id: &str,
        handoff: &Handoff,
        message_id: &str,
        at_ms: i64,
    ) -> Result<Option<i64>, StoreError>;
    /// Lets the AI answer again (an agent hands the conversation back).
    async fn clear_handoff(&self, org_id: &str, conversation_id: &str) -> Result<(), StoreError>;
}

/// One agent's usage on one day (UTC), seed 001's AiUsageDailySummary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageDay {
    pub org_id: String,
    pub ai_agent_id: String,
    /// YYYY-MM-DD.
    pub date: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub request_count: u64,
    /// Micro-dollars at the price table's list prices; calls of unpriced models add nothing.
    pub cost_micros: u64,
    /// Calls refused because the daily limit was reached.
    pub refused_count: u64,
}

impl UsageDay {
    pub fn total_tokens(&self) -> u64 {
        self.prompt_tokens + self.completion_tokens
    }
}

#[async_trait::async_trait]
pub trait UsageMeter: Send + Sync {
    /// Admits one model call by the agent on `date` while its tokens are below `limit` (none:
    /// always), counting the request; `false` (and a refusal counted) at the limit.
    async fn admit(&self, org_id: &str, ai_agent_id: &str, date: &str, limit: Option<u64>) -> Result<bool, StoreError>;
    /// Adds a call's tokens and cost.
    async fn spend(
        &self,
        org_id: &str,
        ai_agent_id: &str,
        date: &str,
        prompt_tokens: u64,
        completion_tokens: u64,
        cost_micros: u64,
    ) -> Result<(), StoreError>;
    /// The organization's usage days from `from` to `to` (inclusive, YYYY-MM-DD), by date then
    /// agent.
    async fn days(&self, org_id: &str, from: &str, to: &str) -> Result<Vec<UsageDay>, StoreError>;
}

/// A customer message for an AI agent to answer, queued in order per conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnJob {
    pub org_id: String,
    pub conversation_id: String,
    pub contact_id: String,
    /// Meta's id of the customer's message it answers (with those before it unanswered).
    pub wamid: String,
    /// The `message.received` event it came from.
    pub event_id: String,
    pub account_id: String,
}

#[async_trait::async_trait]
pub trait TurnQueue: Send + Sync {
    /// Queues the job in its conversation's order; the same message queued twice is one job.
    async fn enqueue(&self, job: &TurnJob) -> Result<(), StoreError>;
}

/// A conversation's newest messages, both directions, newest first.
#[async_trait::async_trait]
pub trait RecentMessages: Send + Sync {
    async fn recent(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: usize,
    ) -> Result<Vec<crate::inbox::Message>, StoreError>;
}

/// Where AI agents keep what they learn about a customer (the contact's `llm_context`).
#[async_trait::async_trait]
pub trait ContactContexts: Send + Sync {
    /// Replaces the contact's context; `false` when there is no such contact.
    async fn set_context(
        &self,
        org_id: &str,
        contact_id: &str,
        context: &serde_json::Value,
    ) -> Result<bool, StoreError>;
}
