//! The rules stated in the OpenAPI document: ruled properties replaced, required ones listed, and
//! the few body shapes no single field rule says (the send body, tags, scopes, a transfer's target).

use super::{BLANK, BODY_RULES, NOT_BLANK, SHORTCUT, TAG};
use serde_json::{Value, json};

/// What `shared::outreach::template::validate_definition` accepts, as far as a schema can say it (variable
/// numbering and their examples are checked by the handler and named in its 422).
fn template_components_schema() -> Value {
    use shared::outreach::template::definition::{
        MAX_BODY_CHARS, MAX_BUTTON_TEXT_CHARS, MAX_BUTTONS, MAX_FOOTER_CHARS, MAX_HEADER_CHARS,
    };
    let not_blank = concat!("[^", ws!(), "]");
    let text = |max: usize| json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": not_blank});
    let media_handle = json!({"required": ["format", "example"], "properties": {
        "format": {"enum": ["IMAGE", "VIDEO", "DOCUMENT"]},
        "example": {"type": "object", "required": ["header_handle"], "properties": {
            "header_handle": {"type": "array", "minItems": 1, "prefixItems": [{"type": "string", "maxLength": shared::outreach::template::definition::MAX_HANDLE_CHARS, "pattern": not_blank}]}}}}});
    let header = json!({"type": "object", "required": ["type"], "additionalProperties": false, "properties": {
    "type": {"const": "HEADER"},
    "format": {"enum": ["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"]},
    "text": text(MAX_HEADER_CHARS),
    "example": {"type": "object"}},
    "anyOf": [
        {"required": ["text"], "properties": {"format": {"const": "TEXT"}}},
        media_handle,
        {"required": ["format"], "properties": {"format": {"const": "LOCATION"}}},
    ]});
    let body = json!({"type": "object", "required": ["type", "text"], "additionalProperties": false, "properties": {
        "type": {"const": "BODY"}, "text": text(MAX_BODY_CHARS), "example": {"type": "object"}}});
    let footer = json!({"type": "object", "required": ["type", "text"], "additionalProperties": false, "properties": {
        "type": {"const": "FOOTER"}, "text": {"type": "string", "minLength": 1, "maxLength": MAX_FOOTER_CHARS, "pattern": concat!("^[^{]*[^{", ws!(), "][^{]*$")}}});
    let button = json!({"type": "object", "required": ["type", "text"], "properties": {
    "type": {"enum": ["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP", "FLOW"]},
    "text": text(MAX_BUTTON_TEXT_CHARS),
    "url": {"type": "string", "maxLength": 2000, "pattern": "^https?://[^{}]*(\\{\\{1\\}\\})?$"},
    "phone_number": {"type": "string", "maxLength": 21, "pattern": "^\\+?[0-9]{6,20}$"},
    "example": {}, "otp_type": {}, "flow_id": {}, "flow_action": {}, "navigate_screen": {}},
    "additionalProperties": false,
    "allOf": [
        {"if": {"required": ["type"], "properties": {"type": {"const": "URL"}}}, "then": {"required": ["url"]}},
        {"if": {"required": ["type"], "properties": {"type": {"const": "PHONE_NUMBER"}}}, "then": {"required": ["phone_number"]}},
        // A URL ending in its variable needs an example URL.
        {"if": {"required": ["url"], "properties": {"url": {"type": "string", "pattern": "\\{\\{1\\}\\}$"}}},
         "then": {"required": ["example"], "properties": {"example": {"type": "array", "minItems": 1, "prefixItems": [{"type": "string", "maxLength": 2000, "pattern": not_blank}]}}}},
    ]});
    let buttons = json!({"type": "object", "required": ["type", "buttons"], "additionalProperties": false, "properties": {
        "type": {"const": "BUTTONS"},
        "buttons": {"type": "array", "minItems": 1, "maxItems": MAX_BUTTONS, "items": button}}});
    let one = |kind: &str, min: u32| json!({"contains": {"type": "object", "required": ["type"], "properties": {"type": {"const": kind}}}, "minContains": min, "maxContains": 1});
    json!({
        "type": "array",
        "minItems": 1,
        "maxItems": 4,
        "description": "Meta's components: one BODY; at most one HEADER, FOOTER and BUTTONS. Variables are {{1}}..{{n}} without gaps or lowercase names ({{first_name}}), never mixed, each with an example (example.body_text [[..]], example.header_text [..], or *_text_named_params); a media HEADER needs example.header_handle; a URL button's one variable {{1}} ends its url and needs an example.",
        "items": {"oneOf": [header, body, footer, buttons]},
        "allOf": [one("BODY", 1), one("HEADER", 0), one("FOOTER", 0), one("BUTTONS", 0)],
    })
}

/// Replaces the ruled properties of the component schemas and marks the required ones.
pub fn apply(components: &mut Value) {
    let tags = json!({"anyOf": [
        {"type": "array", "maxItems": shared::desk::MAX_TAGS, "items": {"type": "string", "maxLength": shared::desk::MAX_TAG_CHARS, "pattern": TAG}},
        {"type": "null"},
    ]});
    for schema in ["CreateContact", "UpdateContact"] {
        if let Some(target) = components.pointer_mut(&format!("/schemas/{schema}/properties")) {
            target["tags"] = tags.clone();
        }
    }
    if let Some(target) = components.pointer_mut("/schemas/CreateApiKey/properties") {
        let known: Vec<String> = std::iter::once("*".to_string())
            .chain(shared::access::permissions::PERMISSIONS.iter().flat_map(|(code, _)| {
                let category = code.split('.').next().unwrap_or_default();
                [code.to_string(), format!("{category}.*")]
            }))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        target["scopes"] = json!({"anyOf": [
            {"type": "array", "minItems": 1, "maxItems": 32, "items": {"type": "string", "enum": known}},
            {"type": "null"},
        ]});
    }
    let codes: Vec<&str> = shared::access::permissions::PERMISSIONS
        .iter()
        .map(|(code, _)| *code)
        .collect();
    let role_name = json!({"type": "string", "maxLength": shared::access::roles::MAX_NAME_CHARS,
        "pattern": "^[A-Za-z0-9 _-]*[A-Za-z0-9_-][A-Za-z0-9 _-]*$",
        "description": "stored lower-cased with spaces collapsed; unique; not admin or agent (409)"});
    let role_permissions =
        json!({"type": "array", "maxItems": codes.len(), "items": {"type": "string", "enum": codes}});
    for (schema, nullable) in [("CreateRole", false), ("UpdateRole", true)] {
        if let Some(target) = components.pointer_mut(&format!("/schemas/{schema}/properties")) {
            let nullable_or = |schema: &Value| match nullable {
                true => json!({"anyOf": [schema, {"type": "null"}]}),
                false => schema.clone(),
            };
            target["name"] = nullable_or(&role_name);
            target["permissions"] = nullable_or(&role_permissions);
        }
        if !nullable && let Some(schema) = components.pointer_mut(&format!("/schemas/{schema}")) {
            schema["required"] = json!(["name", "permissions"]);
        }
    }
    let event_names: Vec<&str> = shared::integrations::catalogue::EVENTS.iter().map(|k| k.name).collect();
    let webhook_url = json!({"type": "string", "maxLength": shared::integrations::address_policy::MAX_URL_CHARS, "pattern": "^https?://",
        "description": "https to a public address: every address the host resolves to is checked (loopback, private, link-local, CGNAT, unique-local, multicast and IPv4-embedding forms are refused; 422 names the class), again at each delivery"});
    let webhook_events = |nullable: bool| {
        let list =
            json!({"type": "array", "minItems": 1, "maxItems": 64, "items": {"type": "string", "enum": event_names}});
        if nullable {
            json!({"anyOf": [list, {"type": "null"}]})
        } else {
            list
        }
    };
    for (schema, nullable) in [("CreateWebhook", false), ("UpdateWebhook", true)] {
        if let Some(target) = components.pointer_mut(&format!("/schemas/{schema}/properties")) {
            target["url"] = if nullable {
                json!({"anyOf": [webhook_url.clone(), {"type": "null"}]})
            } else {
                webhook_url.clone()
            };
            target["events"] = webhook_events(nullable);
        }
    }
    if let Some(required) = components.pointer_mut("/schemas/CreateWebhook/required") {
        if let Some(list) = required.as_array_mut() {
            for field in ["url", "events"] {
                if !list.iter().any(|f| f == field) {
                    list.push(json!(field));
                }
            }
        }
    } else if let Some(schema) = components.pointer_mut("/schemas/CreateWebhook") {
        schema["required"] = json!(["url", "events"]);
    }
    let list = |max: usize, longest: usize| json!({"anyOf": [{"type": "array", "maxItems": max, "items": {"type": "string", "maxLength": longest}}, {"type": "null"}]});
    let entries = crate::handlers::MAX_RECIPIENT_ENTRIES;
    let value = json!({"type": "string", "maxLength": 1024, "pattern": NOT_BLANK});
    let variables = json!({"anyOf": [{"type": "object", "additionalProperties": value}, {"type": "null"}]});
    let patches = [
        (
            "CreateCampaign",
            "scheduled_at",
            json!({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}),
        ),
        (
            "WriteAutomationRule",
            "snoozed_until",
            json!({"anyOf": [{"type": "string", "format": "date-time", "maxLength": 40}, {"type": "string", "maxLength": 0}, {"type": "null"}]}),
        ),
        (
            "SetAutomationControl",
            "paused_until",
            json!({"anyOf": [{"type": "string", "format": "date-time", "maxLength": 40}, {"type": "string", "maxLength": 0}, {"type": "null"}]}),
        ),
        (
            "UpdateCampaign",
            "scheduled_at",
            json!({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}, {"type": "null"}], "description": "empty unschedules"}),
        ),
        ("CreateCampaign", "variables", variables.clone()),
        ("UpdateCampaign", "variables", variables),
        ("AddRecipients", "contact_ids", list(entries, 64)),
        ("AddRecipients", "tags", list(entries, shared::desk::MAX_TAG_CHARS)),
        (
            "AddRecipients",
            "phone_numbers",
            list(entries, shared::desk::MAX_PHONE_CHARS),
        ),
        (
            "AddRecipients",
            "variables",
            json!({"anyOf": [{"type": "object", "maxProperties": entries,
                "propertyNames": {"maxLength": shared::desk::MAX_PHONE_CHARS},
                "additionalProperties": {"type": "object", "maxProperties": crate::handlers::MAX_VARIABLES,
                    "propertyNames": {"maxLength": crate::handlers::MAX_VARIABLE_NAME_CHARS},
                    "additionalProperties": {"type": "string", "maxLength": shared::inbox::outbound::MAX_PARAMETER_CHARS}}}, {"type": "null"}]}),
        ),
        (
            "UpdateConversation",
            "priority",
            json!({"type": ["string", "null"], "enum": ["urgent", "high", "medium", "low", null]}),
        ),
        (
            "UpdateConversation",
            "snoozed_until",
            json!({"anyOf": [{"type": "string", "format": "date-time", "maxLength": 40}, {"type": "string", "maxLength": 0}, {"type": "null"}], "description": "empty or null wakes it"}),
        ),
        (
            "AssignRequest",
            "agent_id",
            json!({"type": ["string", "null"], "maxLength": 64, "description": "The agent to assign; `null` or absent unassigns (when a division is given, it stays there)."}),
        ),
        (
            "AssignRequest",
            "division_id",
            json!({"type": ["string", "null"], "maxLength": 64}),
        ),
        (
            "ApplySlaPolicy",
            "sla_policy_id",
            json!({"type": "string", "maxLength": 64, "description": "The policy to put the conversation under (active or not: an agent's choice stands)."}),
        ),
        (
            "CreateTemplate",
            "name",
            json!({"type": "string", "pattern": "^[a-z0-9_]{1,512}$"}),
        ),
        (
            "CreateTemplate",
            "language",
            json!({"type": "string", "pattern": "^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$"}),
        ),
        ("CreateTemplate", "components", template_components_schema()),
        (
            "RegisterAccount",
            "throughput_mps",
            json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": shared::access::tenancy::MAX_THROUGHPUT_MPS}, {"type": "null"}]}),
        ),
        (
            "UpdateAccount",
            "throughput_mps",
            json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": shared::access::tenancy::MAX_THROUGHPUT_MPS}, {"type": "null"}]}),
        ),
        (
            "RedeliverFailed",
            "since",
            json!({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}], "description": "RFC 3339; absent: 30 days back"}),
        ),
        (
            "CreateApiKey",
            "expires_at",
            json!({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}], "description": "RFC 3339; in the past answers 409"}),
        ),
        (
            "CreateQuickReply",
            "shortcut",
            json!({"anyOf": [{"type": "string", "maxLength": shared::desk::MAX_SHORTCUT_CHARS, "pattern": SHORTCUT}, {"type": "string", "maxLength": shared::desk::MAX_SHORTCUT_CHARS, "pattern": BLANK}, {"type": "null"}]}),
        ),
        (
            "UpdateQuickReply",
            "shortcut",
            json!({"anyOf": [{"type": "string", "maxLength": shared::desk::MAX_SHORTCUT_CHARS, "pattern": SHORTCUT}, {"type": "string", "maxLength": shared::desk::MAX_SHORTCUT_CHARS, "pattern": BLANK}, {"type": "null"}]}),
        ),
    ];
    let zones = shared::care::working_hours::time_zone_names();
    let day = json!({"type": "object", "additionalProperties": false,
        "required": ["day_of_week", "start_time", "end_time"],
        "properties": {
            "day_of_week": {"type": "integer", "minimum": 0, "maximum": 6},
            "start_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
            "end_time": {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"},
            "is_active": {"anyOf": [{"type": "boolean"}, {"type": "null"}]}}});
    let working_hours = [
        ("SetWorkingHours", "time_zone", json!({"type": "string", "enum": zones})),
        (
            "SetWorkingHours",
            "days",
            json!({"type": "array", "items": day, "description": "each end after its start, intervals of one day not overlapping, at least one active (422 naming the interval otherwise)"}),
        ),
    ];
    let target = json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": shared::care::sla::MAX_TARGET_SECS}, {"type": "null"}]});
    let threshold = json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 99}, {"type": "null"}]});
    let sla = ["CreateSlaPolicy", "UpdateSlaPolicy"].into_iter().flat_map(|schema| {
        [
            (schema, "first_response_time_secs", target.clone()),
            (schema, "resolution_time_secs", target.clone()),
            (schema, "warning_threshold_pct", threshold.clone()),
        ]
    });
    let password_text = json!({"type": "string", "minLength": shared::access::password::MIN_CHARS, "maxLength": shared::access::password::MAX_CHARS, "pattern": "\\S"});
    let password = json!({"anyOf": [password_text.clone(), {"type": "null"}]});
    let expiry = [
        (
            "UpsertChatExpirationRule",
            "window_hours",
            json!({"type": "integer", "minimum": 0, "maximum": shared::care::chat_expiry::MAX_WINDOW_HOURS}),
        ),
        ("CreateAgent", "password", password.clone()),
        (
            "RegisterRequest",
            "admin_password",
            json!({"type": "string", "minLength": shared::access::password::MIN_CHARS, "maxLength": shared::access::password::MAX_CHARS, "pattern": "\\S"}),
        ),
        (
            "AlertSettings",
            "after_failures",
            json!({"anyOf": [{"type": "integer", "minimum": 0, "maximum": shared::automation::rule::MAX_ALERT_AFTER}, {"type": "null"}]}),
        ),
        (
            "SetAutomationControl",
            "bot_silence_minutes",
            json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": shared::bot::turn::MAX_SILENCE_MINUTES}, {"type": "null"}]}),
        ),
        ("LoginRequest", "email", json!({"type": "string", "maxLength": 254})),
        (
            "LoginRequest",
            "password",
            json!({"type": "string", "maxLength": shared::access::password::MAX_CHARS}),
        ),
        ("ChangePassword", "current_password", password_text.clone()),
        ("ChangePassword", "new_password", password_text.clone()),
        ("CompletePasswordReset", "new_password", password_text),
        (
            "CompletePasswordReset",
            "token",
            json!({"type": "string", "maxLength": 64, "description": "the reset token (sbr_...); an unknown, used or expired one answers 401"}),
        ),
    ];
    let bot = super::bot_schema::patches();
    for (schema, field, patch) in patches
        .into_iter()
        .chain(working_hours)
        .chain(sla)
        .chain(expiry)
        .chain(bot)
        .chain(super::ai_schema::patches())
    {
        if let Some(target) = components.pointer_mut(&format!("/schemas/{schema}/properties")) {
            target[field] = patch;
        }
    }
    if let Some(target) = components.pointer_mut("/schemas/SendMessageRequest") {
        *target = super::send_schema::send_message_schema();
    }
    if let Some(upsert) = components.pointer_mut("/schemas/UpsertChatExpirationRule") {
        upsert["required"] = json!(["window_hours"]);
    }
    // A new policy has at least one target.
    if let Some(create) = components.pointer_mut("/schemas/CreateSlaPolicy") {
        create["anyOf"] = json!(
            ["first_response_time_secs", "resolution_time_secs"]
                .iter()
                .map(|field| json!({"required": [field], "properties": {*field: {"type": "integer"}}}))
                .collect::<Vec<_>>()
        );
    }
    // A scheduled message is a send with its time.
    if let Some(target) = components.pointer_mut("/schemas/ScheduleMessageRequest") {
        let mut schedule = super::send_schema::send_message_schema();
        schedule["properties"]["scheduled_at"] = json!({"type": "string", "format": "date-time",
            "description": "in the future and at most a year ahead (422 otherwise)"});
        schedule["required"] = json!(["type", "content", "scheduled_at"]);
        *target = schedule;
    }
    // Recipients come from at least one non-empty list.
    if let Some(add) = components.pointer_mut("/schemas/AddRecipients") {
        let mut some = ["contact_ids", "tags", "phone_numbers"]
            .iter()
            .map(|field| json!({"required": [field], "properties": {*field: {"type": "array", "minItems": 1}}}))
            .collect::<Vec<_>>();
        // Variables alone apply to recipients already in the campaign.
        some.push(
            json!({"required": ["variables"], "properties": {"variables": {"type": "object", "minProperties": 1}}}),
        );
        add["anyOf"] = json!(some);
    }
    // A transfer names an agent, a division or both.
    if let Some(transfer) = components.pointer_mut("/schemas/TransferRequest") {
        transfer["anyOf"] = json!([
            {"required": ["to_agent_id"], "properties": {"to_agent_id": {"type": "string", "maxLength": 64}}},
            {"required": ["to_division_id"], "properties": {"to_division_id": {"type": "string", "maxLength": 64}}},
        ]);
    }
    for (schema, field, rule) in BODY_RULES {
        let Some(target) = components.pointer_mut(&format!("/schemas/{schema}")) else {
            continue;
        };
        target["properties"][*field] = rule.schema();
        if rule.required() {
            let required = target["required"].as_array().cloned().unwrap_or_default();
            if !required.iter().any(|r| r == field) {
                let mut required = required;
                required.push(json!(field));
                target["required"] = Value::Array(required);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ruled_schema_exists_and_every_rule_is_findable() {
        let doc = crate::openapi::document();
        for (schema, field, _) in BODY_RULES {
            assert!(
                doc["components"]["schemas"][schema]["properties"].get(*field).is_some(),
                "{schema}.{field}"
            );
        }
    }
}
