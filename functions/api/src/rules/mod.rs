//! What each request field accepts, said once: the handler checks a field with its rule, and the
//! OpenAPI document states the same rule as JSON Schema ([`BODY_RULES`], [`document`]), so what the document calls
//! valid is exactly what the handler accepts (schemathesis checks both ways).

use crate::request::unprocessable;
use serde_json::{Value, json};
use shared::platform::http_error::HttpError;

/// What `char::is_whitespace` (and `str::trim`) count as whitespace, spelled out: a regex's `\s`
/// differs from it on a few control characters.
macro_rules! ws {
    () => {
        r"\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// No control characters but tab and newline (what `char::is_control` finds, less those two).
const NO_CONTROLS: &str = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$";
/// The same, with at least one character that is not whitespace.
const NOT_BLANK: &str = concat!(
    r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^",
    ws!(),
    r"\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
);
const ID: &str = r"^[a-z0-9_-]{1,64}$";
const PHONE: &str = r"^[+ ().-]*([0-9][+ ().-]*){6,15}$";
const EMAIL: &str = concat!(
    "^[",
    ws!(),
    "]*[^@",
    ws!(),
    "]+@[^.",
    ws!(),
    "][^",
    ws!(),
    r"]*\.[^",
    ws!(),
    "]*[",
    ws!(),
    "]*$"
);
const BLANK: &str = concat!("^[", ws!(), "]*$");
/// `shared::desk::validate_shortcut`: trimmed, any leading slashes, then 1-32 of a-z 0-9 - _.
const SHORTCUT: &str = concat!("^[", ws!(), "]*/*[a-z0-9_-]{1,32}[", ws!(), "]*$");
const TAG: &str = concat!("^[", ws!(), "]*[A-Za-z0-9_:-]{1,40}[", ws!(), "]*$");

mod ai_schema;
mod bot_schema;
mod document;
mod fields;
mod send_schema;
pub use document::apply;
pub use fields::*;

#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// Free text of at most `max` characters, not blank unless `blank_clears` (then blank removes
    /// the stored value).
    Text {
        max: usize,
        required: bool,
        blank_clears: bool,
    },
    /// One of `values`.
    OneOf {
        values: &'static [&'static str],
        required: bool,
    },
    /// One of our ids; an unknown one answers 404 where it is looked up.
    Id {
        required: bool,
    },
    Email {
        required: bool,
    },
    Phone {
        required: bool,
    },
    /// `min`..=`max` ASCII digits, after any leading `+` when `plus`.
    Digits {
        min: usize,
        max: usize,
        plus: bool,
        required: bool,
    },
    /// A credential: `min`..=`max` characters, any of them; not all whitespace when `not_blank`.
    Secret {
        min: usize,
        max: usize,
        not_blank: bool,
        required: bool,
    },
    /// One of our ids, or empty (which removes the reference).
    IdOrEmpty,
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

impl Rule {
    fn required(&self) -> bool {
        match *self {
            Rule::Text { required, .. }
            | Rule::OneOf { required, .. }
            | Rule::Id { required }
            | Rule::Email { required }
            | Rule::Phone { required }
            | Rule::Digits { required, .. }
            | Rule::Secret { required, .. } => required,
            Rule::IdOrEmpty => false,
        }
    }

    /// The JSON Schema of the field (nullable when optional: null means "not given").
    pub fn schema(&self) -> Value {
        let mut schema = match *self {
            Rule::Text { max, blank_clears, .. } => json!({
                "type": "string",
                "maxLength": max,
                "pattern": if blank_clears { NO_CONTROLS } else { NOT_BLANK },
            }),
            Rule::OneOf { values, .. } => json!({"type": "string", "enum": values}),
            Rule::Id { .. } => json!({"type": "string", "pattern": ID}),
            Rule::Email { required: true } => json!({"type": "string", "maxLength": 254, "pattern": EMAIL}),
            // Blank clears an optional address.
            Rule::Email { required: false } => {
                json!({"type": "string", "maxLength": 254, "anyOf": [{"pattern": EMAIL}, {"pattern": BLANK}]})
            }
            Rule::Phone { .. } => {
                json!({"type": "string", "maxLength": shared::desk::MAX_PHONE_CHARS, "pattern": PHONE})
            }
            Rule::Digits { min, max, plus, .. } => json!({
                "type": "string",
                "maxLength": max + usize::from(plus),
                "pattern": format!("^{}[0-9]{{{min},{max}}}$", if plus { r"\+?" } else { "" }),
            }),
            Rule::Secret {
                min, max, not_blank, ..
            } => {
                let mut schema = json!({"type": "string", "minLength": min, "maxLength": max});
                if not_blank {
                    schema["pattern"] = json!(concat!("[^", ws!(), "]"));
                }
                schema
            }
            Rule::IdOrEmpty => json!({"type": "string", "anyOf": [{"pattern": ID}, {"maxLength": 0}]}),
        };
        if !self.required() {
            let inner = schema.take();
            schema = json!({"anyOf": [inner, {"type": "null"}]});
        }
        schema
    }

    /// Checks `value` against the rule; answers it trimmed (`None`: not given, or blank optional text).
    pub fn check(&self, field: &str, value: Option<&str>) -> Result<Option<String>, HttpError> {
        let Some(value) = value else {
            return if self.required() {
                Err(unprocessable(field, "is required"))
            } else {
                Ok(None)
            };
        };
        match *self {
            Rule::Text { max, blank_clears, .. } => {
                if value.chars().count() > max {
                    return Err(unprocessable(field, format!("at most {max} characters")));
                }
                if value.chars().any(is_control) {
                    return Err(unprocessable(field, "must not contain control characters"));
                }
                let trimmed = value.trim();
                match (trimmed.is_empty(), blank_clears) {
                    (true, false) => Err(unprocessable(field, "must not be blank")),
                    (true, true) => Ok(None),
                    (false, _) => Ok(Some(trimmed.to_string())),
                }
            }
            Rule::OneOf { values, .. } => values
                .contains(&value)
                .then(|| Some(value.to_string()))
                .ok_or_else(|| unprocessable(field, format!("must be one of {}", values.join(", ")))),
            Rule::Id { .. } => shared::platform::ids::is_well_formed(value)
                .then(|| Some(value.to_string()))
                .ok_or_else(|| unprocessable(field, "is not an id")),
            Rule::Email { required } => {
                if !required && value.chars().count() <= 254 && value.trim().is_empty() {
                    return Ok(None);
                }
                let ok = value.chars().count() <= 254 && {
                    let trimmed = value.trim();
                    !trimmed.chars().any(char::is_whitespace)
                        && trimmed.split_once('@').is_some_and(|(local, domain)| {
                            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
                        })
                };
                ok.then(|| Some(value.trim().to_lowercase()))
                    .ok_or_else(|| unprocessable(field, "must be an e-mail address"))
            }
            Rule::Digits { min, max, plus, .. } => {
                let digits = if plus {
                    value.strip_prefix('+').unwrap_or(value)
                } else {
                    value
                };
                let ok = (min..=max).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
                ok.then(|| Some(value.to_string()))
                    .ok_or_else(|| unprocessable(field, format!("must be {min} to {max} digits")))
            }
            Rule::Secret {
                min, max, not_blank, ..
            } => {
                let count = value.chars().count();
                if !(min..=max).contains(&count) || (not_blank && value.trim().is_empty()) {
                    return Err(unprocessable(
                        field,
                        format!("must be {min} to {max} characters, not all blank"),
                    ));
                }
                Ok(Some(value.to_string()))
            }
            Rule::IdOrEmpty => (value.is_empty() || shared::platform::ids::is_well_formed(value))
                .then(|| Some(value.to_string()))
                .ok_or_else(|| unprocessable(field, "must be an id, or empty to remove it")),
            Rule::Phone { .. } => {
                let separators = |c: char| matches!(c, '+' | ' ' | '-' | '(' | ')' | '.');
                let digits: String = value.chars().filter(|c| !separators(*c)).collect();
                let ok = value.chars().count() <= shared::desk::MAX_PHONE_CHARS
                    && value.chars().all(|c| separators(c) || c.is_ascii_digit())
                    && (6..=15).contains(&digits.len());
                ok.then_some(Some(digits))
                    .ok_or_else(|| unprocessable(field, "must be a phone number in international format"))
            }
        }
    }
}

impl Rule {
    /// The same rule, required.
    pub const fn required_now(self) -> Rule {
        match self {
            Rule::Text { max, .. } => Rule::Text {
                max,
                required: true,
                blank_clears: false,
            },
            Rule::OneOf { values, .. } => Rule::OneOf { values, required: true },
            Rule::Id { .. } => Rule::Id { required: true },
            Rule::Email { .. } => Rule::Email { required: true },
            Rule::Phone { .. } => Rule::Phone { required: true },
            Rule::Digits { min, max, plus, .. } => Rule::Digits {
                min,
                max,
                plus,
                required: true,
            },
            Rule::Secret {
                min, max, not_blank, ..
            } => Rule::Secret {
                min,
                max,
                not_blank,
                required: true,
            },
            Rule::IdOrEmpty => Rule::IdOrEmpty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules_measure_untrimmed_and_clear_when_blank() {
        let optional = Rule::Text {
            max: 5,
            required: false,
            blank_clears: true,
        };
        assert_eq!(optional.check("f", Some("  ab ")).unwrap().as_deref(), Some("ab"));
        assert_eq!(optional.check("f", Some("   ")).unwrap(), None);
        assert!(optional.check("f", Some("abcdef")).is_err());
        assert!(optional.check("f", Some("a\u{7}")).is_err());
        assert!(optional.check("f", Some("a\nb")).is_ok());
        let required = optional.required_now();
        assert!(required.check("f", Some(" ")).is_err());
        let not_blank = Rule::Text {
            max: 5,
            required: false,
            blank_clears: false,
        };
        assert!(not_blank.check("f", Some(" ")).is_err());
        assert_eq!(not_blank.check("f", None).unwrap(), None);
        assert!(required.check("f", None).is_err());
    }

    #[test]
    fn email_and_phone_rules_accept_what_their_patterns_describe() {
        let email = Rule::Email { required: true };
        assert_eq!(email.check("e", Some(" A@b.co ")).unwrap().as_deref(), Some("a@b.co"));
        for bad in ["a@b", "@b.co", "a@.b.co", "a b@c.de", ""] {
            assert!(email.check("e", Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            Rule::Email { required: false }.check("e", Some("  ")).unwrap(),
            None,
            "blank clears"
        );
        let phone = Rule::Phone { required: true };
        assert_eq!(
            phone.check("p", Some("+49 (151) 234-567")).unwrap().as_deref(),
            Some("49151234567")
        );
        assert!(phone.check("p", Some("12345")).is_err());
        assert!(phone.check("p", Some("+49 151 x")).is_err());
    }
}
