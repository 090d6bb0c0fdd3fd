//! The parameters a send of a template must carry, read from the template's components, and the
//! checks and rendering that use them: an agent's send is checked against them, a campaign's
//! per-recipient variables are rendered into Meta's `components` through them.

use crate::inbox::outbound::InvalidContent;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The variables of a text: `{{1}}`, `{{first_name}}`, in order of first appearance, unique.
pub fn variables_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim().to_string();
        if !name.is_empty() && !found.contains(&name) {
            found.push(name);
        }
        rest = &after[end + 2..];
    }
    found
}

/// What a template's header takes at send time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HeaderSpec {
    #[default]
    None,
    /// A text header with these variables (Meta allows at most one).
    Text(Vec<String>),
    /// A media header: `image`, `video`, `document` or `location`, given at send time.
    Media(String),
}

/// Every parameter a send of one template must carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParameterSpec {
    pub header: HeaderSpec,
    pub body: Vec<String>,
    /// URL buttons with a variable, by their index among the buttons.
    pub url_buttons: Vec<usize>,
    /// Named variables (`{{first_name}}`) rather than positional ones.
    pub named: bool,
}

fn kind_of(component: &Value) -> String {
    component
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_uppercase()
}

impl ParameterSpec {
    /// The spec of a stored template's components (Meta's definition format).
    pub fn of(components: &Value) -> Self {
        let mut spec = ParameterSpec::default();
        for component in components.as_array().into_iter().flatten() {
            let text = component.get("text").and_then(Value::as_str).unwrap_or_default();
            match kind_of(component).as_str() {
                "HEADER" => {
                    let format = component
                        .get("format")
                        .and_then(Value::as_str)
                        .unwrap_or("TEXT")
                        .to_ascii_lowercase();
                    spec.header = match format.as_str() {
                        "text" => match variables_in(text) {
                            vars if vars.is_empty() => HeaderSpec::None,
                            vars => HeaderSpec::Text(vars),
                        },
                        media => HeaderSpec::Media(media.to_string()),
                    };
                }
                "BODY" => spec.body = variables_in(text),
                "BUTTONS" => {
                    for (index, button) in component
                        .get("buttons")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let url = button.get("url").and_then(Value::as_str).unwrap_or_default();
                        if kind_of(button) == "URL" && !variables_in(url).is_empty() {
                            spec.url_buttons.push(index);
                        }
                    }
                }
                _ => {}
            }
        }
        spec.named = spec
            .body
            .iter()
            .chain(match &spec.header {
                HeaderSpec::Text(vars) => vars.iter(),
                _ => [].iter(),
            })
            .any(|name| !name.bytes().all(|b| b.is_ascii_digit()));
        spec
    }

    /// Every variable key a campaign recipient's `variables` map must give: body variables by
    /// name (`1`, `first_name`), `header.<name>` and `button.<index>`.
    pub fn variable_keys(&self) -> Vec<String> {
        let header = match &self.header {
            HeaderSpec::Text(vars) => vars.iter().map(|v| format!("header.{v}")).collect(),
            _ => Vec::new(),
        };
        self.body
            .iter()
            .cloned()
            .chain(header)
            .chain(self.url_buttons.iter().map(|i| format!("button.{i}")))
            .collect()
    }
}

fn invalid(reason: String) -> InvalidContent {
    InvalidContent {
        field: "content.components",
        reason,
    }
}

fn shown(name: &str) -> String {
    format!("{{{{{name}}}}}")
}

/// The text parameters of one send component, by the variable each fills.
fn filled(component: &Value, expected: &[String], named: bool, part: &str) -> Result<(), InvalidContent> {
    let parameters: Vec<&Value> = component
        .get("parameters")
        .and_then(Value::as_array)
        .map(|p| p.iter().collect())
        .unwrap_or_default();
    if named {
        let mut given = Vec::new();
        for parameter in &parameters {
            let Some(name) = parameter.get("parameter_name").and_then(Value::as_str) else {
                return Err(invalid(format!("{part}: every parameter needs its parameter_name")));
            };
            if !expected.iter().any(|e| e == name) || given.contains(&name) {
                return Err(invalid(format!("{part}: unexpected parameter {}", shown(name))));
            }
            given.push(name);
        }
        if let Some(missing) = expected.iter().find(|e| !given.contains(&e.as_str())) {
            return Err(invalid(format!("{part}: missing parameter {}", shown(missing))));
        }
        return Ok(());
    }
    if parameters.len() < expected.len() {
        return Err(invalid(format!(
            "{part}: missing parameter {}",
            shown(&expected[parameters.len()])
        )));
    }
    if parameters.len() > expected.len() {
        return Err(invalid(format!(
            "{part}: unexpected parameter {} (the template has {} variable(s))",
            shown(&(expected.len() + 1).to_string()),
            expected.len()
        )));
    }
    Ok(())
}

/// Checks a send's `components` (Meta's send format) against the approved template's spec.
pub fn check_send(spec: &ParameterSpec, components: &Value) -> Result<(), InvalidContent> {
    let sent: Vec<&Value> = components.as_array().map(|c| c.iter().collect()).unwrap_or_default();
    let of_kind = |kind: &'static str| sent.iter().filter(move |c| kind_of(c) == kind).copied();
    let none = json!({});
    for component in &sent {
        if !matches!(kind_of(component).as_str(), "HEADER" | "BODY" | "BUTTON") {
            return Err(invalid(format!(
                "unexpected component {:?}: a send takes header, body and button",
                component.get("type").and_then(Value::as_str).unwrap_or_default()
            )));
        }
    }
    if of_kind("BODY").count() > 1 || of_kind("HEADER").count() > 1 {
        return Err(invalid("at most one header and one body component".into()));
    }
    let body = of_kind("BODY").next().unwrap_or(&none);
    filled(body, &spec.body, spec.named, "body")?;
    let header = of_kind("HEADER").next().unwrap_or(&none);
    match &spec.header {
        HeaderSpec::None => filled(header, &[], false, "header")?,
        HeaderSpec::Text(vars) => filled(header, vars, spec.named, "header")?,
        HeaderSpec::Media(kind) => {
            let parameter = header.pointer("/parameters/0");
            let ok = parameter.is_some_and(|p| {
                p.get("type").and_then(Value::as_str) == Some(kind.as_str()) && p.get(kind.as_str()).is_some()
            }) && header
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|p| p.len() == 1);
            if !ok {
                return Err(invalid(format!("header: missing parameter of type {kind}")));
            }
        }
    }
    let mut seen = Vec::new();
    for button in of_kind("BUTTON") {
        let index = button.get("index").and_then(|i| {
            i.as_str()
                .and_then(|s| s.parse::<usize>().ok())
                .or(i.as_u64().map(|i| i as usize))
        });
        let Some(index) = index.filter(|i| spec.url_buttons.contains(i) && !seen.contains(i)) else {
            return Err(invalid(format!(
                "button: unexpected parameter for button index {}",
                button.get("index").cloned().unwrap_or(Value::Null)
            )));
        };
        seen.push(index);
        filled(button, &["1".to_string()], false, &format!("button {index}"))?;
    }
    if let Some(missing) = spec.url_buttons.iter().find(|i| !seen.contains(i)) {
        return Err(invalid(format!("button {missing}: missing parameter {{{{1}}}}")));
    }
    Ok(())
}

/// Meta's send `components` for one recipient, from its `variables` (see
/// [`ParameterSpec::variable_keys`]). A missing or unknown key is refused, naming it.
pub fn render(spec: &ParameterSpec, variables: &BTreeMap<String, String>) -> Result<Value, InvalidContent> {
    let keys = spec.variable_keys();
    if let Some(extra) = variables.keys().find(|k| !keys.contains(k)) {
        return Err(InvalidContent {
            field: "variables",
            reason: format!("unexpected variable {extra:?}; the template takes {}", keys.join(", ")),
        });
    }
    let value = |key: &str| {
        variables
            .get(key)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| InvalidContent {
                field: "variables",
                reason: format!("missing variable {key:?}"),
            })
    };
    let text = |name: &str, key: &str| -> Result<Value, InvalidContent> {
        let mut parameter = json!({"type": "text", "text": value(key)?});
        if spec.named {
            parameter["parameter_name"] = json!(name);
        }
        Ok(parameter)
    };
    let mut components = Vec::new();
    if let HeaderSpec::Text(vars) = &spec.header {
        let parameters = vars
            .iter()
            .map(|v| text(v, &format!("header.{v}")))
            .collect::<Result<Vec<_>, _>>()?;
        components.push(json!({"type": "header", "parameters": parameters}));
    }
    if let HeaderSpec::Media(kind) = &spec.header {
        return Err(InvalidContent {
            field: "template_id",
            reason: format!("templates with a {kind} header cannot be sent to a campaign yet"),
        });
    }
    if !spec.body.is_empty() {
        let parameters = spec.body.iter().map(|v| text(v, v)).collect::<Result<Vec<_>, _>>()?;
        components.push(json!({"type": "body", "parameters": parameters}));
    }
    for index in &spec.url_buttons {
        let suffix = value(&format!("button.{index}"))?;
        components.push(json!({"type": "button", "sub_type": "url", "index": index.to_string(),
            "parameters": [{"type": "text", "text": suffix}]}));
    }
    Ok(Value::Array(components))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order_update() -> Value {
        json!([
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#12"]}},
            {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships {{3}}. {{1}}!"},
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {"type": "BUTTONS", "buttons": [
                {"type": "QUICK_REPLY", "text": "Stop"},
                {"type": "URL", "text": "Track", "url": "https://x.example/t/{{1}}"}
            ]}
        ])
    }

    #[test]
    fn the_spec_names_every_variable_once_in_order() {
        let spec = ParameterSpec::of(&order_update());
        assert_eq!(spec.body, ["1", "2", "3"]);
        assert_eq!(spec.header, HeaderSpec::Text(vec!["1".into()]));
        assert_eq!(spec.url_buttons, [1]);
        assert!(!spec.named);
        assert_eq!(spec.variable_keys(), ["1", "2", "3", "header.1", "button.1"]);
        let named = ParameterSpec::of(&json!([{"type": "BODY", "text": "Hi {{ first_name }}"}]));
        assert!(named.named && named.body == ["first_name"]);
        let media = ParameterSpec::of(&json!([{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "x"}]));
        assert_eq!(media.header, HeaderSpec::Media("image".into()));
    }

    fn text(value: &str) -> Value {
        json!({"type": "text", "text": value})
    }

    #[test]
    fn sends_with_missing_or_extra_parameters_are_refused_by_name() {
        let spec = ParameterSpec::of(&order_update());
        let header = json!({"type": "header", "parameters": [text("#12")]});
        let button = json!({"type": "button", "sub_type": "url", "index": "1", "parameters": [text("abc")]});
        let body =
            |n: usize| json!({"type": "body", "parameters": (0..n).map(|i| text(&i.to_string())).collect::<Vec<_>>()});
        assert!(check_send(&spec, &json!([header, body(3), button])).is_ok());
        let missing = check_send(&spec, &json!([header, body(2), button])).unwrap_err();
        assert_eq!(missing.field, "content.components");
        assert!(
            missing.reason.contains("body: missing parameter {{3}}"),
            "{}",
            missing.reason
        );
        let extra = check_send(&spec, &json!([header, body(4), button])).unwrap_err();
        assert!(extra.reason.contains("unexpected parameter {{4}}"), "{}", extra.reason);
        let no_button = check_send(&spec, &json!([header, body(3)])).unwrap_err();
        assert!(no_button.reason.contains("button 1: missing"), "{}", no_button.reason);
        let no_header = check_send(&spec, &json!([body(3), button])).unwrap_err();
        assert!(
            no_header.reason.contains("header: missing parameter {{1}}"),
            "{}",
            no_header.reason
        );
        let plain = ParameterSpec::of(&json!([{"type": "BODY", "text": "Welcome"}]));
        assert!(check_send(&plain, &json!([])).is_ok() && check_send(&plain, &Value::Null).is_ok());
        assert!(check_send(&plain, &json!([body(1)])).is_err());
    }

    #[test]
    fn named_parameters_are_matched_by_name() {
        let spec = ParameterSpec::of(&json!([{"type": "BODY", "text": "Hi {{first_name}}, {{order}}"}]));
        let param = |name: &str| json!({"type": "text", "text": "v", "parameter_name": name});
        let body = |params: Vec<Value>| json!([{"type": "body", "parameters": params}]);
        assert!(check_send(&spec, &body(vec![param("order"), param("first_name")])).is_ok());
        let missing = check_send(&spec, &body(vec![param("order")])).unwrap_err();
        assert!(missing.reason.contains("missing parameter {{first_name}}"));
        let extra = check_send(&spec, &body(vec![param("order"), param("first_name"), param("x")])).unwrap_err();
        assert!(extra.reason.contains("unexpected parameter {{x}}"));
    }

    #[test]
    fn variables_render_into_metas_send_components() {
        let spec = ParameterSpec::of(&order_update());
        let variables: BTreeMap<String, String> = [
            ("1", "Ada"),
            ("2", "#12"),
            ("3", "today"),
            ("header.1", "#12"),
            ("button.1", "abc"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let components = render(&spec, &variables).unwrap();
        assert!(check_send(&spec, &components).is_ok(), "{components}");
        assert_eq!(components[1]["parameters"][0]["text"], "Ada");
        assert_eq!(components[2]["index"], "1");
        let mut missing = variables.clone();
        missing.remove("3");
        assert!(render(&spec, &missing).unwrap_err().reason.contains("\"3\""));
        let mut extra = variables;
        extra.insert("4".into(), "x".into());
        assert!(
            render(&spec, &extra)
                .unwrap_err()
                .reason
                .contains("unexpected variable \"4\"")
        );
    }
}
