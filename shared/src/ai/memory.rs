//! AI agents' ports in memory, for tests of turns without moto: the same rules as DynamoDB's
//! stores (conditioned writes, a turn counted once per message, the first silencing handoff
//! standing), held to them by `contract`. And a scripted model that answers what a test queues.

use crate::ai::agent::AiAgent;
use crate::ai::handoff::Handoff;
use crate::ai::model::{Embedding, Model, ModelError, Prompt, Reply};
use crate::ai::ports::{
    AgentBook, ContactContexts, RecentMessages, Session, Sessions, TurnCount, UsageDay, UsageMeter,
};
use crate::inbox::Message;
use crate::platform::StoreError;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    agents: BTreeMap<(String, String), AiAgent>,
    sessions: HashMap<(String, String), Session>,
    usage: BTreeMap<(String, String, String), UsageDay>,
    messages: HashMap<(String, String), Vec<Message>>,
    contexts: HashMap<(String, String), Value>,
    products: BTreeMap<(String, String, String), crate::ai::catalog::Product>,
    evaluations: BTreeMap<(String, String), crate::ai::evaluation::Evaluation>,
}

#[derive(Default)]
pub struct MemoryAi {
    state: Mutex<State>,
}

impl MemoryAi {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a message to its conversation (tests write the conversation's history).
    pub fn push_message(&self, message: Message) {
        self.state()
            .messages
            .entry((message.org_id.clone(), message.conversation_id.clone()))
            .or_default()
            .push(message);
    }

    /// The contact's context as last set.
    pub fn context(&self, org_id: &str, contact_id: &str) -> Option<Value> {
        self.state().contexts.get(&(org_id.into(), contact_id.into())).cloned()
    }
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.into(), b.into())
}

/// The agent's usage on the day, a new one if it has none.
fn day_of<'a>(state: &'a mut State, org_id: &str, ai_agent_id: &str, date: &str) -> &'a mut UsageDay {
    state
        .usage
        .entry((org_id.into(), date.into(), ai_agent_id.into()))
        .or_insert_with(|| UsageDay {
            org_id: org_id.into(),
            ai_agent_id: ai_agent_id.into(),
            date: date.into(),
            ..Default::default()
        })
}

/// The conversation's session, a new one if it has none.
fn session_of<'a>(state: &'a mut State, org_id: &str, conversation_id: &str) -> &'a mut Session {
    state
        .sessions
        .entry(pair(org_id, conversation_id))
        .or_insert_with(|| Session {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            ..Default::default()
        })
}

#[async_trait::async_trait]
impl AgentBook for MemoryAi {
    async fn agents(&self, org_id: &str) -> Result<Vec<AiAgent>, StoreError> {
        let mut agents: Vec<AiAgent> = self
            .state()
            .agents
            .values()
            .filter(|a| a.org_id == org_id)
            .cloned()
            .collect();
        agents.sort_by(|a, b| (&a.created_at, &a.ai_agent_id).cmp(&(&b.created_at, &b.ai_agent_id)));
        Ok(agents)
    }

    async fn agent(&self, org_id: &str, ai_agent_id: &str) -> Result<Option<AiAgent>, StoreError> {
        Ok(self.state().agents.get(&pair(org_id, ai_agent_id)).cloned())
    }

    async fn put_agent(&self, agent: &AiAgent, read_at: Option<&str>) -> Result<(), StoreError> {
        let mut state = self.state();
        let key = pair(&agent.org_id, &agent.ai_agent_id);
        let stands = match (state.agents.get(&key), read_at) {
            (None, None) => true,
            (Some(current), Some(at)) => current.updated_at == at,
            _ => false,
        };
        if !stands {
            return Err(StoreError::Conflict(
                "the AI agent changed meanwhile (or its id is taken); read it again".into(),
            ));
        }
        state.agents.insert(key, agent.clone());
        Ok(())
    }

    async fn delete_agent(&self, org_id: &str, ai_agent_id: &str) -> Result<bool, StoreError> {
        Ok(self.state().agents.remove(&pair(org_id, ai_agent_id)).is_some())
    }
}

#[async_trait::async_trait]
impl crate::ai::ports::ProductBook for MemoryAi {
    async fn products(&self, org_id: &str, ai_agent_id: &str) -> Result<Vec<crate::ai::catalog::Product>, StoreError> {
        let mut products: Vec<_> = self
            .state()
            .products
            .values()
            .filter(|p| p.org_id == org_id && p.ai_agent_id == ai_agent_id)
            .cloned()
            .collect();
        products.sort_by(|a, b| (&a.name, &a.product_id).cmp(&(&b.name, &b.product_id)));
        Ok(products)
    }

    async fn put_product(
        &self,
        product: &crate::ai::catalog::Product,
        read_at: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        let key = (
            product.org_id.clone(),
            product.ai_agent_id.clone(),
            product.product_id.clone(),
        );
        let stands = match (state.products.get(&key), read_at) {
            (None, None) => true,
            (Some(current), Some(at)) => current.updated_at == at,
            _ => false,
        };
        if !stands {
            return Err(StoreError::Conflict(
                "the product changed meanwhile (or its id is taken); read it again".into(),
            ));
        }
        state.products.insert(key, product.clone());
        Ok(())
    }

    async fn delete_product(&self, org_id: &str, ai_agent_id: &str, product_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .state()
            .products
            .remove(&(org_id.into(), ai_agent_id.into(), product_id.into()))
            .is_some())
    }
}

#[async_trait::async_trait]
impl crate::ai::ports::EvaluationBook for MemoryAi {
    async fn evaluations(
        &self,
        org_id: &str,
        ai_agent_id: &str,
        limit: usize,
    ) -> Result<Vec<crate::ai::evaluation::Evaluation>, StoreError> {
        Ok(self
            .state()
            .evaluations
            .values()
            .rev()
            .filter(|e| e.org_id == org_id && e.ai_agent_id == ai_agent_id)
            .take(limit)
            .cloned()
            .collect())
    }

    async fn add_evaluation(&self, evaluation: &crate::ai::evaluation::Evaluation) -> Result<(), StoreError> {
        let key = (evaluation.org_id.clone(), evaluation.evaluation_id.clone());
        let mut state = self.state();
        if state.evaluations.contains_key(&key) {
            return Err(StoreError::Conflict("a concurrent change".into()));
        }
        state.evaluations.insert(key, evaluation.clone());
        Ok(())
    }

    async fn evaluation(
        &self,
        org_id: &str,
        evaluation_id: &str,
    ) -> Result<Option<crate::ai::evaluation::Evaluation>, StoreError> {
        Ok(self.state().evaluations.get(&pair(org_id, evaluation_id)).cloned())
    }

    async fn delete_evaluation(&self, org_id: &str, evaluation_id: &str) -> Result<bool, StoreError> {
        Ok(self.state().evaluations.remove(&pair(org_id, evaluation_id)).is_some())
    }
}

#[async_trait::async_trait]
impl Sessions for MemoryAi {
    async fn session(&self, org_id: &str, conversation_id: &str) -> Result<Option<Session>, StoreError> {
        Ok(self.state().sessions.get(&pair(org_id, conversation_id)).cloned())
    }

    async fn count_turn(
        &self,
        org_id: &str,
        conversation_id: &str,
        _ai_agent_id: &str,
        message_id: &str,
        limit: Option<u32>,
    ) -> Result<TurnCount, StoreError> {
        let mut state = self.state();
        let session = session_of(&mut state, org_id, conversation_id);
        if session.silenced() {
            return Ok(TurnCount::Silenced);
        }
        if session.last_message_id.as_deref() == Some(message_id) {
            return Ok(TurnCount::Counted(session.turns));
        }
        if limit.is_some_and(|limit| session.turns >= limit) {
            return Ok(TurnCount::LimitReached(session.turns));
        }
        session.turns += 1;
        session.last_message_id = Some(message_id.into());
        Ok(TurnCount::Counted(session.turns))
    }

    async fn route(&self, org_id: &str, conversation_id: &str, ai_agent_id: &str) -> Result<(), StoreError> {
        let mut state = self.state();
        let session = session_of(&mut state, org_id, conversation_id);
        session.ai_agent_id = Some(ai_agent_id.into());
        Ok(())
    }

    async fn hand_off(
        &self,
        org_id: &str,
        conversation_id: &str,
        handoff: &Handoff,
        message_id: &str,
        at_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut state = self.state();
        let session = session_of(&mut state, org_id, conversation_id);
        match &session.handoff_message_id {
            Some(same) if same == message_id => return Ok(session.handed_off_ms),
            Some(_) if session.silenced() => return Ok(None),
            _ => {}
        }
        session.handoff = Some(handoff.clone());
        session.handoff_message_id = Some(message_id.into());
        session.handed_off_ms = Some(at_ms);
        Ok(Some(at_ms))
    }

    async fn clear_handoff(&self, org_id: &str, conversation_id: &str) -> Result<(), StoreError> {
        if let Some(session) = self.state().sessions.get_mut(&pair(org_id, conversation_id)) {
            session.handoff = None;
            session.handoff_message_id = None;
            session.handed_off_ms = None;
            session.turns = 0;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl UsageMeter for MemoryAi {
    async fn admit(&self, org_id: &str, ai_agent_id: &str, date: &str, limit: Option<u64>) -> Result<bool, StoreError> {
        let mut state = self.state();
        let day = day_of(&mut state, org_id, ai_agent_id, date);
        if limit.is_some_and(|limit| day.total_tokens() >= limit) {
            day.refused_count += 1;
            return Ok(false);
        }
        day.request_count += 1;
        Ok(true)
    }

    async fn spend(
        &self,
        org_id: &str,
        ai_agent_id: &str,
        date: &str,
        prompt_tokens: u64,
        completion_tokens: u64,
        cost_micros: u64,
    ) -> Result<(), StoreError> {
        let mut state = self.state();
        let day = day_of(&mut state, org_id, ai_agent_id, date);
        day.prompt_tokens += prompt_tokens;
        day.completion_tokens += completion_tokens;
        day.cost_micros += cost_micros;
        Ok(())
    }

    async fn days(&self, org_id: &str, from: &str, to: &str) -> Result<Vec<UsageDay>, StoreError> {
        Ok(self
            .state()
            .usage
            .iter()
            .filter(|((org, date, _), _)| org == org_id && date.as_str() >= from && date.as_str() <= to)
            .map(|(_, day)| day.clone())
            .collect())
    }
}

#[async_trait::async_trait]
impl RecentMessages for MemoryAi {
    async fn recent(&self, org_id: &str, conversation_id: &str, limit: usize) -> Result<Vec<Message>, StoreError> {
        let mut messages = self
            .state()
            .messages
            .get(&pair(org_id, conversation_id))
            .cloned()
            .unwrap_or_default();
        messages.sort_by(|a, b| (b.meta_timestamp, &b.message_id).cmp(&(a.meta_timestamp, &a.message_id)));
        messages.truncate(limit);
        Ok(messages)
    }
}

#[async_trait::async_trait]
impl ContactContexts for MemoryAi {
    async fn set_context(&self, org_id: &str, contact_id: &str, context: &Value) -> Result<bool, StoreError> {
        self.state().contexts.insert(pair(org_id, contact_id), context.clone());
        Ok(true)
    }
}

/// A model that answers the replies a test queues, in order, and records every prompt.
#[derive(Default)]
pub struct ScriptedModel {
    replies: Mutex<VecDeque<Result<Reply, ModelError>>>,
    prompts: Mutex<Vec<Prompt>>,
}

impl ScriptedModel {
    pub fn then(&self, reply: Result<Reply, ModelError>) -> &Self {
        self.replies.lock().unwrap_or_else(|p| p.into_inner()).push_back(reply);
        self
    }

    pub fn prompts(&self) -> Vec<Prompt> {
        self.prompts.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl Model for ScriptedModel {
    async fn converse(&self, prompt: &Prompt) -> Result<Reply, ModelError> {
        self.prompts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(prompt.clone());
        self.replies
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
            .unwrap_or_else(|| Err(ModelError::Failed("no reply scripted".into())))
    }

    async fn embed(&self, _model_id: &str, text: &str, dimensions: u32) -> Result<Embedding, ModelError> {
        let mut vector = vec![0.0f32; dimensions.max(1) as usize];
        let len = vector.len();
        for (i, byte) in text.bytes().enumerate() {
            vector[(i + byte as usize) % len] += 1.0;
        }
        Ok(Embedding {
            vector,
            tokens: text.len() as u64 / 4 + 1,
        })
    }
}

/// A text message of a conversation, for tests: inbound from the customer, outbound with
/// `origin` (`None`: an agent's).
pub fn text_message(
    org_id: &str,
    conversation_id: &str,
    message_id: &str,
    direction: crate::inbox::Direction,
    text: &str,
    meta_timestamp: i64,
    origin: Option<&str>,
) -> Message {
    Message {
        org_id: org_id.into(),
        conversation_id: conversation_id.into(),
        message_id: message_id.into(),
        wamid: Some(format!("wamid.{message_id}")),
        direction,
        message_type: "text".into(),
        content: crate::meta::Content::Text { body: text.into() },
        status: "received".into(),
        status_rank: 0,
        meta_timestamp,
        received_at_ms: (meta_timestamp * 1000) as u64,
        context: None,
        referral: None,
        errors: vec![],
        status_errors: vec![],
        media: None,
        pricing: None,
        created_at: "2026-12-05T10:00:00Z".into(),
        edited_at: None,
        revoked_at: None,
        previous_contents: vec![],
        origin: origin.map(str::to_string),
    }
}

/// Turns queued, one per (organization, wamid) as the FIFO queue deduplicates them.
#[derive(Default)]
pub struct MemoryTurnQueue {
    jobs: Mutex<Vec<crate::ai::ports::TurnJob>>,
}

impl MemoryTurnQueue {
    pub fn jobs(&self) -> Vec<crate::ai::ports::TurnJob> {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl crate::ai::ports::TurnQueue for MemoryTurnQueue {
    async fn enqueue(&self, job: &crate::ai::ports::TurnJob) -> Result<(), StoreError> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if !jobs.iter().any(|j| j.org_id == job.org_id && j.wamid == job.wamid) {
            jobs.push(job.clone());
        }
        Ok(())
    }
}
