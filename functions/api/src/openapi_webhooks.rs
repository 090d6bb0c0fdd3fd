//! The document's outgoing webhooks: the endpoints' and deliveries' schemas, and OpenAPI 3.1's
//! top-level `webhooks` from the event catalogue.

use crate::views::*;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Webhook,
    WebhookList,
    WebhookCreated,
    CreateWebhook,
    UpdateWebhook,
    SecretRotated,
    WebhookDelivery,
    WebhookDeliveryList,
    RedeliverFailed,
    Redelivered
)))]
pub(super) struct Schemas;

/// OpenAPI 3.1's `webhooks`: each event an outgoing webhook may receive, with its body's schema
/// and the Standard Webhooks headers it is signed with.
pub(super) fn document() -> Value {
    let headers = json!({
        "webhook-id": {"required": true, "description": "the event's id: the same on every retry and redelivery (de-duplicate by it)", "schema": {"type": "string"}},
        "webhook-timestamp": {"required": true, "description": "epoch seconds of this attempt", "schema": {"type": "string"}},
        "webhook-signature": {"required": true, "description": "space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per secret in force (two for 24 hours after a rotation)", "schema": {"type": "string"}},
    });
    let mut events = Map::new();
    for kind in shared::integrations::catalogue::EVENTS {
        let mut parameters = Vec::new();
        for (name, header) in headers.as_object().into_iter().flatten() {
            let mut parameter = header.clone();
            parameter["name"] = json!(name);
            parameter["in"] = json!("header");
            parameters.push(parameter);
        }
        events.insert(
            kind.name.to_string(),
            json!({"post": {
                "operationId": format!("webhook_{}", kind.name.replace('.', "_")),
                "summary": kind.summary,
                "parameters": parameters,
                "requestBody": {"required": true, "content": {"application/json": {
                    "schema": shared::integrations::catalogue::body_schema(kind),
                }}},
                "responses": {
                    "2XX": {"description": "received; any other answer (or none within 15 s) is retried for about 27 hours"},
                    "410": {"description": "gone: the endpoint is disabled at once"},
                },
            }}),
        );
    }
    Value::Object(events)
}
