//! The agents' desk around conversations: divisions (teams), notes, transfers, quick replies and
//! uploaded media, plus the validation of what agents type into them.

pub mod allocation;
pub mod allocator;
pub mod conversation_desk;
pub mod directory;
pub mod division_store;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod quick_reply_store;

use crate::desk::allocation::AllocationMethod;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    pub org_id: String,
    pub division_id: String,
    pub name: String,
    pub description: Option<String>,
    pub allocation_method: AllocationMethod,
    pub is_active: bool,
    #[serde(default)]
    pub agent_count: i64,
    /// Round-robin turns taken so far (atomic `ADD`).
    #[serde(default)]
    pub turns: u64,
    /// Resolved conversations of this division get a satisfaction survey.
    #[serde(default)]
    pub csat_enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivisionMember {
    pub org_id: String,
    pub division_id: String,
    pub agent_id: String,
    pub added_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub org_id: String,
    pub conversation_id: String,
    pub note_id: String,
    pub agent_id: String,
    /// The author's name when the note was written (kept, so renames do not rewrite history).
    pub agent_name: String,
    pub content: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub org_id: String,
    pub conversation_id: String,
    pub transfer_id: String,
    pub transferred_by: String,
    pub transferred_by_name: String,
    pub from_agent_id: Option<String>,
    pub from_agent_name: Option<String>,
    pub to_agent_id: Option<String>,
    pub to_agent_name: Option<String>,
    pub to_division_id: Option<String>,
    pub to_division_name: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub org_id: String,
    pub quick_reply_id: String,
    pub title: String,
    pub content: String,
    pub shortcut: Option<String>,
    pub category: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A file an agent uploaded to send; the bytes are in S3 under `s3_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedMedia {
    pub org_id: String,
    pub media_id: String,
    pub mime_type: String,
    pub file_size: u64,
    pub filename: Option<String>,
    pub sha256: String,
    pub s3_key: String,
    pub uploaded_by: String,
    pub created_at: String,
}

/// Media ids of our uploads start with this; anything else is taken as a Meta media id.
pub const UPLOADED_MEDIA_PREFIX: &str = "med_";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

pub fn field_error(field: &'static str, reason: impl Into<String>) -> FieldError {
    FieldError {
        field,
        reason: reason.into(),
    }
}

/// A required, trimmed, non-empty text of at most `max` characters.
pub fn required_text(field: &'static str, value: Option<&str>, max: usize) -> Result<String, FieldError> {
    let text = value.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(field_error(field, "is required"));
    }
    optional_text(field, Some(text), max).map(|t| t.unwrap_or_default())
}

pub fn optional_text(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) if text.chars().count() > max => Err(field_error(field, format!("at most {max} characters"))),
        Some(text) if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            Err(field_error(field, "must not contain control characters"))
        }
        Some(text) => Ok(Some(text.to_string())),
    }
}

/// Tags are lowercase ASCII words (letters, digits, `-`, `_`, `:`), at most 20 per contact.
pub const MAX_TAGS: usize = 20;

/// Longest phone number as written (digits with `+`, spaces, `-`, `(`, `)` and `.`).
pub const MAX_PHONE_CHARS: usize = 32;
/// Longest tag and shortcut as sent, spaces around included.
pub const MAX_TAG_CHARS: usize = 64;
pub const MAX_SHORTCUT_CHARS: usize = 64;

pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, FieldError> {
    // Counted as sent, so the limit is the one the API document states.
    if tags.len() > MAX_TAGS {
        return Err(field_error("tags", format!("at most {MAX_TAGS} tags")));
    }
    let mut normalized: Vec<String> = Vec::new();
    for tag in tags {
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(field_error(
                "tags",
                format!("a tag is at most {MAX_TAG_CHARS} characters"),
            ));
        }
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.len() > 40
            || !tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
        {
            return Err(field_error(
                "tags",
                format!("{tag:?} is not a tag (1-40 letters, digits, -, _ or :)"),
            ));
        }
        if !normalized.contains(&tag) {
            normalized.push(tag);
        }
    }
    Ok(normalized)
}

/// A phone number as WhatsApp ids write it: digits only, country code first.
pub fn normalize_phone(field: &'static str, text: &str) -> Result<String, FieldError> {
    if text.chars().count() > MAX_PHONE_CHARS {
        return Err(field_error(field, format!("at most {MAX_PHONE_CHARS} characters")));
    }
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
        .collect();
    if !(6..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_error(field, "must be a phone number in international format"));
    }
    Ok(digits)
}

/// The form of a name that name search compares: lowercase, single spaces.
pub fn search_form(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

pub fn validate_email(email: &str) -> Result<String, FieldError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'))
        && !email.chars().any(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(field_error("email", "must be an e-mail address"))
    }
}

/// A quick-reply shortcut: `/` then 1-32 lowercase letters, digits, `-` or `_`.
pub fn validate_shortcut(shortcut: &str) -> Result<String, FieldError> {
    if shortcut.chars().count() > MAX_SHORTCUT_CHARS {
        return Err(field_error(
            "shortcut",
            format!("at most {MAX_SHORTCUT_CHARS} characters"),
        ));
    }
    let body = shortcut.trim().trim_start_matches('/');
    if body.is_empty()
        || body.len() > 32
        || !body
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(field_error(
            "shortcut",
            "must be / followed by 1-32 of a-z, 0-9, - or _",
        ));
    }
    Ok(format!("/{body}"))
}

/// Largest upload the API takes in one request: Lambda's 6 MB synchronous payload limit leaves
/// about this much once API Gateway base64-encodes the body.
pub const MAX_UPLOAD_BYTES: usize = 4_500_000;

/// Every MIME type [`upload_limit`] takes (the API's document lists them as the upload's content).
pub const UPLOAD_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "video/mp4",
    "video/3gpp",
    "text/plain",
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
];

/// The MIME types WhatsApp accepts for sending, with Meta's size limit for each kind.
pub fn upload_limit(mime_type: &str) -> Option<usize> {
    const MB: usize = 1024 * 1024;
    match mime_type {
        "image/jpeg" | "image/png" => Some(5 * MB),
        "image/webp" => Some(500 * 1024),
        "audio/aac" | "audio/amr" | "audio/mpeg" | "audio/mp4" | "audio/ogg" => Some(16 * MB),
        "video/mp4" | "video/3gpp" => Some(16 * MB),
        "text/plain"
        | "application/pdf"
        | "application/msword"
        | "application/vnd.ms-excel"
        | "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => Some(100 * MB),
        _ => None,
    }
}

/// How a stored file is served to the agents' browsers: its type, only when it is one WhatsApp
/// carries for its kind (anything else, `text/html` or `image/svg+xml` say, as opaque bytes), and
/// documents always as a download (`Content-Disposition: attachment`), never rendered inline.
pub fn served_as(kind: crate::meta::MediaKind, mime_type: Option<&str>) -> (&'static str, bool) {
    use crate::meta::MediaKind;
    let bare = mime_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let allowed = UPLOAD_TYPES.iter().copied().find(|t| {
        t.eq_ignore_ascii_case(bare)
            && match kind {
                MediaKind::Image | MediaKind::Sticker => t.starts_with("image/"),
                MediaKind::Audio => t.starts_with("audio/"),
                MediaKind::Video => t.starts_with("video/"),
                MediaKind::Document => true,
            }
    });
    match (kind, allowed) {
        (MediaKind::Document, Some(kind_type)) => (kind_type, true),
        (_, Some(kind_type)) => (kind_type, false),
        (_, None) => ("application/octet-stream", true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_download_and_only_whatsapps_types_render() {
        use crate::meta::MediaKind;
        assert_eq!(served_as(MediaKind::Image, Some("image/jpeg")), ("image/jpeg", false));
        assert_eq!(served_as(MediaKind::Sticker, Some("image/webp")), ("image/webp", false));
        assert_eq!(
            served_as(MediaKind::Document, Some("application/pdf")),
            ("application/pdf", true)
        );
        assert_eq!(
            served_as(MediaKind::Document, Some("text/html")),
            ("application/octet-stream", true)
        );
        assert_eq!(
            served_as(MediaKind::Image, Some("image/svg+xml")),
            ("application/octet-stream", true)
        );
        assert_eq!(
            served_as(MediaKind::Image, Some("application/pdf")),
            ("application/octet-stream", true),
            "a type of another kind"
        );
        assert_eq!(
            served_as(MediaKind::Audio, Some("audio/ogg; codecs=opus")),
            ("audio/ogg", false)
        );
        assert_eq!(served_as(MediaKind::Video, None), ("application/octet-stream", true));
    }

    #[test]
    fn texts_are_trimmed_bounded_and_required_when_asked() {
        assert_eq!(required_text("title", Some("  hi "), 5).unwrap(), "hi");
        assert_eq!(required_text("title", Some("   "), 5).unwrap_err().field, "title");
        assert!(required_text("title", Some("toolong"), 5).is_err());
        assert!(optional_text("note", Some("a\u{0}b"), 50).is_err());
        assert_eq!(
            optional_text("note", Some("line\nline"), 50).unwrap().as_deref(),
            Some("line\nline")
        );
        assert_eq!(optional_text("note", None, 50).unwrap(), None);
    }

    #[test]
    fn every_listed_upload_type_has_a_limit() {
        for mime_type in UPLOAD_TYPES {
            assert!(upload_limit(mime_type).is_some(), "{mime_type}");
        }
        assert_eq!(upload_limit("application/zip"), None);
    }

    #[test]
    fn tags_are_lowercased_deduplicated_and_checked() {
        assert_eq!(
            normalize_tags(&["VIP".into(), "vip".into(), "lead:hot".into()]).unwrap(),
            ["vip", "lead:hot"]
        );
        assert!(normalize_tags(&["has space".into()]).is_err());
        assert!(normalize_tags(&["".into()]).is_err());
        assert!(normalize_tags(&(0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn phones_emails_shortcuts_and_names() {
        assert_eq!(
            normalize_phone("phone_number", "+1 (650) 555-1234").unwrap(),
            "16505551234"
        );
        assert!(normalize_phone("phone_number", "12ab45678").is_err());
        assert!(normalize_phone("phone_number", "123").is_err());
        assert_eq!(validate_email(" Ada@Example.com ").unwrap(), "ada@example.com");
        assert!(validate_email("ada@example").is_err());
        assert!(validate_email("a b@example.com").is_err());
        assert_eq!(validate_shortcut("greet").unwrap(), "/greet");
        assert!(validate_shortcut("/Greet me").is_err());
        assert_eq!(search_form("  Sheena   NELSON "), "sheena nelson");
    }
}
