//! The inbox in memory: conversations, contacts and customers' messages, for tests of orchestration
//! without moto. It keeps the DynamoDB stores' rules that `reads.rs` and `ingest_contract.rs` hold
//! both to: a wamid stored once, one open conversation per account and contact, a contact found by
//! any of its identities, a change applied once, a conversation allocated once.

use crate::inbox::ingest_port::{AccountEventLog, ConversationFacts, InboundMessages, MessageChanges};
use crate::inbox::reads::{ContactReads, ConversationReads};
use crate::inbox::store::{AccountEvent, Change, Changed, DeliveryContext, InboundOutcome};
use crate::inbox::{Contact, Conversation, ConversationStatus, CustomerIdentity, Direction, Message};
use crate::meta::{Content, InboundMessage};
use crate::platform::StoreError;
use crate::platform::items::now_rfc3339;
use crate::platform::table::{self, Key};
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
    messages: HashMap<Key, Message>,
    /// (org, change wamid) of changes applied.
    changes: HashSet<Pair>,
    /// (org, change wamid) → the original's wamid.
    orphans: HashMap<Pair, String>,
    /// (org, field) of account events, in order.
    account_events: Vec<Pair>,
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

    /// An agent resolved the conversation: the customer's next message opens a new one.
    pub fn resolve(&self, org_id: &str, conversation_id: &str) {
        let mut state = self.state();
        let Some(conversation) = state.conversations.get_mut(&pair(org_id, conversation_id)) else {
            return;
        };
        conversation.status = ConversationStatus::Resolved;
        let open = format!("{}|{}", conversation.account_id, conversation.contact_id);
        state.open.remove(&pair(org_id, &open));
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

fn new_conversation(
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
impl InboundMessages for MemoryInbox {
    async fn store_inbound(
        &self,
        delivery: &DeliveryContext<'_>,
        identity: &CustomerIdentity,
        profile_name: Option<&str>,
        message: &InboundMessage,
    ) -> Result<InboundOutcome, StoreError> {
        let org_id = delivery.org_id;
        let Some(derived) = identity.derived_contact_id(org_id) else {
            return Err(StoreError::Corrupt {
                entity: "message",
                detail: "sender has neither wa_id nor user_id".into(),
            });
        };
        let mut state = self.state();
        if let Some(claim) = state.claims.get(&pair(org_id, &message.wamid)) {
            return Ok(InboundOutcome::Duplicate {
                message_key: Some(claim.key.clone()),
                conversation_id: Some(claim.conversation_id.clone()),
                contact_id: Some(claim.contact_id.clone()),
                opened_conversation: claim.opened,
            });
        }
        let now = now_rfc3339();
        let keys = identity.keys();
        let found = keys
            .iter()
            .find_map(|k| state.identities.get(&pair(org_id, k)).cloned());
        let new_contact = found.is_none();
        let contact_id = found.unwrap_or(derived);
        for key in &keys {
            state.identities.insert(pair(org_id, key), contact_id.clone());
        }
        let contact = state
            .contacts
            .entry(pair(org_id, &contact_id))
            .or_insert_with(|| Contact {
                org_id: org_id.into(),
                contact_id: contact_id.clone(),
                wa_id: None,
                user_id: None,
                profile_name: None,
                name: None,
                email: None,
                tags: vec![],
                created_at: now.clone(),
                updated_at: now.clone(),
            });
        contact.wa_id = identity.wa_id.clone().or(contact.wa_id.take());
        contact.user_id = identity.user_id.clone().or(contact.user_id.take());
        if let Some(name) = profile_name {
            contact.profile_name = Some(name.into());
        }
        let (contact_name, contact_phone) = (contact.name.clone(), contact.wa_id.clone());

        let open_key = pair(org_id, &format!("{}|{contact_id}", delivery.account_id));
        let existing = state.open.get(&open_key).cloned();
        let conversation_id = existing.clone().unwrap_or_else(|| crate::platform::ids::new_id("cv"));
        let message_id = crate::platform::ids::new_id("msg");
        let ts_ms = message.timestamp.saturating_mul(1000);
        let key = table::message(org_id, &conversation_id, ts_ms, &message_id);
        let record = Message::inbound(
            org_id,
            &conversation_id,
            message_id,
            message,
            delivery.received_at_ms,
            &now,
        );
        let conversation = state
            .conversations
            .entry(pair(org_id, &conversation_id))
            .or_insert_with(|| {
                let mut created = new_conversation(org_id, &conversation_id, delivery.account_id, &contact_id, &now);
                created.contact_name = contact_name;
                created.contact_phone = contact_phone;
                created
            });
        conversation.message_count += 1;
        conversation.unread_count += 1;
        conversation.updated_at = now.clone();
        if profile_name.is_some() {
            conversation.contact_profile_name = profile_name.map(Into::into);
        }
        // An older message arriving late does not move the conversation's newest facts.
        if ts_ms >= conversation.last_message_ms {
            conversation.last_message_ms = ts_ms;
            conversation.last_message_preview = message.content.preview();
            conversation.last_message_direction = Direction::Inbound;
        }
        if conversation.last_inbound_ms.is_none_or(|last| ts_ms >= last) {
            conversation.last_inbound_ms = Some(ts_ms);
            conversation.window_expires_at = Some(crate::inbox::window_expires_at(message.timestamp));
        }
        state.open.insert(open_key, conversation_id.clone());
        state.messages.insert(key.clone(), record);
        state.claims.insert(
            pair(org_id, &message.wamid),
            Claim {
                key: key.clone(),
                conversation_id: conversation_id.clone(),
                contact_id: contact_id.clone(),
                opened: existing.is_none(),
            },
        );
        Ok(InboundOutcome::Stored {
            message_key: key,
            conversation_id,
            contact_id,
            new_conversation: existing.is_none(),
            new_contact,
        })
    }
}

#[async_trait::async_trait]
impl MessageChanges for MemoryInbox {
    async fn message(&self, key: &Key) -> Result<Option<Message>, StoreError> {
        Ok(self.state().messages.get(key).cloned())
    }

    async fn apply_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<Changed, StoreError> {
        let mut state = self.state();
        let Some(key) = state.claims.get(&pair(org_id, original_wamid)).map(|c| c.key.clone()) else {
            return Ok(Changed::OriginalUnknown);
        };
        let first = state.changes.insert(pair(org_id, change_wamid));
        let Some(message) = state.messages.get_mut(&key) else {
            return Ok(Changed::OriginalUnknown);
        };
        if first {
            let old = std::mem::replace(
                &mut message.content,
                match change {
                    Change::Edit(content) => content.clone(),
                    Change::Revoke => Content::Revoke {
                        original_message_id: original_wamid.into(),
                    },
                },
            );
            message.previous_contents.push(old);
            match change {
                Change::Edit(_) => message.edited_at = Some(at.into()),
                Change::Revoke => message.revoked_at = Some(at.into()),
            }
        }
        Ok(Changed::Applied {
            conversation_id: message.conversation_id.clone(),
            message_id: message.message_id.clone(),
        })
    }

    async fn record_orphan_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        _change: &Change,
        _at: &str,
    ) -> Result<(), StoreError> {
        self.state()
            .orphans
            .insert(pair(org_id, change_wamid), original_wamid.into());
        Ok(())
    }

    async fn put_new(&self, key: &Key, message: &Message) -> Result<bool, StoreError> {
        let mut state = self.state();
        if state.messages.contains_key(key) {
            return Ok(false);
        }
        state.messages.insert(key.clone(), message.clone());
        Ok(true)
    }
}

#[async_trait::async_trait]
impl AccountEventLog for MemoryInbox {
    async fn record(&self, event: &AccountEvent<'_>) -> Result<(), StoreError> {
        self.state().account_events.push(pair(event.org_id, event.field));
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConversationFacts for MemoryInbox {
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        ConversationReads::conversation(self, org_id, conversation_id).await
    }

    async fn record_campaign(&self, org_id: &str, conversation_id: &str, campaign_id: &str) -> Result<(), StoreError> {
        if let Some(conversation) = self.state().conversations.get_mut(&pair(org_id, conversation_id))
            && conversation.campaign_id.is_none()
        {
            conversation.campaign_id = Some(campaign_id.into());
        }
        Ok(())
    }

    async fn allocate(
        &self,
        org_id: &str,
        conversation_id: &str,
        division_id: Option<&str>,
        agent_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(conversation) = state.conversations.get_mut(&pair(org_id, conversation_id)) else {
            return Ok(false);
        };
        let free = conversation.status != ConversationStatus::Resolved
            && conversation.assigned_agent_id.is_none()
            && conversation.division_id.is_none();
        if !free {
            return Ok(false);
        }
        if let Some(division) = division_id {
            conversation.division_id = Some(division.into());
        }
        if let Some(agent) = agent_id {
            conversation.assigned_agent_id = Some(agent.into());
        }
        Ok(true)
    }
}

#[async_trait::async_trait]
impl crate::inbox::reads::TaggedContacts for MemoryInbox {
    async fn tagged(
        &self,
        org_id: &str,
        tag: &str,
        after: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<Contact>, Option<String>), StoreError> {
        let mut tagged: Vec<Contact> = self
            .state()
            .contacts
            .values()
            .filter(|c| c.org_id == org_id && c.tags.iter().any(|t| t == tag))
            .filter(|c| after.is_none_or(|a| c.contact_id.as_str() > a))
            .cloned()
            .collect();
        tagged.sort_by(|a, b| a.contact_id.cmp(&b.contact_id));
        tagged.truncate(limit.max(0) as usize);
        // As DynamoDB: a page that reached its limit has a next key.
        let next = (tagged.len() == limit.max(0) as usize)
            .then(|| tagged.last().map(|c| c.contact_id.clone()))
            .flatten();
        Ok((tagged, next))
    }
}
