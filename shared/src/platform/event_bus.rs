//! Domain events out: the publisher trait, and announcing a failed send through it.

use crate::platform::StoreError;
use crate::platform::events::DomainEvent;

/// PutEvents accepts at most 10 entries per call.
pub const MAX_ENTRIES_PER_CALL: usize = 10;

#[async_trait::async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes `events`; returns the indexes of the events that could not be published.
    async fn publish(&self, events: &[DomainEvent]) -> Vec<usize>;
}

/// Announces a failed send (before it is recorded: a retry repeats both, and the event's id is
/// stable, so consumers see it at least once and can de-duplicate).
pub async fn announce_failed_send(
    events: &dyn EventPublisher,
    message: &crate::inbox::Message,
    error: &crate::meta::MetaError,
) -> Result<(), StoreError> {
    let event = DomainEvent::message_failed(
        &message.org_id,
        &message.conversation_id,
        &message.message_id,
        error.code,
        error.title.as_deref().unwrap_or_default(),
    );
    match events.publish(&[event]).await.is_empty() {
        true => Ok(()),
        false => Err(StoreError::io("PutEvents(message.failed)", "not accepted")),
    }
}

#[cfg(feature = "eventbridge")]
pub use crate::platform::eventbridge::EventBridgePublisher;
