//! The content of an inbound message, per Meta message type.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::interactive::{ListRow, ListSection, ProductSection, ReplyButton};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    Document,
    Sticker,
}

impl MediaKind {
    pub fn from_type(message_type: &str) -> Option<Self> {
        Some(match message_type {
            "image" => Self::Image,
            "audio" => Self::Audio,
            "video" => Self::Video,
            "document" => Self::Document,
            "sticker" => Self::Sticker,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Document => "document",
            Self::Sticker => "sticker",
        }
    }

    /// Meta's size limit for the kind (stickers: the animated limit; static ones are smaller).
    pub fn max_bytes(self) -> u64 {
        const MB: u64 = 1024 * 1024;
        match self {
            Self::Image => 5 * MB,
            Self::Audio | Self::Video => 16 * MB,
            Self::Document => 100 * MB,
            Self::Sticker => 500 * 1024,
        }
    }
}

/// What a customer sent. Serialised into the message item's `content` attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    Text {
        body: String,
    },
    Media {
        media_kind: MediaKind,
        media_id: String,
        mime_type: Option<String>,
        sha256: Option<String>,
        caption: Option<String>,
        filename: Option<String>,
        /// Audio recorded as a voice note.
        voice: Option<bool>,
        animated: Option<bool>,
    },
    Location {
        latitude: f64,
        longitude: f64,
        name: Option<String>,
        address: Option<String>,
        url: Option<String>,
    },
    /// Shared contact cards, kept as Meta sent them.
    Contacts {
        contacts: Value,
    },
    Interactive {
        /// button_reply | list_reply | nfm_reply
        interactive_type: String,
        id: Option<String>,
        title: Option<String>,
        description: Option<String>,
        /// Flow (nfm_reply) answers: Meta's `response_json` string, parsed when it is JSON.
        response: Option<Value>,
    },
    /// A template quick-reply button.
    Button {
        payload: Option<String>,
        text: Option<String>,
    },
    Reaction {
        message_id: String,
        /// Absent when the customer removed the reaction.
        emoji: Option<String>,
    },
    Order {
        catalog_id: Option<String>,
        text: Option<String>,
        product_items: Value,
    },
    System {
        system_type: Option<String>,
        body: Option<String>,
        /// For `user_changed_number`: the customer's new WhatsApp id.
        new_wa_id: Option<String>,
    },
    /// An interactive list (outbound only): the text, the button that opens the list, and its
    /// rows: in `sections`, or (a satisfaction survey's, and lists stored before sections) in
    /// `rows`, one untitled section.
    List {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        body: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        button: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        rows: Vec<ListRow>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        sections: Vec<ListSection>,
    },
    /// Up to three reply buttons under a text (outbound only).
    Buttons {
        header: Option<String>,
        body: String,
        footer: Option<String>,
        buttons: Vec<ReplyButton>,
    },
    /// One product of the business's catalog (outbound only).
    Product {
        body: Option<String>,
        footer: Option<String>,
        catalog_id: String,
        product_retailer_id: String,
    },
    /// Up to 30 products of the catalog in titled sections (outbound only).
    ProductList {
        header: String,
        body: String,
        footer: Option<String>,
        catalog_id: String,
        sections: Vec<ProductSection>,
    },
    /// The whole catalog behind a button, its image taken from one product (outbound only).
    Catalog {
        body: String,
        footer: Option<String>,
        thumbnail_product_retailer_id: Option<String>,
    },
    /// A file Meta fetches from a public HTTPS link (outbound only; uploads are `Media`).
    MediaLink {
        media_kind: MediaKind,
        link: String,
        caption: Option<String>,
        filename: Option<String>,
    },
    /// An approved template (outbound only): name, language and Meta's components with parameters.
    Template {
        name: String,
        language: String,
        components: Value,
    },
    /// The customer edited an earlier message (`original_message_id`, a wamid): its new content.
    Edit {
        original_message_id: String,
        message: Box<Content>,
    },
    /// The customer deleted an earlier message for everyone.
    Revoke {
        original_message_id: String,
    },
    /// A type Switchboard does not model (or Meta's own `unsupported`): the raw message is kept.
    Unsupported {
        original_type: String,
        reason: String,
        raw: Value,
    },
}

fn text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(str::to_string)
}

fn number(value: &Value, field: &str) -> Option<f64> {
    match value.get(field)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl Content {
    /// Builds the content of a message of `message_type` from the whole message object.
    pub fn from_message(message_type: &str, message: &Value) -> Content {
        let unsupported = |reason: &str| Content::Unsupported {
            original_type: message_type.to_string(),
            reason: reason.to_string(),
            raw: message.clone(),
        };
        let body = message.get(message_type).unwrap_or(&Value::Null);
        match message_type {
            "text" => match text(body, "body") {
                Some(body) => Content::Text { body },
                None => unsupported("text without body"),
            },
            kind if MediaKind::from_type(kind).is_some() => match text(body, "id") {
                Some(media_id) => Content::Media {
                    media_kind: MediaKind::from_type(kind).expect("checked above"),
                    media_id,
                    mime_type: text(body, "mime_type"),
                    sha256: text(body, "sha256"),
                    caption: text(body, "caption"),
                    filename: text(body, "filename"),
                    voice: body.get("voice").and_then(Value::as_bool),
                    animated: body.get("animated").and_then(Value::as_bool),
                },
                None => unsupported("media without id"),
            },
            "location" => match (number(body, "latitude"), number(body, "longitude")) {
                (Some(latitude), Some(longitude)) => Content::Location {
                    latitude,
                    longitude,
                    name: text(body, "name"),
                    address: text(body, "address"),
                    url: text(body, "url"),
                },
                _ => unsupported("location without coordinates"),
            },
            "contacts" => match message.get("contacts") {
                Some(contacts @ Value::Array(_)) => Content::Contacts {
                    contacts: contacts.clone(),
                },
                _ => unsupported("contacts without an array"),
            },
            "interactive" => {
                let interactive_type = text(body, "type").unwrap_or_default();
                let reply = body.get(&interactive_type).unwrap_or(&Value::Null);
                match interactive_type.as_str() {
                    "button_reply" | "list_reply" | "nfm_reply" => Content::Interactive {
                        id: text(reply, "id"),
                        title: text(reply, "title").or_else(|| text(reply, "name")),
                        description: text(reply, "description").or_else(|| text(reply, "body")),
                        response: reply.get("response_json").map(|r| match r {
                            Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| r.clone()),
                            other => other.clone(),
                        }),
                        interactive_type,
                    },
                    _ => unsupported("unknown interactive type"),
                }
            }
            "button" => Content::Button {
                payload: text(body, "payload"),
                text: text(body, "text"),
            },
            "reaction" => match text(body, "message_id") {
                Some(message_id) => Content::Reaction {
                    message_id,
                    emoji: text(body, "emoji").filter(|e| !e.is_empty()),
                },
                None => unsupported("reaction without message_id"),
            },
            "order" => Content::Order {
                catalog_id: text(body, "catalog_id"),
                text: text(body, "text"),
                product_items: body.get("product_items").cloned().unwrap_or(Value::Array(vec![])),
            },
            "system" => Content::System {
                system_type: text(body, "type"),
                body: text(body, "body"),
                new_wa_id: text(body, "wa_id").or_else(|| text(body, "new_wa_id")),
            },
            "edit" => {
                let new = body.get("message").unwrap_or(&Value::Null);
                match (
                    text(body, "original_message_id"),
                    new.get("type").and_then(Value::as_str),
                ) {
                    (Some(original_message_id), Some(new_type)) if !matches!(new_type, "edit" | "revoke") => {
                        Content::Edit {
                            original_message_id,
                            message: Box::new(Content::from_message(new_type, new)),
                        }
                    }
                    _ => unsupported("edit without original_message_id or new message"),
                }
            }
            "revoke" => match text(body, "original_message_id") {
                Some(original_message_id) => Content::Revoke { original_message_id },
                None => unsupported("revoke without original_message_id"),
            },
            "unsupported" => unsupported("Meta reported the message as unsupported"),
            _ => unsupported("message type not modelled"),
        }
    }

    /// What the customer wrote or chose, for rules and the bot to read: a text, a caption, the
    /// title of a reply button or list row, a template button's text.
    pub fn words(&self) -> Option<&str> {
        match self {
            Content::Text { body } => Some(body),
            Content::Media { caption, .. } => caption.as_deref(),
            Content::Interactive { title, .. } => title.as_deref(),
            Content::Button { text, payload } => text.as_deref().or(payload.as_deref()),
            _ => None,
        }
    }

    /// The id of the reply button or list row the customer chose (or a template button's payload).
    pub fn reply_id(&self) -> Option<&str> {
        match self {
            Content::Interactive { id, .. } => id.as_deref(),
            Content::Button { payload, .. } => payload.as_deref(),
            _ => None,
        }
    }

    /// A short, single-line text for conversation lists.
    pub fn preview(&self) -> String {
        let preview = match self {
            Content::Text { body } => body.clone(),
            Content::Media {
                media_kind,
                caption,
                filename,
                ..
            } => {
                let label = format!("[{}]", media_kind.as_str());
                match caption.as_ref().or(filename.as_ref()) {
                    Some(extra) => format!("{label} {extra}"),
                    None => label,
                }
            }
            Content::Location { name, .. } => format!(
                "[location]{}",
                name.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
            ),
            Content::Contacts { .. } => "[contacts]".into(),
            Content::Interactive { title, .. } => title.clone().unwrap_or_else(|| "[interactive]".into()),
            Content::Button { text, payload } => text
                .clone()
                .or_else(|| payload.clone())
                .unwrap_or_else(|| "[button]".into()),
            Content::Reaction { emoji, .. } => emoji
                .clone()
                .map(|e| format!("reacted {e}"))
                .unwrap_or_else(|| "removed a reaction".into()),
            Content::Order { .. } => "[order]".into(),
            Content::System { body, .. } => body.clone().unwrap_or_else(|| "[system]".into()),
            Content::Template { name, .. } => format!("[template: {name}]"),
            Content::List { body, .. } | Content::Buttons { body, .. } | Content::Catalog { body, .. } => body.clone(),
            Content::ProductList { header, .. } => format!("[products] {header}"),
            Content::Product {
                product_retailer_id, ..
            } => format!("[product] {product_retailer_id}"),
            Content::MediaLink {
                media_kind, caption, ..
            } => format!("[{}] {}", media_kind.as_str(), caption.as_deref().unwrap_or_default()),
            Content::Edit { message, .. } => message.preview(),
            Content::Revoke { .. } => "[deleted]".into(),
            Content::Unsupported { original_type, .. } => format!("[unsupported: {original_type}]"),
        };
        let single_line: String = preview.split_whitespace().collect::<Vec<_>>().join(" ");
        single_line.chars().take(120).collect()
    }

    /// Meta's message type of an outbound content.
    pub fn message_type(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Media { media_kind, .. } | Content::MediaLink { media_kind, .. } => media_kind.as_str(),
            Content::Location { .. } => "location",
            Content::Template { .. } => "template",
            Content::List { .. }
            | Content::Buttons { .. }
            | Content::Product { .. }
            | Content::ProductList { .. }
            | Content::Catalog { .. }
            | Content::Interactive { .. } => "interactive",
            Content::Contacts { .. } => "contacts",
            Content::Button { .. } => "button",
            Content::Reaction { .. } => "reaction",
            Content::Order { .. } => "order",
            Content::System { .. } => "system",
            Content::Edit { .. } => "edit",
            Content::Revoke { .. } => "revoke",
            Content::Unsupported { .. } => "unsupported",
        }
    }

    pub fn media(&self) -> Option<(MediaKind, &str)> {
        match self {
            Content::Media {
                media_kind, media_id, ..
            } => Some((*media_kind, media_id)),
            _ => None,
        }
    }
}
