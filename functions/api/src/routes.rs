//! The API's one route table: the router matches requests against it and the OpenAPI document is
//! generated from it, so a routed path cannot be missing from the spec.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    OpenApi,
    Me,
    ListConversations,
    GetConversation,
    MarkRead,
    Assign,
    Transfer,
    ListTransfers,
    Resolve,
    Reopen,
    ListMessages,
    SendMessage,
    ListNotes,
    AddNote,
    ListAgents,
    CreateAgent,
    GetAgent,
    UpdateAgent,
    DeactivateAgent,
    ListApiKeys,
    CreateApiKey,
    RevokeApiKey,
    ListDivisions,
    CreateDivision,
    GetDivision,
    UpdateDivision,
    ListMembers,
    AddMember,
    RemoveMember,
    ListAccounts,
    RegisterAccount,
    GetAccount,
    UpdateAccount,
    ListContacts,
    CreateContact,
    GetContact,
    UpdateContact,
    ListQuickReplies,
    CreateQuickReply,
    UpdateQuickReply,
    DeleteQuickReply,
    AnalyticsOverview,
    UploadMedia,
}

/// How a route's request body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    /// JSON of the named schema.
    Json(&'static str),
    /// Raw bytes (media upload), typed by `Content-Type`.
    Binary,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub operation: Operation,
    /// The permission a caller needs; `None`: any valid key (or, for the spec, none at all).
    pub permission: Option<&'static str>,
    pub public: bool,
    pub tag: &'static str,
    pub summary: &'static str,
    pub body: Body,
    /// Schema of the success response, `None` for an empty one.
    pub response: Option<&'static str>,
    pub status: u16,
    /// Query parameters: name, description and JSON Schema (as JSON text).
    pub query: &'static [(&'static str, &'static str, &'static str)],
}

type QueryParameter = (&'static str, &'static str, &'static str);

const LIMIT: QueryParameter = (
    "limit",
    "page size (default 25)",
    r#"{"type":"integer","minimum":1,"maximum":100}"#,
);
const CURSOR: QueryParameter = (
    "cursor",
    "next_cursor of the previous page; empty = the first page; one this API did not issue answers 404",
    r#"{"type":"string","maxLength":2048}"#,
);
const PAGE: &[QueryParameter] = &[LIMIT, CURSOR];

const fn route(
    method: &'static str,
    path: &'static str,
    operation: Operation,
    permission: &'static str,
    tag: &'static str,
    summary: &'static str,
) -> Route {
    Route {
        method,
        path,
        operation,
        permission: Some(permission),
        public: false,
        tag,
        summary,
        body: Body::None,
        response: None,
        status: 200,
        query: &[],
    }
}

impl Route {
    const fn json(mut self, schema: &'static str) -> Self {
        self.body = Body::Json(schema);
        self
    }
    const fn returns(mut self, schema: &'static str) -> Self {
        self.response = Some(schema);
        self
    }
    const fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    const fn query(mut self, query: &'static [(&'static str, &'static str, &'static str)]) -> Self {
        self.query = query;
        self
    }
}

use Operation::*;

pub const ROUTES: &[Route] = &[
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
            "agent id, or `me`",
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
        "Update name, presence (self) or role (agents.manage)",
    )
    .json("UpdateAgent")
    .returns("Agent"),
    route(
        "POST",
        "/v1/agents/{agent_id}/deactivate",
        DeactivateAgent,
        "agents.manage",
        "agents",
        "Deactivate: keys stop working",
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
            r#"{"type":"string","pattern":"^[+ ().-]*([0-9][+ ().-]*){6,15}$"}"#,
        ),
        (
            "q",
            "name prefix (case and spacing ignored)",
            r#"{"type":"string","maxLength":100}"#,
        ),
        (
            "tag",
            "contacts with this tag",
            r#"{"type":"string","pattern":"^\\s*[A-Za-z0-9_:-]{1,40}\\s*$"}"#,
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

/// Why no route answers a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// No route has this path (404).
    NoSuchPath,
    /// The path exists with these methods only (405 with `Allow`).
    MethodNotAllowed { allowed: Vec<&'static str> },
}

/// The route for (method, path) and its path parameters, or why there is none.
pub fn find(method: &str, path: &str) -> Result<(&'static Route, BTreeMap<&'static str, String>), Miss> {
    let mut allowed = Vec::new();
    for route in ROUTES {
        if let Some(parameters) = match_path(route.path, path) {
            if route.method == method {
                return Ok((route, parameters));
            }
            allowed.push(route.method);
        }
    }
    if allowed.is_empty() {
        Err(Miss::NoSuchPath)
    } else {
        Err(Miss::MethodNotAllowed { allowed })
    }
}

fn match_path(template: &'static str, path: &str) -> Option<BTreeMap<&'static str, String>> {
    let mut parameters = BTreeMap::new();
    let mut template_segments = template.trim_matches('/').split('/');
    let mut path_segments = path.trim_end_matches('/').trim_start_matches('/').split('/');
    loop {
        match (template_segments.next(), path_segments.next()) {
            (None, None) => return Some(parameters),
            (Some(t), Some(p)) if t.starts_with('{') && !p.is_empty() => {
                parameters.insert(&t[1..t.len() - 1], p.to_string());
            }
            (Some(t), Some(p)) if t == p => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_unique_and_findable() {
        for route in ROUTES {
            let concrete = route.path.replace('{', "x").replace('}', "");
            let (found, _) = find(route.method, &concrete).expect("found");
            assert_eq!(found.operation, route.operation, "{} {}", route.method, route.path);
            assert!(route.public || route.permission.is_some() || route.operation == Operation::Me);
            if let Some(permission) = route.permission {
                assert!(
                    shared::permissions::PERMISSIONS
                        .iter()
                        .any(|(code, _)| *code == permission),
                    "{permission}"
                );
            }
        }
    }

    #[test]
    fn parameters_are_extracted_and_methods_told_apart() {
        let (route, parameters) = find("PUT", "/v1/divisions/div_1/members/agt_2").unwrap();
        assert_eq!(route.operation, Operation::AddMember);
        assert_eq!(parameters["division_id"], "div_1");
        assert_eq!(parameters["agent_id"], "agt_2");
        assert_eq!(find("GET", "/v1/me/").unwrap().0.operation, Operation::Me);
        assert_eq!(
            find("PUT", "/v1/conversations").unwrap_err(),
            Miss::MethodNotAllowed { allowed: vec!["GET"] }
        );
        assert_eq!(find("GET", "/v1/nothing").unwrap_err(), Miss::NoSuchPath);
        assert_eq!(
            find("GET", "/v1/conversations//messages").unwrap_err(),
            Miss::NoSuchPath
        );
    }
}
