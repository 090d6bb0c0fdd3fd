//! An agent's send, decided and carried out on ports: an `Idempotency-Key` used before replays its
//! message (or is refused for another request); what the content names must exist (an uploaded
//! medium, an approved template filled exactly); free-form content needs the customer-service
//! window open (Meta's 24 hours, shortened by a chat expiration rule that blocks text); the
//! message is stored `queued` with its job in one write, queued for the sender, and the first
//! answer stops the first-response clock. The API parses the request and answers; this decides.

use crate::care::chat_expiry::ChatExpirationRule;
use crate::care::check_ports::{ExpiryRules, SlaLifecycle};
use crate::desk::UPLOADED_MEDIA_PREFIX;
use crate::inbox::compose::{Composed, queued_message};
use crate::inbox::origin::Origin;
use crate::inbox::outbound::{self, OutboundJob};
use crate::inbox::outbound_store::{Created, IdempotencyClaim};
use crate::inbox::reads::{ContactReads, ConversationReads};
use crate::inbox::send_creation::{SendCreation, SendReferences, TemplateFound};
use crate::inbox::{Conversation, Message, is_window_open};
use crate::meta::Content;
use crate::outreach::template::{ParameterSpec, check_send};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use crate::platform::ids;
use crate::platform::job_queue::JobQueue;
use crate::platform::table::Key;
use std::sync::Arc;

/// Every conversation here is a WhatsApp one (the expiration rule is the channel's).
const CHANNEL: &str = "whatsapp";

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("no conversation with this id")]
    NoConversation,
    #[error("Idempotency-Key: was used within 24 hours for a different request")]
    KeyReused,
    #[error("the message of this Idempotency-Key no longer exists")]
    ReplayGone,
    #[error("content.media_id: no uploaded media with this id")]
    NoUpload,
    #[error("the conversation's account no longer exists")]
    NoAccount,
    #[error("content.name: no template {name:?} in {language} on this account's WABA; create or sync it first")]
    TemplateMissing { name: String, language: String },
    #[error("content.name: template {name:?} ({language}) is {status}, not APPROVED")]
    TemplateNotApproved {
        name: String,
        language: String,
        status: String,
    },
    /// The template's variables are not filled exactly (the field names the part).
    #[error("{field}: {reason}")]
    TemplateParameters { field: &'static str, reason: String },
    #[error("the conversation's contact no longer exists")]
    NoContact,
    #[error("contact: has no phone-based WhatsApp id to send to")]
    NoPhone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a send came to.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// Stored (now or by the first request with the key); `queued`: the job reached the queue
    /// (else the sweeper queues it).
    Accepted { message: Box<Message>, queued: bool },
    /// Free-form content outside the window: only templates can be sent. `by_rule`: the chat
    /// expiration rule closed it before Meta's 24 hours.
    WindowClosed { expires_at: Option<i64>, by_rule: bool },
}

/// A send as the agent asked for it (content already checked on its own).
pub struct SendRequest<'a> {
    pub conversation_id: &'a str,
    pub message_type: &'a str,
    pub content: Content,
    pub reply_to: Option<String>,
    pub idempotency: Option<IdempotencyClaim>,
    /// Who sends it: only a person's send stops the first-response clock.
    pub origin: Origin,
}

#[derive(Clone)]
pub struct AgentSendPorts {
    pub conversations: Arc<dyn ConversationReads>,
    pub contacts: Arc<dyn ContactReads>,
    pub sends: Arc<dyn SendCreation>,
    pub references: Arc<dyn SendReferences>,
    pub rules: Arc<dyn ExpiryRules>,
    pub outbound: Arc<dyn JobQueue>,
    pub sla: Arc<dyn SlaLifecycle>,
}

pub struct AgentSends {
    ports: AgentSendPorts,
    clock: Clock,
}

/// When free-form content may no longer be sent: Meta's window, or the rule's shorter one (and
/// whether the rule decided it).
pub fn text_window(rule: Option<&ChatExpirationRule>, conversation: &Conversation) -> (Option<i64>, bool) {
    let expires_at = match rule {
        Some(rule) => rule.text_window_expires_at(conversation.last_inbound_ms, conversation.window_expires_at),
        None => conversation.window_expires_at,
    };
    (expires_at, expires_at != conversation.window_expires_at)
}

impl AgentSends {
    pub fn new(ports: AgentSendPorts, clock: Clock) -> Self {
        Self { ports, clock }
    }

    /// Sends on DynamoDB, queued for the sender on the outbound queue (the API's and the
    /// automation function's).
    pub fn on_dynamo(
        dynamo: &aws_sdk_dynamodb::Client,
        sqs: &aws_sdk_sqs::Client,
        table: &str,
        outbound_queue_url: &str,
    ) -> Self {
        use crate::care::chat_expiry_store::ChatExpiryStore;
        use crate::care::sla_keeper::SlaKeeper;
        use crate::inbox::contact_store::ContactStore;
        use crate::inbox::conversation_store::ConversationStore;
        use crate::inbox::outbound_store::OutboundStore;
        use crate::inbox::send_creation::StoredReferences;
        use crate::platform::job_queue::SqsJobQueue;
        Self::new(
            AgentSendPorts {
                conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
                contacts: Arc::new(ContactStore::new(dynamo.clone(), table)),
                sends: Arc::new(OutboundStore::new(dynamo.clone(), table)),
                references: Arc::new(StoredReferences::new(dynamo.clone(), table)),
                rules: Arc::new(ChatExpiryStore::new(dynamo.clone(), table)),
                outbound: Arc::new(SqsJobQueue::new(sqs.clone(), outbound_queue_url)),
                sla: Arc::new(SlaKeeper::new(dynamo.clone(), table)),
            },
            Clock::system(),
        )
    }

    /// Reads "now" from `clock` (tests move time instead of waiting).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub async fn send(&self, org_id: &str, request: SendRequest<'_>) -> Result<SendOutcome, SendError> {
        let conversation = self
            .ports
            .conversations
            .conversation(org_id, request.conversation_id)
            .await?
            .ok_or(SendError::NoConversation)?;
        if let Some(claim) = &request.idempotency
            && let Some((fingerprint, key)) = self.ports.sends.idempotent(org_id, &claim.key_sha256).await?
        {
            return match fingerprint == claim.fingerprint {
                true => self.replay(&key).await,
                false => Err(SendError::KeyReused),
            };
        }
        self.check_references(org_id, &request.content, &conversation.account_id)
            .await?;
        let now = self.clock.now();
        if outbound::needs_open_window(&request.content) {
            let rule = self.ports.rules.rule(org_id, CHANNEL).await?;
            let (expires_at, by_rule) = text_window(rule.as_ref(), &conversation);
            if !is_window_open(expires_at, now.timestamp()) {
                return Ok(SendOutcome::WindowClosed { expires_at, by_rule });
            }
        }
        let contact = self
            .ports
            .contacts
            .contact(org_id, &conversation.contact_id)
            .await?
            .ok_or(SendError::NoContact)?;
        let to = contact.wa_id.ok_or(SendError::NoPhone)?;
        let (key, message, job) = queued_message(
            Composed {
                org_id,
                conversation_id: &conversation.conversation_id,
                account_id: &conversation.account_id,
                to: &to,
                message_type: request.message_type,
                content: &request.content,
                reply_to: request.reply_to,
                origin: request.origin.clone(),
            },
            now,
        );
        let preview = request.content.preview();
        match self
            .ports
            .sends
            .create(&key, &message, &preview, &job, request.idempotency.as_ref())
            .await?
        {
            Created::New => {}
            Created::Replay(key) => return self.replay(&key).await,
            Created::KeyReused => return Err(SendError::KeyReused),
        }
        let queued = self.enqueue(&job).await;
        // A person's answer: the first stops the first-response clock (a bot's or a rule's never
        // does). The message is accepted either way; a failure here is logged, not answered.
        if request.origin.kind.is_person() {
            let replied = self
                .ports
                .sla
                .replied(org_id, &conversation.conversation_id, now.timestamp_millis());
            if let Err(err) = replied.await {
                tracing::warn!(error = %err, "the first-response clock could not be stopped");
            }
        }
        Ok(SendOutcome::Accepted {
            message: Box::new(message),
            queued,
        })
    }

    /// The message of a key used before, queued again if it still waits (a lost job is harmless
    /// to repeat).
    async fn replay(&self, key: &Key) -> Result<SendOutcome, SendError> {
        let (message, job) = self.ports.sends.stored(key).await?.ok_or(SendError::ReplayGone)?;
        let queued = match (message.status.as_str(), job) {
            ("queued", Some(job)) => self.enqueue(&job).await,
            _ => true,
        };
        Ok(SendOutcome::Accepted {
            message: Box::new(message),
            queued,
        })
    }

    /// Whether the queue took the job; when it did not, the message is still stored and the
    /// sweeper queues it (`send_policy`).
    async fn enqueue(&self, job: &OutboundJob) -> bool {
        let taken = self.ports.outbound.send_all(&[job.body()]).await.is_empty();
        if !taken {
            tracing::warn!("the message is stored but could not be queued; the sweeper will queue it");
        }
        taken
    }

    /// What the content names must exist: an uploaded medium, an approved template of the
    /// account's WABA with exactly its variables (refused here, never by Meta's 132000 / 132001).
    pub async fn check_references(&self, org_id: &str, content: &Content, account_id: &str) -> Result<(), SendError> {
        if let Content::Media { media_id, .. } = content
            && media_id.starts_with(UPLOADED_MEDIA_PREFIX)
            && (!ids::is_well_formed(media_id) || !self.ports.references.uploaded(org_id, media_id).await?)
        {
            return Err(SendError::NoUpload);
        }
        let Content::Template {
            name,
            language,
            components,
        } = content
        else {
            return Ok(());
        };
        let template = match self
            .ports
            .references
            .template(org_id, account_id, name, language)
            .await?
        {
            TemplateFound::Found(template) => template,
            TemplateFound::NoAccount => return Err(SendError::NoAccount),
            TemplateFound::Missing => {
                return Err(SendError::TemplateMissing {
                    name: name.clone(),
                    language: language.clone(),
                });
            }
        };
        if !template.is_approved() {
            return Err(SendError::TemplateNotApproved {
                name: name.clone(),
                language: language.clone(),
                status: template.status.clone(),
            });
        }
        check_send(&ParameterSpec::of(&template.components), components).map_err(|e| SendError::TemplateParameters {
            field: e.field,
            reason: e.reason,
        })
    }
}

impl From<SendError> for crate::platform::http_error::HttpError {
    fn from(err: SendError) -> Self {
        use crate::platform::http_error::HttpError;
        use lambda_http::http::StatusCode;
        let message = err.to_string();
        let (status, code) = match err {
            SendError::Store(store) => return store.into(),
            SendError::TemplateMissing { .. } => (StatusCode::NOT_FOUND, "template_not_found"),
            SendError::TemplateNotApproved { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "template_not_approved"),
            SendError::KeyReused => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
            SendError::TemplateParameters { .. } | SendError::NoPhone => {
                (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
            }
            SendError::NoConversation
            | SendError::ReplayGone
            | SendError::NoUpload
            | SendError::NoAccount
            | SendError::NoContact => (StatusCode::NOT_FOUND, "not_found"),
        };
        HttpError::new(status, code, message)
    }
}

#[cfg(test)]
#[path = "agent_send_tests.rs"]
mod tests;
