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

/// Contacts with a tag, a page at a time (the campaigns function expands tags into recipients).
#[async_trait::async_trait]
pub trait TaggedContacts: Send + Sync {
    /// Up to `limit` contacts with `tag` after the cursor `after`; the cursor after them when more
    /// may follow.
    async fn tagged(
        &self,
        org_id: &str,
        tag: &str,
        after: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<Contact>, Option<String>), StoreError>;
}

#[async_trait::async_trait]
impl TaggedContacts for ContactStore {
    async fn tagged(
        &self,
        org_id: &str,
        tag: &str,
        after: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<Contact>, Option<String>), StoreError> {
        let start = after.map(|sk| crate::platform::table::tag_page_key(org_id, tag, sk));
        let page = ContactStore::by_tag(self, org_id, tag, limit, start).await?;
        let next = page
            .next
            .as_ref()
            .and_then(|key| key.get(crate::platform::table::attr::SK).cloned());
        Ok((page.items, next))
    }
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

#[cfg(any(test, feature = "fakes"))]
pub use crate::inbox::memory::MemoryInbox;

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
