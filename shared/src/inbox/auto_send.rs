//! Messages Switchboard sends by itself (the keyword bot, automation rules): through the agents'
//! send path (window, pacing, idempotency), each once per event and position, with its origin.
//! A refusal the author must fix (a closed window) is an outcome, not an error to retry.

use crate::inbox::agent_send::{AgentSends, SendError, SendOutcome, SendRequest};
use crate::inbox::origin::Origin;
use crate::inbox::outbound_store::IdempotencyClaim;
use crate::meta::Content;
use crate::platform::StoreError;
use sha2::{Digest, Sha256};

/// One message sent by the bot or a rule.
pub struct AutoMessage<'a> {
    pub org_id: &'a str,
    pub conversation_id: &'a str,
    pub content: Content,
    /// The same for every delivery of the event: the send happens once.
    pub idempotency_key: String,
    pub origin: Origin,
}

#[async_trait::async_trait]
pub trait AutoSends: Send + Sync {
    /// Queues the message: what was queued, or why it could not be (a closed window: recorded,
    /// not retried). `Err`: a failure to retry.
    async fn send(&self, message: AutoMessage<'_>) -> Result<Result<String, String>, StoreError>;
}

#[async_trait::async_trait]
impl AutoSends for AgentSends {
    async fn send(&self, message: AutoMessage<'_>) -> Result<Result<String, String>, StoreError> {
        let digest = |text: &str| hex::encode(Sha256::digest(text.as_bytes()));
        let fingerprint = digest(&format!(
            "{}:{}",
            message.idempotency_key,
            serde_json::to_string(&message.content).unwrap_or_default()
        ));
        let request = SendRequest {
            conversation_id: message.conversation_id,
            message_type: message.content.message_type(),
            content: message.content,
            reply_to: None,
            idempotency: Some(IdempotencyClaim {
                key_sha256: digest(&message.idempotency_key),
                fingerprint,
            }),
            origin: message.origin,
        };
        match AgentSends::send(self, message.org_id, request).await {
            Ok(SendOutcome::Accepted { message, .. }) => Ok(Ok(format!("queued {}", message.message_id))),
            Ok(SendOutcome::WindowClosed { .. }) => Ok(Err(
                "the customer-service window is closed: only templates may go".into(),
            )),
            Err(SendError::Store(err)) => Err(err),
            Err(refused) => Ok(Err(refused.to_string())),
        }
    }
}
