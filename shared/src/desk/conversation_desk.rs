//! An agent's moves on a conversation, and what follows each: assign (to an active agent of the
//! organization and/or one of its divisions), transfer (logged with who from, who to and why),
//! resolve (the SLA clocks stop, the satisfaction survey goes out when wanted) and reopen (a fresh
//! resolution clock, the expiry armed again). The API's handlers parse and answer; the moves and
//! their order live here, on ports, so they are tested without DynamoDB.

use crate::access::tenancy::Agent;
use crate::care::check_ports::{ResolvedSurveys, SlaLifecycle};
use crate::care::ports::ExpiryArming;
use crate::desk::directory::{AgentReads, DivisionReads};
use crate::desk::{Division, Transfer};
use crate::inbox::Conversation;
use crate::inbox::conversation_store::{Assignment, ReopenError};
use crate::inbox::moves::ConversationMoves;
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use crate::platform::ids;
use std::sync::Arc;

/// Every conversation here is a WhatsApp one (the expiry rule is the channel's).
const CHANNEL: &str = "whatsapp";

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no such conversation")]
    NoConversation,
    /// The body field names an agent that is not an active agent of the organization.
    #[error("{field}: no active agent with this id")]
    NoAgent { field: &'static str },
    #[error("{field}: no division with this id")]
    NoDivision { field: &'static str },
    #[error("this customer has another open conversation on this number; continue there")]
    AnotherIsOpen,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the desk works through.
#[derive(Clone)]
pub struct DeskPorts {
    pub conversations: Arc<dyn ConversationMoves>,
    pub agents: Arc<dyn AgentReads>,
    pub divisions: Arc<dyn DivisionReads>,
    pub sla: Arc<dyn SlaLifecycle>,
    pub expiry: Arc<dyn ExpiryArming>,
    pub surveys: Arc<dyn ResolvedSurveys>,
}

/// The agent making a move.
pub struct Mover<'a> {
    pub agent_id: &'a str,
    pub agent_name: &'a str,
}

/// Where a transfer sends the conversation (at least one of the two) and why.
pub struct TransferTo {
    pub agent_id: Option<String>,
    pub division_id: Option<String>,
    pub note: Option<String>,
}

pub struct ConversationDesk {
    ports: DeskPorts,
    clock: Clock,
}

impl ConversationDesk {
    pub fn new(ports: DeskPorts, clock: Clock) -> Self {
        Self { ports, clock }
    }

    /// The desk on DynamoDB, its surveys queued on the outbound queue (the API's and the
    /// automation function's).
    pub fn on_dynamo(
        dynamo: &aws_sdk_dynamodb::Client,
        sqs: &aws_sdk_sqs::Client,
        table: &str,
        outbound_queue_url: &str,
    ) -> Self {
        use crate::access::agent_store::AgentStore;
        use crate::care::chat_expiry_store::ChatExpiryStore;
        use crate::care::csat_surveyor::CsatSurveyor;
        use crate::care::sla_keeper::SlaKeeper;
        use crate::desk::division_store::DivisionStore;
        use crate::inbox::conversation_store::ConversationStore;
        use crate::platform::job_queue::SqsJobQueue;
        Self::new(
            DeskPorts {
                conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
                agents: Arc::new(AgentStore::new(dynamo.clone(), table)),
                divisions: Arc::new(DivisionStore::new(dynamo.clone(), table)),
                sla: Arc::new(SlaKeeper::new(dynamo.clone(), table)),
                expiry: Arc::new(ChatExpiryStore::new(dynamo.clone(), table)),
                surveys: Arc::new(CsatSurveyor::new(
                    dynamo.clone(),
                    table,
                    Box::new(SqsJobQueue::new(sqs.clone(), outbound_queue_url)),
                )),
            },
            Clock::system(),
        )
    }

    /// Reads "now" from `clock` (tests move time instead of waiting).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// An active agent of the organization, named by the body field `field`.
    pub async fn active_agent(&self, org_id: &str, field: &'static str, id: &str) -> Result<Agent, DeskError> {
        let agent = match ids::is_well_formed(id) {
            true => self.ports.agents.agent(org_id, id).await?,
            false => None,
        };
        agent.filter(|a| a.is_active).ok_or(DeskError::NoAgent { field })
    }

    /// A division of the organization, named by the body field `field`.
    pub async fn division(&self, org_id: &str, field: &'static str, id: &str) -> Result<Division, DeskError> {
        let division = match ids::is_well_formed(id) {
            true => self.ports.divisions.division(org_id, id).await?,
            false => None,
        };
        division.ok_or(DeskError::NoDivision { field })
    }

    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Conversation, DeskError> {
        self.ports
            .conversations
            .conversation(org_id, conversation_id)
            .await?
            .ok_or(DeskError::NoConversation)
    }

    /// Assigns the conversation to an agent (or nobody) and, when given, a division.
    pub async fn assign(
        &self,
        org_id: &str,
        conversation_id: &str,
        agent_id: Option<String>,
        division_id: Option<String>,
    ) -> Result<Conversation, DeskError> {
        self.conversation(org_id, conversation_id).await?;
        if let Some(agent_id) = &agent_id {
            self.active_agent(org_id, "agent_id", agent_id).await?;
        }
        if let Some(division_id) = &division_id {
            self.division(org_id, "division_id", division_id).await?;
        }
        let to = Assignment { agent_id, division_id };
        self.ports
            .conversations
            .assign(org_id, conversation_id, &to, None)
            .await?
            .ok_or(DeskError::NoConversation)
    }

    /// Transfers the conversation and logs it (who from is the agent it had when it moved).
    pub async fn transfer(
        &self,
        org_id: &str,
        conversation_id: &str,
        by: &Mover<'_>,
        to: TransferTo,
    ) -> Result<Transfer, DeskError> {
        let conversation = self.conversation(org_id, conversation_id).await?;
        let to_agent = match &to.agent_id {
            Some(id) => Some(self.active_agent(org_id, "to_agent_id", id).await?),
            None => None,
        };
        let to_division = match &to.division_id {
            Some(id) => Some(self.division(org_id, "to_division_id", id).await?),
            None => None,
        };
        let from_agent_name = match &conversation.assigned_agent_id {
            Some(id) => self.ports.agents.agent(org_id, id).await?.map(|a| a.full_name),
            None => None,
        };
        let entry = Transfer {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            transfer_id: ids::new_id("tr"),
            transferred_by: by.agent_id.into(),
            transferred_by_name: by.agent_name.into(),
            from_agent_id: conversation.assigned_agent_id.clone(),
            from_agent_name,
            to_agent_id: to_agent.as_ref().map(|a| a.agent_id.clone()),
            to_agent_name: to_agent.map(|a| a.full_name),
            to_division_id: to_division.as_ref().map(|d| d.division_id.clone()),
            to_division_name: to_division.map(|d| d.name),
            note: to.note,
            created_at: self.clock.now_rfc3339(),
        };
        let assignment = Assignment {
            agent_id: entry.to_agent_id.clone(),
            division_id: entry.to_division_id.clone(),
        };
        self.ports
            .conversations
            .assign(org_id, conversation_id, &assignment, Some(entry.clone()))
            .await?
            .ok_or(DeskError::NoConversation)?;
        Ok(entry)
    }

    /// Resolves the conversation; then its clocks stop and its survey goes out. Each step is
    /// idempotent, so a call that failed after the resolve finishes the rest when retried.
    pub async fn resolve(&self, org_id: &str, conversation_id: &str) -> Result<Conversation, DeskError> {
        let resolved = self
            .ports
            .conversations
            .resolve(org_id, conversation_id)
            .await?
            .ok_or(DeskError::NoConversation)?;
        let now_ms = self.clock.now_ms();
        self.ports.sla.resolved(org_id, conversation_id, now_ms).await?;
        self.ports.surveys.after_resolve(&resolved, now_ms).await?;
        Ok(resolved)
    }

    /// Reopens a resolved conversation: a fresh resolution clock, the expiry armed from now.
    pub async fn reopen(&self, org_id: &str, conversation_id: &str) -> Result<Conversation, DeskError> {
        let reopened = match self.ports.conversations.reopen(org_id, conversation_id).await {
            Ok(Some(reopened)) => reopened,
            Ok(None) => return Err(DeskError::NoConversation),
            Err(ReopenError::AnotherIsOpen) => return Err(DeskError::AnotherIsOpen),
            Err(ReopenError::Store(err)) => return Err(err.into()),
        };
        let now_ms = self.clock.now_ms();
        self.ports.sla.reopened(org_id, conversation_id, now_ms).await?;
        self.ports
            .expiry
            .arm_if_ruled(org_id, CHANNEL, conversation_id, now_ms)
            .await?;
        Ok(reopened)
    }
}

#[cfg(test)]
#[path = "conversation_desk_tests.rs"]
mod tests;

impl From<DeskError> for crate::platform::http_error::HttpError {
    fn from(err: DeskError) -> Self {
        use crate::platform::http_error::HttpError;
        match err {
            DeskError::NoConversation => HttpError::not_found("no conversation with this id"),
            DeskError::NoAgent { .. } | DeskError::NoDivision { .. } => HttpError::not_found(err.to_string()),
            DeskError::AnotherIsOpen => HttpError::new(
                lambda_http::http::StatusCode::CONFLICT,
                "another_conversation_open",
                err.to_string(),
            ),
            DeskError::Store(err) => err.into(),
        }
    }
}
