//! Automation's routes: rules, their runs and dry runs, the pause switch.

use super::Operation::*;
use super::{PAGE, Route, route};

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/automation-rules",
        ListAutomationRules,
        "automation.read",
        "automation",
        "Automation rules, in the order they run",
    )
    .returns("AutomationRuleList"),
    route(
        "POST",
        "/v1/automation-rules",
        CreateAutomationRule,
        "automation.manage",
        "automation",
        "Create a rule (at most 100; 20 conditions and 10 actions each)",
    )
    .json("WriteAutomationRule")
    .returns("AutomationRule")
    .status(201),
    route(
        "GET",
        "/v1/automation-rules/{rule_id}",
        GetAutomationRule,
        "automation.read",
        "automation",
        "A rule",
    )
    .returns("AutomationRule"),
    route(
        "PATCH",
        "/v1/automation-rules/{rule_id}",
        UpdateAutomationRule,
        "automation.manage",
        "automation",
        "Change a rule (applies to new events within 30 s)",
    )
    .json("WriteAutomationRule")
    .returns("AutomationRule"),
    route(
        "DELETE",
        "/v1/automation-rules/{rule_id}",
        DeleteAutomationRule,
        "automation.manage",
        "automation",
        "Delete a rule",
    )
    .status(204),
    route(
        "GET",
        "/v1/automation-rules/{rule_id}/runs",
        ListAutomationRuns,
        "automation.read",
        "automation",
        "A rule's runs, newest first (kept 30 days)",
    )
    .returns("AutomationRunList")
    .query(PAGE),
    route(
        "POST",
        "/v1/automation-rules/{rule_id}/test",
        TestAutomationRule,
        "automation.read",
        "automation",
        "Dry-run a rule against a conversation or a sample message (nothing is done)",
    )
    .json("AutomationDryRun")
    .returns("AutomationDryRunResult"),
    route(
        "GET",
        "/v1/automation-control",
        GetAutomationControl,
        "automation.read",
        "automation",
        "Whether every rule is paused",
    )
    .returns("AutomationControl"),
    route(
        "PUT",
        "/v1/automation-control",
        SetAutomationControl,
        "automation.manage",
        "automation",
        "Pause every rule (with a reason, optionally until a time) or resume them",
    )
    .json("SetAutomationControl")
    .returns("AutomationControl"),
];
