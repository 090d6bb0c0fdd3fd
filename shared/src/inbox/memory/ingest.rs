//! The in-memory inbox's side of ingest and the campaigns function: customers' messages stored
//! once, their changes, account events, allocation and the contacts a tag names.

use super::{Claim, MemoryInbox, new_conversation, pair};
use crate::inbox::ingest_port::{AccountEventLog, ConversationFacts, InboundMessages, MessageChanges, ReplyWatch};
use crate::inbox::reads::ConversationReads;
use crate::inbox::store::{AccountEvent, Change, Changed, DeliveryContext, InboundOutcome};
use crate::inbox::{Contact, Conversation, ConversationStatus, CustomerIdentity, Direction, Message};
use crate::meta::{Content, InboundMessage};
use crate::platform::StoreError;
use crate::platform::items::now_rfc3339;
use crate::platform::table::{self, Key};

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
                check_reach: claim.check_reach,
                new_contact: claim.new_contact,
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
                blocked_scenarios: vec![],
                description: None,
                country: None,
                llm_context: None,
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
        // The customer's message wakes a snoozed conversation.
        conversation.snoozed_until_ms = None;
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
        let marked = state.reach_pending.remove(&pair(org_id, &conversation_id));
        let check_reach = existing.is_none() || marked;
        state.open.insert(open_key, conversation_id.clone());
        state.messages.insert(key.clone(), record);
        state.claims.insert(
            pair(org_id, &message.wamid),
            Claim {
                key: key.clone(),
                conversation_id: conversation_id.clone(),
                contact_id: contact_id.clone(),
                opened: existing.is_none(),
                check_reach,
                new_contact,
            },
        );
        Ok(InboundOutcome::Stored {
            message_key: key,
            conversation_id,
            contact_id,
            new_conversation: existing.is_none(),
            new_contact,
            check_reach,
        })
    }
}

#[async_trait::async_trait]
impl ReplyWatch for MemoryInbox {
    async fn mark_reached(&self, org_id: &str, account_id: &str, phone: &str) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(contact_id) = state.identities.get(&pair(org_id, &format!("WA#{phone}"))).cloned() else {
            return Ok(false);
        };
        let Some(conversation_id) = state
            .open
            .get(&pair(org_id, &format!("{account_id}|{contact_id}")))
            .cloned()
        else {
            return Ok(false);
        };
        state.reach_pending.insert(pair(org_id, &conversation_id));
        Ok(true)
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
