//! The richer outbound kinds (reply buttons, lists, products, the catalog, media by link and
//! locations): Meta's limits checked before sending, so a refusal is a 422 naming the field and
//! never Meta's error after the message was accepted, and Meta's `interactive` request shapes.

use crate::inbox::outbound::InvalidContent;
use crate::meta::{Content, ListRow, MediaKind};
use serde_json::{Value, json};
use std::collections::HashSet;

/// Meta's limits on interactive messages (Cloud API reference, "Interactive object").
pub const MAX_INTERACTIVE_BODY_CHARS: usize = 1_024;
pub const MAX_LIST_BODY_CHARS: usize = 4_096;
pub const MAX_HEADER_CHARS: usize = 60;
pub const MAX_FOOTER_CHARS: usize = 60;
pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE_CHARS: usize = 20;
pub const MAX_BUTTON_ID_CHARS: usize = 256;
pub const MAX_LIST_BUTTON_CHARS: usize = 20;
pub const MAX_SECTIONS: usize = 10;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_ID_CHARS: usize = 200;
pub const MAX_ROW_TITLE_CHARS: usize = 24;
pub const MAX_ROW_DESCRIPTION_CHARS: usize = 72;
pub const MAX_SECTION_TITLE_CHARS: usize = 24;
pub const MAX_PRODUCTS: usize = 30;
/// Catalog ids are numbers; retailer ids are the business's own SKUs (Meta: at most 100).
pub const MAX_CATALOG_ID_CHARS: usize = 64;
pub const MAX_RETAILER_ID_CHARS: usize = 100;
pub const MAX_LINK_CHARS: usize = 2_048;
pub const MAX_LOCATION_NAME_CHARS: usize = 256;
pub const MAX_LOCATION_ADDRESS_CHARS: usize = 1_024;

fn invalid(field: &'static str, reason: impl Into<String>) -> InvalidContent {
    InvalidContent {
        field,
        reason: reason.into(),
    }
}

/// A required text: not blank, at most `max` characters, no control characters but line breaks.
fn text(field: &'static str, value: &str, max: usize) -> Result<(), InvalidContent> {
    if value.trim().is_empty() {
        return Err(invalid(field, "must not be blank"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(invalid(field, "must not hold control characters"));
    }
    Ok(())
}

fn optional(field: &'static str, value: &Option<String>, max: usize) -> Result<(), InvalidContent> {
    value.as_deref().map_or(Ok(()), |v| text(field, v, max))
}

/// An id Meta echoes back: 1 to `max` visible characters without spaces at the ends.
fn id(field: &'static str, value: &str, max: usize, what: &str) -> Result<(), InvalidContent> {
    if value.is_empty() || value.chars().count() > max || value.trim() != value || value.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("{what}: 1 to {max} characters, no spaces at the ends"),
        ));
    }
    Ok(())
}

/// Whether an item list repeats a value (Meta refuses repeated ids and button titles).
fn repeats<'a>(values: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = HashSet::new();
    values.into_iter().any(|v| !seen.insert(v))
}

/// Checks a rich content against Meta's limits; `None` for the kinds this module does not own.
pub fn validate(content: &Content) -> Option<Result<(), InvalidContent>> {
    Some(match content {
        Content::Buttons {
            header,
            body,
            footer,
            buttons,
        } => buttons_ok(header, body, footer, buttons),
        Content::List {
            header,
            body,
            footer,
            button,
            rows,
            sections,
        } => list_ok(header, body, footer, button, rows, sections),
        Content::Product {
            body,
            footer,
            catalog_id,
            product_retailer_id,
        } => optional("content.body", body, MAX_INTERACTIVE_BODY_CHARS)
            .and_then(|()| optional("content.footer", footer, MAX_FOOTER_CHARS))
            .and_then(|()| id("content.catalog_id", catalog_id, MAX_CATALOG_ID_CHARS, "a catalog id"))
            .and_then(|()| {
                id(
                    "content.product_retailer_id",
                    product_retailer_id,
                    MAX_RETAILER_ID_CHARS,
                    "a product's retailer id",
                )
            }),
        Content::ProductList {
            header,
            body,
            footer,
            catalog_id,
            sections,
        } => product_list_ok(header, body, footer, catalog_id, sections),
        Content::Catalog {
            body,
            footer,
            thumbnail_product_retailer_id,
        } => text("content.body", body, MAX_INTERACTIVE_BODY_CHARS)
            .and_then(|()| optional("content.footer", footer, MAX_FOOTER_CHARS))
            .and_then(|()| match thumbnail_product_retailer_id {
                Some(thumbnail) => id(
                    "content.thumbnail_product_retailer_id",
                    thumbnail,
                    MAX_RETAILER_ID_CHARS,
                    "a product's retailer id",
                ),
                None => Ok(()),
            }),
        Content::MediaLink {
            media_kind,
            link,
            caption,
            filename,
        } => link_ok(*media_kind, link, caption, filename),
        Content::Location {
            latitude,
            longitude,
            name,
            address,
            ..
        } => location_ok(*latitude, *longitude, name, address),
        _ => return None,
    })
}

fn buttons_ok(
    header: &Option<String>,
    body: &str,
    footer: &Option<String>,
    buttons: &[crate::meta::ReplyButton],
) -> Result<(), InvalidContent> {
    optional("content.header", header, MAX_HEADER_CHARS)?;
    text("content.body", body, MAX_INTERACTIVE_BODY_CHARS)?;
    optional("content.footer", footer, MAX_FOOTER_CHARS)?;
    if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
        return Err(invalid("content.buttons", format!("1 to {MAX_BUTTONS} buttons")));
    }
    for button in buttons {
        id("content.buttons", &button.id, MAX_BUTTON_ID_CHARS, "each button's id")?;
        text("content.buttons", &button.title, MAX_BUTTON_TITLE_CHARS)
            .map_err(|e| invalid("content.buttons", format!("each button's title {}", e.reason)))?;
    }
    if repeats(buttons.iter().map(|b| b.id.as_str())) || repeats(buttons.iter().map(|b| b.title.as_str())) {
        return Err(invalid("content.buttons", "ids and titles must differ between buttons"));
    }
    Ok(())
}

fn list_ok(
    header: &Option<String>,
    body: &str,
    footer: &Option<String>,
    button: &str,
    rows: &[ListRow],
    sections: &[crate::meta::ListSection],
) -> Result<(), InvalidContent> {
    optional("content.header", header, MAX_HEADER_CHARS)?;
    text("content.body", body, MAX_LIST_BODY_CHARS)?;
    optional("content.footer", footer, MAX_FOOTER_CHARS)?;
    text("content.button", button, MAX_LIST_BUTTON_CHARS)?;
    if sections.len() > MAX_SECTIONS {
        return Err(invalid("content.sections", format!("at most {MAX_SECTIONS} sections")));
    }
    for section in sections {
        if section.rows.is_empty() {
            return Err(invalid("content.sections", "each section needs at least one row"));
        }
        match &section.title {
            Some(title) => text("content.sections", title, MAX_SECTION_TITLE_CHARS)
                .map_err(|e| invalid("content.sections", format!("each section's title {}", e.reason)))?,
            None if sections.len() > 1 => {
                return Err(invalid(
                    "content.sections",
                    "each section needs a title when there are several",
                ));
            }
            None => {}
        }
    }
    let all: Vec<&ListRow> = rows.iter().chain(sections.iter().flat_map(|s| &s.rows)).collect();
    if all.is_empty() || all.len() > MAX_LIST_ROWS {
        return Err(invalid("content.sections", format!("1 to {MAX_LIST_ROWS} rows in all")));
    }
    for row in &all {
        id("content.sections", &row.id, MAX_ROW_ID_CHARS, "each row's id")?;
        text("content.sections", &row.title, MAX_ROW_TITLE_CHARS)
            .map_err(|e| invalid("content.sections", format!("each row's title {}", e.reason)))?;
        optional("content.sections", &row.description, MAX_ROW_DESCRIPTION_CHARS)
            .map_err(|e| invalid("content.sections", format!("each row's description {}", e.reason)))?;
    }
    if repeats(all.iter().map(|r| r.id.as_str())) {
        return Err(invalid("content.sections", "row ids must differ"));
    }
    Ok(())
}

fn product_list_ok(
    header: &str,
    body: &str,
    footer: &Option<String>,
    catalog_id: &str,
    sections: &[crate::meta::ProductSection],
) -> Result<(), InvalidContent> {
    text("content.header", header, MAX_HEADER_CHARS)?;
    text("content.body", body, MAX_INTERACTIVE_BODY_CHARS)?;
    optional("content.footer", footer, MAX_FOOTER_CHARS)?;
    id("content.catalog_id", catalog_id, MAX_CATALOG_ID_CHARS, "a catalog id")?;
    if sections.is_empty() || sections.len() > MAX_SECTIONS {
        return Err(invalid("content.sections", format!("1 to {MAX_SECTIONS} sections")));
    }
    let mut products = 0;
    for section in sections {
        text("content.sections", &section.title, MAX_SECTION_TITLE_CHARS)
            .map_err(|e| invalid("content.sections", format!("each section's title {}", e.reason)))?;
        if section.product_retailer_ids.is_empty() {
            return Err(invalid("content.sections", "each section needs at least one product"));
        }
        for product in &section.product_retailer_ids {
            id(
                "content.sections",
                product,
                MAX_RETAILER_ID_CHARS,
                "each product's retailer id",
            )?;
        }
        products += section.product_retailer_ids.len();
    }
    if products > MAX_PRODUCTS {
        return Err(invalid(
            "content.sections",
            format!("at most {MAX_PRODUCTS} products in all"),
        ));
    }
    Ok(())
}

fn link_ok(
    media_kind: MediaKind,
    link: &str,
    caption: &Option<String>,
    filename: &Option<String>,
) -> Result<(), InvalidContent> {
    let host = link.strip_prefix("https://").unwrap_or_default();
    if link.chars().count() > MAX_LINK_CHARS
        || host.is_empty()
        || host.starts_with('/')
        || !link.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(invalid(
            "content.link",
            format!("an https:// link Meta can fetch, at most {MAX_LINK_CHARS} characters without spaces"),
        ));
    }
    crate::inbox::outbound::media_extras_ok(media_kind, caption, filename)
}

fn location_ok(
    latitude: f64,
    longitude: f64,
    name: &Option<String>,
    address: &Option<String>,
) -> Result<(), InvalidContent> {
    if !(-90.0..=90.0).contains(&latitude) {
        return Err(invalid("content.latitude", "a number from -90 to 90"));
    }
    if !(-180.0..=180.0).contains(&longitude) {
        return Err(invalid("content.longitude", "a number from -180 to 180"));
    }
    optional("content.name", name, MAX_LOCATION_NAME_CHARS)?;
    optional("content.address", address, MAX_LOCATION_ADDRESS_CHARS)
}

/// Adds the optional header (text) and footer of an interactive object.
fn framed(mut interactive: Value, header: Option<&str>, footer: Option<&str>) -> Value {
    if let Some(header) = header {
        interactive["header"] = json!({"type": "text", "text": header});
    }
    if let Some(footer) = footer {
        interactive["footer"] = json!({"text": footer});
    }
    interactive
}

/// Meta's `type` and the object under it for a rich content; `None` for the other kinds.
pub fn graph_part(content: &Content) -> Option<(&'static str, Value)> {
    let row = |r: &ListRow| match &r.description {
        Some(d) => json!({"id": r.id, "title": r.title, "description": d}),
        None => json!({"id": r.id, "title": r.title}),
    };
    Some(match content {
        Content::Buttons {
            header,
            body,
            footer,
            buttons,
        } => {
            let buttons: Vec<Value> = buttons
                .iter()
                .map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": b.title}}))
                .collect();
            let interactive = json!({"type": "button", "body": {"text": body}, "action": {"buttons": buttons}});
            ("interactive", framed(interactive, header.as_deref(), footer.as_deref()))
        }
        Content::List {
            header,
            body,
            footer,
            button,
            rows,
            sections,
        } => {
            let mut parts: Vec<Value> = sections
                .iter()
                .map(|s| {
                    let rows: Vec<Value> = s.rows.iter().map(row).collect();
                    match &s.title {
                        Some(title) => json!({"title": title, "rows": rows}),
                        None => json!({"rows": rows}),
                    }
                })
                .collect();
            if !rows.is_empty() {
                parts.push(json!({"title": button, "rows": rows.iter().map(row).collect::<Vec<_>>()}));
            }
            let interactive =
                json!({"type": "list", "body": {"text": body}, "action": {"button": button, "sections": parts}});
            ("interactive", framed(interactive, header.as_deref(), footer.as_deref()))
        }
        Content::Product {
            body,
            footer,
            catalog_id,
            product_retailer_id,
        } => {
            let mut interactive = json!({"type": "product", "action": {"catalog_id": catalog_id, "product_retailer_id": product_retailer_id}});
            if let Some(body) = body {
                interactive["body"] = json!({"text": body});
            }
            ("interactive", framed(interactive, None, footer.as_deref()))
        }
        Content::ProductList {
            header,
            body,
            footer,
            catalog_id,
            sections,
        } => {
            let sections: Vec<Value> = sections
                .iter()
                .map(|s| {
                    let items: Vec<Value> = s
                        .product_retailer_ids
                        .iter()
                        .map(|id| json!({"product_retailer_id": id}))
                        .collect();
                    json!({"title": s.title, "product_items": items})
                })
                .collect();
            let interactive = json!({"type": "product_list", "body": {"text": body},
                "action": {"catalog_id": catalog_id, "sections": sections}});
            ("interactive", framed(interactive, Some(header), footer.as_deref()))
        }
        Content::Catalog {
            body,
            footer,
            thumbnail_product_retailer_id,
        } => {
            let mut action = json!({"name": "catalog_message"});
            if let Some(thumbnail) = thumbnail_product_retailer_id {
                action["parameters"] = json!({"thumbnail_product_retailer_id": thumbnail});
            }
            let interactive = json!({"type": "catalog_message", "body": {"text": body}, "action": action});
            ("interactive", framed(interactive, None, footer.as_deref()))
        }
        Content::MediaLink {
            media_kind,
            link,
            caption,
            filename,
        } => {
            let mut media = json!({"link": link});
            if let Some(caption) = caption {
                media["caption"] = json!(caption);
            }
            if let (MediaKind::Document, Some(filename)) = (media_kind, filename) {
                media["filename"] = json!(filename);
            }
            (media_kind.as_str(), media)
        }
        Content::Location {
            latitude,
            longitude,
            name,
            address,
            ..
        } => {
            let mut location = json!({"latitude": latitude, "longitude": longitude});
            if let Some(name) = name {
                location["name"] = json!(name);
            }
            if let Some(address) = address {
                location["address"] = json!(address);
            }
            ("location", location)
        }
        _ => return None,
    })
}

#[cfg(test)]
#[path = "outbound_rich_tests.rs"]
mod tests;
