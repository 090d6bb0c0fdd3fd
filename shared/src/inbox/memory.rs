//! The inbox in memory: conversations, contacts and customers' messages, for tests of orchestration
//! without moto. It keeps the DynamoDB stores' rules that `reads.rs` and `ingest_contract.rs` hold
//! both to: a wamid stored once, one open conversation per account and contact, a contact found by
//! any of its identities, a change applied once, a conversation allocated once.

mod ingest;

use crate::inbox::conversation_store::Resolve;
use crate::inbox::reads::{ContactReads, ConversationReads};
use crate::inbox::{Contact, Conversation, ConversationStatus, CustomerIdentity, Direction, Message};
use crate::platform::StoreError;
use crate::platform::table::Key;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

type Pair = (String, String);

fn pair(a: &str, b: &str) -> Pair {
    (a.into(), b.into())
}

/// What the first storing of a wamid decided, answered to its redeliveries.
#[derive(Clone)]
struct Claim {
    key: Key,
    conversation_id: String,
    contact_id: String,
    opened: bool,
    check_reach: bool,
    new_contact: bool,
}

#[derive(Default)]
struct State {
    conversations: HashMap<Pair, Conversation>,
    contacts: HashMap<Pair, Contact>,
    /// (org, identity key) → contact id.
    identities: HashMap<Pair, String>,
    /// (org, account|contact) → the open conversation.
    open: HashMap<Pair, String>,
    /// (org, wamid) → its storing.
    claims: HashMap<Pair, Claim>,
    /// (org, conversation id) marked by a campaign send (see `ReplyWatch`).
    reach_pending: HashSet<Pair>,
    messages: HashMap<Key, Message>,
    /// (org, change wamid) of changes applied.
    changes: HashSet<Pair>,
    /// (org, change wamid) → the original's wamid.
    orphans: HashMap<Pair, String>,
    /// (org, field) of account events, in order.
    account_events: Vec<Pair>,
    /// Transfers logged, in order.
    transfers: Vec<crate::desk::Transfer>,
}

/// Conversations, contacts and messages in memory.
#[derive(Default)]
pub struct MemoryInbox {
    state: Mutex<State>,
}

impl MemoryInbox {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn put_conversation(&self, conversation: Conversation) {
        let mut state = self.state();
        let (org, id) = (conversation.org_id.clone(), conversation.conversation_id.clone());
        if conversation.status != ConversationStatus::Resolved {
            let open = format!("{}|{}", conversation.account_id, conversation.contact_id);
            state.open.insert((org.clone(), open), id.clone());
        }
        state.conversations.insert((org, id), conversation);
    }

    pub fn put_contact(&self, contact: Contact) {
        let mut state = self.state();
        for identity in identity_keys(&contact) {
            state
                .identities
                .insert(pair(&contact.org_id, &identity), contact.contact_id.clone());
        }
        state
            .contacts
            .insert(pair(&contact.org_id, &contact.contact_id), contact);
    }

    /// An open conversation of `org_id` whose customer (`wa_id`) wrote at `wrote_at_ms`, and its
    /// contact (`ct_<conversation>`), stored and answered.
    pub fn put_customer(
        &self,
        org_id: &str,
        conversation_id: &str,
        wa_id: &str,
        wrote_at_ms: i64,
    ) -> (Conversation, Contact) {
        let contact_id = format!("ct_{conversation_id}");
        let contact = Contact {
            org_id: org_id.into(),
            contact_id: contact_id.clone(),
            wa_id: Some(wa_id.into()),
            user_id: None,
            profile_name: None,
            name: None,
            email: None,
            tags: vec![],
            blocked_scenarios: vec![],
            description: None,
            country: None,
            llm_context: None,
            created_at: "2026-12-04T09:00:00Z".into(),
            updated_at: "2026-12-04T09:00:00Z".into(),
        };
        let mut conversation = new_conversation(org_id, conversation_id, "acc_1", &contact_id, "2026-12-04T09:00:00Z");
        conversation.message_count = 1;
        conversation.last_message_ms = wrote_at_ms;
        conversation.last_message_preview = "Hello".into();
        conversation.last_inbound_ms = Some(wrote_at_ms);
        conversation.window_expires_at = Some(wrote_at_ms.div_euclid(1000) + crate::inbox::SERVICE_WINDOW_SECONDS);
        self.put_contact(contact.clone());
        self.put_conversation(conversation.clone());
        (conversation, contact)
    }

    /// The organization's messages, oldest first by Meta's time.
    pub fn messages(&self, org_id: &str) -> Vec<Message> {
        let mut messages: Vec<Message> = self
            .state()
            .messages
            .values()
            .filter(|m| m.org_id == org_id)
            .cloned()
            .collect();
        messages.sort_by(|a, b| (a.meta_timestamp, &a.message_id).cmp(&(b.meta_timestamp, &b.message_id)));
        messages
    }

    /// The organization's conversations, oldest first.
    pub fn conversations(&self, org_id: &str) -> Vec<Conversation> {
        let mut conversations: Vec<Conversation> = self
            .state()
            .conversations
            .values()
            .filter(|c| c.org_id == org_id)
            .cloned()
            .collect();
        conversations.sort_by(|a, b| (&a.created_at, &a.conversation_id).cmp(&(&b.created_at, &b.conversation_id)));
        conversations
    }

    /// Changes recorded as orphans: (change wamid, original wamid).
    pub fn orphan_changes(&self, org_id: &str) -> Vec<(String, String)> {
        let state = self.state();
        let mut orphans: Vec<_> = state
            .orphans
            .iter()
            .filter(|((org, _), _)| org == org_id)
            .map(|((_, change), original)| (change.clone(), original.clone()))
            .collect();
        orphans.sort();
        orphans
    }

    /// The transfers logged on the conversation, in order.
    pub fn transfers(&self, org_id: &str, conversation_id: &str) -> Vec<crate::desk::Transfer> {
        let state = self.state();
        state
            .transfers
            .iter()
            .filter(|t| t.org_id == org_id && t.conversation_id == conversation_id)
            .cloned()
            .collect()
    }

    /// The fields of the account events recorded for the organization, in order.
    pub fn account_events(&self, org_id: &str) -> Vec<String> {
        let state = self.state();
        state
            .account_events
            .iter()
            .filter(|(org, _)| org == org_id)
            .map(|(_, field)| field.clone())
            .collect()
    }
}

fn identity_keys(contact: &Contact) -> Vec<String> {
    CustomerIdentity {
        user_id: contact.user_id.clone(),
        wa_id: contact.wa_id.clone(),
    }
    .keys()
}

/// A new open conversation with nothing in it yet.
pub fn new_conversation(
    org_id: &str,
    conversation_id: &str,
    account_id: &str,
    contact_id: &str,
    now: &str,
) -> Conversation {
    Conversation {
        org_id: org_id.into(),
        conversation_id: conversation_id.into(),
        account_id: account_id.into(),
        contact_id: contact_id.into(),
        status: ConversationStatus::Open,
        unread_count: 0,
        message_count: 0,
        last_message_ms: 0,
        last_message_preview: String::new(),
        last_message_direction: Direction::Inbound,
        last_inbound_ms: None,
        window_expires_at: None,
        assigned_agent_id: None,
        division_id: None,
        contact_name: None,
        contact_profile_name: None,
        contact_phone: None,
        campaign_id: None,
        last_agent_reply_ms: None,
        bot_paused: false,
        priority: None,
        snoozed_until_ms: None,
        created_at: now.into(),
        updated_at: now.into(),
    }
}

#[async_trait::async_trait]
impl ConversationReads for MemoryInbox {
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        Ok(self.state().conversations.get(&pair(org_id, conversation_id)).cloned())
    }
}

#[async_trait::async_trait]
impl ContactReads for MemoryInbox {
    async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError> {
        Ok(self.state().contacts.get(&pair(org_id, contact_id)).cloned())
    }
}

#[async_trait::async_trait]
impl crate::inbox::moves::ConversationResolves for MemoryInbox {
    async fn resolve(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        Ok(match self.resolve_where(org_id, conversation_id, None) {
            Resolve::Resolved(c) | Resolve::Already(c) => Some(c),
            Resolve::Active | Resolve::Gone => None,
        })
    }

    async fn resolve_idle(
        &self,
        org_id: &str,
        conversation_id: &str,
        last_message_ms: i64,
    ) -> Result<Resolve, StoreError> {
        Ok(self.resolve_where(org_id, conversation_id, Some(last_message_ms)))
    }
}

impl MemoryInbox {
    /// The store's resolve: once, conditioned on the last message when idle, the open pointer gone.
    fn resolve_where(&self, org_id: &str, conversation_id: &str, idle_since: Option<i64>) -> Resolve {
        let mut state = self.state();
        let Some(conversation) = state.conversations.get_mut(&pair(org_id, conversation_id)) else {
            return Resolve::Gone;
        };
        if conversation.status == ConversationStatus::Resolved {
            return Resolve::Already(conversation.clone());
        }
        if idle_since.is_some_and(|ms| ms != conversation.last_message_ms) {
            return Resolve::Active;
        }
        conversation.status = ConversationStatus::Resolved;
        let resolved = conversation.clone();
        let open = format!("{}|{}", resolved.account_id, resolved.contact_id);
        state.open.remove(&pair(org_id, &open));
        Resolve::Resolved(resolved)
    }
}

#[async_trait::async_trait]
impl crate::inbox::moves::ConversationMoves for MemoryInbox {
    async fn assign(
        &self,
        org_id: &str,
        conversation_id: &str,
        to: &crate::inbox::conversation_store::Assignment,
        transfer: Option<crate::desk::Transfer>,
    ) -> Result<Option<Conversation>, StoreError> {
        let mut state = self.state();
        let Some(conversation) = state.conversations.get_mut(&pair(org_id, conversation_id)) else {
            return Ok(None);
        };
        let previous = conversation.assigned_agent_id.clone();
        conversation.assigned_agent_id = to.agent_id.clone();
        if to.division_id.is_some() {
            conversation.division_id = to.division_id.clone();
        }
        let assigned = conversation.clone();
        if let Some(mut entry) = transfer {
            entry.from_agent_id = previous;
            state.transfers.push(entry);
        }
        Ok(Some(assigned))
    }

    async fn reopen(
        &self,
        org_id: &str,
        conversation_id: &str,
    ) -> Result<Option<Conversation>, crate::inbox::conversation_store::ReopenError> {
        let mut state = self.state();
        let Some(conversation) = state.conversations.get(&pair(org_id, conversation_id)).cloned() else {
            return Ok(None);
        };
        if conversation.status != ConversationStatus::Resolved {
            return Ok(Some(conversation));
        }
        let open = pair(
            org_id,
            &format!("{}|{}", conversation.account_id, conversation.contact_id),
        );
        if state.open.contains_key(&open) {
            return Err(crate::inbox::conversation_store::ReopenError::AnotherIsOpen);
        }
        state.open.insert(open, conversation_id.into());
        let reopened = state.conversations.get_mut(&pair(org_id, conversation_id)).map(|c| {
            c.status = ConversationStatus::Open;
            c.clone()
        });
        Ok(reopened)
    }
}
