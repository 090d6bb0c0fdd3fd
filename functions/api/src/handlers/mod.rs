//! One module per resource, grouped by context (as `shared` is); `dispatch` maps a matched route
//! to its handler.

mod access;
mod ai;
mod automation;
mod bot;
mod care;
mod desk;
mod inbox;
mod integrations;
mod outreach;

pub(crate) use access::{accounts, agents, passwords, registration, roles, sign_in};
pub(crate) use ai::{
    agents as ai_agents, evaluations as ai_evaluations, parts as ai_parts, products as ai_products, take_over,
    test_chat as ai_test_chat, usage as ai_usage,
};
pub(crate) use automation::rules as automation_rules;
pub(crate) use bot::{scenarios as bot_scenarios, templates as bot_templates, turns as bot_turns};
pub(crate) use care::{chat_expiration, conversation_sla, csat, sla_policies, working_hours};
pub(crate) use desk::{divisions, quick_replies, triage};
pub(crate) use inbox::{analytics, contacts, conversations, media, messages};
pub(crate) use integrations::{webhook_deliveries, webhooks};
pub(crate) use outreach::{campaigns, recipients, scheduled, templates};

use crate::ApiService;
use crate::request::Context;
use crate::routes::{Operation, Route};
use lambda_http::{Body, Response};
use shared::platform::http_error::HttpError;

pub use recipients::{MAX_ENTRIES as MAX_RECIPIENT_ENTRIES, MAX_VARIABLE_NAME_CHARS, MAX_VARIABLES};

pub type Answer = Result<Response<Body>, HttpError>;

pub async fn dispatch_public(api: &ApiService, route: &Route, request: &lambda_http::Request) -> Answer {
    match route.operation {
        Operation::OpenApi => crate::request::ok(&crate::openapi::document()),
        Operation::Login => sign_in::login(api, request).await,
        Operation::Register => registration::register(api, request).await,
        Operation::CompletePasswordReset => passwords::complete_reset(api, request).await,
        _ => Err(HttpError::not_found("no such route")),
    }
}

/// The route's handler. Each context's handlers are matched in a function of their own, awaited
/// boxed: one match over every route made a poll frame the size of all their futures together,
/// past a 2 MiB worker stack in debug builds.
pub async fn dispatch(api: &ApiService, route: &Route, cx: &Context<'_>) -> Answer {
    use Operation::*;
    if let OpenApi | Login | Register | CompletePasswordReset = route.operation {
        return dispatch_public(api, route, cx.request).await;
    }
    let operation = route.operation;
    if let Some(answer) = Box::pin(access_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(automation_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(inbox_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(desk_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(integrations_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(outreach_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(care_routes(api, operation, cx)).await {
        return answer;
    }
    if let Some(answer) = Box::pin(ai_routes(api, operation, cx)).await {
        return answer;
    }
    Err(HttpError::not_found("no such route"))
}

/// Sign-in, agents, keys, roles and accounts.
async fn access_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        ChangeOwnPassword => passwords::change_own(api, cx).await,
        RequestPasswordReset => passwords::request_reset(api, cx).await,
        Logout => sign_in::logout(api, cx.request).await,
        Me => agents::me(api, cx).await,
        ListPermissions => crate::request::ok(&crate::views::PermissionList::all()),
        ListRoles => roles::list(api, cx).await,
        CreateRole => roles::create(api, cx).await,
        GetRole => roles::get(api, cx).await,
        UpdateRole => roles::update(api, cx).await,
        DeleteRole => roles::delete(api, cx).await,
        ListAgents => agents::list(api, cx).await,
        CreateAgent => agents::create(api, cx).await,
        GetAgent => agents::get(api, cx).await,
        UpdateAgent => agents::update(api, cx).await,
        DeactivateAgent => agents::deactivate(api, cx).await,
        ListApiKeys => agents::list_keys(api, cx).await,
        CreateApiKey => agents::create_key(api, cx).await,
        RevokeApiKey => agents::revoke_key(api, cx).await,
        ListAccounts => accounts::list(api, cx).await,
        RegisterAccount => accounts::register(api, cx).await,
        GetAccount => accounts::get(api, cx).await,
        UpdateAccount => accounts::update(api, cx).await,
        _ => return None,
    })
}

/// Automation rules and the keyword bot.
async fn automation_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        ListAutomationRules => automation_rules::list(api, cx).await,
        CreateAutomationRule => automation_rules::create(api, cx).await,
        GetAutomationRule => automation_rules::get(api, cx).await,
        UpdateAutomationRule => automation_rules::update(api, cx).await,
        DeleteAutomationRule => automation_rules::delete(api, cx).await,
        ListAutomationRuns => automation_rules::runs(api, cx).await,
        TestAutomationRule => automation_rules::test(api, cx).await,
        GetAutomationControl => automation_rules::control(api, cx).await,
        SetAutomationControl => automation_rules::set_control(api, cx).await,
        ListScenarios => bot_scenarios::list(api, cx).await,
        CreateScenario => bot_scenarios::create(api, cx).await,
        GetScenario => bot_scenarios::get(api, cx).await,
        UpdateScenario => bot_scenarios::update(api, cx).await,
        DeleteScenario => bot_scenarios::delete(api, cx).await,
        ListScenarioTemplates => bot_templates::list(api, cx).await,
        CreateScenarioTemplate => bot_templates::create(api, cx).await,
        GetScenarioTemplate => bot_templates::get(api, cx).await,
        UpdateScenarioTemplate => bot_templates::update(api, cx).await,
        DeleteScenarioTemplate => bot_templates::delete(api, cx).await,
        GetBlockedScenarios => bot_turns::blocked(api, cx).await,
        SetBlockedScenarios => bot_turns::set_blocked(api, cx).await,
        SetConversationBot => bot_turns::pause(api, cx).await,
        ListBotRuns => bot_turns::runs(api, cx).await,
        _ => return None,
    })
}

/// Conversations, messages, contacts, media and analytics.
async fn inbox_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        ListConversations => conversations::list(api, cx).await,
        GetConversation => conversations::get(api, cx).await,
        MarkRead => conversations::mark_read(api, cx).await,
        Assign => conversations::assign(api, cx).await,
        Transfer => conversations::transfer(api, cx).await,
        ListTransfers => conversations::transfers(api, cx).await,
        Resolve => conversations::resolve(api, cx).await,
        Reopen => conversations::reopen(api, cx).await,
        ListNotes => conversations::notes(api, cx).await,
        AddNote => conversations::add_note(api, cx).await,
        ListMessages => messages::list(api, cx).await,
        SendMessage => messages::send(api, cx).await,
        ListContacts => contacts::list(api, cx).await,
        CreateContact => contacts::create(api, cx).await,
        GetContact => contacts::get(api, cx).await,
        UpdateContact => contacts::update(api, cx).await,
        AnalyticsOverview => analytics::overview(api, cx).await,
        UploadMedia => media::upload(api, cx).await,
        _ => return None,
    })
}

/// Divisions and quick replies.
async fn desk_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        UpdateConversation => triage::update(api, cx).await,
        ListDivisions => divisions::list(api, cx).await,
        CreateDivision => divisions::create(api, cx).await,
        GetDivision => divisions::get(api, cx).await,
        UpdateDivision => divisions::update(api, cx).await,
        ListMembers => divisions::members(api, cx).await,
        AddMember => divisions::add_member(api, cx).await,
        RemoveMember => divisions::remove_member(api, cx).await,
        ListQuickReplies => quick_replies::list(api, cx).await,
        CreateQuickReply => quick_replies::create(api, cx).await,
        UpdateQuickReply => quick_replies::update(api, cx).await,
        DeleteQuickReply => quick_replies::delete(api, cx).await,
        _ => return None,
    })
}

/// Outgoing webhooks and their deliveries.
async fn integrations_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        ListWebhooks => webhooks::list(api, cx).await,
        CreateWebhook => webhooks::create(api, cx).await,
        GetWebhook => webhooks::get(api, cx).await,
        UpdateWebhook => webhooks::update(api, cx).await,
        DeleteWebhook => webhooks::delete(api, cx).await,
        TestWebhook => webhooks::test(api, cx).await,
        RotateWebhookSecret => webhooks::rotate_secret(api, cx).await,
        ListWebhookDeliveries => webhook_deliveries::list(api, cx).await,
        GetWebhookDelivery => webhook_deliveries::get(api, cx).await,
        RedeliverWebhookDelivery => webhook_deliveries::redeliver(api, cx).await,
        RedeliverFailedWebhookDeliveries => webhook_deliveries::redeliver_failed(api, cx).await,
        _ => return None,
    })
}

/// Templates, campaigns, recipients and scheduled messages.
async fn outreach_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        ListTemplates => templates::list(api, cx).await,
        CreateTemplate => templates::create(api, cx).await,
        GetTemplate => templates::get(api, cx).await,
        DeleteTemplate => templates::delete(api, cx).await,
        SyncTemplates => templates::sync(api, cx).await,
        ListCampaigns => campaigns::list(api, cx).await,
        CreateCampaign => campaigns::create(api, cx).await,
        GetCampaign => campaigns::get(api, cx).await,
        UpdateCampaign => campaigns::update(api, cx).await,
        DeleteCampaign => campaigns::delete(api, cx).await,
        StartCampaign => campaigns::command(api, cx, shared::outreach::campaign::Command::Start).await,
        PauseCampaign => campaigns::command(api, cx, shared::outreach::campaign::Command::Pause).await,
        ResumeCampaign => campaigns::command(api, cx, shared::outreach::campaign::Command::Resume).await,
        ListScheduledMessages => scheduled::list(api, cx).await,
        ScheduleMessage => scheduled::create(api, cx).await,
        GetScheduledMessage => scheduled::get(api, cx).await,
        CancelScheduledMessage => scheduled::cancel(api, cx).await,
        CancelCampaign => campaigns::command(api, cx, shared::outreach::campaign::Command::Cancel).await,
        AddRecipients => recipients::add(api, cx).await,
        ListRecipients => recipients::list(api, cx).await,
        _ => return None,
    })
}

/// Working hours, SLA, chat expiration and surveys.
async fn care_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        GetConversationSla => conversation_sla::get(api, cx).await,
        ApplySlaPolicy => conversation_sla::apply(api, cx).await,
        ListCsatSurveys => csat::list(api, cx).await,
        ListChatExpirationRules => chat_expiration::list(api, cx).await,
        SetChatExpirationRule => chat_expiration::set(api, cx).await,
        DeleteChatExpirationRule => chat_expiration::delete(api, cx).await,
        GetWorkingHours => working_hours::get(api, cx, false).await,
        SetWorkingHours => working_hours::set(api, cx, false).await,
        DeleteWorkingHours => working_hours::delete(api, cx, false).await,
        GetDivisionWorkingHours => working_hours::get(api, cx, true).await,
        SetDivisionWorkingHours => working_hours::set(api, cx, true).await,
        DeleteDivisionWorkingHours => working_hours::delete(api, cx, true).await,
        ListSlaPolicies => sla_policies::list(api, cx).await,
        CreateSlaPolicy => sla_policies::create(api, cx).await,
        GetSlaPolicy => sla_policies::get(api, cx).await,
        UpdateSlaPolicy => sla_policies::update(api, cx).await,
        DeleteSlaPolicy => sla_policies::delete(api, cx).await,
        _ => return None,
    })
}

/// AI agents, their assignments and handoff rules, and usage.
async fn ai_routes(api: &ApiService, operation: Operation, cx: &Context<'_>) -> Option<Answer> {
    use Operation::*;
    Some(match operation {
        ListAiAgents => ai_agents::list(api, cx).await,
        CreateAiAgent => ai_agents::create(api, cx).await,
        GetAiAgent => ai_agents::get(api, cx).await,
        UpdateAiAgent => ai_agents::update(api, cx).await,
        DeleteAiAgent => ai_agents::delete(api, cx).await,
        ListAiAssignments => ai_parts::list_assignments(api, cx).await,
        CreateAiAssignment => ai_parts::create_assignment(api, cx).await,
        UpdateAiAssignment => ai_parts::update_assignment(api, cx).await,
        DeleteAiAssignment => ai_parts::delete_assignment(api, cx).await,
        ListAiHandoffRules => ai_parts::list_rules(api, cx).await,
        CreateAiHandoffRule => ai_parts::create_rule(api, cx).await,
        UpdateAiHandoffRule => ai_parts::update_rule(api, cx).await,
        DeleteAiHandoffRule => ai_parts::delete_rule(api, cx).await,
        GetAiUsage => ai_usage::get(api, cx).await,
        TakeOverConversation => take_over::take_over(api, cx).await,
        ListAiProducts => ai_products::list(api, cx).await,
        CreateAiProduct => ai_products::create(api, cx).await,
        UpdateAiProduct => ai_products::update(api, cx).await,
        DeleteAiProduct => ai_products::delete(api, cx).await,
        ListAiOrchestrationRules => ai_parts::list_orchestration(api, cx).await,
        CreateAiOrchestrationRule => ai_parts::create_orchestration(api, cx).await,
        UpdateAiOrchestrationRule => ai_parts::update_orchestration(api, cx).await,
        DeleteAiOrchestrationRule => ai_parts::delete_orchestration(api, cx).await,
        ListAiEvaluations => ai_evaluations::list(api, cx).await,
        CreateAiEvaluation => ai_evaluations::create(api, cx).await,
        DeleteAiEvaluation => ai_evaluations::delete(api, cx).await,
        TestAiAgent => ai_test_chat::test_chat(api, cx).await,
        _ => return None,
    })
}
