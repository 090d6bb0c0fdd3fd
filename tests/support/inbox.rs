//! What the tests read back from the table, through the functions' own stores: one reader with
//! the questions tests ask (a message, a conversation's messages, the counters, ...).

use shared::inbox::contact_store::ContactStore;
use shared::inbox::conversation_store::{ConversationFilter, ConversationStore};
use shared::inbox::store::{Counters, MessageStore, StatusLedger, StatusOutcome};
use shared::inbox::{Contact, Conversation, Message};
use shared::meta::{DeliveryStatus, StatusUpdate};
use shared::platform::StoreError;
use shared::platform::items::record_item;
use shared::platform::table::Key;
use std::collections::HashMap;

pub struct Inbox {
    client: aws_sdk_dynamodb::Client,
    table: String,
    messages: MessageStore,
    statuses: StatusLedger,
    conversations: ConversationStore,
    contacts: ContactStore,
    counters: Counters,
}

impl Inbox {
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str) -> Self {
        Self {
            client: client.clone(),
            table: table.to_string(),
            messages: MessageStore::new(client.clone(), table),
            statuses: StatusLedger::new(client.clone(), table),
            conversations: ConversationStore::new(client.clone(), table),
            contacts: ContactStore::new(client.clone(), table),
            counters: Counters::new(client, table),
        }
    }

    pub async fn message(&self, key: &Key) -> Result<Option<Message>, StoreError> {
        self.messages.message(key).await
    }

    /// A conversation's messages: oldest first, or newest first.
    pub async fn list_messages(
        &self,
        org_id: &str,
        conversation_id: &str,
        newest_first: bool,
        limit: i32,
    ) -> Result<Vec<Message>, StoreError> {
        if newest_first {
            Ok(self.messages.page(org_id, conversation_id, limit, None).await?.0)
        } else {
            self.messages.oldest_first(org_id, conversation_id, limit).await
        }
    }

    /// The most recently active conversations, newest first.
    pub async fn list_conversations(&self, org_id: &str, limit: i32) -> Result<Vec<Conversation>, StoreError> {
        Ok(self
            .conversations
            .page(org_id, &ConversationFilter::default(), limit, None)
            .await?
            .items)
    }

    pub async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        self.conversations.conversation(org_id, conversation_id).await
    }

    pub async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError> {
        self.contacts.contact(org_id, contact_id).await
    }

    pub async fn counters(&self, org_id: &str) -> Result<HashMap<String, i64>, StoreError> {
        self.counters.totals(org_id).await
    }

    /// Totals and one day's counters, the day's under `day.`.
    pub async fn counters_with_day(&self, org_id: &str, day: &str) -> Result<HashMap<String, i64>, StoreError> {
        self.counters.totals_with_day(org_id, day).await
    }

    /// Stores a message record as it stands before its send (the tests' precondition; the API
    /// writes it with the rest of the send's transaction).
    pub async fn put_message(&self, key: &Key, message: &Message) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record_item(message, key, "Message")?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("PutItem(message)", e))
    }

    pub async fn message_key_of(&self, org_id: &str, wamid: &str) -> Result<Option<Key>, StoreError> {
        self.messages.key_of_wamid(org_id, wamid).await
    }

    pub async fn link_outbound(
        &self,
        org_id: &str,
        wamid: &str,
        message_key: &Key,
    ) -> Result<Option<DeliveryStatus>, StoreError> {
        self.statuses.link_outbound(org_id, wamid, message_key).await
    }

    pub async fn apply_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        self.statuses.apply_status(org_id, status).await
    }
}
