//! What ingest does for the clock: a conversation a customer's message opens gets its SLA clocks,
//! started at that message under the policy matching the conversation once it has been allocated,
//! and its expiry entry when a chat expiration rule resolves idle conversations.

use crate::{IngestService, RecordError};
use tracing::info;

impl IngestService {
    pub(crate) async fn start_clocks(
        &self,
        org_id: &str,
        conversation_id: &str,
        started_ms: i64,
    ) -> Result<(), RecordError> {
        let Some(conversation) = self.conversations.conversation(org_id, conversation_id).await? else {
            return Ok(());
        };
        let now_ms = chrono::Utc::now().timestamp_millis();
        if let Some(clocks) = self.sla.start(&conversation, started_ms, now_ms).await? {
            info!(%conversation_id, policy = %clocks.policy_id, "SLA clocks started");
        }
        self.expiry
            .arm_if_ruled(org_id, "whatsapp", conversation_id, started_ms)
            .await?;
        Ok(())
    }
}
