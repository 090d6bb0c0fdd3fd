//! The API's one route table: the router matches requests against it and the OpenAPI document is
//! generated from it, so a routed path cannot be missing from the spec.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    OpenApi,
    Login,
    Logout,
    Register,
    Me,
    ListPermissions,
    ListRoles,
    ListAutomationRules,
    CreateAutomationRule,
    GetAutomationRule,
    UpdateAutomationRule,
    DeleteAutomationRule,
    ListAutomationRuns,
    TestAutomationRule,
    GetAutomationControl,
    SetAutomationControl,
    ListScenarios,
    CreateScenario,
    GetScenario,
    UpdateScenario,
    DeleteScenario,
    ListScenarioTemplates,
    CreateScenarioTemplate,
    GetScenarioTemplate,
    UpdateScenarioTemplate,
    DeleteScenarioTemplate,
    GetBlockedScenarios,
    SetBlockedScenarios,
    SetConversationBot,
    UpdateConversation,
    ListBotRuns,
    CreateRole,
    GetRole,
    UpdateRole,
    DeleteRole,
    ChangeOwnPassword,
    RequestPasswordReset,
    CompletePasswordReset,
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
    ListTemplates,
    CreateTemplate,
    GetTemplate,
    DeleteTemplate,
    SyncTemplates,
    ListCampaigns,
    CreateCampaign,
    GetCampaign,
    UpdateCampaign,
    DeleteCampaign,
    StartCampaign,
    PauseCampaign,
    ResumeCampaign,
    CancelCampaign,
    AddRecipients,
    ListRecipients,
    ListScheduledMessages,
    ScheduleMessage,
    GetScheduledMessage,
    CancelScheduledMessage,
    GetWorkingHours,
    SetWorkingHours,
    DeleteWorkingHours,
    GetDivisionWorkingHours,
    SetDivisionWorkingHours,
    DeleteDivisionWorkingHours,
    ListSlaPolicies,
    CreateSlaPolicy,
    GetSlaPolicy,
    UpdateSlaPolicy,
    DeleteSlaPolicy,
    GetConversationSla,
    ApplySlaPolicy,
    ListChatExpirationRules,
    ListCsatSurveys,
    SetChatExpirationRule,
    DeleteChatExpirationRule,
    ListWebhooks,
    CreateWebhook,
    GetWebhook,
    UpdateWebhook,
    DeleteWebhook,
    TestWebhook,
    RotateWebhookSecret,
    ListWebhookDeliveries,
    GetWebhookDelivery,
    RedeliverWebhookDelivery,
    RedeliverFailedWebhookDeliveries,
    ListAiAgents,
    CreateAiAgent,
    GetAiAgent,
    UpdateAiAgent,
    DeleteAiAgent,
    ListAiAssignments,
    CreateAiAssignment,
    UpdateAiAssignment,
    DeleteAiAssignment,
    ListAiHandoffRules,
    CreateAiHandoffRule,
    UpdateAiHandoffRule,
    DeleteAiHandoffRule,
    GetAiUsage,
    TakeOverConversation,
    ListAiProducts,
    CreateAiProduct,
    UpdateAiProduct,
    DeleteAiProduct,
    ListAiOrchestrationRules,
    CreateAiOrchestrationRule,
    UpdateAiOrchestrationRule,
    DeleteAiOrchestrationRule,
    ListAiEvaluations,
    CreateAiEvaluation,
    DeleteAiEvaluation,
    TestAiAgent,
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

pub(crate) type QueryParameter = (&'static str, &'static str, &'static str);

pub(crate) const LIMIT: QueryParameter = (
    "limit",
    "page size (default 25)",
    r#"{"type":"integer","minimum":1,"maximum":100}"#,
);
pub(crate) const CURSOR: QueryParameter = (
    "cursor",
    "next_cursor of the previous page; empty = the first page; one this API did not issue answers 404",
    r#"{"type":"string","maxLength":2048}"#,
);
pub(crate) const PAGE: &[QueryParameter] = &[LIMIT, CURSOR];

pub(crate) const fn route(
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
    /// The OpenAPI operationId: the operation's name, lower camel case.
    pub fn operation_id(&self) -> String {
        let name = format!("{:?}", self.operation);
        let mut chars = name.chars();
        chars
            .next()
            .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }

    /// Whether a successful request changes one conversation (the other agents' pages are told).
    pub fn changes_a_conversation(&self) -> bool {
        self.method != "GET" && self.path.starts_with("/v1/conversations/{conversation_id}")
    }

    pub(crate) const fn json(mut self, schema: &'static str) -> Self {
        self.body = Body::Json(schema);
        self
    }
    pub(crate) const fn returns(mut self, schema: &'static str) -> Self {
        self.response = Some(schema);
        self
    }
    pub(crate) const fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
    pub(crate) const fn query(mut self, query: &'static [(&'static str, &'static str, &'static str)]) -> Self {
        self.query = query;
        self
    }
}

mod access;
mod ai;
mod automation;
mod bot;
mod care;
mod desk;
mod inbox;
mod integrations;
mod outreach;

pub use outreach::TEMPLATE_STATUSES;

/// Every route: the agent desk's, then templates and campaigns.
pub static ROUTES: std::sync::LazyLock<Vec<Route>> = std::sync::LazyLock::new(|| {
    [
        access::ROUTES,
        inbox::ROUTES,
        desk::ROUTES,
        outreach::ROUTES,
        care::ROUTES,
        integrations::ROUTES,
        automation::ROUTES,
        bot::ROUTES,
        ai::ROUTES,
    ]
    .concat()
});

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
    // A literal segment beats a parameter: `/v1/templates/sync` is not template "sync".
    let matches: Vec<(&'static Route, BTreeMap<&'static str, String>)> = ROUTES
        .iter()
        .filter_map(|route| match_path(route.path, path).map(|parameters| (route, parameters)))
        .collect();
    let fewest = matches.iter().map(|(_, p)| p.len()).min();
    let mut allowed = Vec::new();
    for (route, parameters) in matches.into_iter().filter(|(_, p)| Some(p.len()) == fewest) {
        if route.method == method {
            return Ok((route, parameters));
        }
        allowed.push(route.method);
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
        for route in ROUTES.iter() {
            let concrete = route.path.replace('{', "x").replace('}', "");
            let (found, _) = find(route.method, &concrete).expect("found");
            assert_eq!(found.operation, route.operation, "{} {}", route.method, route.path);
            assert!(
                route.public
                    || route.permission.is_some()
                    || matches!(
                        route.operation,
                        Operation::Me | Operation::Logout | Operation::ChangeOwnPassword
                    )
            );
            if let Some(permission) = route.permission {
                assert!(
                    shared::access::permissions::PERMISSIONS
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
            find("GET", "/v1/templates/sync").unwrap_err(),
            Miss::MethodNotAllowed { allowed: vec!["POST"] },
            "a literal segment is not an id"
        );
        assert_eq!(
            find("GET", "/v1/templates/tpl_1").unwrap().0.operation,
            Operation::GetTemplate
        );
        assert_eq!(
            find("GET", "/v1/conversations//messages").unwrap_err(),
            Miss::NoSuchPath
        );
    }
}
