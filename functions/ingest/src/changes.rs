//! What ingest does with a customer's edit or deletion of an earlier message: the original gets the
//! new content (or is marked deleted) with what it said kept for audit, once per change however
//! often Meta delivers it, and `message.edited` / `message.revoked` go to the bus. A change that
//! arrives before the message it names is retried (SQS), and dead-lettered if it never comes.

use crate::{Effects, IngestService, RecordError};
use shared::adapters::inbox::{Change, Changed};
use shared::events::DomainEvent;
use shared::meta::{Content, InboundMessage};
use tracing::info;

impl IngestService {
    /// True when `message` was an edit or a deletion (then it is not stored as a message).
    pub(crate) async fn apply_change(
        &self,
        org_id: &str,
        message: &InboundMessage,
        effects: &mut Effects,
    ) -> Result<bool, RecordError> {
        let (original, change) = match &message.content {
            Content::Edit {
                original_message_id,
                message: new,
            } => (original_message_id, Change::Edit((**new).clone())),
            Content::Revoke { original_message_id } => (original_message_id, Change::Revoke),
            _ => return Ok(false),
        };
        let at = shared::inbox::rfc3339_seconds(message.timestamp);
        let changed = self
            .messages
            .apply_change(org_id, original, &message.wamid, &change, &at)
            .await?;
        let Changed::Applied {
            conversation_id,
            message_id,
        } = changed
        else {
            return Err(RecordError::OriginalNotStored(original.clone()));
        };
        let edited = matches!(change, Change::Edit(_));
        info!(%conversation_id, %message_id, edited, "message changed by the customer");
        effects.events.push(DomainEvent::message_changed(
            org_id,
            edited,
            &conversation_id,
            &message_id,
            &message.wamid,
        ));
        Ok(true)
    }
}
