//! The keyword bot on the wire: scenarios with their item graph, scenario templates, a contact's
//! blocked scenarios, a conversation's bot pause.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::bot::scenario;
use utoipa::ToSchema;

/// One step of a scenario: what the bot sends on reaching it, and where the customer goes next.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioItem {
    /// Yours, unique in the scenario: 1 to 64 of a-z A-Z 0-9 _ -.
    pub id: String,
    /// text | image | buttons | list | products
    pub kind: String,
    /// The text sent (an image's caption).
    pub label: String,
    /// How it shows as its parent's button (at most 20 characters) or list row (24).
    pub title: Option<String>,
    /// Its list row's second line (at most 72 characters).
    pub description: Option<String>,
    /// An image item's https link.
    pub url: Option<String>,
    /// A list item's button text.
    pub button: Option<String>,
    /// A products item's scenario template.
    pub template_id: Option<String>,
    /// The items it leads to: buttons and lists offer one choice per child; text, image and
    /// products items flow into theirs.
    pub children: Vec<String>,
}

impl From<&scenario::Item> for ScenarioItem {
    fn from(i: &scenario::Item) -> Self {
        Self {
            id: i.id.clone(),
            kind: serde_json::to_value(i.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            label: i.label.clone(),
            title: i.title.clone(),
            description: i.description.clone(),
            url: i.url.clone(),
            button: i.button.clone(),
            template_id: i.template_id.clone(),
            children: i.children.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    /// generic (every WhatsApp number) | client (the one `account_id`)
    pub r#type: String,
    pub account_id: Option<String>,
    pub keywords: Vec<String>,
    pub active: bool,
    /// Times one customer may start it by keyword; 0: without limit.
    pub repeat_count: u32,
    pub start_item_id: String,
    pub items: Vec<ScenarioItem>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&scenario::Scenario> for Scenario {
    fn from(s: &scenario::Scenario) -> Self {
        Self {
            id: s.scenario_id.clone(),
            title: s.title.clone(),
            r#type: match s.kind {
                scenario::ScenarioKind::Generic => "generic".into(),
                scenario::ScenarioKind::Client => "client".into(),
            },
            account_id: s.account_id.clone(),
            keywords: s.keywords.clone(),
            active: s.active,
            repeat_count: s.repeat_count.unwrap_or(0),
            start_item_id: s.start_item_id.clone(),
            items: s.items.iter().map(ScenarioItem::from).collect(),
            created_by: s.created_by.clone(),
            created_at: s.created_at.clone(),
            updated_at: s.updated_at.clone(),
        }
    }
}

/// The organization's scenarios, oldest first (one page: at most 100).
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioList {
    pub data: Vec<Scenario>,
}

/// A scenario to create (title, keywords, start_item_id and items required) or the fields to
/// change (items are replaced whole); the result is checked whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteScenario {
    pub title: Option<String>,
    /// generic | client
    pub r#type: Option<String>,
    /// A client scenario's WhatsApp account (its id); empty clears it.
    pub account_id: Option<String>,
    /// 1 to 20 keywords of at most 100 characters.
    pub keywords: Option<Vec<String>>,
    pub active: Option<bool>,
    /// 0 to 1000; 0: without limit.
    #[serde(default, deserialize_with = "super::whole_number")]
    pub repeat_count: Option<u32>,
    pub start_item_id: Option<String>,
    /// 1 to 50 items: `{id, kind, label, title?, description?, url?, button?, template_id?,
    /// children?}`. Buttons take 1 to 3 children, lists 1 to 10; no cycle; every item reachable
    /// from the start item.
    pub items: Option<Vec<Value>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProductSectionView {
    pub title: String,
    pub product_retailer_ids: Vec<String>,
}

/// A product list (or, without sections, the whole catalog) a products item sends.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioTemplate {
    pub id: String,
    pub name: String,
    pub catalog_id: String,
    pub header: Option<String>,
    pub thumbnail_product_retailer_id: Option<String>,
    pub sections: Vec<ProductSectionView>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&scenario::ScenarioTemplate> for ScenarioTemplate {
    fn from(t: &scenario::ScenarioTemplate) -> Self {
        Self {
            id: t.template_id.clone(),
            name: t.name.clone(),
            catalog_id: t.catalog_id.clone(),
            header: t.header.clone(),
            thumbnail_product_retailer_id: t.thumbnail_product_retailer_id.clone(),
            sections: t
                .sections
                .iter()
                .map(|s| ProductSectionView {
                    title: s.title.clone(),
                    product_retailer_ids: s.product_retailer_ids.clone(),
                })
                .collect(),
            created_at: t.created_at.clone(),
            updated_at: t.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioTemplateList {
    pub data: Vec<ScenarioTemplate>,
}

/// A template to create (name and catalog_id required) or the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteScenarioTemplate {
    pub name: Option<String>,
    pub catalog_id: Option<String>,
    /// Required with sections; empty clears it.
    pub header: Option<String>,
    /// Empty clears it.
    pub thumbnail_product_retailer_id: Option<String>,
    /// Up to 10 sections, 30 products in all; none: the whole catalog is sent.
    pub sections: Option<Vec<ProductSectionView>>,
}

/// The scenarios that never answer this contact.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedScenarios {
    /// At most 100 scenario ids (each must exist).
    pub scenario_ids: Vec<String>,
}

/// Whether the keyword bot answers in this conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationBot {
    pub paused: bool,
}
