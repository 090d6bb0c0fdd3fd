//! WhatsApp message templates, free of I/O: what a template definition must hold before it goes to
//! Meta ([`definition`]), and which parameters a send of an approved template must carry
//! ([`parameters`]), so a missing or extra one is refused here, never by Meta's 132000.

pub mod definition;
pub mod parameters;

pub use definition::{Definition, validate_definition};
pub use parameters::{ParameterSpec, check_send, render};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const CATEGORIES: &[&str] = &["MARKETING", "UTILITY", "AUTHENTICATION"];

/// Review states Meta reports (`message_template_status_update`), plus `PENDING` before its first.
pub const APPROVED: &str = "APPROVED";

/// A template as stored: one per (WABA, name, language), whichever way it arrived (created here,
/// pulled by a sync, or first seen in a status webhook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub template_id: String,
    pub org_id: String,
    pub waba_id: String,
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub category: String,
    pub status: String,
    /// Meta's reason for a rejection, pause or disabling (`NONE` otherwise).
    #[serde(default)]
    pub status_reason: Option<String>,
    /// Meta's components array (HEADER, BODY, FOOTER, BUTTONS), as created or synced; stored as
    /// JSON text, as it is Meta's document, not ours to index.
    #[serde(default, with = "json_text")]
    pub components: serde_json::Value,
    #[serde(default)]
    pub parameter_format: Option<String>,
    #[serde(default)]
    pub meta_template_id: Option<String>,
    /// The account it was created through, when it was created here.
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
}

impl Template {
    pub fn is_approved(&self) -> bool {
        self.status == APPROVED
    }

    pub fn is_marketing(&self) -> bool {
        self.category.eq_ignore_ascii_case("MARKETING")
    }
}

/// A JSON value kept as its text (older items may hold it structured).
mod json_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => serde_json::from_str(&text).map_err(serde::de::Error::custom),
            other => Ok(other),
        }
    }
}

/// The id of the template (WABA, name, language): derived, so a create, a sync and a status webhook
/// of the same template meet on one item without a lookup.
pub fn template_id(waba_id: &str, name: &str, language: &str) -> String {
    let digest = Sha256::digest(format!("{waba_id}\0{name}\0{language}").as_bytes());
    format!("tpl_{}", &hex::encode(digest)[..26])
}

/// A language code Meta accepts: `en`, `en_US`, `pt_BR`, `zh_HK`, `ha`, `fil`...
pub fn is_language_code(code: &str) -> bool {
    let (base, region) = code.split_once('_').unwrap_or((code, ""));
    (2..=3).contains(&base.len())
        && base.bytes().all(|b| b.is_ascii_lowercase())
        && (region.is_empty() || ((2..=4).contains(&region.len()) && region.bytes().all(|b| b.is_ascii_alphanumeric())))
        && !code.ends_with('_')
}

/// A template name Meta accepts: lowercase letters, digits and `_`, 1 to 512.
pub fn is_template_name(name: &str) -> bool {
    (1..=512).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_well_formed_and_distinct_per_language() {
        let id = template_id("1029", "order_update", "en_US");
        assert_eq!(id, template_id("1029", "order_update", "en_US"));
        assert_ne!(id, template_id("1029", "order_update", "de"));
        assert_ne!(id, template_id("1030", "order_update", "en_US"));
        assert!(crate::platform::ids::is_well_formed(&id) && id.len() == 30);
    }

    #[test]
    fn names_and_languages() {
        assert!(is_template_name("order_update_2"));
        for bad in ["", "Order", "order-update", "order update", &"a".repeat(513)] {
            assert!(!is_template_name(bad), "{bad:?}");
        }
        for good in ["en", "en_US", "pt_BR", "fil", "zh_HK"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in ["", "EN", "english", "en_", "en-US", "e"] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }
}
