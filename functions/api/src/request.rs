//! Reading requests and writing responses: bodies (400 / 413 / 422), pages and cursors, path ids,
//! and the mapping of store failures to HTTP errors.

use crate::MAX_BODY_BYTES;
use crate::auth::Caller;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::desk::FieldError;
use shared::platform::cursor;
use shared::platform::http_error::{HttpError, json_response};
use shared::platform::ids;
use shared::platform::records::PageKey;
use shared::platform::table;
use std::collections::BTreeMap;

const DEFAULT_PAGE: i32 = 25;
const MAX_PAGE: i32 = 100;

pub struct Context<'a> {
    pub caller: Caller,
    pub request: &'a Request,
    pub parameters: BTreeMap<&'static str, String>,
}

impl Context<'_> {
    pub fn org(&self) -> &str {
        &self.caller.org_id
    }

    /// A path id. Ids that could not have been issued answer 404 like unknown ones.
    pub fn id(&self, name: &str, what: &str) -> Result<String, HttpError> {
        self.parameters
            .get(name)
            .filter(|id| ids::is_well_formed(id))
            .cloned()
            .ok_or_else(|| not_found(what))
    }

    pub fn query(&self, name: &str) -> Option<String> {
        self.request
            .query_string_parameters_ref()
            .and_then(|q| q.first(name).map(str::to_string))
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        json_body(self.request)
    }

    /// `limit` and `cursor`; a cursor must come from this API and the caller's organization.
    pub fn page(&self) -> Result<(i32, Option<PageKey>), HttpError> {
        let limit = match self.query("limit") {
            None => DEFAULT_PAGE,
            Some(text) => text
                .parse::<i32>()
                .ok()
                .filter(|l| (1..=MAX_PAGE).contains(l))
                .ok_or_else(|| unprocessable("limit", format!("must be 1 to {MAX_PAGE}")))?,
        };
        // A cursor names a page: empty is the first one, and one this API did not issue (or issued
        // to another organization) names none, so it answers 404 like an unknown id.
        let start = match self.query("cursor").filter(|text| !text.is_empty()) {
            None => None,
            Some(text) => Some(cursor::decode(&text, &table::org_partition(self.org())).ok_or_else(|| {
                HttpError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_cursor",
                    "cursor: no page of this list has this cursor",
                )
            })?),
        };
        Ok((limit, start))
    }
}

/// The request's JSON body as `T` (400 when it is not JSON, 422 naming what does not fit).
pub fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, HttpError> {
    let body: &[u8] = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large(MAX_BODY_BYTES));
    }
    if body.is_empty() {
        return Err(HttpError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "a JSON body is required",
        ));
    }
    // serde reads a struct from a positional array too (`[null, null]` as `{agent_id, division_id}`):
    // every body this API takes is an object, so anything else is refused before it is decoded.
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        let parses = serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
        return Err(match parses {
            true => HttpError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "body: must be a JSON object",
            ),
            false => HttpError::new(StatusCode::BAD_REQUEST, "invalid_json", "the body is not JSON"),
        });
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            HttpError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", e.to_string())
        }
        _ => HttpError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()),
    })
}

/// The caller's address as API Gateway saw it (`unknown` when it does not say).
pub fn source_ip(request: &Request) -> String {
    match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.http.source_ip.clone().unwrap_or_else(|| "unknown".into())
        }
        _ => "unknown".into(),
    }
}

/// The bearer credential of the request, if any.
pub fn bearer(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(lambda_http::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

pub fn next_cursor(next: Option<PageKey>) -> Option<String> {
    next.map(|key| cursor::encode(&key))
}

pub fn respond<T: Serialize>(status: StatusCode, body: &T) -> Result<Response<Body>, HttpError> {
    let text = serde_json::to_string(body).map_err(|_| HttpError::internal())?;
    Ok(json_response(status, text))
}

pub fn ok<T: Serialize>(body: &T) -> Result<Response<Body>, HttpError> {
    respond(StatusCode::OK, body)
}

pub fn created<T: Serialize>(body: &T) -> Result<Response<Body>, HttpError> {
    respond(StatusCode::CREATED, body)
}

pub fn no_content() -> Result<Response<Body>, HttpError> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

pub fn not_found(what: &str) -> HttpError {
    HttpError::not_found(format!("no {what} with this id"))
}

pub fn unprocessable(field: &str, reason: impl std::fmt::Display) -> HttpError {
    HttpError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        format!("{field}: {reason}"),
    )
}

pub fn invalid(err: FieldError) -> HttpError {
    unprocessable(err.field, err.reason)
}

pub fn too_large(limit: usize) -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("at most {limit} bytes"),
    )
}

pub fn conflict(code: &'static str, message: impl Into<String>) -> HttpError {
    HttpError::new(StatusCode::CONFLICT, code, message)
}
