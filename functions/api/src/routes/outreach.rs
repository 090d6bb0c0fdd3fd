//! Messages the business starts: templates, campaigns, scheduled messages.

use super::Operation::*;
use super::{CURSOR, LIMIT, Route, route};

/// Meta's review statuses, as the `status` filter takes them.
pub const TEMPLATE_STATUSES: &[&str] = &[
    "PENDING",
    "APPROVED",
    "REJECTED",
    "PAUSED",
    "DISABLED",
    "FLAGGED",
    "REINSTATED",
    "IN_APPEAL",
    "PENDING_DELETION",
    "ARCHIVED",
    "LIMIT_EXCEEDED",
];
const TEMPLATE_STATUS_SCHEMA: &str = r#"{"type":"string","enum":["PENDING","APPROVED","REJECTED","PAUSED","DISABLED","FLAGGED","REINSTATED","IN_APPEAL","PENDING_DELETION","ARCHIVED","LIMIT_EXCEEDED"]}"#;

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/templates",
        ListTemplates,
        "templates.read",
        "templates",
        "Message templates of the organization's WABAs",
    )
    .returns("TemplateList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only templates in this review status",
            TEMPLATE_STATUS_SCHEMA,
        ),
    ]),
    route(
        "POST",
        "/v1/templates",
        CreateTemplate,
        "templates.manage",
        "templates",
        "Create a template on Meta (stored PENDING until Meta's review webhook)",
    )
    .json("CreateTemplate")
    .returns("Template")
    .status(201),
    route(
        "GET",
        "/v1/templates/{template_id}",
        GetTemplate,
        "templates.read",
        "templates",
        "A template with the variables a send must fill",
    )
    .returns("Template"),
    route(
        "DELETE",
        "/v1/templates/{template_id}",
        DeleteTemplate,
        "templates.manage",
        "templates",
        "Delete a template (this language) on Meta and here",
    )
    .status(204),
    route(
        "POST",
        "/v1/templates/sync",
        SyncTemplates,
        "templates.manage",
        "templates",
        "Pull every template of an account's WABA from Meta",
    )
    .json("SyncTemplates")
    .returns("TemplateSync"),
    route(
        "GET",
        "/v1/campaigns",
        ListCampaigns,
        "campaigns.read",
        "campaigns",
        "Campaigns, newest first, with their counters",
    )
    .returns("CampaignList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only campaigns in this status",
            r#"{"type":"string","enum":["draft","scheduled","preparing","in_progress","paused","completed","cancelled"]}"#,
        ),
    ]),
    route(
        "POST",
        "/v1/campaigns",
        CreateCampaign,
        "campaigns.manage",
        "campaigns",
        "Create a campaign of an APPROVED template (draft, or scheduled with scheduled_at)",
    )
    .json("CreateCampaign")
    .returns("Campaign")
    .status(201),
    route(
        "GET",
        "/v1/campaigns/{campaign_id}",
        GetCampaign,
        "campaigns.read",
        "campaigns",
        "A campaign with its counters",
    )
    .returns("Campaign"),
    route(
        "PATCH",
        "/v1/campaigns/{campaign_id}",
        UpdateCampaign,
        "campaigns.manage",
        "campaigns",
        "Change a draft or scheduled campaign",
    )
    .json("UpdateCampaign")
    .returns("Campaign"),
    route(
        "DELETE",
        "/v1/campaigns/{campaign_id}",
        DeleteCampaign,
        "campaigns.manage",
        "campaigns",
        "Delete a draft or scheduled campaign",
    )
    .status(204),
    route(
        "POST",
        "/v1/campaigns/{campaign_id}/start",
        StartCampaign,
        "campaigns.manage",
        "campaigns",
        "Start now (409 without recipients, or when started before)",
    )
    .returns("Campaign"),
    route(
        "POST",
        "/v1/campaigns/{campaign_id}/pause",
        PauseCampaign,
        "campaigns.manage",
        "campaigns",
        "Pause: no new sends within seconds; sends in flight finish",
    )
    .returns("Campaign"),
    route(
        "POST",
        "/v1/campaigns/{campaign_id}/resume",
        ResumeCampaign,
        "campaigns.manage",
        "campaigns",
        "Resume a paused campaign",
    )
    .returns("Campaign"),
    route(
        "POST",
        "/v1/campaigns/{campaign_id}/cancel",
        CancelCampaign,
        "campaigns.manage",
        "campaigns",
        "Cancel: no further sends",
    )
    .returns("Campaign"),
    route(
        "POST",
        "/v1/campaigns/{campaign_id}/recipients",
        AddRecipients,
        "campaigns.manage",
        "campaigns",
        "Add recipients by contact id, tag and phone number (one per phone); entries not added are listed",
    )
    .json("AddRecipients")
    .returns("RecipientsAdded"),
    route(
        "GET",
        "/v1/campaigns/{campaign_id}/recipients",
        ListRecipients,
        "campaigns.read",
        "campaigns",
        "Recipients by phone, with status, error, wamid and times",
    )
    .returns("RecipientList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only recipients in this status",
            r#"{"type":"string","enum":["pending","sending","unknown","sent","delivered","read","failed","skipped"]}"#,
        ),
    ]),
    route(
        "GET",
        "/v1/conversations/{conversation_id}/scheduled-messages",
        ListScheduledMessages,
        "conversations.read",
        "scheduled messages",
        "A conversation's scheduled messages, soonest scheduled first",
    )
    .returns("ScheduledMessageList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only scheduled messages in this status",
            r#"{"type":"string","enum":["pending","sent","failed","cancelled"]}"#,
        ),
    ]),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/scheduled-messages",
        ScheduleMessage,
        "conversations.reply",
        "scheduled messages",
        "Schedule a message: sent through the outbound path within a minute of `scheduled_at`",
    )
    .json("ScheduleMessageRequest")
    .returns("ScheduledMessage")
    .status(201),
    route(
        "GET",
        "/v1/conversations/{conversation_id}/scheduled-messages/{scheduled_message_id}",
        GetScheduledMessage,
        "conversations.read",
        "scheduled messages",
        "A scheduled message",
    )
    .returns("ScheduledMessage"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/scheduled-messages/{scheduled_message_id}/cancel",
        CancelScheduledMessage,
        "conversations.reply",
        "scheduled messages",
        "Cancel a pending scheduled message (409 once sent, failed or cancelled)",
    )
    .returns("ScheduledMessage"),
];
