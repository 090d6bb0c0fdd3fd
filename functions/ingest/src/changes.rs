//! What ingest does with a customer's edit or deletion of an earlier message: the original gets the
//! new content (or is marked deleted) with what it said kept for audit, once per change however
//! often Meta delivers it, and `message.edited` / `message.revoked` go to the bus. A change that
//! arrives before the message it names waits for it (SQS retries, longer each time); on the
//! record's last receive it is recorded as an orphan change for operators (`ORPHANCHANGE#`, the
//! `OrphanChanges` metric): a message we never stored (sent before the number was connected) is
//! no failure, and raises no dead-letter alarm.

use crate::{Effects, IngestService, RecordError};
use shared::inbox::store::{Change, Changed};
use shared::meta::{Content, InboundMessage};
use shared::platform::events::DomainEvent;
use shared::platform::telemetry::emit_metric;
use tracing::{info, warn};

impl IngestService {
    /// What became of `message` if it was an edit or a deletion (then it is not stored as a
    /// message).
    pub(crate) async fn apply_change(
        &self,
        org_id: &str,
        message: &InboundMessage,
        effects: &mut Effects,
    ) -> Result<ChangeDone, RecordError> {
        let (original, change) = match &message.content {
            Content::Edit {
                original_message_id,
                message: new,
            } => (original_message_id, Change::Edit((**new).clone())),
            Content::Revoke { original_message_id } => (original_message_id, Change::Revoke),
            _ => return Ok(ChangeDone::NotAChange),
        };
        let at = shared::inbox::rfc3339_seconds(message.timestamp);
        let changed = self
            .ports
            .inbox
            .changes
            .apply_change(org_id, original, &message.wamid, &change, &at)
            .await?;
        let Changed::Applied {
            conversation_id,
            message_id,
        } = changed
        else {
            if !effects.last_receive {
                return Err(RecordError::OriginalNotStored(original.clone()));
            }
            self.ports
                .inbox
                .changes
                .record_orphan_change(org_id, original, &message.wamid, &change, &at)
                .await?;
            warn!(original = %original, change = %message.wamid, "a change of a message never stored: recorded as an orphan");
            emit_metric("OrphanChanges", 1.0, "Count", &[("Function", "ingest")]);
            return Ok(ChangeDone::Orphaned);
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
        Ok(ChangeDone::Applied)
    }
}

/// What became of an inbound message that may be a customer's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChangeDone {
    NotAChange,
    Applied,
    /// Its original is not stored and will not come: kept for operators.
    Orphaned,
}
