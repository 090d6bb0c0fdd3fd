//! A template definition as a business writes it, checked against Meta's rules before it is sent
//! for review: a refusal names the part (`components[1].example`), so the author need not wait for
//! Meta's answer to learn that a variable has no example.

use super::parameters::variables_in;
use super::{CATEGORIES, is_language_code, is_template_name};
use serde_json::{Value, json};

/// Longest media handle of a header example (Meta's resumable-upload handles run to a few hundred).
pub const MAX_HANDLE_CHARS: usize = 2_048;

pub const MAX_BODY_CHARS: usize = 1_024;
pub const MAX_HEADER_CHARS: usize = 60;
pub const MAX_FOOTER_CHARS: usize = 60;
pub const MAX_BUTTONS: usize = 10;
pub const MAX_BUTTON_TEXT_CHARS: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidTemplate {
    pub field: String,
    pub reason: String,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> InvalidTemplate {
    InvalidTemplate {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A checked definition, ready for `POST /{waba-id}/message_templates`.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: String,
    pub category: String,
    pub language: String,
    pub components: Value,
    /// `NAMED` when the variables are names (`{{first_name}}`), else `POSITIONAL`.
    pub parameter_format: &'static str,
}

impl Definition {
    pub fn meta_request(&self) -> Value {
        json!({
            "name": self.name,
            "category": self.category,
            "language": self.language,
            "parameter_format": self.parameter_format,
            "components": self.components,
        })
    }
}

/// Positional variables must be `{{1}}` .. `{{n}}` with none left out; named ones are lowercase
/// letters, digits and `_`. One template uses one kind.
fn check_variables(field: &str, vars: &[String], named: &mut Option<bool>) -> Result<(), InvalidTemplate> {
    for var in vars {
        let is_number = var.bytes().all(|b| b.is_ascii_digit());
        let is_name = var.starts_with(|c: char| c.is_ascii_lowercase())
            && var
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !is_number && !is_name {
            return Err(invalid(
                format!("{field}.text"),
                format!("{{{{{var}}}}} is neither {{{{1}}}}-style nor a lowercase name"),
            ));
        }
        match named {
            Some(kind) if *kind != is_name => {
                return Err(invalid(
                    format!("{field}.text"),
                    "positional ({{1}}) and named ({{name}}) variables cannot be mixed",
                ));
            }
            _ => *named = Some(is_name),
        }
    }
    if named == &Some(false) {
        let mut numbers: Vec<usize> = vars.iter().filter_map(|v| v.parse().ok()).collect();
        numbers.sort_unstable();
        if let Some((i, _)) = numbers.iter().enumerate().find(|(i, n)| **n != i + 1) {
            return Err(invalid(
                format!("{field}.text"),
                format!(
                    "variables must be numbered from {{{{1}}}} without gaps; {{{{{}}}}} is missing",
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

fn text_of<'a>(component: &'a Value, field: &str, max: usize) -> Result<&'a str, InvalidTemplate> {
    let text = component
        .get("text")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{field}.text"), "is required"))?;
    if text.trim().is_empty() || text.chars().count() > max {
        return Err(invalid(format!("{field}.text"), format!("1 to {max} characters")));
    }
    Ok(text)
}

/// The example values a component gives for `count` positional variables (`body_text: [[..]]`,
/// `header_text: [..]`).
fn positional_examples(component: &Value, field: &str, key: &str, count: usize) -> Result<(), InvalidTemplate> {
    let example = component.pointer(&format!("/example/{key}"));
    let values = match key {
        "body_text" => example.and_then(|e| e.get(0)).and_then(Value::as_array),
        _ => example.and_then(Value::as_array),
    };
    let filled =
        values.is_some_and(|v| v.len() == count && v.iter().all(|x| x.as_str().is_some_and(|s| !s.trim().is_empty())));
    if !filled {
        let shape = if key == "body_text" { "[[...]]" } else { "[...]" };
        return Err(invalid(
            format!("{field}.example.{key}"),
            format!("needs {count} non-empty example value(s), as {shape}"),
        ));
    }
    Ok(())
}

fn named_examples(component: &Value, field: &str, key: &str, vars: &[String]) -> Result<(), InvalidTemplate> {
    let given = component
        .pointer(&format!("/example/{key}"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for var in vars {
        let has = given.iter().any(|e| {
            e.get("param_name").and_then(Value::as_str) == Some(var)
                && e.get("example")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.trim().is_empty())
        });
        if !has {
            return Err(invalid(
                format!("{field}.example.{key}"),
                format!("needs an example for {{{{{var}}}}} ({{\"param_name\", \"example\"}})"),
            ));
        }
    }
    Ok(())
}

fn check_examples(
    component: &Value,
    field: &str,
    part: &str,
    vars: &[String],
    named: bool,
) -> Result<(), InvalidTemplate> {
    match (vars.is_empty(), named) {
        (true, _) => Ok(()),
        (false, true) => named_examples(component, field, &format!("{part}_text_named_params"), vars),
        (false, false) => positional_examples(component, field, &format!("{part}_text"), vars.len()),
    }
}

fn check_buttons(component: &Value, field: &str) -> Result<(), InvalidTemplate> {
    let buttons = component
        .get("buttons")
        .and_then(Value::as_array)
        .filter(|b| (1..=MAX_BUTTONS).contains(&b.len()))
        .ok_or_else(|| invalid(format!("{field}.buttons"), format!("1 to {MAX_BUTTONS} buttons")))?;
    for (i, button) in buttons.iter().enumerate() {
        let field = format!("{field}.buttons[{i}]");
        known_keys(button, &field, BUTTON_KEYS)?;
        let kind = button.get("type").and_then(Value::as_str).unwrap_or_default();
        text_of(button, &field, MAX_BUTTON_TEXT_CHARS)?;
        if !matches!(
            kind,
            "QUICK_REPLY" | "URL" | "PHONE_NUMBER" | "COPY_CODE" | "OTP" | "FLOW"
        ) {
            return Err(invalid(
                format!("{field}.type"),
                format!("{kind:?} is not a button type (QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, FLOW)"),
            ));
        }
        let number = button.get("phone_number");
        if kind == "PHONE_NUMBER" || number.is_some() {
            let number = number.and_then(Value::as_str).unwrap_or_default();
            let digits = number.strip_prefix('+').unwrap_or(number);
            if !(6..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(format!("{field}.phone_number"), "a phone number, + and digits"));
            }
        }
        let url = button.get("url");
        if kind == "URL" || url.is_some() {
            let url = url.and_then(Value::as_str).unwrap_or_default();
            if !url.starts_with("https://") && !url.starts_with("http://") || url.chars().count() > 2_000 {
                return Err(invalid(
                    format!("{field}.url"),
                    "an http(s) URL of at most 2,000 characters",
                ));
            }
            let fixed = url.strip_suffix("{{1}}").unwrap_or(url);
            if fixed.contains(['{', '}']) {
                return Err(invalid(
                    format!("{field}.url"),
                    "at most one variable, {{1}}, at the end",
                ));
            }
            let example = button.pointer("/example/0").and_then(Value::as_str);
            if example.is_some_and(|e| e.chars().count() > 2_000) {
                return Err(invalid(
                    format!("{field}.example"),
                    "an example URL of at most 2,000 characters",
                ));
            }
            if fixed.len() != url.len() && example.is_none_or(|e| e.trim().is_empty()) {
                return Err(invalid(
                    format!("{field}.example"),
                    "a URL variable needs an example URL, as [..]",
                ));
            }
        }
    }
    Ok(())
}

/// The keys a component (or a button) may have; Meta refuses others.
fn known_keys(value: &Value, field: &str, keys: &[&str]) -> Result<(), InvalidTemplate> {
    if let Some(unknown) = value
        .as_object()
        .and_then(|o| o.keys().find(|k| !keys.contains(&k.as_str())))
    {
        return Err(invalid(
            format!("{field}.{unknown}"),
            format!("is not a field here ({})", keys.join(", ")),
        ));
    }
    Ok(())
}

const BUTTON_KEYS: &[&str] = &[
    "type",
    "text",
    "url",
    "phone_number",
    "example",
    "otp_type",
    "flow_id",
    "flow_action",
    "navigate_screen",
];

/// Checks a definition; the components are kept as given (Meta's own format).
pub fn validate_definition(
    name: &str,
    category: &str,
    language: &str,
    components: &Value,
) -> Result<Definition, InvalidTemplate> {
    if !is_template_name(name) {
        return Err(invalid("name", "lowercase letters, digits and underscores, 1 to 512"));
    }
    let category = category.to_ascii_uppercase();
    if !CATEGORIES.contains(&category.as_str()) {
        return Err(invalid("category", format!("one of {}", CATEGORIES.join(", "))));
    }
    if !is_language_code(language) {
        return Err(invalid("language", "a language code such as en, en_US or pt_BR"));
    }
    let list = components
        .as_array()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("components", "a non-empty array of HEADER, BODY, FOOTER and BUTTONS"))?;
    let mut named = None;
    let mut seen: Vec<String> = Vec::new();
    for (i, component) in list.iter().enumerate() {
        let field = format!("components[{i}]");
        let kind = component
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .unwrap_or_default();
        if seen.contains(&kind) {
            return Err(invalid(format!("{field}.type"), format!("{kind} appears twice")));
        }
        if !component.is_object() {
            return Err(invalid(field, "must be an object"));
        }
        let keys: &[&str] = match kind.as_str() {
            "HEADER" => &["type", "format", "text", "example"],
            "BODY" => &["type", "text", "example"],
            "FOOTER" => &["type", "text"],
            "BUTTONS" => &["type", "buttons"],
            _ => &["type"],
        };
        known_keys(component, &field, keys)?;
        if component.get("example").is_some_and(|e| !e.is_object()) {
            return Err(invalid(format!("{field}.example"), "must be an object"));
        }
        match kind.as_str() {
            "HEADER" => {
                if component.get("format").is_some_and(|f| !f.is_string()) {
                    return Err(invalid(
                        format!("{field}.format"),
                        "TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION",
                    ));
                }
                let format = component.get("format").and_then(Value::as_str).unwrap_or("TEXT");
                match format {
                    "TEXT" => {
                        let vars = variables_in(text_of(component, &field, MAX_HEADER_CHARS)?);
                        if vars.len() > 1 {
                            return Err(invalid(format!("{field}.text"), "a header takes at most one variable"));
                        }
                        check_variables(&field, &vars, &mut named)?;
                        check_examples(component, &field, "header", &vars, named == Some(true))?;
                    }
                    "IMAGE" | "VIDEO" | "DOCUMENT" => {
                        let handle = component.pointer("/example/header_handle/0").and_then(Value::as_str);
                        if handle.is_none_or(|h| h.trim().is_empty() || h.chars().count() > MAX_HANDLE_CHARS) {
                            return Err(invalid(
                                format!("{field}.example.header_handle"),
                                "a media header needs an uploaded sample's handle (at most 2,048 characters), as [..]",
                            ));
                        }
                    }
                    "LOCATION" => {}
                    other => {
                        return Err(invalid(
                            format!("{field}.format"),
                            format!("{other:?} is not TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION"),
                        ));
                    }
                }
            }
            "BODY" => {
                let vars = variables_in(text_of(component, &field, MAX_BODY_CHARS)?);
                check_variables(&field, &vars, &mut named)?;
                check_examples(component, &field, "body", &vars, named == Some(true))?;
            }
            "FOOTER" => {
                let text = text_of(component, &field, MAX_FOOTER_CHARS)?;
                if text.contains('{') {
                    return Err(invalid(
                        format!("{field}.text"),
                        "a footer takes no variables (no braces)",
                    ));
                }
            }
            "BUTTONS" => check_buttons(component, &field)?,
            other => {
                return Err(invalid(
                    format!("{field}.type"),
                    format!("{other:?} is not HEADER, BODY, FOOTER or BUTTONS"),
                ));
            }
        }
        seen.push(kind);
    }
    if !seen.iter().any(|k| k == "BODY") {
        return Err(invalid("components", "a BODY component is required"));
    }
    Ok(Definition {
        name: name.to_string(),
        category,
        language: language.to_string(),
        components: components.clone(),
        parameter_format: if named == Some(true) { "NAMED" } else { "POSITIONAL" },
    })
}

#[cfg(test)]
#[path = "definition_tests.rs"]
mod tests;
