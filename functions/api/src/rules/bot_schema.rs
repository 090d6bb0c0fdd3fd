//! The keyword bot's body fields no single field rule says: arrays of keywords, items, sections
//! and scenario ids, item ids and catalog references, as JSON Schema.

use super::send_schema::ECHOED_ID;
use super::{ID, NOT_BLANK};
use serde_json::{Value, json};
use shared::bot::scenario::{
    MAX_ITEM_ID_CHARS, MAX_ITEMS, MAX_KEYWORD_CHARS, MAX_KEYWORDS, MAX_REPEAT_COUNT, MAX_SCENARIOS,
};
use shared::inbox::outbound_rich::{
    MAX_CATALOG_ID_CHARS, MAX_PRODUCTS, MAX_RETAILER_ID_CHARS, MAX_SECTION_TITLE_CHARS, MAX_SECTIONS,
};

fn optional(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

/// (schema, field, JSON Schema) for each.
pub(super) fn patches() -> Vec<(&'static str, &'static str, Value)> {
    let retailer_id = json!({"type": "string", "maxLength": MAX_RETAILER_ID_CHARS, "pattern": ECHOED_ID});
    vec![
        (
            "WriteScenario",
            "keywords",
            optional(json!({"type": "array", "minItems": 1, "maxItems": MAX_KEYWORDS,
                "items": {"type": "string", "maxLength": MAX_KEYWORD_CHARS, "pattern": NOT_BLANK},
                "description": "each with a letter or digit; matched after folding case, accents, width and digits"})),
        ),
        (
            "WriteScenario",
            "start_item_id",
            optional(json!({"type": "string", "pattern": format!("^[A-Za-z0-9_-]{{1,{MAX_ITEM_ID_CHARS}}}$")})),
        ),
        (
            "WriteScenario",
            "items",
            optional(
                json!({"type": "array", "minItems": 1, "maxItems": MAX_ITEMS, "items": {"type": "object",
                "required": ["id", "kind", "label"]},
                "description": "the item graph, checked whole: ids unique, every child an item, no cycle, every item reachable from start_item_id, each item's message within Meta's limits"}),
            ),
        ),
        (
            "WriteScenario",
            "repeat_count",
            optional(json!({"type": "integer", "minimum": 0, "maximum": MAX_REPEAT_COUNT})),
        ),
        (
            "WriteScenarioTemplate",
            "catalog_id",
            optional(json!({"type": "string", "maxLength": MAX_CATALOG_ID_CHARS, "pattern": ECHOED_ID})),
        ),
        (
            "WriteScenarioTemplate",
            "thumbnail_product_retailer_id",
            optional(json!({"type": "string", "maxLength": MAX_RETAILER_ID_CHARS,
                "anyOf": [{"pattern": ECHOED_ID}, {"maxLength": 0}], "description": "empty removes it"})),
        ),
        (
            "WriteScenarioTemplate",
            "sections",
            optional(
                json!({"type": "array", "maxItems": MAX_SECTIONS, "items": {"type": "object",
                "required": ["title", "product_retailer_ids"], "properties": {
                    "title": {"type": "string", "maxLength": MAX_SECTION_TITLE_CHARS, "pattern": NOT_BLANK},
                    "product_retailer_ids": {"type": "array", "minItems": 1, "maxItems": MAX_PRODUCTS, "items": retailer_id}}},
                "description": format!("at most {MAX_PRODUCTS} products in all; none: the whole catalog")}),
            ),
        ),
        (
            "BlockedScenarios",
            "scenario_ids",
            json!({"type": "array", "maxItems": MAX_SCENARIOS, "items": {"type": "string", "pattern": ID},
                "description": "each one of the organization's scenarios (404 naming it otherwise)"}),
        ),
    ]
}
