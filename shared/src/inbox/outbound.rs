//! Outbound messages, free of I/O: validation, Meta's request shapes, and what a Graph error means
//! for the send (retry later, or fail the message for good).

use crate::meta::GraphError;
use crate::meta::{Content, MediaKind, MetaError};
use crate::platform::table::Key;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const MAX_TEXT_CHARS: usize = 4_096;
pub const MAX_CAPTION_CHARS: usize = 1_024;
/// Our upload ids and Meta's media ids are far shorter; anything longer is not an id.
pub const MAX_MEDIA_ID_CHARS: usize = 128;
pub const MAX_FILENAME_CHARS: usize = 255;
/// A template's parameters as JSON: Meta's body takes at most 1,024 characters of text, and a
/// message with a header, body and buttons stays far under this.
pub const MAX_COMPONENTS_BYTES: usize = 16 * 1024;
/// A template parameter's text (Meta: at most 1,024 characters).
pub const MAX_PARAMETER_CHARS: usize = 1_024;
/// Components of a template send (header, body, up to 10 buttons, with room to spare).
pub const MAX_COMPONENTS: usize = 20;
/// A wamid replied to (Meta's ids, base64 inside, run to about 100).
pub const MAX_REPLY_TO_CHARS: usize = 256;

/// The outbound queue's message: one stored outbound message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundJob {
    pub org_id: String,
    pub account_id: String,
    pub message_pk: String,
    pub message_sk: String,
    /// The customer's WhatsApp id (phone-based) to send to.
    pub to: String,
    /// wamid of the message this one replies to.
    pub reply_to: Option<String>,
}

impl OutboundJob {
    pub fn message_key(&self) -> Key {
        Key {
            pk: self.message_pk.clone(),
            sk: self.message_sk.clone(),
        }
    }

    /// The queue message that sends it.
    pub fn body(&self) -> String {
        crate::inbox::sender_job::SenderJob::Message(self.clone()).body()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidContent {
    pub field: &'static str,
    pub reason: String,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> InvalidContent {
    InvalidContent {
        field,
        reason: reason.into(),
    }
}

/// A medium's caption and file name, by upload or by link: Meta's limits.
pub(crate) fn media_extras_ok(
    media_kind: MediaKind,
    caption: &Option<String>,
    filename: &Option<String>,
) -> Result<(), InvalidContent> {
    if filename
        .as_ref()
        .is_some_and(|f| f.chars().count() > MAX_FILENAME_CHARS)
    {
        return Err(invalid(
            "content.filename",
            format!("at most {MAX_FILENAME_CHARS} characters"),
        ));
    }
    if let Some(caption) = caption {
        if matches!(media_kind, MediaKind::Audio | MediaKind::Sticker) {
            return Err(invalid("content.caption", "audio and stickers take no caption"));
        }
        if caption.chars().count() > MAX_CAPTION_CHARS {
            return Err(invalid(
                "content.caption",
                format!("at most {MAX_CAPTION_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

/// Checks content an agent wants to send against Meta's limits.
pub fn validate(content: &Content) -> Result<(), InvalidContent> {
    match content {
        Content::Text { body } => {
            if body.trim().is_empty() {
                return Err(invalid("content.text", "must not be empty"));
            }
            if body.chars().count() > MAX_TEXT_CHARS {
                return Err(invalid("content.text", format!("at most {MAX_TEXT_CHARS} characters")));
            }
        }
        Content::Media {
            media_kind,
            media_id,
            caption,
            filename,
            ..
        } => {
            if media_id.trim().is_empty() || media_id.chars().count() > MAX_MEDIA_ID_CHARS {
                return Err(invalid(
                    "content.media_id",
                    format!("must name an uploaded media file (at most {MAX_MEDIA_ID_CHARS} characters)"),
                ));
            }
            media_extras_ok(*media_kind, caption, filename)?;
        }
        Content::Template {
            name,
            language,
            components,
        } => {
            if name.is_empty()
                || name.len() > 512
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(invalid(
                    "content.name",
                    "lowercase letters, digits and underscores, at most 512",
                ));
            }
            if language.is_empty() || language.chars().count() > 15 {
                return Err(invalid("content.language", "a language code such as en_US"));
            }
            if serde_json::to_vec(components).map_or(usize::MAX, |bytes| bytes.len()) > MAX_COMPONENTS_BYTES {
                return Err(invalid(
                    "content.components",
                    format!("at most {MAX_COMPONENTS_BYTES} bytes of JSON"),
                ));
            }
            if components.as_array().is_some_and(|c| c.len() > MAX_COMPONENTS) {
                return Err(invalid(
                    "content.components",
                    format!("at most {MAX_COMPONENTS} components"),
                ));
            }
            if !components.is_array() && !components.is_null() {
                return Err(invalid(
                    "content.components",
                    "must be an array of Meta template components",
                ));
            }
            for component in components.as_array().into_iter().flatten() {
                for parameter in component
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if parameter.get("type").and_then(Value::as_str) == Some("text")
                        && parameter
                            .get("text")
                            .and_then(Value::as_str)
                            .is_none_or(|t| t.is_empty() || t.chars().count() > MAX_PARAMETER_CHARS)
                    {
                        return Err(invalid(
                            "content.components",
                            format!("text parameters need a text of 1 to {MAX_PARAMETER_CHARS} characters"),
                        ));
                    }
                }
            }
        }
        rich => {
            return crate::inbox::outbound_rich::validate(rich).unwrap_or_else(|| {
                Err(invalid(
                    "type",
                    "only text, media, template, buttons, list, product, product_list, catalog and location can be sent",
                ))
            });
        }
    }
    Ok(())
}

/// Whether free-form content needs the customer-service window (templates do not).
pub fn needs_open_window(content: &Content) -> bool {
    !matches!(content, Content::Template { .. })
}

/// Meta's request body for `POST /{phone-number-id}/messages`. `media_link` replaces the media id
/// when the file is sent by (presigned) link. `callback_data` comes back on statuses.
pub fn graph_request(
    to: &str,
    content: &Content,
    reply_to: Option<&str>,
    media_link: Option<&str>,
    callback_data: &str,
) -> Value {
    let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "biz_opaque_callback_data": callback_data});
    match content {
        Content::Text { body: text } => {
            body["type"] = json!("text");
            body["text"] = json!({"body": text, "preview_url": text.contains("https://") || text.contains("http://")});
        }
        Content::Media {
            media_kind,
            media_id,
            caption,
            filename,
            ..
        } => {
            let kind = media_kind.as_str();
            let mut media = match media_link {
                Some(link) => json!({"link": link}),
                None => json!({"id": media_id}),
            };
            if let Some(caption) = caption {
                media["caption"] = json!(caption);
            }
            if let (MediaKind::Document, Some(filename)) = (media_kind, filename) {
                media["filename"] = json!(filename);
            }
            body["type"] = json!(kind);
            body[kind] = media;
        }
        Content::Template {
            name,
            language,
            components,
        } => {
            body["type"] = json!("template");
            let mut template = json!({"name": name, "language": {"code": language}});
            if components.as_array().is_some_and(|c| !c.is_empty()) {
                template["components"] = components.clone();
            }
            body["template"] = template;
        }
        rich => {
            if let Some((kind, part)) = crate::inbox::outbound_rich::graph_part(rich) {
                body["type"] = json!(kind);
                body[kind] = part;
            }
        }
    }
    if let Some(wamid) = reply_to {
        body["context"] = json!({"message_id": wamid});
    }
    body
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailure {
    /// Retry after a delay (seconds).
    RetryAfter(u32),
    /// Do not retry: mark the message failed.
    Permanent,
}

/// What follows a send that Meta did not accept (or whose answer was lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterError {
    /// The request may have reached Meta: never resend it; wait for a status webhook.
    Unknown,
    /// Meta did not take it: give the claim back and retry after this many seconds.
    Retry(u32),
    /// The token was refused: the cached account may hold a replaced one; read it again and retry.
    RetryWithFreshAccount,
    /// Refused for good.
    Fail(MetaError),
}

/// What a failed send leads to. `attempt` counts the message's claims from 1.
pub fn after_error(err: &GraphError, attempt: u32) -> AfterError {
    match err {
        GraphError::NoAnswer(_) | GraphError::Unexpected(_) => AfterError::Unknown,
        // A 5xx without Meta's error JSON (a 502 page or an empty 504 from an edge in front of
        // Meta) says nothing about whether Meta took the message: never resend it.
        GraphError::Http { status, code: None, .. } if *status >= 500 => AfterError::Unknown,
        GraphError::Unreachable(_) => AfterError::Retry(2u32.saturating_pow(attempt.min(8)).min(300)),
        // The cached account may hold a replaced token: the caller reads it again, and retries
        // only when it changed (`attempt` u32::MAX: the fresh token was refused too).
        GraphError::Http { code: Some(190), .. } if attempt != u32::MAX => AfterError::RetryWithFreshAccount,
        GraphError::Http { status, code, message } => match classify(Some(*status), *code, attempt) {
            SendFailure::RetryAfter(delay) => AfterError::Retry(delay),
            SendFailure::Permanent => AfterError::Fail(MetaError {
                code: code.unwrap_or_default(),
                title: Some(message.clone()),
                message: None,
                details: None,
            }),
        },
        GraphError::TooLarge { .. } => AfterError::Fail(MetaError {
            code: 0,
            title: Some(err.to_string()),
            message: None,
            details: None,
        }),
    }
}

/// What a Graph error means for a send. `attempt` counts from 1.
pub fn classify(http_status: Option<u16>, graph_code: Option<i64>, attempt: u32) -> SendFailure {
    let backoff = |base: u32| (base.saturating_mul(1 << attempt.saturating_sub(1).min(8))).min(900);
    match graph_code {
        // Pair rate limit: Meta suggests waiting 4^X seconds.
        Some(131056) => SendFailure::RetryAfter(4u32.saturating_pow(attempt.min(5)).min(900)),
        Some(130429 | 131057 | 131000 | 131016 | 1 | 2 | 4 | 80007) => SendFailure::RetryAfter(backoff(2)),
        Some(_) if http_status.is_some_and(|s| s < 500) => SendFailure::Permanent,
        _ if http_status.is_none_or(|s| s >= 500 || s == 429) => SendFailure::RetryAfter(backoff(2)),
        _ => SendFailure::Permanent,
    }
}

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
