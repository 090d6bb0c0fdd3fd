//! The OpenAPI 3.1 document: paths from the route table, schemas from the wire types (utoipa).

use crate::routes::{Body, ROUTES};
use crate::views::*;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

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
    MediaUpload
)))]
struct Schemas;

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema_ref("ErrorBody")}}})
}

pub fn document() -> Value {
    let components = serde_json::to_value(Schemas::openapi().components).unwrap_or(Value::Null);
    let mut paths = Map::new();
    for route in ROUTES {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .chain(route.query.iter().map(|(name, description)| {
                json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
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
        if !route.public {
            responses.insert(
                "401".into(),
                error_response("missing, unknown, revoked or expired API key"),
            );
            responses.insert(
                "403".into(),
                error_response("the key's role or scopes lack the permission"),
            );
        }
        if route.path.contains('{') {
            responses.insert("404".into(), error_response("no such id in the caller's organization"));
        }
        if route.body != Body::None {
            responses.insert("400".into(), error_response("the body is not valid JSON"));
            responses.insert("413".into(), error_response("the body is too large"));
            responses.insert("422".into(), error_response("a field is invalid; the message names it"));
        }
        if route.method == "POST" && route.path.ends_with("/messages") {
            responses.insert(
                "409".into(),
                error_response("the 24-hour window is closed (templates only)"),
            );
        }
        let mut operation = json!({
            "operationId": format!("{:?}", route.operation).chars().enumerate().map(|(i, c)| if i == 0 { c.to_ascii_lowercase() } else { c }).collect::<String>(),
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
                operation["requestBody"] =
                    json!({"required": true, "content": {"application/json": {"schema": schema_ref(schema)}}});
            }
            Body::Binary => {
                operation["requestBody"] = json!({"required": true, "content": {"*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}});
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
    let mut components = components;
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
        for route in ROUTES {
            assert!(
                doc["paths"][route.path].get(route.method.to_lowercase()).is_some(),
                "{} {}",
                route.method,
                route.path
            );
        }
    }
}
