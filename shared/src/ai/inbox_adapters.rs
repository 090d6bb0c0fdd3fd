//! The inbox as AI agents use it: a conversation's newest messages (one Query) and the contact's
//! `llm_context` (one conditional UpdateItem).

use crate::ai::ports::{ContactContexts, RecentMessages};
use crate::inbox::Message;
use crate::inbox::contact_store::ContactStore;
use crate::inbox::store::MessageStore;
use crate::platform::StoreError;

#[async_trait::async_trait]
impl RecentMessages for MessageStore {
    async fn recent(&self, org_id: &str, conversation_id: &str, limit: usize) -> Result<Vec<Message>, StoreError> {
        let (messages, _) = self.page(org_id, conversation_id, limit.min(100) as i32, None).await?;
        Ok(messages)
    }
}

#[async_trait::async_trait]
impl ContactContexts for ContactStore {
    async fn set_context(
        &self,
        org_id: &str,
        contact_id: &str,
        context: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        match self.set_llm_context(org_id, contact_id, Some(context)).await {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }
}
