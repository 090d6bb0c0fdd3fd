//! Unit tests of template definitions (kept apart: the rules file stays readable).
use super::*;

fn body(text: &str, example: Value) -> Value {
    json!({"type": "BODY", "text": text, "example": example})
}

fn field_of(components: Value) -> String {
    validate_definition("t", "UTILITY", "en_US", &components)
        .unwrap_err()
        .field
}

#[test]
fn a_complete_definition_passes_and_keeps_metas_shape() {
    let components = json!([
        {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}", "example": {"header_text": ["#12"]}},
        body("Hi {{1}}, order {{2}} ships today", json!({"body_text": [["Ada", "#12"]]})),
        {"type": "FOOTER", "text": "Thanks"},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Track", "url": "https://x.example/{{1}}", "example": ["https://x.example/a"]},
                                         {"type": "QUICK_REPLY", "text": "Stop"}]}
    ]);
    let definition = validate_definition("order_update", "utility", "en_US", &components).unwrap();
    assert_eq!(definition.category, "UTILITY");
    assert_eq!(definition.parameter_format, "POSITIONAL");
    assert_eq!(definition.meta_request()["components"], components);
    let named = json!([body(
        "Hi {{first_name}}",
        json!({"body_text_named_params": [{"param_name": "first_name", "example": "Ada"}]})
    )]);
    assert_eq!(
        validate_definition("t", "MARKETING", "de", &named)
            .unwrap()
            .parameter_format,
        "NAMED"
    );
}

#[test]
fn refusals_name_the_part() {
    assert_eq!(
        validate_definition("Bad Name", "UTILITY", "en", &json!([]))
            .unwrap_err()
            .field,
        "name"
    );
    assert_eq!(
        validate_definition("t", "PROMO", "en", &json!([])).unwrap_err().field,
        "category"
    );
    assert_eq!(
        validate_definition("t", "UTILITY", "english", &json!([]))
            .unwrap_err()
            .field,
        "language"
    );
    assert_eq!(field_of(json!([])), "components");
    assert_eq!(field_of(json!([{"type": "FOOTER", "text": "x"}])), "components");
    assert_eq!(
        field_of(json!([body("Hi {{1}}", json!({}))])),
        "components[0].example.body_text"
    );
    assert_eq!(
        field_of(json!([body("Hi {{1}} {{2}}", json!({"body_text": [["a"]]}))])),
        "components[0].example.body_text"
    );
    assert_eq!(
        field_of(json!([body("Hi {{2}}", json!({"body_text": [["a"]]}))])),
        "components[0].text"
    );
    assert_eq!(
        field_of(json!([body("Hi {{1}} {{name}}", json!({}))])),
        "components[0].text"
    );
    assert_eq!(
        field_of(json!([body("Hi {{name}}", json!({"body_text_named_params": []}))])),
        "components[0].example.body_text_named_params"
    );
    assert_eq!(
        field_of(json!([body("x", json!({})), body("y", json!({}))])),
        "components[1].type"
    );
    assert_eq!(
        field_of(json!([{"type": "HEADER", "format": "IMAGE"}, body("x", json!({}))])),
        "components[0].example.header_handle"
    );
    assert_eq!(
        field_of(json!([body("x", json!({})), {"type": "FOOTER", "text": "{{1}}"}])),
        "components[1].text"
    );
    assert_eq!(
        field_of(
            json!([body("x", json!({})), {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Go", "url": "https://a/{{1}}"}]}])
        ),
        "components[1].buttons[0].example"
    );
    assert_eq!(
        field_of(json!([body("x", json!({})), {"type": "BUTTONS", "buttons": []}])),
        "components[1].buttons"
    );
    assert_eq!(
        field_of(json!([body("x", json!({})), {"type": "CAROUSEL"}])),
        "components[1].type"
    );
    assert_eq!(
        field_of(json!([body(&"x".repeat(MAX_BODY_CHARS + 1), json!({}))])),
        "components[0].text"
    );
}
