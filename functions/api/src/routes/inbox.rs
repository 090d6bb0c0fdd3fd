//! The inbox's routes: conversations and their messages, read and resolve, contacts, the overview
//! and media uploads.

use super::Operation::*;
use super::{Body, CURSOR, LIMIT, PAGE, Route, route};

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/conversations",
        ListConversations,
        "conversations.read",
        "conversations",
        "Conversations by last activity, newest first",
    )
    .returns("ConversationList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only conversations in this status",
            r#"{"type":"string","enum":["open","pending","resolved"]}"#,
        ),
        (
            "assignee",
            "agent id, `me`, or `none` (unassigned)",
            r#"{"type":"string","pattern":"^[a-z0-9_-]{1,64}$"}"#,
        ),
        (
            "division",
            "division id",
            r#"{"type":"string","pattern":"^[a-z0-9_-]{1,64}$"}"#,
        ),
        (
            "unread",
            "true: only with unread messages; false: only read ones",
            r#"{"type":"boolean"}"#,
        ),
        (
            "priority",
            "only conversations of this priority (`none`: with none)",
            r#"{"type":"string","enum":["urgent","high","medium","low","none"]}"#,
        ),
        (
            "snoozed",
            "true: only snoozed ones; false: only those not snoozed",
            r#"{"type":"boolean"}"#,
        ),
    ]),
    route(
        "GET",
        "/v1/conversations/{conversation_id}",
        GetConversation,
        "conversations.read",
        "conversations",
        "A conversation with its contact",
    )
    .returns("ConversationWithContact"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/read",
        MarkRead,
        "conversations.reply",
        "conversations",
        "Mark read (unread count to 0)",
    )
    .returns("Conversation"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/resolve",
        Resolve,
        "conversations.resolve",
        "conversations",
        "Resolve; the customer's next message opens a new conversation",
    )
    .returns("Conversation"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/reopen",
        Reopen,
        "conversations.resolve",
        "conversations",
        "Reopen a resolved conversation",
    )
    .returns("Conversation"),
    route(
        "GET",
        "/v1/conversations/{conversation_id}/messages",
        ListMessages,
        "conversations.read",
        "messages",
        "Messages, newest first, stable under concurrent inserts",
    )
    .returns("MessageList")
    .query(PAGE),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/messages",
        SendMessage,
        "conversations.reply",
        "messages",
        "Send: stored `queued`, sent by the sender function",
    )
    .json("SendMessageRequest")
    .returns("Message")
    .status(202),
    route(
        "GET",
        "/v1/contacts",
        ListContacts,
        "contacts.read",
        "contacts",
        "Contacts; search by phone, name prefix or tag",
    )
    .returns("ContactList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "phone",
            "exact phone number, international format (`+`, spaces, `-`, `(`, `)` and `.` ignored)",
            r#"{"type":"string","maxLength":32,"pattern":"^[+ ().-]*([0-9][+ ().-]*){6,15}$"}"#,
        ),
        (
            "q",
            "name prefix (case and spacing ignored)",
            r#"{"type":"string","maxLength":100}"#,
        ),
        (
            "tag",
            "contacts with this tag",
            r#"{"type":"string","maxLength":64,"pattern":"^\\s*[A-Za-z0-9_:-]{1,40}\\s*$"}"#,
        ),
    ]),
    route(
        "POST",
        "/v1/contacts",
        CreateContact,
        "contacts.manage",
        "contacts",
        "Create a contact",
    )
    .json("CreateContact")
    .returns("Contact")
    .status(201),
    route(
        "GET",
        "/v1/contacts/{contact_id}",
        GetContact,
        "contacts.read",
        "contacts",
        "A contact",
    )
    .returns("Contact"),
    route(
        "PATCH",
        "/v1/contacts/{contact_id}",
        UpdateContact,
        "contacts.manage",
        "contacts",
        "Update name, e-mail or tags",
    )
    .json("UpdateContact")
    .returns("Contact"),
    route(
        "GET",
        "/v1/analytics/overview",
        AnalyticsOverview,
        "analytics.read",
        "analytics",
        "Totals from counters (no scan)",
    )
    .returns("Overview"),
    Route {
        body: Body::Binary,
        ..route(
            "POST",
            "/v1/media",
            UploadMedia,
            "conversations.reply",
            "media",
            "Upload a file to send (body = the bytes)",
        )
        .returns("MediaUpload")
        .status(201)
        .query(&[(
            "filename",
            "the file's name, shown to the customer for documents",
            r#"{"type":"string","maxLength":240,"pattern":"^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$"}"#,
        )])
    },
];
