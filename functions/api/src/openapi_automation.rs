//! The document's schemas and examples for roles, automation, the keyword bot and the triage
//! rules share with agents.

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
    SetAutomationControl,
    AlertSettings,
    Scenario,
    ScenarioItem,
    ScenarioList,
    WriteScenario,
    ScenarioTemplate,
    ScenarioTemplateList,
    WriteScenarioTemplate,
    ProductSectionView,
    BlockedScenarios,
    ConversationBot,
    UpdateConversation
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
        "WriteScenario" => json!({
            "title": "Welcome", "keywords": ["hello", "hi"], "repeat_count": 3, "start_item_id": "welcome",
            "items": [
                {"id": "welcome", "kind": "buttons", "label": "Welcome! How can we help?", "children": ["hours", "shop"]},
                {"id": "hours", "kind": "text", "title": "Opening hours", "label": "We open 9 to 18, Monday to Saturday."},
                {"id": "shop", "kind": "text", "title": "Shop", "label": "Our shop: https://shop.example.com"}
            ]
        }),
        "WriteScenarioTemplate" => json!({
            "name": "Running shoes", "catalog_id": "1234567890", "header": "Our running shoes",
            "sections": [{"title": "Best sellers", "product_retailer_ids": ["sku-1", "sku-2"]}]
        }),
        "BlockedScenarios" => json!({"scenario_ids": []}),
        "ConversationBot" => json!({"paused": true}),
        "UpdateConversation" => json!({"priority": "high", "snoozed_until": null}),
        _ => return None,
    })
}
