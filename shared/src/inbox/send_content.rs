//! A send's `type` and `content` as the API, automation rules and the keyword bot take them, read
//! into [`Content`] and checked against Meta's limits: one reading for every sender.

use crate::inbox::outbound::{InvalidContent, validate};
use crate::meta::{Content, ListRow, ListSection, MediaKind, ProductSection, ReplyButton};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The types a send may name.
pub const SEND_TYPES: [&str; 12] = [
    "text",
    "image",
    "document",
    "audio",
    "video",
    "template",
    "buttons",
    "list",
    "product",
    "product_list",
    "catalog",
    "location",
];

fn invalid(field: &'static str, reason: impl Into<String>) -> InvalidContent {
    InvalidContent {
        field,
        reason: reason.into(),
    }
}

#[derive(Deserialize)]
struct ButtonsPart {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    buttons: Vec<ReplyButton>,
}

#[derive(Deserialize)]
struct ListPart {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    button: String,
    sections: Vec<ListSectionPart>,
}

#[derive(Deserialize)]
struct ListSectionPart {
    title: Option<String>,
    rows: Vec<ListRow>,
}

#[derive(Deserialize)]
struct ProductPart {
    body: Option<String>,
    footer: Option<String>,
    catalog_id: String,
    product_retailer_id: String,
}

#[derive(Deserialize)]
struct ProductListPart {
    header: String,
    body: String,
    footer: Option<String>,
    catalog_id: String,
    sections: Vec<ProductSection>,
}

#[derive(Deserialize)]
struct CatalogPart {
    body: String,
    footer: Option<String>,
    thumbnail_product_retailer_id: Option<String>,
}

#[derive(Deserialize)]
struct LocationPart {
    latitude: f64,
    longitude: f64,
    name: Option<String>,
    address: Option<String>,
}

/// Reads a structured content; serde's message names the field (`missing field `body``).
fn part<T: DeserializeOwned>(content: &Value) -> Result<T, InvalidContent> {
    T::deserialize(content).map_err(|e| invalid("content", e.to_string()))
}

/// The content of a send of `kind`, read and checked: a 422's field and reason when it is not one.
pub fn content_of(kind: &str, content: &Value) -> Result<Content, InvalidContent> {
    let content = read(kind, content)?;
    validate(&content)?;
    Ok(content)
}

/// The content of a send of `kind`, read but not yet checked against Meta's limits.
pub fn read(kind: &str, content: &Value) -> Result<Content, InvalidContent> {
    if !content.is_object() {
        return Err(invalid("content", "must be an object"));
    }
    let text = |field: &str| content.get(field).and_then(Value::as_str).map(str::to_string);
    // Optional fields may be absent or null; anything else but a string is refused.
    for (field, name) in [
        ("text", "content.text"),
        ("media_id", "content.media_id"),
        ("link", "content.link"),
        ("caption", "content.caption"),
        ("filename", "content.filename"),
        ("name", "content.name"),
        ("language", "content.language"),
    ] {
        if content.get(field).is_some_and(|v| !v.is_string() && !v.is_null()) {
            return Err(invalid(name, "must be a string"));
        }
    }
    Ok(match kind {
        "text" => Content::Text {
            body: text("text").ok_or_else(|| invalid("content.text", "is required"))?,
        },
        "image" | "document" | "audio" | "video" => {
            let media_kind = MediaKind::from_type(kind).expect("matched above");
            match (text("media_id"), text("link")) {
                (Some(media_id), None) => Content::Media {
                    media_kind,
                    media_id,
                    mime_type: None,
                    sha256: None,
                    caption: text("caption"),
                    filename: text("filename"),
                    voice: None,
                    animated: None,
                },
                (None, Some(link)) => Content::MediaLink {
                    media_kind,
                    link,
                    caption: text("caption"),
                    filename: text("filename"),
                },
                _ => {
                    return Err(invalid(
                        "content.media_id",
                        "give either media_id (an upload) or link (https), not both",
                    ));
                }
            }
        }
        "template" => Content::Template {
            name: text("name").ok_or_else(|| invalid("content.name", "is required"))?,
            language: text("language").unwrap_or_else(|| "en_US".into()),
            components: content.get("components").cloned().unwrap_or(Value::Array(vec![])),
        },
        "buttons" => {
            let p: ButtonsPart = part(content)?;
            Content::Buttons {
                header: p.header,
                body: p.body,
                footer: p.footer,
                buttons: p.buttons,
            }
        }
        "list" => {
            let p: ListPart = part(content)?;
            Content::List {
                header: p.header,
                body: p.body,
                footer: p.footer,
                button: p.button,
                rows: vec![],
                sections: p
                    .sections
                    .into_iter()
                    .map(|s| ListSection {
                        title: s.title,
                        rows: s.rows,
                    })
                    .collect(),
            }
        }
        "product" => {
            let p: ProductPart = part(content)?;
            Content::Product {
                body: p.body,
                footer: p.footer,
                catalog_id: p.catalog_id,
                product_retailer_id: p.product_retailer_id,
            }
        }
        "product_list" => {
            let p: ProductListPart = part(content)?;
            Content::ProductList {
                header: p.header,
                body: p.body,
                footer: p.footer,
                catalog_id: p.catalog_id,
                sections: p.sections,
            }
        }
        "catalog" => {
            let p: CatalogPart = part(content)?;
            Content::Catalog {
                body: p.body,
                footer: p.footer,
                thumbnail_product_retailer_id: p.thumbnail_product_retailer_id,
            }
        }
        "location" => {
            let p: LocationPart = part(content)?;
            Content::Location {
                latitude: p.latitude,
                longitude: p.longitude,
                name: p.name,
                address: p.address,
                url: None,
            }
        }
        other => {
            let mut shown: String = other.chars().take(40).collect();
            shown.retain(|c| !c.is_control());
            return Err(invalid(
                "type",
                format!("{shown:?} is not one of {}", SEND_TYPES.join(", ")),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_type_reads_its_content() {
        let cases = [
            ("text", json!({"text": "hi"}), "text"),
            ("image", json!({"media_id": "upl_1"}), "image"),
            ("image", json!({"link": "https://x.example/a.png"}), "image"),
            ("template", json!({"name": "hello"}), "template"),
            (
                "buttons",
                json!({"body": "b", "buttons": [{"id": "y", "title": "Yes"}]}),
                "interactive",
            ),
            (
                "list",
                json!({"body": "b", "button": "Menu", "sections": [{"rows": [{"id": "r", "title": "R"}]}]}),
                "interactive",
            ),
            (
                "product",
                json!({"catalog_id": "1", "product_retailer_id": "s"}),
                "interactive",
            ),
            (
                "product_list",
                json!({"header": "h", "body": "b", "catalog_id": "1", "sections": [{"title": "t", "product_retailer_ids": ["s"]}]}),
                "interactive",
            ),
            ("catalog", json!({"body": "b"}), "interactive"),
            ("location", json!({"latitude": 1.5, "longitude": 2}), "location"),
        ];
        for (kind, content, message_type) in cases {
            let read = content_of(kind, &content).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(read.message_type(), message_type, "{kind}");
        }
    }

    #[test]
    fn bad_content_names_its_field() {
        let cases = [
            ("text", json!([]), "content"),
            ("text", json!({}), "content.text"),
            (
                "image",
                json!({"media_id": "upl_1", "link": "https://x"}),
                "content.media_id",
            ),
            ("image", json!({"caption": 3, "media_id": "m"}), "content.caption"),
            ("buttons", json!({"body": "b"}), "content"),
            (
                "buttons",
                json!({"body": "b", "buttons": [{"id": 1, "title": "t"}]}),
                "content",
            ),
            ("location", json!({"latitude": "north", "longitude": 2}), "content"),
            ("hologram", json!({}), "type"),
        ];
        for (kind, content, field) in cases {
            assert_eq!(content_of(kind, &content).unwrap_err().field, field, "{kind} {content}");
        }
        let missing = content_of("buttons", &json!({"body": "b"})).unwrap_err();
        assert!(missing.reason.contains("buttons"), "{}", missing.reason);
    }
}
