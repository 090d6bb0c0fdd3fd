//! The inbox's ports for ingest: customers' messages stored exactly once, Meta's statuses of our
//! sends, customers' edits and deletions, the account-level changes Meta reports, what ingest reads
//! and moves on a conversation, and the out-of-hours reply. DynamoDB implements them here (beside
//! their stores); `ingest_memory.rs` (and `send_memory.rs` for the outbound side) holds the
//! in-memory ones, and `ingest_contract.rs` holds both to one behaviour.

use crate::inbox::conversation_store::ConversationStore;
use crate::inbox::outbound::OutboundJob;
use crate::inbox::outbound_store::OutboundStore;
use crate::inbox::store::{
    AccountEvent, AccountEvents, Change, Changed, DeliveryContext, InboundLedger, InboundOutcome, MessageStore,
    StatusLedger, StatusOutcome,
};
use crate::inbox::{Conversation, CustomerIdentity, Message};
use crate::meta::{InboundMessage, StatusUpdate};
use crate::platform::StoreError;
use crate::platform::table::Key;

/// Customers' messages, each stored once with its conversation and contact.
#[async_trait::async_trait]
pub trait InboundMessages: Send + Sync {
    /// Stores `message` (a redelivery answers `Duplicate` with the first storing's facts).
    async fn store_inbound(
        &self,
        delivery: &DeliveryContext<'_>,
        identity: &CustomerIdentity,
        profile_name: Option<&str>,
        message: &InboundMessage,
    ) -> Result<InboundOutcome, StoreError>;
}

#[async_trait::async_trait]
impl InboundMessages for InboundLedger {
    async fn store_inbound(
        &self,
        delivery: &DeliveryContext<'_>,
        identity: &CustomerIdentity,
        profile_name: Option<&str>,
        message: &InboundMessage,
    ) -> Result<InboundOutcome, StoreError> {
        InboundLedger::store_inbound(self, delivery, identity, profile_name, message).await
    }
}

/// Campaign reply attribution without a read per message: a campaign send marks its customer's
/// open conversation, and ingest looks the reach up only for a message that opens a conversation,
/// joins one its Lambda did not know, or finds the mark (the outcome's `check_reach`, kept on the
/// wamid claim so a redelivery looks again).
#[async_trait::async_trait]
pub trait ReplyWatch: Send + Sync {
    /// Marks the open conversation of `phone` on `account_id`: whether there was one. Called after
    /// the reach is stored, so a conversation opened in between looks the reach up as it opens.
    async fn mark_reached(&self, org_id: &str, account_id: &str, phone: &str) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl ReplyWatch for InboundLedger {
    async fn mark_reached(&self, org_id: &str, account_id: &str, phone: &str) -> Result<bool, StoreError> {
        InboundLedger::mark_reached(self, org_id, account_id, phone).await
    }
}

/// Meta's statuses of our sends: forward only, parked until a send claims the wamid.
#[async_trait::async_trait]
pub trait StatusUpdates: Send + Sync {
    async fn apply_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError>;
}

#[async_trait::async_trait]
impl StatusUpdates for StatusLedger {
    async fn apply_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        StatusLedger::apply_status(self, org_id, status).await
    }
}

/// Stored messages a customer edits or deletes, and messages put beside them.
#[async_trait::async_trait]
pub trait MessageChanges: Send + Sync {
    async fn message(&self, key: &Key) -> Result<Option<Message>, StoreError>;
    /// Applies the change `change_wamid` to the message `original_wamid`, once.
    async fn apply_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<Changed, StoreError>;
    /// Keeps a change whose original will never be stored, for operators.
    async fn record_orphan_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<(), StoreError>;
    /// Puts a message unless one is at its key: whether it was new.
    async fn put_new(&self, key: &Key, message: &Message) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl MessageChanges for MessageStore {
    async fn message(&self, key: &Key) -> Result<Option<Message>, StoreError> {
        MessageStore::message(self, key).await
    }
    async fn apply_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<Changed, StoreError> {
        MessageStore::apply_change(self, org_id, original_wamid, change_wamid, change, at).await
    }
    async fn record_orphan_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<(), StoreError> {
        MessageStore::record_orphan_change(self, org_id, original_wamid, change_wamid, change, at).await
    }
    async fn put_new(&self, key: &Key, message: &Message) -> Result<bool, StoreError> {
        MessageStore::put_new(self, key, message).await
    }
}

/// Account-level changes Meta reports (quality, templates, preferences), kept for operators.
#[async_trait::async_trait]
pub trait AccountEventLog: Send + Sync {
    async fn record(&self, event: &AccountEvent<'_>) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl AccountEventLog for AccountEvents {
    async fn record(&self, event: &AccountEvent<'_>) -> Result<(), StoreError> {
        AccountEvents::record(self, event).await
    }
}

/// What ingest reads and moves on a conversation.
#[async_trait::async_trait]
pub trait ConversationFacts: Send + Sync {
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError>;
    /// The campaign its customer replied to (the first one stays).
    async fn record_campaign(&self, org_id: &str, conversation_id: &str, campaign_id: &str) -> Result<(), StoreError>;
    /// Gives an open, unallocated conversation to a division and/or agent: `false` when taken.
    async fn allocate(
        &self,
        org_id: &str,
        conversation_id: &str,
        division_id: Option<&str>,
        agent_id: Option<&str>,
    ) -> Result<bool, StoreError>;
}

#[async_trait::async_trait]
impl ConversationFacts for ConversationStore {
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        ConversationStore::conversation(self, org_id, conversation_id).await
    }
    async fn record_campaign(&self, org_id: &str, conversation_id: &str, campaign_id: &str) -> Result<(), StoreError> {
        ConversationStore::record_campaign(self, org_id, conversation_id, campaign_id).await
    }
    async fn allocate(
        &self,
        org_id: &str,
        conversation_id: &str,
        division_id: Option<&str>,
        agent_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        ConversationStore::allocate(self, org_id, conversation_id, division_id, agent_id).await
    }
}

/// A queued out-of-hours reply, written once per conversation and closed period.
pub struct OutOfHoursReply<'a> {
    pub key: &'a Key,
    pub message: &'a Message,
    pub preview: &'a str,
    pub job: &'a OutboundJob,
    /// When the closed period ends: one reply per conversation and period.
    pub reopens_ms: i64,
}

#[async_trait::async_trait]
pub trait OutOfHoursReplies: Send + Sync {
    /// Stores the reply with its period's claim: `false` when the period's reply exists.
    async fn queue_once(&self, reply: &OutOfHoursReply<'_>) -> Result<bool, StoreError>;
}

/// The reply is an outbound message whose transaction also claims the period on the conversation.
pub struct StoredOutOfHoursReplies {
    pub sends: OutboundStore,
    pub conversations: ConversationStore,
}

#[async_trait::async_trait]
impl OutOfHoursReplies for StoredOutOfHoursReplies {
    async fn queue_once(&self, reply: &OutOfHoursReply<'_>) -> Result<bool, StoreError> {
        let message = reply.message;
        let claim = self
            .conversations
            .out_of_hours_claim(&message.org_id, &message.conversation_id, reply.reopens_ms);
        match self
            .sends
            .create_with(reply.key, message, reply.preview, reply.job, None, vec![claim])
            .await
        {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict(what)) if what == "auto-reply sent" => Ok(false),
            Err(err) => Err(err),
        }
    }
}
