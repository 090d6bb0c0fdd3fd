//! A conversation's moves: resolved (by an agent, or idle: only if nothing came since the expiry
//! judged it), assigned or transferred (the transfer logged with it), reopened (unless another
//! conversation of the customer is open). DynamoDB through [`ConversationStore`]; in memory through
//! `MemoryInbox`; one contract for both.

use crate::desk::Transfer;
use crate::inbox::Conversation;
#[cfg(any(test, feature = "fakes"))]
use crate::inbox::ConversationStatus;
use crate::inbox::conversation_store::{Assignment, ConversationStore, ReopenError, Resolve};
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
pub trait ConversationMoves: ConversationResolves {
    /// Assigns the conversation to `to` (the agent, or none; the division when given), logging
    /// `transfer` with it (its `from_agent_id` set to the agent it had); `None` when there is none.
    async fn assign(
        &self,
        org_id: &str,
        conversation_id: &str,
        to: &Assignment,
        transfer: Option<Transfer>,
    ) -> Result<Option<Conversation>, StoreError>;
    /// Reopens a resolved conversation (an open one is answered as it is); `None` when there is none.
    async fn reopen(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, ReopenError>;
}

#[async_trait::async_trait]
impl ConversationMoves for ConversationStore {
    async fn assign(
        &self,
        org_id: &str,
        conversation_id: &str,
        to: &Assignment,
        transfer: Option<Transfer>,
    ) -> Result<Option<Conversation>, StoreError> {
        ConversationStore::assign(self, org_id, conversation_id, to, transfer).await
    }

    async fn reopen(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, ReopenError> {
        ConversationStore::reopen(self, org_id, conversation_id).await
    }
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

/// The contract of [`ConversationMoves`], given an open, unassigned conversation stored in the port
/// and an agent of its organization.
#[cfg(any(test, feature = "fakes"))]
pub async fn conversation_moves_contract(moves: &dyn ConversationMoves, open: &Conversation, agent_id: &str) {
    let (org, id) = (open.org_id.as_str(), open.conversation_id.as_str());
    let to = |agent: Option<&str>, division: Option<&str>| Assignment {
        agent_id: agent.map(Into::into),
        division_id: division.map(Into::into),
    };
    let assigned = moves
        .assign(org, id, &to(Some(agent_id), Some("div_one")), None)
        .await
        .expect("assign")
        .expect("there");
    assert_eq!(
        (assigned.assigned_agent_id.as_deref(), assigned.division_id.as_deref()),
        (Some(agent_id), Some("div_one"))
    );
    // Unassigned from the agent, the division stays when none is given.
    let unassigned = moves
        .assign(org, id, &to(None, None), None)
        .await
        .expect("assign")
        .expect("there");
    assert_eq!(
        (unassigned.assigned_agent_id, unassigned.division_id.as_deref()),
        (None, Some("div_one"))
    );
    let read = moves.conversation(org, id).await.expect("read").expect("there");
    assert_eq!(
        (read.assigned_agent_id, read.division_id.as_deref()),
        (None, Some("div_one"))
    );
    assert!(
        moves
            .assign(org, "cv_none", &to(None, None), None)
            .await
            .expect("assign")
            .is_none()
    );
    assert!(
        moves
            .assign("org_someone_else", id, &to(Some(agent_id), None), None)
            .await
            .expect("assign")
            .is_none(),
        "another organization's id is nothing to assign"
    );
    // Reopening an open conversation answers it as it is; a missing one is none.
    let same = moves.reopen(org, id).await.expect("reopen").expect("there");
    assert_ne!(same.status, ConversationStatus::Resolved);
    assert!(moves.reopen(org, "cv_none").await.expect("reopen").is_none());
    conversation_resolves_contract(moves, open).await;
    let reopened = moves.reopen(org, id).await.expect("reopen").expect("there");
    assert_eq!(reopened.status, ConversationStatus::Open);
    let read = moves.conversation(org, id).await.expect("read").expect("there");
    assert_eq!(read.status, ConversationStatus::Open, "reopened for good");
}

/// The contract of [`ConversationResolves`], given an open conversation stored in the port (left
/// resolved).
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
    async fn the_in_memory_moves_keep_the_contract() {
        let inbox = MemoryInbox::default();
        let (conversation, _) = inbox.put_customer("org_1", "cv_1", "4915", 1_000);
        conversation_moves_contract(&inbox, &conversation, "ag_1").await;
    }
}
