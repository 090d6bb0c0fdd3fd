//! What time drives: scheduled messages.

use super::Operation::*;
use super::{CURSOR, LIMIT, Route, route};

pub(super) const ROUTES: &[Route] = &[
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
