//! The keyword bot's routes: scenarios, scenario templates, blocked scenarios, the bot's pause per
//! conversation and its run log.

use super::Operation::*;
use super::{PAGE, Route, route};

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/scenarios",
        ListScenarios,
        "automation.read",
        "bot",
        "Keyword scenarios, oldest first",
    )
    .returns("ScenarioList"),
    route(
        "POST",
        "/v1/scenarios",
        CreateScenario,
        "automation.manage",
        "bot",
        "Create a keyword scenario with its item graph (at most 100)",
    )
    .json("WriteScenario")
    .returns("Scenario")
    .status(201),
    route(
        "GET",
        "/v1/scenarios/{scenario_id}",
        GetScenario,
        "automation.read",
        "bot",
        "A scenario",
    )
    .returns("Scenario"),
    route(
        "PATCH",
        "/v1/scenarios/{scenario_id}",
        UpdateScenario,
        "automation.manage",
        "bot",
        "Change a scenario (items replaced whole; applies to new messages within 30 s)",
    )
    .json("WriteScenario")
    .returns("Scenario"),
    route(
        "DELETE",
        "/v1/scenarios/{scenario_id}",
        DeleteScenario,
        "automation.manage",
        "bot",
        "Delete a scenario",
    )
    .status(204),
    route(
        "GET",
        "/v1/scenario-templates",
        ListScenarioTemplates,
        "automation.read",
        "bot",
        "Product lists and catalogs the bot sends",
    )
    .returns("ScenarioTemplateList"),
    route(
        "POST",
        "/v1/scenario-templates",
        CreateScenarioTemplate,
        "automation.manage",
        "bot",
        "Create a product list (or, without sections, the catalog)",
    )
    .json("WriteScenarioTemplate")
    .returns("ScenarioTemplate")
    .status(201),
    route(
        "GET",
        "/v1/scenario-templates/{scenario_template_id}",
        GetScenarioTemplate,
        "automation.read",
        "bot",
        "A scenario template",
    )
    .returns("ScenarioTemplate"),
    route(
        "PATCH",
        "/v1/scenario-templates/{scenario_template_id}",
        UpdateScenarioTemplate,
        "automation.manage",
        "bot",
        "Change a scenario template",
    )
    .json("WriteScenarioTemplate")
    .returns("ScenarioTemplate"),
    route(
        "DELETE",
        "/v1/scenario-templates/{scenario_template_id}",
        DeleteScenarioTemplate,
        "automation.manage",
        "bot",
        "Delete a scenario template no scenario sends",
    )
    .status(204),
    route(
        "GET",
        "/v1/contacts/{contact_id}/blocked-scenarios",
        GetBlockedScenarios,
        "contacts.read",
        "bot",
        "The scenarios that never answer this contact",
    )
    .returns("BlockedScenarios"),
    route(
        "PUT",
        "/v1/contacts/{contact_id}/blocked-scenarios",
        SetBlockedScenarios,
        "contacts.manage",
        "bot",
        "Replace the scenarios that never answer this contact",
    )
    .json("BlockedScenarios")
    .returns("BlockedScenarios"),
    route(
        "PUT",
        "/v1/conversations/{conversation_id}/bot",
        SetConversationBot,
        "conversations.reply",
        "bot",
        "Pause or resume the keyword bot in this conversation",
    )
    .json("ConversationBot")
    .returns("ConversationBot"),
    route(
        "GET",
        "/v1/bot-runs",
        ListBotRuns,
        "automation.read",
        "bot",
        "The bot's turns, newest first: what it sent, or why it kept quiet (kept 30 days)",
    )
    .returns("AutomationRunList")
    .query(PAGE),
];
