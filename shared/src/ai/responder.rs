//! An AI agent's answer to one queued customer message, on ports. The pure turn decides whether
//! to answer and what the model sees; here the turn is counted (a conditional counter, so a limit
//! holds under redelivery), the model is admitted under the daily token limit, tool calls are
//! carried out, and the reply goes out through the normal send path once per message. Every way
//! the AI cannot answer (a limit, a failing model, a rule, the model's own `handoff`) hands the
//! conversation to people instead: no customer is left without an answer or a person.

use crate::ai::agent::{AiAgent, choose};
use crate::ai::handoff::{self, Handoff, Reason};
use crate::ai::model::{Guardrail, Model, ModelError, Reply, Role};
use crate::ai::ports::{
    AgentBook, ContactContexts, EvaluationBook, ProductBook, RecentMessages, Sessions, TurnCount, TurnJob, UsageMeter,
};
use crate::ai::turn::{self, Quiet};
use crate::automation::ports::{ActionContext, Effects};
use crate::automation::rule::Action;
use crate::automation::walk::Cause;
use crate::inbox::auto_send::{AutoMessage, AutoSends};
use crate::inbox::origin::{Origin, OriginKind};
use crate::inbox::reads::{ContactReads, ConversationReads};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use serde_json::{Value, json};
use std::sync::Arc;

/// What the customer is told when a person takes over.
pub const HANDOFF_MESSAGE: &str = "Thank you! A colleague will continue with you here shortly.";

#[derive(Clone)]
pub struct AiPorts {
    pub agents: Arc<dyn AgentBook>,
    pub products: Arc<dyn ProductBook>,
    /// Corrections of the agent's replies, shown to it as examples.
    pub evaluations: Arc<dyn EvaluationBook>,
    pub sessions: Arc<dyn Sessions>,
    pub usage: Arc<dyn UsageMeter>,
    pub model: Arc<dyn Model>,
    pub conversations: Arc<dyn ConversationReads>,
    pub contacts: Arc<dyn ContactReads>,
    pub contexts: Arc<dyn ContactContexts>,
    pub messages: Arc<dyn RecentMessages>,
    pub sends: Arc<dyn AutoSends>,
    /// Notes, moves to a division, resolving: the automation rules' effects.
    pub effects: Arc<dyn Effects>,
}

/// What a turn came to.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    Quiet(Quiet),
    /// The reply went out (or had gone out before): the agent and its text.
    Answered {
        ai_agent_id: String,
        text: String,
        resolved: bool,
    },
    HandedOff(Handoff),
}

/// Why a turn should be tried again later.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The model is throttled or failing: retry with backoff (the last try hands over instead).
    #[error("the model is unavailable: {0}")]
    Model(ModelError),
}

pub struct AiResponder {
    pub(crate) ports: AiPorts,
    clock: Clock,
    guardrail: Option<Guardrail>,
}

impl AiResponder {
    pub fn new(ports: AiPorts, clock: Clock, guardrail: Option<Guardrail>) -> Self {
        Self {
            ports,
            clock,
            guardrail,
        }
    }

    /// Answers `job` (`last_try`: no redelivery follows, so a failing model hands over now).
    pub async fn answer(&self, job: &TurnJob, last_try: bool) -> Result<TurnOutcome, TurnError> {
        let org = job.org_id.as_str();
        let conversation = self.ports.conversations.conversation(org, &job.conversation_id).await?;
        let recent = self
            .ports
            .messages
            .recent(org, &job.conversation_id, turn::HISTORY_MESSAGES)
            .await?;
        if let Some(why) = turn::quiet(conversation.as_ref(), &recent, &job.wamid) {
            return Ok(TurnOutcome::Quiet(why));
        }
        let conversation = conversation.expect("quiet() answers a missing conversation");
        let session = self.ports.sessions.session(org, &job.conversation_id).await?;
        // A silencing handoff decided on this very message may have been cut short: it is
        // finished below (each effect once); any other message stays unanswered.
        let unfinished = match &session {
            Some(s) if s.silenced() && s.handoff_message_id.as_deref() == Some(job.wamid.as_str()) => s.handoff.clone(),
            Some(s) if s.silenced() => return Ok(TurnOutcome::Quiet(Quiet::Silenced)),
            _ => None,
        };
        let agents = self.ports.agents.agents(org).await?;
        let contact = self.ports.contacts.contact(org, &job.contact_id).await?;
        let tags = contact.as_ref().map(|c| c.tags.clone()).unwrap_or_default();
        let routed = session
            .as_ref()
            .and_then(|s| s.ai_agent_id.as_deref())
            .and_then(|id| agents.iter().find(|a| a.ai_agent_id == id && a.is_active));
        let Some(agent) = routed.or_else(|| {
            choose(
                &agents,
                &conversation.account_id,
                conversation.division_id.as_deref(),
                &tags,
            )
            .map(|(agent, _)| agent)
        }) else {
            return Ok(TurnOutcome::Quiet(Quiet::Unassigned));
        };
        if let Some(handoff) = unfinished {
            return self.hand_off(job, agent, handoff).await;
        }
        let said = recent
            .iter()
            .find(|m| turn::is(m, &job.wamid))
            .map(|m| m.content.preview())
            .unwrap_or_default();
        if let Some(handoff) = handoff::in_message(&agent.handoff_rules, &said) {
            return self.hand_off(job, agent, handoff).await;
        }
        let limit = handoff::turn_limit(&agent.handoff_rules, agent.max_conversation_turns);
        let counted = self
            .ports
            .sessions
            .count_turn(org, &job.conversation_id, &agent.ai_agent_id, &job.wamid, limit)
            .await?;
        match counted {
            TurnCount::Silenced => return Ok(TurnOutcome::Quiet(Quiet::Silenced)),
            TurnCount::LimitReached(turns) => {
                let handoff = handoff::decide(&agent.handoff_rules, Reason::TurnLimit { turns });
                return self.hand_off(job, agent, handoff).await;
            }
            TurnCount::Counted(_) => {}
        }
        // The first answer opens with the welcome, in the same message (two would race).
        let first = matches!(counted, TurnCount::Counted(1));
        let mut history = turn::history(&recent);
        while history.last().is_some_and(|m| m.role == Role::Assistant) {
            history.pop();
        }
        let live = Live {
            job,
            contact: contact.as_ref(),
        };
        match self
            .run_tools(
                org,
                agent,
                &agents,
                contact.as_ref(),
                history,
                Some(&live),
                last_try,
                &mut Vec::new(),
            )
            .await?
        {
            Ended::Replied { agent, text, resolve } => {
                let text = match (first, &agent.welcome_message) {
                    (true, Some(welcome)) => format!("{welcome}\n\n{text}"),
                    _ => text,
                };
                self.finish(job, agent, &text, resolve).await
            }
            Ended::HandOff { agent, handoff } => self.hand_off(job, agent, handoff).await,
        }
    }

    /// One model call, admitted under the agent's daily token limit and counted: the reply, or
    /// the reason it gave none (`TokenLimit`; `ModelFailure` for a refused request, or for a
    /// throttled or failing model on the last try). Before that, a throttled or failing model is
    /// an error to retry.
    async fn call(
        &self,
        org: &str,
        agent: &AiAgent,
        prompt: &crate::ai::model::Prompt,
        last_try: bool,
    ) -> Result<Result<Reply, Reason>, TurnError> {
        let date = self.clock.now().format("%Y-%m-%d").to_string();
        if !self
            .ports
            .usage
            .admit(org, &agent.ai_agent_id, &date, agent.daily_token_limit)
            .await?
        {
            return Ok(Err(Reason::TokenLimit));
        }
        match self.ports.model.converse(prompt).await {
            Ok(reply) => {
                let cost = crate::ai::pricing::cost_micro_usd(&agent.model, reply.usage).unwrap_or(0);
                self.ports
                    .usage
                    .spend(
                        org,
                        &agent.ai_agent_id,
                        &date,
                        reply.usage.input_tokens,
                        reply.usage.output_tokens,
                        cost,
                    )
                    .await?;
                Ok(Ok(reply))
            }
            Err(ModelError::Invalid(detail)) => Ok(Err(Reason::ModelFailure { detail })),
            Err(err) if last_try => Ok(Err(Reason::ModelFailure {
                detail: err.to_string(),
            })),
            Err(err) => Err(TurnError::Model(err)),
        }
    }

    async fn finish(
        &self,
        job: &TurnJob,
        agent: &AiAgent,
        text: &str,
        resolve: bool,
    ) -> Result<TurnOutcome, TurnError> {
        let Some(text) = turn::cut(text) else {
            let handoff = handoff::decide(
                &agent.handoff_rules,
                Reason::ModelFailure {
                    detail: "an empty reply".into(),
                },
            );
            return self.hand_off(job, agent, handoff).await;
        };
        self.say(job, agent, &text, "reply").await?;
        if resolve {
            self.act(job, agent, 0, self.clock.now_ms(), Action::Resolve).await?;
        }
        Ok(TurnOutcome::Answered {
            ai_agent_id: agent.ai_agent_id.clone(),
            text,
            resolved: resolve,
        })
    }

    /// Sends a text as the agent's, once per message answered and `part`.
    async fn say(&self, job: &TurnJob, agent: &AiAgent, text: &str, part: &str) -> Result<(), StoreError> {
        let sent = self
            .ports
            .sends
            .send(AutoMessage {
                org_id: &job.org_id,
                conversation_id: &job.conversation_id,
                content: crate::meta::Content::Text { body: text.into() },
                idempotency_key: format!("ai:{}:{part}", job.wamid),
                origin: Origin::of(OriginKind::Ai, agent.ai_agent_id.clone()),
            })
            .await?;
        if let Err(refused) = sent {
            tracing::warn!(%refused, "the AI's message was not sent");
        }
        Ok(())
    }

    /// Merges facts into the contact's context: the tool's result.
    async fn remember(
        &self,
        job: &TurnJob,
        contact: Option<&crate::inbox::Contact>,
        facts: &serde_json::Map<String, Value>,
    ) -> Result<Result<Value, String>, StoreError> {
        let Some(contact) = contact else {
            return Ok(Err("the customer is not known".into()));
        };
        let merged = match turn::merged_context(contact.llm_context.as_ref(), facts) {
            Ok(merged) => merged,
            Err(refused) => return Ok(Err(refused)),
        };
        match self
            .ports
            .contexts
            .set_context(&job.org_id, &contact.contact_id, &merged)
            .await?
        {
            true => Ok(Ok(json!({"remembered": facts.keys().collect::<Vec<_>>()}))),
            false => Ok(Err("the customer is not known".into())),
        }
    }

    /// Hands the conversation to people: the handoff recorded first (so a redelivery finds it),
    /// then the note, the move to the division and the customer's message, each once per message.
    async fn hand_off(&self, job: &TurnJob, agent: &AiAgent, handoff: Handoff) -> Result<TurnOutcome, TurnError> {
        let Some(at_ms) = self
            .ports
            .sessions
            .hand_off(
                &job.org_id,
                &job.conversation_id,
                &handoff,
                &job.wamid,
                self.clock.now_ms(),
            )
            .await?
        else {
            return Ok(TurnOutcome::Quiet(Quiet::Silenced));
        };
        let note = format!("AI agent {}: {}", agent.name, handoff.reason.describe());
        self.act(job, agent, 1, at_ms, Action::AddNote { content: note })
            .await?;
        let division = match &handoff.target_division_id {
            Some(division) => Some(division.clone()),
            None => self
                .ports
                .conversations
                .conversation(&job.org_id, &job.conversation_id)
                .await?
                .and_then(|c| c.division_id),
        };
        if let Some(division_id) = division {
            self.act(job, agent, 2, at_ms, Action::AssignDivision { division_id })
                .await?;
        }
        self.say(job, agent, HANDOFF_MESSAGE, "handoff").await?;
        tracing::info!(reason = ?handoff.reason, "handed over");
        Ok(TurnOutcome::HandedOff(handoff))
    }

    /// One desk effect, once per message answered and `index`; `at_ms` is what it stamps (the
    /// same on a redelivery, so a note is written once).
    async fn act(
        &self,
        job: &TurnJob,
        agent: &AiAgent,
        index: usize,
        at_ms: i64,
        action: Action,
    ) -> Result<(), StoreError> {
        let cx = ActionContext {
            org_id: job.org_id.clone(),
            conversation_id: Some(job.conversation_id.clone()),
            contact_id: Some(job.contact_id.clone()),
            event_id: job.event_id.clone(),
            rule_id: format!("ai:{}", agent.ai_agent_id),
            index,
            at_ms,
            cause: Cause {
                rule_id: format!("ai:{}", agent.ai_agent_id),
                depth: 1,
            },
        };
        if let Err(refused) = self.ports.effects.apply(&cx, &action).await? {
            tracing::warn!(%refused, ?action, "the AI's action was refused");
        }
        Ok(())
    }
}

#[path = "tool_loop.rs"]
pub(crate) mod tool_loop;
use tool_loop::{Ended, Live};

#[cfg(test)]
#[path = "responder_tests.rs"]
mod tests;
