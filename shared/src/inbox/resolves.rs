//! The conversation's resolve as the clock functions use it: an idle conversation resolved only if
//! nothing came since the expiry judged it, and an idempotent resolve to finish a claimed job.
//! DynamoDB through [`ConversationStore`]; in memory through [`MemoryInbox`]; one contract for both.

use crate::inbox::Conversation;
#[cfg(any(test, feature = "fakes"))]
use crate::inbox::ConversationStatus;
use crate::inbox::conversation_store::{ConversationStore, Resolve};
use crate::inbox::reads::ConversationReads;
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait ConversationResolves: ConversationReads {
    /// Resolves the conversation (the customer's next message opens a new one): the resolved
    /// conversation, also when it was resolved before; `None` when there is none.
    async fn resolve(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError>;
    /// Resolves it only if its last message is still the one at `last_message_ms`.
    async fn resolve_idle(
        &self,
        org_id: &str,
        conversation_id: &str,
        last_message_ms: i64,
    ) -> Result<Resolve, StoreError>;
}

#[async_trait::async_trait]
impl ConversationResolves for ConversationStore {
    async fn resolve(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        ConversationStore::resolve(self, org_id, conversation_id).await
    }

    async fn resolve_idle(
        &self,
        org_id: &str,
        conversation_id: &str,
        last_message_ms: i64,
    ) -> Result<Resolve, StoreError> {
        ConversationStore::resolve_idle(self, org_id, conversation_id, last_message_ms).await
    }
}

/// The contract of [`ConversationResolves`], given an open conversation stored in the port.
#[cfg(any(test, feature = "fakes"))]
pub async fn conversation_resolves_contract(resolves: &dyn ConversationResolves, open: &Conversation) {
    let (org, id) = (open.org_id.as_str(), open.conversation_id.as_str());
    let last = open.last_message_ms;
    let stale = resolves.resolve_idle(org, id, last - 1).await.expect("resolve idle");
    assert!(
        matches!(stale, Resolve::Active),
        "a message after the judged one keeps it open"
    );
    let read = resolves.conversation(org, id).await.expect("read").expect("there");
    assert_ne!(read.status, ConversationStatus::Resolved);
    match resolves.resolve_idle(org, id, last).await.expect("resolve idle") {
        Resolve::Resolved(c) => assert_eq!(c.status, ConversationStatus::Resolved),
        _ => panic!("an idle conversation is resolved"),
    }
    assert!(matches!(
        resolves.resolve_idle(org, id, last).await.expect("again"),
        Resolve::Already(_)
    ));
    let again = resolves.resolve(org, id).await.expect("resolve");
    assert_eq!(
        again.map(|c| c.status),
        Some(ConversationStatus::Resolved),
        "idempotent"
    );
    let read = resolves.conversation(org, id).await.expect("read").expect("there");
    assert_eq!(read.status, ConversationStatus::Resolved);
    assert!(resolves.resolve(org, "cv_none").await.expect("resolve").is_none());
    assert!(matches!(
        resolves.resolve_idle(org, "cv_none", last).await.expect("resolve idle"),
        Resolve::Gone
    ));
    assert!(
        resolves
            .resolve("org_someone_else", id)
            .await
            .expect("resolve")
            .is_none(),
        "another organization's id is nothing to resolve"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::memory::MemoryInbox;

    #[tokio::test]
    async fn the_in_memory_resolves_keep_the_contract() {
        let inbox = MemoryInbox::default();
        let (conversation, _) = inbox.put_customer("org_1", "cv_1", "4915", 1_000);
        conversation_resolves_contract(&inbox, &conversation).await;
    }
}
