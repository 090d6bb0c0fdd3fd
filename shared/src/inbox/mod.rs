//! The inbox records (contacts, conversations, messages) and the pure rules around them: identity,
//! the 24-hour customer-service window, previews and ordering keys.

pub mod agent_send;
pub mod auto_send;
pub mod compose;
pub mod contact_store;
pub mod conversation_store;
pub mod delivery;
#[cfg(any(test, feature = "fakes"))]
pub mod ingest_contract;
pub mod ingest_port;
pub mod media_job;
#[cfg(feature = "s3")]
pub mod media_links;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod moves;
pub mod origin;
pub mod outbound;
pub mod outbound_rich;
pub mod outbound_store;
pub mod pacer;
pub mod pacing;
pub mod reads;
pub mod send_content;
#[cfg(any(test, feature = "fakes"))]
pub mod send_contract;
pub mod send_creation;
#[cfg(any(test, feature = "fakes"))]
pub mod send_memory;
pub mod send_policy;
pub mod send_port;
pub mod sender_job;
pub mod store;
pub mod tally;
#[cfg(any(test, feature = "fakes"))]
pub mod tally_contract;
#[cfg(any(test, feature = "fakes"))]
pub mod tally_memory;
pub mod tally_store;
pub mod upload_store;

use crate::meta::{ContactProfile, Content, InboundMessage, MediaKind, MetaError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Meta's customer-service window: an inbound message opens or resets it for 24 hours.
pub const SERVICE_WINDOW_SECONDS: i64 = 24 * 60 * 60;

pub fn window_expires_at(inbound_timestamp_seconds: i64) -> i64 {
    inbound_timestamp_seconds + SERVICE_WINDOW_SECONDS
}

pub fn is_window_open(window_expires_at: Option<i64>, now_seconds: i64) -> bool {
    window_expires_at.is_some_and(|expires| now_seconds < expires)
}

pub fn rfc3339_seconds(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

pub fn rfc3339_millis(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Pending,
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
        }
    }
}

/// How urgent agents (or a rule) marked a conversation; none set is no priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Urgent,
    High,
    Medium,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Urgent, Priority::High, Priority::Medium, Priority::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Urgent => "urgent",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn parse(value: &str) -> Option<Priority> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// An agent's or a rule's triage of a conversation: each field given is set, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Triage {
    pub priority: Option<Option<Priority>>,
    pub snoozed_until_ms: Option<Option<i64>>,
}

impl Triage {
    pub fn is_empty(&self) -> bool {
        self.priority.is_none() && self.snoozed_until_ms.is_none()
    }

    /// The conversation with this triage applied (what the store writes).
    pub fn apply(&self, conversation: &mut Conversation) {
        if let Some(priority) = self.priority {
            conversation.priority = priority;
        }
        if let Some(until) = self.snoozed_until_ms {
            conversation.snoozed_until_ms = until;
        }
    }
}

/// Who a customer is. The business-scoped user id is preferred; the phone-based wa_id may be
/// empty (usernames), so neither alone is trusted to exist.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerIdentity {
    pub user_id: Option<String>,
    pub wa_id: Option<String>,
}

impl CustomerIdentity {
    /// The sender of `message`, completed from the change's `contacts[]` entry that matches it.
    pub fn of_sender(message: &InboundMessage, contacts: &[ContactProfile]) -> (Self, Option<String>) {
        let profile = contacts
            .iter()
            .find(|c| {
                (c.user_id.is_some() && c.user_id == message.from_user_id)
                    || (c.wa_id.is_some() && c.wa_id == message.from)
            })
            .or_else(|| (contacts.len() == 1).then(|| &contacts[0]));
        let identity = Self {
            user_id: message
                .from_user_id
                .clone()
                .or_else(|| profile.and_then(|p| p.user_id.clone())),
            wa_id: message.from.clone().or_else(|| profile.and_then(|p| p.wa_id.clone())),
        };
        (identity, profile.and_then(|p| p.profile_name.clone()))
    }

    pub fn is_known(&self) -> bool {
        self.user_id.is_some() || self.wa_id.is_some()
    }

    /// Identity keys, preferred first.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(user_id) = &self.user_id {
            keys.push(format!("BSUID#{user_id}"));
        }
        if let Some(wa_id) = &self.wa_id {
            keys.push(format!("WA#{wa_id}"));
        }
        keys
    }

    /// The id a contact first seen with this identity gets: derived, so two deliveries racing to
    /// create the same new contact agree on its id.
    pub fn derived_contact_id(&self, org_id: &str) -> Option<String> {
        let preferred = self.keys().into_iter().next()?;
        let digest = Sha256::digest(format!("{org_id}|{preferred}").as_bytes());
        Some(format!("ct_{}", &hex::encode(digest)[..26]))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub org_id: String,
    pub contact_id: String,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub profile_name: Option<String>,
    /// The name agents gave the contact (shown before the WhatsApp profile name).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Keyword scenarios that never answer this customer.
    #[serde(default)]
    pub blocked_scenarios: Vec<String>,
    /// Seed 004's `contact_description`: what agents note about the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seed 004's `contact_country`: an ISO 3166-1 alpha-2 code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Seed 004's `contact_llm_context`: facts AI agents keep about the customer (a JSON object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_context: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub org_id: String,
    pub conversation_id: String,
    pub account_id: String,
    pub contact_id: String,
    pub status: ConversationStatus,
    pub unread_count: i64,
    pub message_count: i64,
    /// Meta time of the newest message, epoch milliseconds (orders the conversation list).
    pub last_message_ms: i64,
    pub last_message_preview: String,
    pub last_message_direction: Direction,
    /// Meta time of the newest inbound message, epoch milliseconds.
    pub last_inbound_ms: Option<i64>,
    /// End of the customer-service window, epoch seconds.
    pub window_expires_at: Option<i64>,
    pub assigned_agent_id: Option<String>,
    pub division_id: Option<String>,
    /// The contact's agent-given name, copied here (and kept current) so lists need no read per
    /// row; `contact_profile_name` is the customer's WhatsApp profile name from their newest message.
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub contact_profile_name: Option<String>,
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// The campaign whose message this conversation's customer replied to.
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// When a person (an agent, not the bot, a rule or a campaign) last sent a message in it,
    /// epoch milliseconds: the keyword bot keeps quiet while a person handles the conversation.
    #[serde(default)]
    pub last_agent_reply_ms: Option<i64>,
    /// An agent paused the keyword bot for this conversation.
    #[serde(default)]
    pub bot_paused: bool,
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Set aside until then, epoch milliseconds: the customer's next message wakes it sooner.
    #[serde(default)]
    pub snoozed_until_ms: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Conversation {
    /// When it is snoozed at `now_ms`: until then (a past snooze is over).
    pub fn snoozed_at(&self, now_ms: i64) -> Option<i64> {
        self.snoozed_until_ms.filter(|until| *until > now_ms)
    }

    /// The name to show: the agent-given one, else the profile name.
    pub fn contact_display_name(&self) -> Option<&str> {
        self.contact_name.as_deref().or(self.contact_profile_name.as_deref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    Pending,
    Stored,
    Failed,
}

/// Where an inbound media file is: Meta's id until the media function has copied it to S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    pub media_kind: MediaKind,
    pub media_id: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub state: MediaState,
    pub s3_key: Option<String>,
    pub size: Option<u64>,
    pub failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub org_id: String,
    pub conversation_id: String,
    pub message_id: String,
    pub wamid: Option<String>,
    pub direction: Direction,
    pub message_type: String,
    pub content: Content,
    /// received (inbound); queued, sending, sent, delivered, read, played, failed (outbound).
    pub status: String,
    pub status_rank: u8,
    /// Meta's timestamp, epoch seconds.
    pub meta_timestamp: i64,
    /// When the webhook received it, epoch milliseconds.
    pub received_at_ms: u64,
    pub context: Option<Value>,
    pub referral: Option<Value>,
    #[serde(default)]
    pub errors: Vec<MetaError>,
    /// Why a send or delivery failed: Meta's errors from a `failed` status or a refused send.
    #[serde(default)]
    pub status_errors: Vec<MetaError>,
    pub media: Option<MediaRef>,
    pub pricing: Option<Value>,
    pub created_at: String,
    /// When the customer last edited it (its content is then the new one).
    #[serde(default)]
    pub edited_at: Option<String>,
    /// When the customer deleted it for everyone (its content is then a `revoke`).
    #[serde(default)]
    pub revoked_at: Option<String>,
    /// What it said before each edit or the deletion, oldest first: kept for audit.
    #[serde(default)]
    pub previous_contents: Vec<Content>,
    /// Where an outbound message came from when not from an agent: `campaign:<id>` for a campaign
    /// send shown in the conversation its reply opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Message {
    pub fn inbound(
        org_id: &str,
        conversation_id: &str,
        message_id: String,
        message: &InboundMessage,
        received_at_ms: u64,
        now: &str,
    ) -> Self {
        let media = message.content.media().map(|(kind, id)| {
            let (mime_type, sha256) = match &message.content {
                Content::Media { mime_type, sha256, .. } => (mime_type.clone(), sha256.clone()),
                _ => (None, None),
            };
            MediaRef {
                media_kind: kind,
                media_id: id.to_string(),
                mime_type,
                sha256,
                state: MediaState::Pending,
                s3_key: None,
                size: None,
                failure: None,
            }
        });
        Self {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            message_id,
            wamid: Some(message.wamid.clone()),
            direction: Direction::Inbound,
            message_type: message.message_type.clone(),
            content: message.content.clone(),
            status: "received".into(),
            status_rank: 0,
            meta_timestamp: message.timestamp,
            received_at_ms,
            context: message.context.clone(),
            referral: message.referral.clone(),
            errors: message.errors.clone(),
            media,
            status_errors: vec![],
            pricing: None,
            created_at: now.into(),
            edited_at: None,
            revoked_at: None,
            previous_contents: vec![],
            origin: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(from: Option<&str>, from_user_id: Option<&str>) -> InboundMessage {
        InboundMessage {
            wamid: "wamid.1".into(),
            from: from.map(str::to_string),
            from_user_id: from_user_id.map(str::to_string),
            timestamp: 1,
            message_type: "text".into(),
            content: Content::Text { body: "hi".into() },
            context: None,
            referral: None,
            errors: vec![],
        }
    }

    #[test]
    fn the_window_is_24_hours_from_the_inbound_message() {
        let expires = window_expires_at(1_749_416_383);
        assert_eq!(expires, 1_749_416_383 + 86_400);
        assert!(is_window_open(Some(expires), expires - 1));
        assert!(!is_window_open(Some(expires), expires));
        assert!(!is_window_open(None, 0));
    }

    #[test]
    fn identity_prefers_the_business_scoped_id_and_survives_an_empty_wa_id() {
        let contacts = vec![ContactProfile {
            wa_id: None,
            user_id: Some("US.1".into()),
            profile_name: Some("Kai".into()),
        }];
        let (identity, name) = CustomerIdentity::of_sender(&message(None, Some("US.1")), &contacts);
        assert_eq!(identity.keys(), vec!["BSUID#US.1".to_string()]);
        assert_eq!(name.as_deref(), Some("Kai"));

        let (both, _) = CustomerIdentity::of_sender(&message(Some("1650"), Some("US.1")), &[]);
        assert_eq!(both.keys(), vec!["BSUID#US.1".to_string(), "WA#1650".to_string()]);
        assert_eq!(
            both.derived_contact_id("org_1"),
            identity.derived_contact_id("org_1"),
            "same preferred identity, same contact"
        );
        assert_ne!(
            both.derived_contact_id("org_1"),
            both.derived_contact_id("org_2"),
            "ids differ across organizations"
        );

        let (phone_only, _) = CustomerIdentity::of_sender(&message(Some("1650"), None), &[]);
        assert_eq!(phone_only.keys(), vec!["WA#1650".to_string()]);
        assert!(!CustomerIdentity::default().is_known());
    }

    #[test]
    fn inbound_media_messages_start_pending() {
        let mut m = message(Some("1"), None);
        m.content = Content::Media {
            media_kind: MediaKind::Image,
            media_id: "m1".into(),
            mime_type: Some("image/jpeg".into()),
            sha256: None,
            caption: None,
            filename: None,
            voice: None,
            animated: None,
        };
        let stored = Message::inbound("o", "c", "msg_1".into(), &m, 5, "now");
        let media = stored.media.unwrap();
        assert_eq!((media.state, media.media_id.as_str()), (MediaState::Pending, "m1"));
    }
}
