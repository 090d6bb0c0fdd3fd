//! Time triggers: `no_customer_reply` and `no_agent_reply` count from a conversation's first
//! message left unanswered, one wait per side. A customer's message starts the agents' wait, a
//! business message sent starts the customer's; the awaited party writing ends it. The wait holds
//! the thresholds of the organization's rules when it began and sits in the due index at the next
//! one, so the clock reads only what is due (no polling of conversations). Decisions here are
//! pure; [`WaitBook`] stores waits (DynamoDB in `wait_store`, memory in `memory`).

use crate::automation::rule::{Rule, Trigger};
use crate::automation::walk::Incoming;
use crate::inbox::{Conversation, ConversationStatus};
use crate::platform::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Who is awaited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Customer,
    Agent,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Customer => "customer",
            Side::Agent => "agent",
        }
    }

    pub fn trigger(self) -> Trigger {
        match self {
            Side::Customer => Trigger::NoCustomerReply,
            Side::Agent => Trigger::NoAgentReply,
        }
    }

    /// The side a bus event starts waiting for: a customer's message waits for a person's answer,
    /// a business message sent waits for the customer's.
    pub fn started_by(detail_type: &str) -> Option<Side> {
        match detail_type {
            "message.received" => Some(Side::Agent),
            "message.sent" => Some(Side::Customer),
            _ => None,
        }
    }

    /// When the awaited party last wrote: the customer's newest message, or a person's newest
    /// reply (the bot, rules and campaigns never answer for a person).
    pub fn answered_ms(self, conversation: &Conversation) -> Option<i64> {
        match self {
            Side::Customer => conversation.last_inbound_ms,
            Side::Agent => conversation.last_agent_reply_ms,
        }
    }
}

/// One side's wait in one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wait {
    pub org_id: String,
    pub conversation_id: String,
    pub side: Side,
    /// The first message left unanswered, epoch milliseconds.
    pub since_ms: i64,
    /// The rules' waits in minutes, shortest first, as they were when it began.
    pub waits: Vec<u32>,
    /// How many of them have fired.
    pub next: u32,
}

impl Wait {
    /// When its next threshold falls (none: all fired; it stays until answered).
    pub fn due_ms(&self) -> Option<i64> {
        self.waits
            .get(self.next as usize)
            .map(|minutes| self.since_ms + i64::from(*minutes) * 60_000)
    }

    /// The same id for one threshold of one wait however often it is looked at: the run
    /// ledger's claims make it fire once.
    pub fn event_id(&self, minutes: u32) -> String {
        format!(
            "{}:{}:{}:{minutes}",
            self.side.trigger().event_type(),
            self.conversation_id,
            self.since_ms
        )
    }

    /// The walk's event and detail for the threshold of `minutes`.
    pub fn incoming(&self, contact_id: &str, minutes: u32) -> (Incoming, Value) {
        let event_id = self.event_id(minutes);
        let detail = json!({"org_id": self.org_id, "event_id": event_id,
            "conversation_id": self.conversation_id, "contact_id": contact_id,
            "wait_minutes": minutes, "waiting_since_ms": self.since_ms});
        let incoming = Incoming {
            org_id: self.org_id.clone(),
            event_id,
            trigger: self.side.trigger(),
            conversation_id: Some(self.conversation_id.clone()),
            contact_id: Some(contact_id.to_string()),
            payload_hash: hex::encode(Sha256::digest(detail.to_string().as_bytes())),
            cause: None,
            occurred_ms: Some(self.since_ms + i64::from(minutes) * 60_000),
        };
        (incoming, detail)
    }
}

/// The distinct waits of the organization's active rules for `side`, shortest first.
pub fn thresholds(rules: &[Rule], side: Side) -> Vec<u32> {
    let mut waits: Vec<u32> = rules
        .iter()
        .filter(|r| r.is_active && r.trigger == side.trigger())
        .filter_map(|r| r.wait_minutes)
        .collect();
    waits.sort_unstable();
    waits.dedup();
    waits
}

/// A bus event that starts a wait: its side, organization, conversation and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub side: Side,
    pub org_id: String,
    pub conversation_id: String,
    pub at_ms: i64,
}

/// What a bus envelope starts (`None`: no wait, or not enough to know).
pub fn started(envelope: &Value) -> Option<Started> {
    let side = Side::started_by(envelope.get("detail-type")?.as_str()?)?;
    let detail = envelope.get("detail")?;
    let text = |name: &str| detail.get(name).and_then(Value::as_str).filter(|t| !t.is_empty());
    let at_ms = chrono::DateTime::parse_from_rfc3339(text("occurred_at")?)
        .ok()?
        .timestamp_millis();
    Some(Started {
        side,
        org_id: text("org_id")?.to_string(),
        conversation_id: text("conversation_id")?.to_string(),
        at_ms,
    })
}

/// The wait a started event arms, when a rule counts it and the conversation is still waiting.
pub fn arming(started: &Started, conversation: Option<&Conversation>, rules: &[Rule]) -> Option<Wait> {
    let conversation = conversation.filter(|c| c.status != ConversationStatus::Resolved)?;
    let waits = thresholds(rules, started.side);
    if waits.is_empty() {
        return None;
    }
    // Answered after this message already (it came late): nothing is awaited.
    if started
        .side
        .answered_ms(conversation)
        .is_some_and(|answered| answered > started.at_ms)
    {
        return None;
    }
    Some(Wait {
        org_id: started.org_id.clone(),
        conversation_id: started.conversation_id.clone(),
        side: started.side,
        since_ms: started.at_ms,
        waits,
        next: 0,
    })
}

/// What the clock does with a wait it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitStep {
    /// Answered, or its conversation resolved or gone: the wait ends.
    End,
    /// The threshold of this many minutes has passed unanswered: its rules run.
    Fire(u32),
    /// Not yet (read early in its minute).
    Later,
    /// Every threshold fired: out of the index, kept until answered.
    Spent,
}

pub fn step(wait: &Wait, conversation: Option<&Conversation>, now_ms: i64) -> WaitStep {
    let Some(conversation) = conversation.filter(|c| c.status != ConversationStatus::Resolved) else {
        return WaitStep::End;
    };
    if wait
        .side
        .answered_ms(conversation)
        .is_some_and(|answered| answered >= wait.since_ms)
    {
        return WaitStep::End;
    }
    match wait.due_ms() {
        None => WaitStep::Spent,
        Some(due) if due > now_ms => WaitStep::Later,
        Some(_) => WaitStep::Fire(wait.waits[wait.next as usize]),
    }
}

/// Stored waits.
#[async_trait::async_trait]
pub trait WaitBook: Send + Sync {
    /// Stores `wait`, unless this side's wait is running and began at or after `answered_ms`
    /// (the awaited party has not written since it began: the first unanswered message stays).
    /// True when stored.
    async fn arm(&self, wait: &Wait, answered_ms: Option<i64>) -> Result<bool, StoreError>;
    /// Moves the wait (as read) past its next threshold: indexed at the one after, or out of the
    /// index when none is left. False when it changed meanwhile.
    async fn advance(&self, wait: &Wait) -> Result<bool, StoreError>;
    /// Ends the wait (as read); false when it changed meanwhile.
    async fn end(&self, wait: &Wait) -> Result<bool, StoreError>;
    async fn wait(&self, org_id: &str, conversation_id: &str, side: Side) -> Result<Option<Wait>, StoreError>;
}

#[cfg(test)]
#[path = "waits_tests.rs"]
mod tests;
