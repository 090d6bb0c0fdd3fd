//! A keyword scenario: the keywords that start it, and a graph of items (what the bot sends) the
//! customer walks by pressing buttons and choosing list rows. Checked whole before it is stored
//! (ids, sizes, Meta's limits on what each item sends, no cycle, every child present and
//! reachable); free of I/O.

use crate::bot::matching::normalize;
use crate::inbox::outbound::validate;
use crate::meta::{Content, ListRow, ListSection, MediaKind, ProductSection, ReplyButton};
use std::collections::{HashMap, HashSet};

pub const MAX_SCENARIOS: usize = 100;
pub const MAX_KEYWORDS: usize = 20;
pub const MAX_KEYWORD_CHARS: usize = 100;
pub const MAX_TITLE_CHARS: usize = 100;
pub const MAX_ITEMS: usize = 50;
pub const MAX_ITEM_ID_CHARS: usize = 64;
pub const MAX_REPEAT_COUNT: u32 = 1_000;
/// A scenario's stored size (one item, read whole with its organization's others).
pub const MAX_SCENARIO_BYTES: usize = 64 * 1024;
/// Messages one answer may send (an item and the items it flows into).
pub const MAX_MESSAGES_PER_ANSWER: usize = 5;
/// What a button or list row's id starts with: `sb:<scenario>:<item>` leads to that item.
pub const REPLY_PREFIX: &str = "sb:";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    /// Answers on every WhatsApp number of the organization.
    Generic,
    /// Answers on one WhatsApp number (its account) only.
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// `label` as a text; flows into its children.
    Text,
    /// The image at `url`, `label` its caption; flows into its children.
    Image,
    /// `label` with a reply button per child (1 to 3).
    Buttons,
    /// `label` with a list row per child (1 to 10) behind the `button`.
    List,
    /// The scenario template `template_id` (a product list or the catalog), `label` its text;
    /// flows into its children.
    Products,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub id: String,
    pub kind: ItemKind,
    pub label: String,
    /// How it is shown as its parent's button (at most 20 characters) or list row (24).
    #[serde(default)]
    pub title: Option<String>,
    /// Its list row's second line.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// A list's button text.
    #[serde(default)]
    pub button: Option<String>,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default)]
    pub children: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scenario {
    pub scenario_id: String,
    pub org_id: String,
    pub title: String,
    pub kind: ScenarioKind,
    /// `client`: the WhatsApp account it answers on.
    #[serde(default)]
    pub account_id: Option<String>,
    pub keywords: Vec<String>,
    pub active: bool,
    /// How many times one customer may start it; `None`: without limit.
    #[serde(default)]
    pub repeat_count: Option<u32>,
    /// The item a keyword starts.
    pub start_item_id: String,
    pub items: Vec<Item>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A product list or the whole catalog, sent by `products` items (seed 000's template scenario).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioTemplate {
    pub template_id: String,
    pub org_id: String,
    pub name: String,
    pub catalog_id: String,
    /// A product list's header (required with sections).
    #[serde(default)]
    pub header: Option<String>,
    /// The product whose image stands for the catalog (sent as the catalog when no sections).
    #[serde(default)]
    pub thumbnail_product_retailer_id: Option<String>,
    #[serde(default)]
    pub sections: Vec<ProductSection>,
    pub created_at: String,
    pub updated_at: String,
}

impl ScenarioTemplate {
    /// What a `products` item with `body` sends: the product list, or the catalog when the
    /// template has no sections.
    pub fn content(&self, body: &str) -> Content {
        match self.sections.is_empty() {
            true => Content::Catalog {
                body: body.to_string(),
                footer: None,
                thumbnail_product_retailer_id: self.thumbnail_product_retailer_id.clone(),
            },
            false => Content::ProductList {
                header: self.header.clone().unwrap_or_else(|| self.name.clone()),
                body: body.to_string(),
                footer: None,
                catalog_id: self.catalog_id.clone(),
                sections: self.sections.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct Invalid {
    pub field: String,
    pub reason: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The id a button or row carries: pressing it leads to `item_id` of `scenario_id`.
pub fn reply_id(scenario_id: &str, item_id: &str) -> String {
    format!("{REPLY_PREFIX}{scenario_id}:{item_id}")
}

/// The scenario and item a reply id leads to.
pub fn parse_reply_id(id: &str) -> Option<(&str, &str)> {
    id.strip_prefix(REPLY_PREFIX)?.split_once(':')
}

impl Scenario {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Its keywords, folded as texts are (cached per warm Lambda).
    pub fn folded_keywords(&self) -> Vec<std::sync::Arc<str>> {
        self.keywords
            .iter()
            .map(|k| crate::bot::matching::folded_keyword(k))
            .collect()
    }

    /// What `item` sends by itself (`templates`: the scenario templates its products items name).
    pub fn content_of(&self, item: &Item, templates: &HashMap<String, ScenarioTemplate>) -> Option<Content> {
        let children = || item.children.iter().filter_map(|c| self.item(c));
        let title = |child: &Item| child.title.clone().unwrap_or_else(|| child.label.clone());
        Some(match item.kind {
            ItemKind::Text => Content::Text {
                body: item.label.clone(),
            },
            ItemKind::Image => Content::MediaLink {
                media_kind: MediaKind::Image,
                link: item.url.clone()?,
                caption: Some(item.label.clone()).filter(|l| !l.trim().is_empty()),
                filename: None,
            },
            ItemKind::Buttons => Content::Buttons {
                header: None,
                body: item.label.clone(),
                footer: None,
                buttons: children()
                    .map(|child| ReplyButton {
                        id: reply_id(&self.scenario_id, &child.id),
                        title: title(child),
                    })
                    .collect(),
            },
            ItemKind::List => Content::List {
                header: None,
                body: item.label.clone(),
                footer: None,
                button: item.button.clone().unwrap_or_else(|| "Options".into()),
                rows: vec![],
                sections: vec![ListSection {
                    title: None,
                    rows: children()
                        .map(|child| ListRow {
                            id: reply_id(&self.scenario_id, &child.id),
                            title: title(child),
                            description: child.description.clone(),
                        })
                        .collect(),
                }],
            },
            ItemKind::Products => templates.get(item.template_id.as_deref()?)?.content(&item.label),
        })
    }

    /// What the bot sends on reaching `item_id`: the item, then (depth first, each once) the items
    /// it flows into; a buttons or list item waits for the customer's choice. At most
    /// [`MAX_MESSAGES_PER_ANSWER`].
    pub fn answer(&self, item_id: &str, templates: &HashMap<String, ScenarioTemplate>) -> Vec<(String, Content)> {
        let mut sent = Vec::new();
        let mut seen = HashSet::new();
        let mut next = vec![item_id.to_string()];
        while let Some(id) = next.pop() {
            if sent.len() >= MAX_MESSAGES_PER_ANSWER || !seen.insert(id.clone()) {
                continue;
            }
            let Some(item) = self.item(&id) else { continue };
            if let Some(content) = self.content_of(item, templates) {
                sent.push((id.clone(), content));
            }
            if !matches!(item.kind, ItemKind::Buttons | ItemKind::List) {
                next.extend(item.children.iter().rev().cloned());
            }
        }
        sent
    }

    /// Checks the scenario whole; `templates` holds the templates its products items name (a
    /// missing one is named).
    pub fn check(&self, templates: &HashMap<String, ScenarioTemplate>) -> Result<(), Invalid> {
        if self.title.trim().is_empty() || self.title.chars().count() > MAX_TITLE_CHARS {
            return Err(invalid("title", format!("1 to {MAX_TITLE_CHARS} characters")));
        }
        if self.title.chars().any(char::is_control) {
            return Err(invalid("title", "must not hold control characters"));
        }
        if self.keywords.is_empty() || self.keywords.len() > MAX_KEYWORDS {
            return Err(invalid("keywords", format!("1 to {MAX_KEYWORDS} keywords")));
        }
        for keyword in &self.keywords {
            if keyword.chars().count() > MAX_KEYWORD_CHARS || normalize(keyword).is_empty() {
                return Err(invalid(
                    "keywords",
                    format!("each 1 to {MAX_KEYWORD_CHARS} characters with a letter or digit"),
                ));
            }
        }
        match (self.kind, &self.account_id) {
            (ScenarioKind::Client, None) => {
                return Err(invalid("account_id", "a client scenario names its WhatsApp account"));
            }
            (ScenarioKind::Generic, Some(_)) => {
                return Err(invalid("account_id", "only a client scenario names an account"));
            }
            _ => {}
        }
        if self.repeat_count.is_some_and(|n| n == 0 || n > MAX_REPEAT_COUNT) {
            return Err(invalid(
                "repeat_count",
                format!("1 to {MAX_REPEAT_COUNT}, or null for no limit"),
            ));
        }
        self.check_items(templates)?;
        if serde_json::to_vec(self).map_or(usize::MAX, |b| b.len()) > MAX_SCENARIO_BYTES {
            return Err(invalid("items", format!("at most {MAX_SCENARIO_BYTES} bytes in all")));
        }
        Ok(())
    }

    fn check_items(&self, templates: &HashMap<String, ScenarioTemplate>) -> Result<(), Invalid> {
        if self.items.is_empty() || self.items.len() > MAX_ITEMS {
            return Err(invalid("items", format!("1 to {MAX_ITEMS} items")));
        }
        let mut ids = HashSet::new();
        for (i, item) in self.items.iter().enumerate() {
            let at = format!("items[{i}]");
            if item.id.is_empty()
                || item.id.len() > MAX_ITEM_ID_CHARS
                || !item
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(invalid(
                    format!("{at}.id"),
                    format!("1 to {MAX_ITEM_ID_CHARS} of a-z A-Z 0-9 _ -"),
                ));
            }
            if !ids.insert(item.id.as_str()) {
                return Err(invalid(format!("{at}.id"), format!("{:?} is used twice", item.id)));
            }
        }
        if self.item(&self.start_item_id).is_none() {
            return Err(invalid("start_item_id", "names no item"));
        }
        for (i, item) in self.items.iter().enumerate() {
            let at = format!("items[{i}]");
            if let Some(missing) = item.children.iter().find(|c| self.item(c).is_none()) {
                return Err(invalid(format!("{at}.children"), format!("{missing:?} is no item")));
            }
            if item.children.iter().collect::<HashSet<_>>().len() != item.children.len() {
                return Err(invalid(format!("{at}.children"), "a child is named twice"));
            }
            if item.kind == ItemKind::Image && item.url.is_none() {
                return Err(invalid(
                    format!("{at}.url"),
                    "an image item needs the image's https link",
                ));
            }
            if item.kind == ItemKind::Products {
                match item.template_id.as_deref() {
                    Some(id) if templates.contains_key(id) => {}
                    _ => return Err(invalid(format!("{at}.template_id"), "names no scenario template")),
                }
            }
            if matches!(item.kind, ItemKind::Buttons | ItemKind::List) && item.children.is_empty() {
                return Err(invalid(
                    format!("{at}.children"),
                    "buttons and lists need a child per choice",
                ));
            }
            let content = self
                .content_of(item, templates)
                .ok_or_else(|| invalid(&at, "sends nothing"))?;
            validate(&content).map_err(|e| {
                let part = e.field.strip_prefix("content.").unwrap_or(e.field);
                let field = match part {
                    "body" | "text" | "caption" => "label",
                    "link" => "url",
                    "buttons" | "sections" => "children",
                    other => other,
                };
                invalid(format!("{at}.{field}"), e.reason)
            })?;
        }
        self.check_graph()
    }

    /// No cycle, and every item reachable from the start.
    fn check_graph(&self) -> Result<(), Invalid> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Open,
            Done,
        }
        let mut marks: HashMap<&str, Mark> = HashMap::new();
        // Iterative depth-first search: (item, next child index).
        for start in self.items.iter().map(|i| i.id.as_str()) {
            if marks.contains_key(start) {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            marks.insert(start, Mark::Open);
            while let Some((id, next)) = stack.pop() {
                let item = self.item(id).expect("children checked");
                match item.children.get(next) {
                    Some(child) => {
                        stack.push((id, next + 1));
                        match marks.get(child.as_str()) {
                            Some(Mark::Open) => {
                                return Err(invalid("items", format!("a cycle runs through {child:?}")));
                            }
                            Some(Mark::Done) => {}
                            None => {
                                marks.insert(child, Mark::Open);
                                stack.push((child, 0));
                            }
                        }
                    }
                    None => {
                        marks.insert(id, Mark::Done);
                    }
                }
            }
        }
        let mut reached = HashSet::new();
        let mut next = vec![self.start_item_id.as_str()];
        while let Some(id) = next.pop() {
            if reached.insert(id) {
                next.extend(
                    self.item(id)
                        .into_iter()
                        .flat_map(|i| i.children.iter().map(String::as_str)),
                );
            }
        }
        if let Some(lost) = self.items.iter().find(|i| !reached.contains(i.id.as_str())) {
            return Err(invalid(
                "items",
                format!("{:?} cannot be reached from the start item", lost.id),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
pub(crate) mod tests;
