//! Wire types of templates, campaigns and scheduled messages.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::inbox::rfc3339_millis;
use shared::outreach::{schedule, template};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Template {
    pub id: String,
    /// The account it was created through; absent for templates synced from Meta.
    pub account_id: Option<String>,
    pub waba_id: String,
    pub name: String,
    /// BCP-47-style code Meta uses (`en_US`).
    pub language: String,
    /// MARKETING | UTILITY | AUTHENTICATION
    pub category: String,
    /// PENDING | APPROVED | REJECTED | PAUSED | DISABLED | ... (Meta's review status)
    pub status: String,
    /// Meta's reason for a rejection, pause or disabling.
    pub status_reason: Option<String>,
    /// Meta's components array (HEADER, BODY, FOOTER, BUTTONS).
    pub components: Value,
    /// POSITIONAL (`{{1}}`) or NAMED (`{{first_name}}`).
    pub parameter_format: Option<String>,
    /// The variables a send must fill: body variables by name, `header.<name>`, `button.<index>`.
    pub variables: Vec<String>,
    /// Meta's id of the template.
    pub meta_template_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&template::Template> for Template {
    fn from(t: &template::Template) -> Self {
        Self {
            id: t.template_id.clone(),
            account_id: t.account_id.clone(),
            waba_id: t.waba_id.clone(),
            name: t.name.clone(),
            language: t.language.clone(),
            category: t.category.clone(),
            status: t.status.clone(),
            status_reason: t.status_reason.clone().filter(|r| r != "NONE"),
            components: t.components.clone(),
            parameter_format: t.parameter_format.clone(),
            variables: template::ParameterSpec::of(&t.components).variable_keys(),
            meta_template_id: t.meta_template_id.clone(),
            created_at: t.created_at.clone(),
            updated_at: t.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub data: Vec<Template>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTemplate {
    /// The WhatsApp account whose business account (WABA) the template is created in.
    pub account_id: String,
    /// Lowercase letters, digits and `_`, at most 512.
    pub name: String,
    /// MARKETING | UTILITY | AUTHENTICATION
    pub category: String,
    /// `en`, `en_US`, `pt_BR`...
    pub language: String,
    /// Meta's components array: HEADER (TEXT with at most one variable, or IMAGE / VIDEO /
    /// DOCUMENT with `example.header_handle`), BODY (`{{1}}` or `{{name}}` variables, each with an
    /// example), FOOTER, BUTTONS.
    pub components: Value,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncTemplates {
    /// The account whose WABA is pulled from Meta.
    pub account_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSync {
    pub account_id: String,
    pub waba_id: String,
    /// Templates Meta lists for the WABA now.
    pub total: u32,
    /// Stored templates Meta no longer lists, removed.
    pub removed: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignCounts {
    pub total: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    pub replied: u64,
    /// Left out before sending (opted out of marketing).
    pub skipped: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub template_id: String,
    pub template_name: String,
    pub template_language: String,
    /// draft | scheduled | preparing | in_progress | paused | completed | cancelled
    pub status: String,
    /// Why a paused campaign is paused: `manual`, or `messaging_limit` (it resumes on its own).
    pub pause_reason: Option<String>,
    pub scheduled_at: Option<String>,
    pub responding_agent_id: Option<String>,
    pub responding_division_id: Option<String>,
    /// Values used for recipients that do not give their own.
    pub variables: std::collections::BTreeMap<String, String>,
    /// Tags whose contacts were added.
    pub tags: Vec<String>,
    /// Tags still being expanded (status `preparing`).
    pub pending_tags: Vec<String>,
    pub counts: CampaignCounts,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
}

impl Campaign {
    pub fn of(c: &shared::outreach::campaign::Campaign, counts: &shared::outreach::campaign::CampaignCounters) -> Self {
        Self {
            id: c.campaign_id.clone(),
            name: c.name.clone(),
            account_id: c.account_id.clone(),
            template_id: c.template_id.clone(),
            template_name: c.template_name.clone(),
            template_language: c.template_language.clone(),
            status: c.status.as_str().into(),
            pause_reason: c.pause_reason.clone(),
            scheduled_at: c.scheduled_at.clone(),
            responding_agent_id: c.responding_agent_id.clone(),
            responding_division_id: c.responding_division_id.clone(),
            variables: c.default_variables.clone(),
            tags: c.tags.clone(),
            pending_tags: c.pending_tags.clone(),
            counts: CampaignCounts {
                total: counts.total,
                sent: counts.sent,
                delivered: counts.delivered,
                read: counts.read,
                failed: counts.failed,
                replied: counts.replied,
                skipped: counts.skipped,
            },
            created_by: c.created_by.clone(),
            created_at: c.created_at.clone(),
            updated_at: c.updated_at.clone(),
            started_at: c.started_at.clone(),
            completed_at: c.completed_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    pub data: Vec<Campaign>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    pub name: String,
    /// An APPROVED template.
    pub template_id: String,
    /// The number to send from; by default the account the template was created through.
    pub account_id: Option<String>,
    /// RFC 3339; the campaign starts by itself within a minute of it.
    pub scheduled_at: Option<String>,
    /// Replies land in conversations assigned to this agent...
    pub responding_agent_id: Option<String>,
    /// ...or to this division.
    pub responding_division_id: Option<String>,
    /// Values for recipients that give none of their own: `{"1": "friend"}`.
    pub variables: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    pub name: Option<String>,
    /// RFC 3339, or empty to unschedule (back to draft).
    pub scheduled_at: Option<String>,
    /// An agent id, or empty to remove.
    pub responding_agent_id: Option<String>,
    /// A division id, or empty to remove.
    pub responding_division_id: Option<String>,
    pub variables: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddRecipients {
    /// Contacts by id (their WhatsApp number is used).
    pub contact_ids: Option<Vec<String>>,
    /// Every contact with one of these tags, added by the campaigns function (status `preparing`).
    pub tags: Option<Vec<String>>,
    /// Numbers in international format.
    pub phone_numbers: Option<Vec<String>>,
    /// Per-recipient variables by phone number: `{"+4915112345678": {"1": "Ada"}}`.
    pub variables: Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>>,
}

/// One entry of a recipient request that was not added, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientRefusal {
    /// `contact_ids`, `tags`, `phone_numbers` or `variables`.
    pub field: String,
    pub entry: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsAdded {
    /// New recipients.
    pub added: u32,
    /// Phones that were recipients already (one recipient per phone).
    pub already_present: u32,
    /// Tags queued for expansion.
    pub tags_queued: Vec<String>,
    /// Entries not added, each with its reason.
    pub refused: Vec<RecipientRefusal>,
    pub campaign: Campaign,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recipient {
    pub phone_number: String,
    pub contact_id: Option<String>,
    /// pending | sending | unknown | sent | delivered | read | failed | skipped
    pub status: String,
    pub variables: std::collections::BTreeMap<String, String>,
    pub wamid: Option<String>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    /// The conversation the recipient's reply opened.
    pub conversation_id: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub delivered_at: Option<String>,
    pub read_at: Option<String>,
    pub failed_at: Option<String>,
    pub replied_at: Option<String>,
}

impl From<&shared::outreach::campaign::Recipient> for Recipient {
    fn from(r: &shared::outreach::campaign::Recipient) -> Self {
        Self {
            phone_number: format!("+{}", r.phone),
            contact_id: r.contact_id.clone(),
            status: r.status.clone(),
            variables: r.variables.clone(),
            wamid: r.wamid.clone(),
            error_code: r.error_code,
            error_message: r.error_message.clone(),
            conversation_id: r.conversation_id.clone(),
            created_at: r.created_at.clone(),
            sent_at: r.sent_at.clone(),
            delivered_at: r.delivered_at.clone(),
            read_at: r.read_at.clone(),
            failed_at: r.failed_at.clone(),
            replied_at: r.replied_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientList {
    pub data: Vec<Recipient>,
    /// Pass as `cursor` for the next page; absent on the last page. A page filtered by status
    /// may hold fewer entries than `limit` and still have a next one.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleMessageRequest {
    /// text | image | document | audio | video | template
    pub r#type: String,
    /// As for a send: text `{"text"}`; media `{"media_id", "caption"?, "filename"?}`; template
    /// `{"name", "language"?, "components"?}`.
    pub content: Value,
    /// When to send it: RFC 3339, in the future and at most a year ahead.
    pub scheduled_at: String,
    /// A message id (wamid) it replies to.
    pub reply_to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledMessage {
    pub id: String,
    pub conversation_id: String,
    /// The agent who scheduled it.
    pub scheduled_by: String,
    pub agent_name: Option<String>,
    pub msg_type: String,
    /// Free-form JSON tagged by `kind`, as on a message.
    pub content: Value,
    pub scheduled_at: String,
    /// pending | sent | failed | cancelled
    pub status: String,
    /// Why it failed (`window_closed: ...` when free-form content met a closed window).
    pub error_message: Option<String>,
    /// When it was handed to the sender.
    pub sent_at: Option<String>,
    /// The message it became once sent: follow its delivery there.
    pub message_id: Option<String>,
    /// At creation: `window_closed_at_scheduled_time` when free-form content is known to meet a
    /// closed window unless the customer writes first (the window is checked again at send time).
    pub warnings: Vec<String>,
    pub created_at: String,
}

impl ScheduledMessage {
    pub fn of(m: &schedule::ScheduledMessage, warnings: Vec<String>) -> Self {
        Self {
            id: m.scheduled_id.clone(),
            conversation_id: m.conversation_id.clone(),
            scheduled_by: m.scheduled_by.clone(),
            agent_name: m.agent_name.clone(),
            msg_type: m.msg_type.clone(),
            content: serde_json::to_value(&m.content).unwrap_or(Value::Null),
            scheduled_at: rfc3339_millis(m.scheduled_at_ms),
            status: m.status.as_str().to_string(),
            error_message: m.error_message.clone(),
            sent_at: m.sent_at.clone(),
            message_id: m.message_id.clone(),
            warnings,
            created_at: m.created_at.clone(),
        }
    }
}

impl From<&schedule::ScheduledMessage> for ScheduledMessage {
    fn from(m: &schedule::ScheduledMessage) -> Self {
        Self::of(m, Vec::new())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledMessageList {
    pub data: Vec<ScheduledMessage>,
    pub next_cursor: Option<String>,
}
