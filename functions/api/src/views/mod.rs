//! What the API reads and writes on the wire. Each type is also its OpenAPI schema (utoipa), so the
//! published document describes exactly what the handlers serialize.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::access::tenancy;
use shared::desk;
use shared::inbox::{self, rfc3339_millis, rfc3339_seconds};
use utoipa::ToSchema;

macro_rules! list_of {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
            /// Pass as `cursor` for the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }
    };
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (`validation_failed`, `not_found`, `window_closed`, ...).
    pub code: String,
    pub message: String,
}

/// The OpenAPI document itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenApiDocument {
    pub openapi: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub agent: Agent,
    pub key_id: String,
    pub scopes: Vec<String>,
    /// Permission codes this key may use (its agent's role narrowed by its scopes).
    pub permissions: Vec<String>,
}

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
    /// `campaign:<id>`: a campaign's send, shown before the reply it drew.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
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
            origin: m.origin.clone(),
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The agent to assign; `null` or absent unassigns (when a division is given, it stays there).
    pub agent_id: Option<String>,
    pub division_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_agent_id: Option<String>,
    pub to_division_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationTransfer {
    pub id: String,
    pub conversation_id: String,
    pub transferred_by: String,
    pub transferred_by_name: String,
    pub from_agent_id: Option<String>,
    pub from_agent_name: Option<String>,
    pub to_agent_id: Option<String>,
    pub to_agent_name: Option<String>,
    pub to_division_id: Option<String>,
    pub to_division_name: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
}

impl From<&desk::Transfer> for ConversationTransfer {
    fn from(t: &desk::Transfer) -> Self {
        Self {
            id: t.transfer_id.clone(),
            conversation_id: t.conversation_id.clone(),
            transferred_by: t.transferred_by.clone(),
            transferred_by_name: t.transferred_by_name.clone(),
            from_agent_id: t.from_agent_id.clone(),
            from_agent_name: t.from_agent_name.clone(),
            to_agent_id: t.to_agent_id.clone(),
            to_agent_name: t.to_agent_name.clone(),
            to_division_id: t.to_division_id.clone(),
            to_division_name: t.to_division_name.clone(),
            note: t.note.clone(),
            created_at: t.created_at.clone(),
        }
    }
}

list_of!(TransferList, ConversationTransfer);

#[derive(Debug, Serialize, ToSchema)]
pub struct Note {
    pub id: String,
    pub conversation_id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub content: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&desk::Note> for Note {
    fn from(n: &desk::Note) -> Self {
        Self {
            id: n.note_id.clone(),
            conversation_id: n.conversation_id.clone(),
            agent_id: n.agent_id.clone(),
            agent_name: n.agent_name.clone(),
            content: n.content.clone(),
            created_at: n.created_at.clone(),
            updated_at: n.updated_at.clone(),
        }
    }
}

list_of!(NoteList, Note);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNote {
    pub content: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agent {
    pub id: String,
    pub email: String,
    pub full_name: String,
    /// admin | agent
    pub role: String,
    pub is_active: bool,
    pub is_online: bool,
    pub open_conversations: i64,
    pub created_at: String,
}

pub fn role_text(role: tenancy::Role) -> String {
    match role {
        tenancy::Role::Admin => "admin".into(),
        tenancy::Role::Agent => "agent".into(),
    }
}

impl From<&tenancy::Agent> for Agent {
    fn from(a: &tenancy::Agent) -> Self {
        Self {
            id: a.agent_id.clone(),
            email: a.email.clone(),
            full_name: a.full_name.clone(),
            role: role_text(a.role),
            is_active: a.is_active,
            is_online: a.is_online,
            open_conversations: a.open_assigned,
            created_at: a.created_at.clone(),
        }
    }
}

list_of!(AgentList, Agent);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgent {
    pub email: Option<String>,
    pub full_name: Option<String>,
    /// admin | agent (default agent)
    pub role: Option<String>,
    /// To sign in to the inbox with the e-mail (8 to 128 characters); never returned.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    pub full_name: Option<String>,
    /// admin | agent; needs agents.manage
    pub role: Option<String>,
    pub is_online: Option<bool>,
}

/// A signed-in agent changes their own password (a session only, never an API key).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// A password reset an admin asked for: hand `reset_token` to the agent (shown only here; also
/// announced as `agent.password_reset_requested`, without the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetIssued {
    pub agent_id: String,
    pub reset_token: String,
    pub expires_at: String,
}

/// The agent sets a new password with a reset token (single use, one hour).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletePasswordReset {
    pub token: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub agent_id: String,
    pub name: String,
    /// The first characters of the key (not secret): tells keys apart.
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub is_active: bool,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&tenancy::ApiKeyRecord> for ApiKey {
    fn from(k: &tenancy::ApiKeyRecord) -> Self {
        let now = shared::platform::items::now_rfc3339();
        Self {
            id: k.key_id.clone(),
            agent_id: k.agent_id.clone(),
            name: k.name.clone(),
            key_prefix: k.key_prefix.clone(),
            scopes: k.scopes.clone(),
            is_active: k.revoked_at.is_none() && k.expires_at.as_deref().is_none_or(|e| e > now.as_str()),
            created_at: k.created_at.clone(),
            last_used_at: k.last_used_at.clone(),
            expires_at: k.expires_at.clone(),
            revoked_at: k.revoked_at.clone(),
        }
    }
}

list_of!(ApiKeyList, ApiKey);

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The key itself: shown in this response only, stored nowhere. Keep it safe.
    pub plaintext_key: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: Option<String>,
    /// Permission codes, `category.*` or `*`; at most what the creating key holds (`*` only from a
    /// `*` key). Default: the creating key's own scopes.
    pub scopes: Option<Vec<String>>,
    /// RFC 3339, in the future.
    pub expires_at: Option<String>,
    /// Another agent's key (needs api_keys.manage).
    pub agent_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Division {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// round_robin | least_busy | manual
    pub allocation_method: String,
    pub is_active: bool,
    pub agent_count: i64,
    /// Resolved conversations of this division get a satisfaction survey.
    pub csat_enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&desk::Division> for Division {
    fn from(d: &desk::Division) -> Self {
        Self {
            id: d.division_id.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            allocation_method: serde_json::to_value(d.allocation_method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            is_active: d.is_active,
            agent_count: d.agent_count,
            csat_enabled: d.csat_enabled,
            created_at: d.created_at.clone(),
            updated_at: d.updated_at.clone(),
        }
    }
}

list_of!(DivisionList, Division);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDivision {
    pub name: Option<String>,
    pub description: Option<String>,
    /// round_robin | least_busy | manual (default round_robin)
    pub allocation_method: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDivision {
    pub name: Option<String>,
    /// Empty string clears it.
    pub description: Option<String>,
    pub allocation_method: Option<String>,
    pub is_active: Option<bool>,
    /// Send a satisfaction survey when this division's conversations are resolved.
    pub csat_enabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub division_id: String,
    pub agent: Agent,
    pub added_at: Option<String>,
}

list_of!(MemberList, Member);

#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    pub throughput_mps: u32,
    /// Unique customers campaigns may reach per rolling 24 hours (Meta's tier), or `unlimited`.
    pub messaging_limit: String,
    pub division_id: Option<String>,
    /// Sent once per conversation and closed period to customers who write outside working hours
    /// (the division's, else the organization's); null: off.
    pub out_of_hours_reply: Option<String>,
    /// Resolved conversations get a satisfaction survey (also when their division asks for it).
    pub csat_enabled: bool,
    /// The approved template that carries the survey outside the 24-hour window.
    pub csat_template_name: Option<String>,
    /// Where Meta must send this number's webhooks.
    pub webhook_url: String,
    /// Masked (`****` and the last 4 characters), except in the registration response.
    pub verify_token: String,
    /// Always masked.
    pub app_secret: String,
    /// Always masked.
    pub access_token: String,
    pub created_at: String,
    pub updated_at: String,
}

pub fn masked(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(if secret.chars().count() >= 12 { 4 } else { 0 })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

impl Account {
    pub fn of(account: &tenancy::WhatsAppAccount, webhook_base: &str) -> Self {
        Self {
            id: account.account_id.clone(),
            phone_number_id: account.phone_number_id.clone(),
            waba_id: account.waba_id.clone(),
            display_phone_number: account.display_phone_number.clone(),
            throughput_mps: account.throughput_mps,
            messaging_limit: account
                .messaging_limit
                .map(|l| l.to_string())
                .unwrap_or_else(|| "unlimited".into()),
            division_id: account.division_id.clone(),
            out_of_hours_reply: account.out_of_hours_reply.clone(),
            csat_enabled: account.csat_enabled,
            csat_template_name: account.csat_template_name.clone(),
            webhook_url: format!("{webhook_base}/webhooks/whatsapp/{}", account.account_id),
            verify_token: account.verify_token.masked(),
            app_secret: account.app_secret.masked(),
            access_token: account.access_token.masked(),
            created_at: account.created_at.clone(),
            updated_at: account.updated_at.clone(),
        }
    }
}

list_of!(AccountList, Account);

/// A whole number sent as `5` or `5.0` (JSON does not tell them apart; neither does JSON Schema).
/// A JSON number that is a whole `u32` (`5.0` counts).
pub(crate) fn whole_u32(number: &serde_json::Number) -> Option<u32> {
    match number.as_u64() {
        Some(n) => u32::try_from(n).ok(),
        None => number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u32),
    }
}

pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let number: Option<serde_json::Number> = Option::deserialize(deserializer)?;
    let Some(number) = number else {
        return Ok(None);
    };
    whole_u32(&number).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("expected a whole number from 0 to {}, got {number}", u32::MAX))
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterAccount {
    pub phone_number_id: Option<String>,
    pub waba_id: Option<String>,
    pub display_phone_number: Option<String>,
    pub app_secret: Option<String>,
    pub access_token: Option<String>,
    /// Generated when absent (at least 16 characters when given).
    pub verify_token: Option<String>,
    /// 1-1000, default 80.
    #[serde(default, deserialize_with = "whole_number")]
    pub throughput_mps: Option<u32>,
    pub division_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    pub display_phone_number: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    pub throughput_mps: Option<u32>,
    /// Meta's tier of the number's portfolio: 250, 2000, 10000, 100000 or unlimited.
    pub messaging_limit: Option<String>,
    /// Empty string: no division.
    pub division_id: Option<String>,
    pub app_secret: Option<String>,
    pub access_token: Option<String>,
    /// The text sent to customers who write outside working hours; empty string: off.
    pub out_of_hours_reply: Option<String>,
    /// Send a satisfaction survey when this number's conversations are resolved.
    pub csat_enabled: Option<bool>,
    /// The approved template (its name) that carries the survey when the 24-hour window is
    /// closed; empty string: none (then the survey is sent only inside the window).
    pub csat_template_name: Option<String>,
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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReply {
    pub id: String,
    pub title: String,
    pub content: String,
    pub shortcut: Option<String>,
    pub category: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&desk::QuickReply> for QuickReply {
    fn from(q: &desk::QuickReply) -> Self {
        Self {
            id: q.quick_reply_id.clone(),
            title: q.title.clone(),
            content: q.content.clone(),
            shortcut: q.shortcut.clone(),
            category: q.category.clone(),
            created_by: q.created_by.clone(),
            created_at: q.created_at.clone(),
            updated_at: q.updated_at.clone(),
        }
    }
}

list_of!(QuickReplyList, QuickReply);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQuickReply {
    pub title: Option<String>,
    pub content: Option<String>,
    pub shortcut: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuickReply {
    pub title: Option<String>,
    pub content: Option<String>,
    /// Empty string clears it.
    pub shortcut: Option<String>,
    /// Empty string clears it.
    pub category: Option<String>,
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

mod care;
mod outreach;
pub use care::*;
pub use outreach::*;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A signed-in session: send `token` as `Authorization: Bearer <token>` until `expires_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionGranted {
    /// Shown once; only its SHA-256 is stored.
    pub token: String,
    pub expires_at: String,
    pub agent: Agent,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Name of the new organization.
    pub org_name: String,
    /// The first admin's e-mail (they sign in with it).
    pub admin_email: String,
    /// The first admin's password (8 to 128 characters).
    pub admin_password: String,
    /// The first admin's name (default: the e-mail's local part).
    pub admin_name: Option<String>,
}

/// A new organization, its first admin signed in, and an API key for integrations (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub org_id: String,
    pub org_name: String,
    pub session: SessionGranted,
    pub api_key: String,
}
