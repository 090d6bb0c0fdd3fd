//! The document's schemas and examples for roles and automation.

use crate::views::*;
use serde_json::{Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Role,
    RoleList,
    CreateRole,
    UpdateRole,
    AutomationRule,
    AutomationRuleList,
    WriteAutomationRule,
    AutomationRun,
    AutomationRunList,
    AutomationDryRun,
    AutomationDryRunResult,
    AutomationControl,
    SetAutomationControl
)))]
pub(super) struct Schemas;

/// A valid body of these request schemas.
pub(super) fn example(schema: &str) -> Option<Value> {
    Some(match schema {
        "CreateRole" => {
            json!({"name": "returns desk", "permissions": ["conversations.read", "conversations.reply", "conversations.view_divisions"]})
        }
        "UpdateRole" => json!({"description": "answers returns"}),
        "WriteAutomationRule" => json!({
            "name": "Price questions", "trigger": "message_received", "priority": 10, "stop_on_match": true,
            "conditions": [{"type": "message_text", "op": "contains", "value": "price"}],
            "actions": [{"type": "add_tags", "tags": ["asked-price"]}, {"type": "send_text", "text": "Our prices are on the site."}]
        }),
        "AutomationDryRun" => json!({"message_text": "what does it cost?"}),
        "SetAutomationControl" => json!({"is_paused": true, "pause_reason": "migration"}),
        _ => return None,
    })
}
