//! Service levels and the clock: a conversation's SLA status, SLA policies, chat expiration,
//! working hours.

use super::Operation::*;
use super::{CURSOR, LIMIT, Route, route};

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/conversations/{conversation_id}/sla",
        GetConversationSla,
        "conversations.read",
        "SLA policies",
        "Where the conversation stands against its SLA policy: status, elapsed and threshold seconds per clock, and its breaches",
    )
    .returns("ConversationSlaStatus"),
    route(
        "PUT",
        "/v1/conversations/{conversation_id}/sla",
        ApplySlaPolicy,
        "conversations.assign",
        "SLA policies",
        "Put the conversation under an SLA policy: running clocks keep their start with the new targets",
    )
    .json("ApplySlaPolicy")
    .returns("ConversationSlaStatus"),
    route(
        "GET",
        "/v1/csat-surveys",
        ListCsatSurveys,
        "csat.read",
        "satisfaction surveys",
        "Satisfaction surveys sent after resolves, newest conversation first, with ratings and the agent's and contact's names",
    )
    .returns("CsatSurveyList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only surveys in this status",
            r#"{"type":"string","enum":["sent","rated"]}"#,
        ),
    ]),
    route(
        "GET",
        "/v1/chat-expiration-rules",
        ListChatExpirationRules,
        "chat_expiration.read",
        "chat expiration",
        "The organization's chat expiration rules, one per channel at most",
    )
    .returns("ChatExpirationRuleList"),
    route(
        "PUT",
        "/v1/chat-expiration-rules/{channel}",
        SetChatExpirationRule,
        "chat_expiration.manage",
        "chat expiration",
        "Set a channel's rule: idle conversations resolve after `window_hours` (with `auto_resolve`), free-form text stops after it (with `block_text_after_window`)",
    )
    .json("UpsertChatExpirationRule")
    .returns("ChatExpirationRule"),
    route(
        "DELETE",
        "/v1/chat-expiration-rules/{channel}",
        DeleteChatExpirationRule,
        "chat_expiration.manage",
        "chat expiration",
        "Remove a channel's rule (conversations never expire)",
    )
    .status(204),
    route(
        "GET",
        "/v1/working-hours",
        GetWorkingHours,
        "working_hours.read",
        "working hours",
        "The organization's working hours (empty when none are set)",
    )
    .returns("WorkingHours"),
    route(
        "PUT",
        "/v1/working-hours",
        SetWorkingHours,
        "working_hours.manage",
        "working hours",
        "Replace the organization's working hours",
    )
    .json("SetWorkingHours")
    .returns("WorkingHours"),
    route(
        "DELETE",
        "/v1/working-hours",
        DeleteWorkingHours,
        "working_hours.manage",
        "working hours",
        "Remove the organization's working hours (clocks run in wall time)",
    )
    .status(204),
    route(
        "GET",
        "/v1/divisions/{division_id}/working-hours",
        GetDivisionWorkingHours,
        "working_hours.read",
        "working hours",
        "A division's own working hours (empty when it has none)",
    )
    .returns("WorkingHours"),
    route(
        "PUT",
        "/v1/divisions/{division_id}/working-hours",
        SetDivisionWorkingHours,
        "working_hours.manage",
        "working hours",
        "Replace a division's working hours (they win over the organization's)",
    )
    .json("SetWorkingHours")
    .returns("WorkingHours"),
    route(
        "DELETE",
        "/v1/divisions/{division_id}/working-hours",
        DeleteDivisionWorkingHours,
        "working_hours.manage",
        "working hours",
        "Remove a division's working hours (the organization's apply)",
    )
    .status(204),
    route(
        "GET",
        "/v1/sla-policies",
        ListSlaPolicies,
        "sla.read",
        "SLA policies",
        "SLA policies, oldest first",
    )
    .returns("SlaPolicyList"),
    route(
        "POST",
        "/v1/sla-policies",
        CreateSlaPolicy,
        "sla.manage",
        "SLA policies",
        "Create an SLA policy (the most specific active one applies to a new conversation, then the default)",
    )
    .json("CreateSlaPolicy")
    .returns("SlaPolicy")
    .status(201),
    route(
        "GET",
        "/v1/sla-policies/{sla_policy_id}",
        GetSlaPolicy,
        "sla.read",
        "SLA policies",
        "An SLA policy",
    )
    .returns("SlaPolicy"),
    route(
        "PATCH",
        "/v1/sla-policies/{sla_policy_id}",
        UpdateSlaPolicy,
        "sla.manage",
        "SLA policies",
        "Change an SLA policy",
    )
    .json("UpdateSlaPolicy")
    .returns("SlaPolicy"),
    route(
        "DELETE",
        "/v1/sla-policies/{sla_policy_id}",
        DeleteSlaPolicy,
        "sla.manage",
        "SLA policies",
        "Delete an SLA policy",
    )
    .status(204),
];
