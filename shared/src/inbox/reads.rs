//! Narrow read ports on the inbox, for functions that only look things up (the scheduled sends
//! read a conversation's window and its customer's WhatsApp id): DynamoDB through the stores, in
//! memory for tests, one contract for both.

use crate::inbox::contact_store::ContactStore;
use crate::inbox::conversation_store::ConversationStore;
use crate::inbox::{Contact, Conversation};
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait ConversationReads: Send + Sync {
    /// The organization's conversation (`None`: not there, or another organization's).
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError>;
}

#[async_trait::async_trait]
pub trait ContactReads: Send + Sync {
    /// The organization's contact (`None`: not there, or another organization's).
    async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError>;
}

#[async_trait::async_trait]
impl ConversationReads for ConversationStore {
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        ConversationStore::conversation(self, org_id, conversation_id).await
    }
}

#[async_trait::async_trait]
impl ContactReads for ContactStore {
    async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError> {
        ContactStore::contact(self, org_id, contact_id).await
    }
}

/// Conversations and contacts in memory.
#[cfg(any(test, feature = "fakes"))]
#[derive(Default)]
pub struct MemoryInbox {
    conversations: std::sync::Mutex<std::collections::HashMap<(String, String), Conversation>>,
    contacts: std::sync::Mutex<std::collections::HashMap<(String, String), Contact>>,
}

#[cfg(any(test, feature = "fakes"))]
impl MemoryInbox {
    pub fn put_conversation(&self, conversation: Conversation) {
        let key = (conversation.org_id.clone(), conversation.conversation_id.clone());
        self.conversations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, conversation);
    }

    pub fn put_contact(&self, contact: Contact) {
        let key = (contact.org_id.clone(), contact.contact_id.clone());
        self.contacts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, contact);
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
        let conversation = Conversation {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            account_id: "acc_1".into(),
            contact_id,
            status: crate::inbox::ConversationStatus::Open,
            unread_count: 0,
            message_count: 1,
            last_message_ms: wrote_at_ms,
            last_message_preview: "Hello".into(),
            last_message_direction: crate::inbox::Direction::Inbound,
            last_inbound_ms: Some(wrote_at_ms),
            window_expires_at: Some(wrote_at_ms.div_euclid(1000) + crate::inbox::SERVICE_WINDOW_SECONDS),
            assigned_agent_id: None,
            division_id: None,
            contact_name: None,
            contact_profile_name: None,
            contact_phone: None,
            campaign_id: None,
            created_at: "2026-12-04T09:00:00Z".into(),
            updated_at: "2026-12-04T09:00:00Z".into(),
        };
        self.put_contact(contact.clone());
        self.put_conversation(conversation.clone());
        (conversation, contact)
    }
}

#[cfg(any(test, feature = "fakes"))]
#[async_trait::async_trait]
impl ConversationReads for MemoryInbox {
    async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        let conversations = self.conversations.lock().unwrap_or_else(|e| e.into_inner());
        Ok(conversations.get(&(org_id.into(), conversation_id.into())).cloned())
    }
}

#[cfg(any(test, feature = "fakes"))]
#[async_trait::async_trait]
impl ContactReads for MemoryInbox {
    async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError> {
        let contacts = self.contacts.lock().unwrap_or_else(|e| e.into_inner());
        Ok(contacts.get(&(org_id.into(), contact_id.into())).cloned())
    }
}

/// The contract of the read ports, given a conversation and its contact already stored in both.
#[cfg(any(test, feature = "fakes"))]
pub async fn inbox_reads_contract(
    conversations: &dyn ConversationReads,
    contacts: &dyn ContactReads,
    stored: &Conversation,
    contact: &Contact,
) {
    let read = conversations
        .conversation(&stored.org_id, &stored.conversation_id)
        .await
        .expect("read");
    assert_eq!(read.as_ref().map(|c| &c.conversation_id), Some(&stored.conversation_id));
    assert_eq!(read.map(|c| c.contact_id), Some(contact.contact_id.clone()));
    let foreign = conversations
        .conversation("org_someone_else", &stored.conversation_id)
        .await
        .expect("read");
    assert_eq!(foreign, None, "another organization's id reads as nothing");
    let read = contacts
        .contact(&contact.org_id, &contact.contact_id)
        .await
        .expect("read");
    assert_eq!(read.map(|c| c.wa_id), Some(contact.wa_id.clone()));
    assert_eq!(
        contacts
            .contact("org_someone_else", &contact.contact_id)
            .await
            .expect("read"),
        None
    );
    assert_eq!(contacts.contact(&contact.org_id, "ct_none").await.expect("read"), None);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_in_memory_inbox_reads_keep_the_contract() {
        let inbox = MemoryInbox::default();
        let (conversation, contact) = inbox.put_customer("org_1", "cv_1", "4915", 1_000);
        inbox_reads_contract(&inbox, &inbox, &conversation, &contact).await;
    }
}
