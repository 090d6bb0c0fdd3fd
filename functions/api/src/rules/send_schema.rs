//! What `shared::inbox::send_content` reads and `shared::inbox::outbound::validate` accepts, as one
//! JSON Schema for a send's body (a message now or scheduled): each `type` with its `content`.

use super::NOT_BLANK;
use serde_json::{Value, json};
use shared::inbox::outbound::{
    MAX_CAPTION_CHARS, MAX_COMPONENTS, MAX_COMPONENTS_BYTES, MAX_FILENAME_CHARS, MAX_MEDIA_ID_CHARS,
    MAX_PARAMETER_CHARS, MAX_REPLY_TO_CHARS, MAX_TEXT_CHARS,
};
use shared::inbox::outbound_rich::*;
use shared::inbox::send_content::SEND_TYPES;

/// An id Meta echoes back: no control characters, no whitespace at either end.
pub(super) const ECHOED_ID: &str = concat!(
    "^[^",
    ws!(),
    r"\u0000-\u001F\u007F-\u009F]([^\u0000-\u001F\u007F-\u009F]*[^",
    ws!(),
    r"\u0000-\u001F\u007F-\u009F])?$"
);

fn optional(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

/// A required text of at most `max` characters, not blank, no control characters but \t and \n.
fn text(max: usize) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": NOT_BLANK})
}

fn echoed_id(max: usize) -> Value {
    json!({"type": "string", "maxLength": max, "pattern": ECHOED_ID})
}

/// One `type` and the content it takes.
fn branch(types: Value, required: &[&str], properties: Value) -> Value {
    json!({"properties": {"type": types, "content": {"type": "object", "required": required, "properties": properties}}})
}

fn media_branches() -> Vec<Value> {
    let not_blank = concat!("[^", ws!(), "]");
    let media_id = json!({"type": "string", "maxLength": MAX_MEDIA_ID_CHARS, "pattern": not_blank});
    let link = json!({"type": "string", "maxLength": MAX_LINK_CHARS, "pattern": "^https://[!-.0-~][!-~]*$"});
    let filename = optional(json!({"type": "string", "maxLength": MAX_FILENAME_CHARS}));
    let caption = optional(json!({"type": "string", "maxLength": MAX_CAPTION_CHARS}));
    let mut branches = vec![];
    for (types, caption) in [
        (json!({"enum": ["image", "document", "video"]}), caption),
        (json!({"const": "audio"}), json!({"type": "null"})),
    ] {
        branches.push(branch(
            types.clone(),
            &["media_id"],
            json!({"media_id": media_id, "link": {"type": "null"}, "caption": caption, "filename": filename}),
        ));
        branches.push(branch(
            types,
            &["link"],
            json!({"link": link, "media_id": {"type": "null"}, "caption": caption, "filename": filename}),
        ));
    }
    branches
}

fn interactive_branches() -> Vec<Value> {
    let header = optional(text(MAX_HEADER_CHARS));
    let footer = optional(text(MAX_FOOTER_CHARS));
    let body = text(MAX_INTERACTIVE_BODY_CHARS);
    let catalog_id = echoed_id(MAX_CATALOG_ID_CHARS);
    let retailer_id = echoed_id(MAX_RETAILER_ID_CHARS);
    let button = json!({"type": "object", "required": ["id", "title"], "properties": {
        "id": echoed_id(MAX_BUTTON_ID_CHARS), "title": text(MAX_BUTTON_TITLE_CHARS)}});
    let row = json!({"type": "object", "required": ["id", "title"], "properties": {
        "id": echoed_id(MAX_ROW_ID_CHARS), "title": text(MAX_ROW_TITLE_CHARS),
        "description": optional(text(MAX_ROW_DESCRIPTION_CHARS))}});
    let list_section = json!({"type": "object", "required": ["rows"], "properties": {
        "title": optional(text(MAX_SECTION_TITLE_CHARS)),
        "rows": {"type": "array", "minItems": 1, "maxItems": MAX_LIST_ROWS, "items": row}}});
    let product_section = json!({"type": "object", "required": ["title", "product_retailer_ids"], "properties": {
        "title": text(MAX_SECTION_TITLE_CHARS),
        "product_retailer_ids": {"type": "array", "minItems": 1, "maxItems": MAX_PRODUCTS, "items": retailer_id}}});
    vec![
        branch(
            json!({"const": "buttons"}),
            &["body", "buttons"],
            json!({"header": header, "body": body, "footer": footer,
                "buttons": {"type": "array", "minItems": 1, "maxItems": MAX_BUTTONS, "items": button,
                    "description": "ids and titles differ between buttons"}}),
        ),
        branch(
            json!({"const": "list"}),
            &["body", "button", "sections"],
            json!({"header": header, "body": text(MAX_LIST_BODY_CHARS), "footer": footer,
                "button": text(MAX_LIST_BUTTON_CHARS),
                "sections": {"type": "array", "minItems": 1, "maxItems": MAX_SECTIONS, "items": list_section,
                    "description": format!("at most {MAX_LIST_ROWS} rows in all, their ids distinct; every section titled when there are several")}}),
        ),
        branch(
            json!({"const": "product"}),
            &["catalog_id", "product_retailer_id"],
            json!({"body": optional(body.clone()), "footer": footer, "catalog_id": catalog_id,
                "product_retailer_id": retailer_id}),
        ),
        branch(
            json!({"const": "product_list"}),
            &["header", "body", "catalog_id", "sections"],
            json!({"header": text(MAX_HEADER_CHARS), "body": body, "footer": footer, "catalog_id": catalog_id,
                "sections": {"type": "array", "minItems": 1, "maxItems": MAX_SECTIONS, "items": product_section,
                    "description": format!("at most {MAX_PRODUCTS} products in all")}}),
        ),
        branch(
            json!({"const": "catalog"}),
            &["body"],
            json!({"body": body, "footer": footer, "thumbnail_product_retailer_id": optional(retailer_id)}),
        ),
        branch(
            json!({"const": "location"}),
            &["latitude", "longitude"],
            json!({"latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                "name": optional(text(MAX_LOCATION_NAME_CHARS)),
                "address": optional(text(MAX_LOCATION_ADDRESS_CHARS))}),
        ),
    ]
}

pub(super) fn send_message_schema() -> Value {
    let not_blank = concat!("[^", ws!(), "]");
    let text_parameter = json!({
        "if": {"type": "object", "required": ["type"], "properties": {"type": {"const": "text"}}},
        "then": {"required": ["text"], "properties": {"text": {"type": "string", "minLength": 1, "maxLength": MAX_PARAMETER_CHARS}}},
    });
    let component = json!({
        "if": {"type": "object", "required": ["parameters"], "properties": {"parameters": {"type": "array"}}},
        "then": {"properties": {"parameters": {"items": text_parameter}}},
    });
    let mut branches = vec![
        branch(
            json!({"const": "text"}),
            &["text"],
            json!({"text": {"type": "string", "maxLength": MAX_TEXT_CHARS, "pattern": not_blank}}),
        ),
        branch(
            json!({"const": "template"}),
            &["name"],
            json!({"name": {"type": "string", "pattern": "^[a-z0-9_]{1,512}$"},
                "language": optional(json!({"type": "string", "minLength": 1, "maxLength": 15})),
                "components": optional(json!({"type": "array", "items": component, "maxItems": MAX_COMPONENTS,
                    "description": format!("at most {MAX_COMPONENTS_BYTES} bytes of JSON")}))}),
        ),
    ];
    branches.extend(media_branches());
    branches.extend(interactive_branches());
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["type", "content"],
        "properties": {
            "type": {"type": "string", "enum": SEND_TYPES},
            "content": {"type": "object", "description": "text: {text}; image, document, video: {media_id | link, caption?, filename?}; audio: {media_id | link}; template: {name, language?, components?}; buttons: {header?, body, footer?, buttons: [{id, title}]}; list: {header?, body, footer?, button, sections: [{title?, rows: [{id, title, description?}]}]}; product: {body?, footer?, catalog_id, product_retailer_id}; product_list: {header, body, footer?, catalog_id, sections: [{title, product_retailer_ids}]}; catalog: {body, footer?, thumbnail_product_retailer_id?}; location: {latitude, longitude, name?, address?}"},
            "reply_to": optional(json!({"type": "string", "maxLength": MAX_REPLY_TO_CHARS, "pattern": "^[!-~]+$"})),
        },
        "oneOf": branches,
    })
}
