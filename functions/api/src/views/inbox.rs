//! Wire types of the inbox: conversations, messages, contacts, the overview and uploads.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::inbox::{self, rfc3339_millis, rfc3339_seconds};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Conversation {
    pub id: String,
    pub account_id: String,
    pub contact_id: String,
    /// The contact's name (the agent-given one, else their WhatsApp profile name), kept on the
    /// conversation so the list needs no read per row.
    pub contact_name: Option<String>,
    /// The contact's WhatsApp number (digits, country code first); absent for username-only users.
    pub contact_phone: Option<String>,
    /// whatsapp
    pub contact_channel: String,
    /// open | pending | resolved
    pub status: String,
    pub unread_count: i64,
    pub message_count: i64,
    pub last_message_at: String,
    pub last_message_preview: String,
    pub assigned_agent_id: Option<String>,
    pub division_id: Option<String>,
    /// End of the 24-hour customer-service window; free-form replies only before it.
    pub window_expires_at: Option<String>,
    /// The campaign whose message the customer answered.
    pub campaign_id: Option<String>,
    /// An agent paused the keyword bot here (`PUT /v1/conversations/{id}/bot`).
    pub bot_paused: bool,
    /// urgent | high | medium | low (null: none)
    pub priority: Option<String>,
    /// Set aside until then (null: not snoozed); the customer's next message wakes it.
    pub snoozed_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&inbox::Conversation> for Conversation {
    fn from(c: &inbox::Conversation) -> Self {
        Self {
            id: c.conversation_id.clone(),
            account_id: c.account_id.clone(),
            contact_id: c.contact_id.clone(),
            contact_name: c.contact_display_name().map(str::to_string),
            contact_phone: c.contact_phone.clone(),
            contact_channel: "whatsapp".into(),
            status: c.status.as_str().into(),
            unread_count: c.unread_count,
            message_count: c.message_count,
            last_message_at: rfc3339_millis(c.last_message_ms),
            last_message_preview: c.last_message_preview.clone(),
            assigned_agent_id: c.assigned_agent_id.clone(),
            division_id: c.division_id.clone(),
            window_expires_at: c.window_expires_at.map(rfc3339_seconds),
            campaign_id: c.campaign_id.clone(),
            bot_paused: c.bot_paused,
            priority: c.priority.map(|p| p.as_str().to_string()),
            snoozed_until: c.snoozed_at(chrono::Utc::now().timestamp_millis()).map(rfc3339_millis),
            created_at: c.created_at.clone(),
            updated_at: c.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationWithContact {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub contact: Option<Contact>,
    /// Present once an AI agent has answered or handed it over.
    pub ai: Option<super::ConversationAi>,
}

list_of!(ConversationList, Conversation);

#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    /// inbound | outbound
    pub direction: String,
    pub r#type: String,
    /// Free-form JSON tagged by `kind`; for text `{"kind":"text","body":"..."}`.
    pub content: Value,
    /// queued | sending | sent | delivered | read | played | failed | received
    pub status: String,
    pub wamid: Option<String>,
    pub timestamp: String,
    /// Meta's errors: on an inbound message Meta could not deliver in full, or why a send failed.
    pub errors: Value,
    pub media: Value,
    pub created_at: String,
    /// When the customer last edited it: `content` is the new text ("edited").
    pub edited_at: Option<String>,
    /// When the customer deleted it for everyone: `content` is `{"kind":"revoke"}` ("deleted").
    pub revoked_at: Option<String>,
    /// What it said before each edit or the deletion, oldest first (kept for audit).
    pub previous_contents: Vec<Value>,
    /// A short-lived link to the stored file (a customer's file copied from Meta, or the upload
    /// an agent sent), for showing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Who or what it came from: customer, agent, bot, automation, campaign, system or ai.
    pub origin: String,
    /// The agent, keyword scenario, automation rule or campaign it came from (`system`: what sent
    /// it, such as `csat`).
    pub origin_id: Option<String>,
}

impl From<&inbox::Message> for Message {
    fn from(m: &inbox::Message) -> Self {
        Self {
            id: m.message_id.clone(),
            conversation_id: m.conversation_id.clone(),
            direction: match m.direction {
                inbox::Direction::Inbound => "inbound".into(),
                inbox::Direction::Outbound => "outbound".into(),
            },
            r#type: m.message_type.clone(),
            content: serde_json::to_value(&m.content).unwrap_or(Value::Null),
            status: m.status.clone(),
            wamid: m.wamid.clone(),
            timestamp: rfc3339_seconds(m.meta_timestamp),
            errors: serde_json::to_value(m.errors.iter().chain(&m.status_errors).collect::<Vec<_>>())
                .unwrap_or(Value::Null),
            media: serde_json::to_value(&m.media).unwrap_or(Value::Null),
            created_at: m.created_at.clone(),
            edited_at: m.edited_at.clone(),
            revoked_at: m.revoked_at.clone(),
            previous_contents: m
                .previous_contents
                .iter()
                .map(|c| serde_json::to_value(c).unwrap_or(Value::Null))
                .collect(),
            media_url: None,
            origin: m.origin().kind.as_str().to_string(),
            origin_id: m.origin().id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    pub data: Vec<Message>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessageRequest {
    /// text | image | document | audio | video | template
    pub r#type: String,
    /// text: `{"text"}`; media: `{"media_id", "caption"?, "filename"?}`; template:
    /// `{"name", "language"?, "components"?}`.
    pub content: Value,
    /// A message id (wamid) this one replies to.
    pub reply_to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub id: String,
    /// Shown name: the agents' name, else the WhatsApp profile name.
    pub name: Option<String>,
    pub profile_name: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub channel_source: String,
    /// What agents note about the customer (seed 004's contact_description).
    pub description: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// What AI agents know about the customer (a JSON object; agents' `update_contact_context`
    /// adds to it).
    #[schema(value_type = Option<Object>)]
    pub llm_context: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&inbox::Contact> for Contact {
    fn from(c: &inbox::Contact) -> Self {
        Self {
            id: c.contact_id.clone(),
            name: shared::inbox::contact_store::display_name(c).map(str::to_string),
            profile_name: c.profile_name.clone(),
            phone_number: c.wa_id.clone(),
            email: c.email.clone(),
            tags: c.tags.clone(),
            channel_source: "whatsapp".into(),
            description: c.description.clone(),
            country: c.country.clone(),
            llm_context: c.llm_context.clone(),
            created_at: c.created_at.clone(),
            updated_at: c.updated_at.clone(),
        }
    }
}

list_of!(ContactList, Contact);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    pub phone_number: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContact {
    /// Empty string clears it.
    pub name: Option<String>,
    /// Empty string clears it.
    pub email: Option<String>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
    /// Empty string clears it.
    pub description: Option<String>,
    /// Empty string clears it.
    pub country: Option<String>,
    /// Replaces what AI agents know (null removes it).
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Object>)]
    pub llm_context: Option<Option<serde_json::Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub total_conversations: i64,
    pub open_conversations: i64,
    pub pending_conversations: i64,
    pub resolved_conversations: i64,
    pub total_contacts: i64,
    pub total_agents: i64,
    pub online_agents: i64,
    /// Messages received and sent today (UTC).
    pub messages_today: i64,
    /// Resolved as a percentage of all conversations (0.0 - 100.0).
    pub resolution_rate: f64,
    /// SLA clocks stopped in time (first answers, resolutions) and breached, all time.
    pub sla_first_response_hits: i64,
    pub sla_first_response_breaches: i64,
    pub sla_resolution_hits: i64,
    pub sla_resolution_breaches: i64,
    /// Satisfaction surveys sent, answered, and the average rating (1-5; null before any answer).
    pub csat_surveys_sent: i64,
    pub csat_responses: i64,
    /// Answered as a percentage of sent (0.0 - 100.0).
    pub csat_response_rate: f64,
    pub csat_average: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaUpload {
    /// Use as `content.media_id` in a send.
    pub media_id: String,
    pub mime_type: String,
    pub file_size: u64,
    pub filename: Option<String>,
}
