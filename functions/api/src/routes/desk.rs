//! The agent desk's routes: conversations, messages, notes, agents, keys, divisions, accounts,
//! contacts, quick replies, analytics and uploads.

use super::Operation::*;
use super::{Body, CURSOR, LIMIT, PAGE, Route, route};

pub(super) const ROUTES: &[Route] = &[
    Route {
        permission: None,
        public: true,
        response: Some("OpenApiDocument"),
        ..route(
            "GET",
            "/v1/openapi.json",
            OpenApi,
            "",
            "meta",
            "This OpenAPI 3.1 document",
        )
    },
    Route {
        permission: None,
        public: true,
        response: Some("SessionGranted"),
        body: Body::Json("LoginRequest"),
        ..route(
            "POST",
            "/v1/auth/login",
            Login,
            "",
            "sign-in",
            "Exchange an agent's e-mail and password for a session token (12 hours); 401 for a wrong e-mail or password alike, 429 after repeated failures",
        )
    },
    Route {
        permission: None,
        public: true,
        status: 201,
        response: Some("Registered"),
        body: Body::Json("RegisterRequest"),
        ..route(
            "POST",
            "/v1/register",
            Register,
            "",
            "sign-in",
            "Create an organization with its first admin, signed in (404 unless the operator enabled self-registration)",
        )
    },
    Route {
        permission: None,
        status: 204,
        ..route(
            "POST",
            "/v1/auth/logout",
            Logout,
            "",
            "sign-in",
            "End the session this request is made with (nothing for an API key)",
        )
    },
    Route {
        permission: None,
        public: true,
        status: 204,
        body: Body::Json("CompletePasswordReset"),
        ..route(
            "POST",
            "/v1/auth/password-reset",
            CompletePasswordReset,
            "",
            "sign-in",
            "Set a new password with a reset token an admin handed over (single use, one hour); ends every session of the agent; 401 for an unknown, used or expired token",
        )
    },
    Route {
        permission: None,
        status: 204,
        body: Body::Json("ChangePassword"),
        ..route(
            "POST",
            "/v1/me/password",
            ChangeOwnPassword,
            "",
            "sign-in",
            "Change one's own password with the current one: a session only (403 for an API key), 401 for a wrong current password, 429 after repeated failures; ends the agent's other sessions",
        )
    },
    Route {
        permission: None,
        response: Some("Me"),
        ..route(
            "GET",
            "/v1/me",
            Me,
            "",
            "agents",
            "The calling agent, its key and its permissions",
        )
    },
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
        "/v1/conversations/{conversation_id}/assign",
        Assign,
        "conversations.assign",
        "conversations",
        "Assign to an agent and/or a division",
    )
    .json("AssignRequest")
    .returns("Conversation"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/transfer",
        Transfer,
        "conversations.assign",
        "conversations",
        "Transfer with a note; logged",
    )
    .json("TransferRequest")
    .returns("ConversationTransfer")
    .status(201),
    route(
        "GET",
        "/v1/conversations/{conversation_id}/transfers",
        ListTransfers,
        "conversations.read",
        "conversations",
        "The transfer log, oldest first",
    )
    .returns("TransferList")
    .query(PAGE),
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
        "/v1/conversations/{conversation_id}/notes",
        ListNotes,
        "conversations.read",
        "notes",
        "Notes, oldest first",
    )
    .returns("NoteList")
    .query(PAGE),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/notes",
        AddNote,
        "notes.write",
        "notes",
        "Add a note",
    )
    .json("CreateNote")
    .returns("Note")
    .status(201),
    route("GET", "/v1/agents", ListAgents, "agents.read", "agents", "Agents")
        .returns("AgentList")
        .query(PAGE),
    route(
        "POST",
        "/v1/agents",
        CreateAgent,
        "agents.manage",
        "agents",
        "Create an agent",
    )
    .json("CreateAgent")
    .returns("Agent")
    .status(201),
    route(
        "GET",
        "/v1/agents/{agent_id}",
        GetAgent,
        "agents.read",
        "agents",
        "An agent",
    )
    .returns("Agent"),
    route(
        "PATCH",
        "/v1/agents/{agent_id}",
        UpdateAgent,
        "agents.presence",
        "agents",
        "Update name, presence (self) or role (agents.manage, holding all the role grants); passwords are not set here",
    )
    .json("UpdateAgent")
    .returns("Agent"),
    route(
        "POST",
        "/v1/agents/{agent_id}/password-reset",
        RequestPasswordReset,
        "agents.manage",
        "agents",
        "A single-use password-reset token (one hour) for another agent, shown only here; the caller must hold everything the agent's role grants (403 otherwise)",
    )
    .returns("PasswordResetIssued")
    .status(201),
    route(
        "POST",
        "/v1/agents/{agent_id}/deactivate",
        DeactivateAgent,
        "agents.manage",
        "agents",
        "Deactivate: keys stop working, sessions and live connections end",
    )
    .returns("Agent"),
    route(
        "GET",
        "/v1/api-keys",
        ListApiKeys,
        "api_keys.own",
        "api-keys",
        "API keys (own; all with api_keys.manage)",
    )
    .returns("ApiKeyList"),
    route(
        "POST",
        "/v1/api-keys",
        CreateApiKey,
        "api_keys.own",
        "api-keys",
        "Create a key; the key is shown only in this response",
    )
    .json("CreateApiKey")
    .returns("ApiKeyCreated")
    .status(201),
    route(
        "DELETE",
        "/v1/api-keys/{key_id}",
        RevokeApiKey,
        "api_keys.own",
        "api-keys",
        "Revoke a key",
    )
    .returns("ApiKey"),
    route(
        "GET",
        "/v1/divisions",
        ListDivisions,
        "divisions.read",
        "divisions",
        "Divisions (teams)",
    )
    .returns("DivisionList")
    .query(PAGE),
    route(
        "POST",
        "/v1/divisions",
        CreateDivision,
        "divisions.manage",
        "divisions",
        "Create a division",
    )
    .json("CreateDivision")
    .returns("Division")
    .status(201),
    route(
        "GET",
        "/v1/divisions/{division_id}",
        GetDivision,
        "divisions.read",
        "divisions",
        "A division",
    )
    .returns("Division"),
    route(
        "PATCH",
        "/v1/divisions/{division_id}",
        UpdateDivision,
        "divisions.manage",
        "divisions",
        "Update a division",
    )
    .json("UpdateDivision")
    .returns("Division"),
    route(
        "GET",
        "/v1/divisions/{division_id}/members",
        ListMembers,
        "divisions.read",
        "divisions",
        "Members of a division",
    )
    .returns("MemberList"),
    route(
        "PUT",
        "/v1/divisions/{division_id}/members/{agent_id}",
        AddMember,
        "divisions.manage",
        "divisions",
        "Add an agent to a division",
    )
    .returns("Member"),
    route(
        "DELETE",
        "/v1/divisions/{division_id}/members/{agent_id}",
        RemoveMember,
        "divisions.manage",
        "divisions",
        "Remove an agent from a division",
    )
    .status(204),
    route(
        "GET",
        "/v1/accounts",
        ListAccounts,
        "accounts.read",
        "accounts",
        "WhatsApp accounts (secrets masked)",
    )
    .returns("AccountList"),
    route(
        "POST",
        "/v1/accounts",
        RegisterAccount,
        "accounts.manage",
        "accounts",
        "Register a WhatsApp number",
    )
    .json("RegisterAccount")
    .returns("Account")
    .status(201),
    route(
        "GET",
        "/v1/accounts/{account_id}",
        GetAccount,
        "accounts.read",
        "accounts",
        "A WhatsApp account (secrets masked)",
    )
    .returns("Account"),
    route(
        "PATCH",
        "/v1/accounts/{account_id}",
        UpdateAccount,
        "accounts.manage",
        "accounts",
        "Update an account or rotate its secrets",
    )
    .json("UpdateAccount")
    .returns("Account"),
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
        "/v1/quick-replies",
        ListQuickReplies,
        "quick_replies.read",
        "quick-replies",
        "Quick replies",
    )
    .returns("QuickReplyList")
    .query(PAGE),
    route(
        "POST",
        "/v1/quick-replies",
        CreateQuickReply,
        "quick_replies.manage",
        "quick-replies",
        "Create a quick reply",
    )
    .json("CreateQuickReply")
    .returns("QuickReply")
    .status(201),
    route(
        "PATCH",
        "/v1/quick-replies/{quick_reply_id}",
        UpdateQuickReply,
        "quick_replies.manage",
        "quick-replies",
        "Update a quick reply",
    )
    .json("UpdateQuickReply")
    .returns("QuickReply"),
    route(
        "DELETE",
        "/v1/quick-replies/{quick_reply_id}",
        DeleteQuickReply,
        "quick_replies.manage",
        "quick-replies",
        "Delete a quick reply",
    )
    .status(204),
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
