//! Everything the API does to a request before it reads or writes anything: find the route, check
//! the path ids, read `limit` and `cursor`, decode the JSON body into the route's schema and, for a
//! send, validate the message. The fuzz target `api_request_decoding` drives it with arbitrary
//! requests: whatever arrives must end in an answer (`Ok` or an error), never a panic.

use crate::handlers::messages::content_of;
use crate::request::Context;
use crate::routes::{self, Body};
use crate::views;
use lambda_http::Request;
use shared::platform::http_error::HttpError;

/// The caller decoding assumes (decoding does not depend on who calls).
fn fuzz_caller() -> crate::auth::Caller {
    let agent: shared::access::tenancy::Agent = serde_json::from_value(serde_json::json!({
        "org_id": "org_01fuzz", "agent_id": "agt_01fuzz", "email": "fuzz@example.com", "full_name": "Fuzz",
        "role": "admin", "is_active": true, "is_online": false, "created_at": "2026-01-01T00:00:00Z"
    }))
    .unwrap_or_else(|_| unreachable!("a fixed, well-formed agent"));
    crate::auth::Caller::of(
        agent,
        "key_01fuzz".into(),
        Some(vec!["*".into()]),
        std::sync::Arc::new(shared::access::roles::Grants::admin()),
    )
}

fn decode_body<T: serde::de::DeserializeOwned>(cx: &Context<'_>) -> Result<T, HttpError> {
    cx.json::<T>()
}

/// Decodes `request` as the API would; the error is the answer the API would give.
pub fn decode_request(request: &Request) -> Result<(), HttpError> {
    let (route, parameters) = routes::find(request.method().as_str(), request.uri().path())
        .map_err(|_| HttpError::not_found("no such route"))?;
    let cx = Context {
        caller: fuzz_caller(),
        request,
        parameters,
    };
    // Every path parameter is an id but a channel's name.
    for name in cx
        .parameters
        .keys()
        .copied()
        .filter(|n| *n != "channel")
        .collect::<Vec<_>>()
    {
        cx.id(name, name)?;
    }
    cx.page()?;
    let Body::Json(schema) = route.body else {
        return Ok(());
    };
    match schema {
        "SendMessageRequest" => {
            let send: views::SendMessageRequest = decode_body(&cx)?;
            let content = content_of(&send)?;
            shared::inbox::outbound::validate(&content)
                .map_err(|e| crate::request::unprocessable(e.field, e.reason))?;
        }
        "AssignRequest" => drop(decode_body::<views::AssignRequest>(&cx)?),
        "CreateAgent" => drop(decode_body::<views::CreateAgent>(&cx)?),
        "CreateApiKey" => drop(decode_body::<views::CreateApiKey>(&cx)?),
        "CreateContact" => drop(decode_body::<views::CreateContact>(&cx)?),
        "CreateDivision" => drop(decode_body::<views::CreateDivision>(&cx)?),
        "CreateNote" => drop(decode_body::<views::CreateNote>(&cx)?),
        "CreateQuickReply" => drop(decode_body::<views::CreateQuickReply>(&cx)?),
        "RegisterAccount" => drop(decode_body::<views::RegisterAccount>(&cx)?),
        "TransferRequest" => drop(decode_body::<views::TransferRequest>(&cx)?),
        "UpdateAccount" => drop(decode_body::<views::UpdateAccount>(&cx)?),
        "UpdateAgent" => drop(decode_body::<views::UpdateAgent>(&cx)?),
        "ChangePassword" => drop(decode_body::<views::ChangePassword>(&cx)?),
        "CompletePasswordReset" => drop(decode_body::<views::CompletePasswordReset>(&cx)?),
        "UpdateContact" => drop(decode_body::<views::UpdateContact>(&cx)?),
        "UpdateDivision" => drop(decode_body::<views::UpdateDivision>(&cx)?),
        "UpdateQuickReply" => drop(decode_body::<views::UpdateQuickReply>(&cx)?),
        "CreateWebhook" => drop(decode_body::<views::CreateWebhook>(&cx)?),
        "UpdateWebhook" => drop(decode_body::<views::UpdateWebhook>(&cx)?),
        "RedeliverFailed" => drop(decode_body::<views::RedeliverFailed>(&cx)?),
        other => {
            drop(decode_body::<serde_json::Value>(&cx).map_err(|e| HttpError::new(e.status, "unknown_schema", other))?)
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, uri: &str, body: &str) -> Request {
        let mut request = lambda_http::http::Request::builder()
            .method(method)
            .uri(uri)
            .body(lambda_http::Body::from(body.to_string()))
            .unwrap();
        if let Some(query) = uri.split_once('?').map(|(_, q)| q) {
            let pairs: std::collections::HashMap<String, Vec<String>> = query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect();
            request = lambda_http::RequestExt::with_query_string_parameters(request, pairs);
        }
        request
    }

    #[test]
    fn decoding_answers_what_the_handlers_answer() {
        assert!(decode_request(&request("GET", "/v1/conversations?limit=5", "")).is_ok());
        let bad_limit = decode_request(&request("GET", "/v1/conversations?limit=0", "")).unwrap_err();
        assert_eq!(bad_limit.status.as_u16(), 422);
        let bad_body = decode_request(&request("POST", "/v1/api-keys", "{\"name\": 5}")).unwrap_err();
        assert_eq!(bad_body.status.as_u16(), 422);
        let not_json = decode_request(&request("POST", "/v1/api-keys", "{")).unwrap_err();
        assert_eq!(not_json.status.as_u16(), 400);
        let send = r#"{"type":"text","content":{"text":""}}"#;
        let empty_text = decode_request(&request("POST", "/v1/conversations/cv_01abc/messages", send));
        assert!(empty_text.is_err());
    }

    #[test]
    fn a_body_written_as_an_array_or_a_scalar_is_refused_by_name() {
        // serde would read these as the structs' fields in order.
        for body in ["[null, null]", " [\"agt_01x\"]", "5", "\"text\"", "null", "true"] {
            let refused = decode_request(&request("POST", "/v1/conversations/cv_01abc/assign", body)).unwrap_err();
            assert_eq!(refused.status.as_u16(), 422, "{body}");
            assert!(
                refused.message.contains("body: must be a JSON object"),
                "{}",
                refused.message
            );
        }
        for path in ["/v1/contacts", "/v1/quick-replies"] {
            let refused = decode_request(&request("POST", path, "[\"+4915112345678\", \"Ada\"]")).unwrap_err();
            assert_eq!(refused.status.as_u16(), 422, "{path}");
        }
        let broken = decode_request(&request("POST", "/v1/conversations/cv_01abc/assign", "[null,")).unwrap_err();
        assert_eq!(broken.status.as_u16(), 400);
        assert!(decode_request(&request("POST", "/v1/conversations/cv_01abc/assign", " {}")).is_ok());
    }
}
