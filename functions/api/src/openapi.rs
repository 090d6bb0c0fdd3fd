//! The OpenAPI 3.1 document: paths from the route table, schemas from the wire types (utoipa).

use crate::routes::{Body, Operation, ROUTES};
use crate::views::*;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

#[path = "openapi_ai.rs"]
mod ai;
#[path = "openapi_automation.rs"]
mod automation;
#[path = "openapi_webhooks.rs"]
mod webhooks;

#[derive(OpenApi)]
#[openapi(components(schemas(
    ErrorBody,
    ErrorDetail,
    OpenApiDocument,
    Me,
    Conversation,
    ConversationWithContact,
    ConversationList,
    Message,
    MessageList,
    SendMessageRequest,
    AssignRequest,
    TransferRequest,
    ConversationTransfer,
    TransferList,
    Note,
    NoteList,
    CreateNote,
    Agent,
    AgentList,
    CreateAgent,
    UpdateAgent,
    ApiKey,
    ApiKeyList,
    ApiKeyCreated,
    CreateApiKey,
    Division,
    DivisionList,
    CreateDivision,
    UpdateDivision,
    Member,
    MemberList,
    Account,
    AccountList,
    RegisterAccount,
    UpdateAccount,
    Contact,
    ContactList,
    CreateContact,
    UpdateContact,
    QuickReply,
    QuickReplyList,
    CreateQuickReply,
    UpdateQuickReply,
    Overview,
    MediaUpload,
    Template,
    TemplateList,
    CreateTemplate,
    SyncTemplates,
    TemplateSync,
    Campaign,
    CampaignCounts,
    CampaignList,
    CreateCampaign,
    UpdateCampaign,
    AddRecipients,
    RecipientRefusal,
    RecipientsAdded,
    Recipient,
    RecipientList,
    ScheduleMessageRequest,
    ScheduledMessage,
    ScheduledMessageList,
    DaySchedule,
    SetWorkingHours,
    WorkingHours,
    SlaPolicy,
    SlaPolicyList,
    CreateSlaPolicy,
    UpdateSlaPolicy,
    SlaBreach,
    ConversationSlaStatus,
    ApplySlaPolicy,
    ChatExpirationRule,
    ChatExpirationRuleList,
    UpsertChatExpirationRule,
    CsatSurvey,
    CsatSurveyList,
    LoginRequest,
    SessionGranted,
    ChangePassword,
    PasswordResetIssued,
    CompletePasswordReset,
    RegisterRequest,
    Registered,
    Permission,
    PermissionList
)))]
struct Schemas;

/// A valid body per request schema, shown in the document (and sent first by schemathesis).
fn example(schema: &str) -> Value {
    if let Some(example) = automation::example(schema).or_else(|| ai::example(schema)) {
        return example;
    }
    match schema {
        "SendMessageRequest" => json!({"type": "text", "content": {"text": "Your order shipped today."}}),
        "AssignRequest" => json!({"agent_id": "agt_01j9zq3c4d5e6f7g8h9j0k1m2n"}),
        "TransferRequest" => json!({"to_division_id": "div_01j9zq3c4d5e6f7g8h9j0k1m2n", "note": "billing question"}),
        "CreateNote" => json!({"content": "Customer prefers a call back after 5 pm."}),
        "CreateAgent" => json!({"email": "ada@example.com", "full_name": "Ada Lovelace", "role": "agent"}),
        "UpdateAgent" => json!({"is_online": true}),
        "CreateApiKey" => json!({"name": "crm integration", "scopes": ["conversations.read"]}),
        "CreateDivision" => json!({"name": "Support", "allocation_method": "round_robin"}),
        "UpdateDivision" => json!({"description": "First-line support"}),
        "RegisterAccount" => json!({
            "phone_number_id": "106540352242922", "waba_id": "102290129340398",
            "display_phone_number": "+15550783881", "app_secret": "<Meta app secret>",
            "access_token": "<system user access token>", "throughput_mps": 80
        }),
        "UpdateAccount" => json!({"throughput_mps": 1000}),
        "CreateContact" => json!({"phone_number": "+4915112345678", "name": "Zelda Zed", "tags": ["vip"]}),
        "UpdateContact" => json!({"tags": ["vip", "wholesale"]}),
        "CreateQuickReply" => {
            json!({"title": "Thanks", "content": "Thank you for your message!", "shortcut": "/thanks"})
        }
        "UpdateQuickReply" => json!({"category": "greetings"}),
        "CreateTemplate" => json!({
            "account_id": "acc_01j9zq3c4d5e6f7g8h9j0k1m2n", "name": "order_update", "category": "UTILITY",
            "language": "en_US",
            "components": [
                {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today.", "example": {"body_text": [["Ada", "#1042"]]}},
                {"type": "FOOTER", "text": "Reply STOP to opt out"}
            ]
        }),
        "SyncTemplates" => json!({"account_id": "acc_01j9zq3c4d5e6f7g8h9j0k1m2n"}),
        "CreateCampaign" => json!({
            "name": "November restock", "template_id": "tpl_8a325d396abaaca55dadee6d0d",
            "scheduled_at": "2026-12-01T09:00:00Z", "responding_division_id": "div_01j9zq3c4d5e6f7g8h9j0k1m2n",
            "variables": {"1": "friend"}
        }),
        "UpdateCampaign" => json!({"scheduled_at": "2026-12-02T09:00:00Z"}),
        "AddRecipients" => json!({
            "tags": ["vip"], "phone_numbers": ["+4915112345678"],
            "variables": {"+4915112345678": {"1": "Ada"}}
        }),
        "ScheduleMessageRequest" => json!({
            "type": "text", "content": {"text": "Your table for two is confirmed for tonight."},
            "scheduled_at": "2026-12-24T17:00:00Z"
        }),
        "SetWorkingHours" => json!({
            "time_zone": "Europe/Berlin",
            "days": [
                {"day_of_week": 1, "start_time": "09:00", "end_time": "12:30"},
                {"day_of_week": 1, "start_time": "13:30", "end_time": "18:00"},
                {"day_of_week": 2, "start_time": "09:00", "end_time": "18:00"}
            ]
        }),
        "RegisterRequest" => {
            json!({"org_name": "Acme Outfitters", "admin_email": "owner@acme.example", "admin_password": "correct horse battery"})
        }
        "LoginRequest" => json!({"email": "ada@example.com", "password": "correct horse battery"}),
        "ChangePassword" => {
            json!({"current_password": "correct horse battery", "new_password": "staple battery horse"})
        }
        "CompletePasswordReset" => {
            json!({"token": "sbr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "new_password": "staple battery horse"})
        }
        "UpsertChatExpirationRule" => {
            json!({"window_hours": 24, "auto_resolve": true, "block_text_after_window": false})
        }
        "ApplySlaPolicy" => json!({"sla_policy_id": "sla_01j9zq3c4d5e6f7g8h9j0k1m2n"}),
        "CreateSlaPolicy" => json!({
            "name": "Support, business hours", "first_response_time_secs": 1800,
            "resolution_time_secs": 86400, "warning_threshold_pct": 80, "is_default": true
        }),
        "UpdateSlaPolicy" => json!({"warning_threshold_pct": 75}),
        "CreateWebhook" => json!({
            "name": "CRM", "url": "https://crm.example.com/hooks/switchboard",
            "events": ["message.received", "conversation.resolved"]
        }),
        "UpdateWebhook" => json!({"events": ["message.received", "message.status"]}),
        "RedeliverFailed" => json!({"since": "2026-12-04T00:00:00Z"}),
        _ => json!({}),
    }
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema_ref("ErrorBody")}}})
}

/// Every error status a route can answer, with why: what the router, the key check, the decoders
/// and the stores can refuse, so the document lists exactly what the handlers do.
fn error_statuses(route: &crate::routes::Route) -> Vec<(u16, &'static str)> {
    let mut statuses = Vec::new();
    let paged = route.query.iter().any(|(name, _, _)| *name == "cursor");
    if route.body != Body::None {
        statuses.push((400, "the body is not valid JSON, or is empty"));
    }
    let signing_in = matches!(
        route.operation,
        Operation::Login | Operation::Register | Operation::CompletePasswordReset
    );
    if route.operation == Operation::Login {
        statuses.push((401, "the e-mail or the password is wrong (one answer for both)"));
    }
    if route.operation == Operation::CompletePasswordReset {
        statuses.push((401, "the reset token is unknown, used or expired"));
    }
    if !route.public {
        statuses.push((401, "missing, unknown, revoked or expired API key or session"));
        statuses.push((403, "the key's role or scopes lack the permission"));
    }
    // Ids in a body (agent_id, division_id, ...) are looked up too.
    if route.path.contains('{') || paged || matches!(route.body, Body::Json(_)) {
        statuses.push((404, "no such id (or cursor) in the caller's organization"));
    }
    if (!route.public && route.method != "GET") || route.operation == Operation::Register {
        statuses.push((
            409,
            "a conflicting change (a duplicate, a closed 24-hour window, another open conversation); re-read and retry",
        ));
    }
    if route.body != Body::None {
        statuses.push((413, "the body is too large"));
    }
    if route.body == Body::Binary {
        statuses.push((415, "a content type WhatsApp does not send"));
    }
    if route.body != Body::None || !route.query.is_empty() || (!route.public && route.method != "GET") {
        statuses.push((422, "a field or parameter is invalid; the message names it"));
    }
    if signing_in {
        statuses.push((
            429,
            "too many failed sign-ins (or registrations) from this e-mail or address; retry after Retry-After",
        ));
        statuses.push((503, "a store is temporarily unavailable; retry"));
    }
    if !route.public {
        statuses.push((
            429,
            "too many requests with keys this server has not seen from this address, or (changing a password) too many wrong current passwords; retry later",
        ));
        statuses.push((503, "a store is temporarily unavailable; retry"));
    }
    statuses
}

pub fn document() -> Value {
    let mut schemas = Schemas::openapi();
    schemas.merge(automation::Schemas::openapi());
    schemas.merge(ai::Schemas::openapi());
    schemas.merge(webhooks::Schemas::openapi());
    let mut components = serde_json::to_value(schemas.components).unwrap_or(Value::Null);
    crate::rules::apply(&mut components);
    let mut paths = Map::new();
    for route in ROUTES.iter() {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .chain(route.query.iter().map(|(name, description, schema)| {
                let schema: Value = serde_json::from_str(schema).unwrap_or_else(|_| json!({"type": "string"}));
                json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
            }))
            .collect();
        let mut responses = Map::new();
        let success = match route.response {
            Some(schema) => {
                json!({"description": "success", "content": {"application/json": {"schema": schema_ref(schema)}}})
            }
            None => json!({"description": "success, no content"}),
        };
        responses.insert(route.status.to_string(), success);
        for (status, description) in error_statuses(route) {
            responses.insert(status.to_string(), error_response(description));
        }
        let mut operation = json!({
            "operationId": route.operation_id(),
            "summary": route.summary,
            "tags": [route.tag],
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(permission) = route.permission.filter(|p| !p.is_empty()) {
            operation["x-permission"] = json!(permission);
        }
        if route.public {
            operation["security"] = json!([]);
        }
        match route.body {
            Body::Json(schema) => {
                operation["requestBody"] = json!({"required": true, "content": {"application/json": {
                    "schema": schema_ref(schema),
                    "example": example(schema),
                }}});
            }
            Body::Binary => {
                let content: Map<String, Value> = shared::desk::UPLOAD_TYPES
                    .iter()
                    .map(|mime| {
                        (
                            mime.to_string(),
                            json!({"schema": {"type": "string", "format": "binary"}}),
                        )
                    })
                    .collect();
                operation["requestBody"] = json!({"required": true, "content": content});
            }
            Body::None => {}
        }
        paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(route.method.to_lowercase(), operation);
    }
    components["securitySchemes"] = json!({"apiKey": {"type": "http", "scheme": "bearer", "description": "An API key (`sbk_...`) from POST /v1/api-keys or the admin tool"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Switchboard agent API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "WhatsApp inbox for a business's agents. Every id is scoped to the caller's organization; another organization's ids answer 404. Permission codes per operation are in `x-permission`.",
        },
        "security": [{"apiKey": []}],
        "paths": paths,
        "webhooks": webhooks::document(),
        "components": components,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    if key == "$ref" {
                        found.extend(inner.as_str().map(str::to_string));
                    }
                    refs(inner, found);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| refs(i, found)),
            _ => {}
        }
    }

    /// Paths to the string schemas under `schema` (following references) with no bound on their
    /// length: no `maxLength`, `enum`, `const`, `format` of a fixed shape, or anchored `pattern`
    /// without an unbounded repetition.
    fn unbounded_strings(doc: &Value, schema: &Value, path: String, seen: &mut Vec<String>, found: &mut Vec<String>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/components/schemas/").to_string();
            if !seen.contains(&name) {
                seen.push(name.clone());
                unbounded_strings(doc, &doc["components"]["schemas"][&name], path, seen, found);
            }
            return;
        }
        let is_string = schema.get("type") == Some(&json!("string"))
            || schema["type"].as_array().is_some_and(|t| t.contains(&json!("string")));
        let bounded = schema.get("maxLength").is_some()
            || schema.get("enum").is_some()
            || schema.get("const").is_some()
            || matches!(
                schema.get("format").and_then(Value::as_str),
                Some("date-time" | "date" | "binary")
            )
            || schema.get("pattern").and_then(Value::as_str).is_some_and(|p| {
                p.starts_with('^') && p.ends_with('$') && !p.contains('*') && !p.contains('+') && !p.contains(",}")
            });
        if is_string && !bounded && schema.get("anyOf").is_none() {
            found.push(path.clone());
        }
        for key in ["properties", "patternProperties"] {
            if let Some(properties) = schema.get(key).and_then(Value::as_object) {
                for (name, inner) in properties {
                    unbounded_strings(doc, inner, format!("{path}.{name}"), seen, found);
                }
            }
        }
        // `if` is a condition, not a constraint: only what it implies (`then`, `else`) binds.
        for key in ["items", "additionalProperties", "then", "else"] {
            if let Some(inner) = schema.get(key).filter(|v| v.is_object()) {
                unbounded_strings(doc, inner, format!("{path}[]"), seen, found);
            }
        }
        for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
            for inner in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
                unbounded_strings(doc, inner, path.clone(), seen, found);
            }
        }
    }

    /// Every id, text, phone, tag, name and value a request carries: the handlers refuse past the
    /// same maxima (422, or 404 for an id past 64 characters, which cannot be one of ours).
    #[test]
    fn every_string_a_request_may_carry_has_a_documented_maximum() {
        let doc = document();
        let mut found = Vec::new();
        for route in ROUTES.iter() {
            if let Body::Json(schema) = route.body {
                unbounded_strings(
                    &doc,
                    &json!({"$ref": format!("#/components/schemas/{schema}")}),
                    schema.to_string(),
                    &mut Vec::new(),
                    &mut found,
                );
            }
            for (name, _, schema) in route.query {
                let schema: Value = serde_json::from_str(schema).unwrap();
                unbounded_strings(
                    &doc,
                    &schema,
                    format!("{} ?{name}", route.path),
                    &mut Vec::new(),
                    &mut found,
                );
            }
        }
        found.sort();
        found.dedup();
        assert!(found.is_empty(), "strings without a documented maximum: {found:#?}");
    }

    #[test]
    fn request_bodies_refuse_unknown_fields_and_carry_an_example() {
        let doc = document();
        for route in ROUTES.iter() {
            if let Body::Json(schema) = route.body {
                let body = &doc["components"]["schemas"][schema];
                assert_eq!(body["additionalProperties"], json!(false), "{schema}");
                assert!(
                    doc["paths"][route.path][route.method.to_lowercase()]["requestBody"]["content"]["application/json"]
                        ["example"]
                        .is_object(),
                    "{} {}: no example",
                    route.method,
                    route.path
                );
            }
        }
    }

    #[test]
    fn every_reference_resolves_and_every_route_is_documented() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > ROUTES.len());
        for reference in found {
            let name = reference.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{reference} is not defined"
            );
        }
        for route in ROUTES.iter() {
            for (name, _, schema) in route.query {
                assert!(
                    serde_json::from_str::<Value>(schema).is_ok(),
                    "{} {name}: {schema}",
                    route.path
                );
            }
            assert!(
                doc["paths"][route.path].get(route.method.to_lowercase()).is_some(),
                "{} {}",
                route.method,
                route.path
            );
        }
    }
}
