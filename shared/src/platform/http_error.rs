//! The one error shape every HTTP endpoint answers with: `{"error":{"code","message"}}`.

use lambda_http::{Body, Response, http::StatusCode};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Response headers the status calls for (`Allow` on 405, `Retry-After` on 429).
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the request can be retried",
        )
    }

    pub fn body(&self) -> String {
        serde_json::to_string(&Envelope {
            error: Detail {
                code: self.code,
                message: &self.message,
            },
        })
        .unwrap_or_else(|_| r#"{"error":{"code":"internal","message":"internal error"}}"#.into())
    }

    pub fn into_response(self) -> Response<Body> {
        let mut response = json_response(self.status, self.body());
        for (name, value) in &self.headers {
            if let Ok(value) = lambda_http::http::HeaderValue::from_str(value) {
                response.headers_mut().insert(*name, value);
            }
        }
        response
    }
}

/// A store failure as the API answers it: a conflict 409, a missing item 404, anything else 503
/// (logged; the caller retries). Mapped once here, so handlers write `?`.
impl From<crate::platform::StoreError> for HttpError {
    fn from(err: crate::platform::StoreError) -> Self {
        use crate::platform::StoreError;
        match err {
            StoreError::Conflict(what) => HttpError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("{what} already exists or changed; re-read and retry"),
            ),
            StoreError::NotFound(what) => HttpError::not_found(format!("{what} not found")),
            other => {
                tracing::error!(error = %other, "store failure");
                HttpError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "temporarily unavailable; retry",
                )
            }
        }
    }
}

pub fn json_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        lambda_http::http::header::CONTENT_TYPE,
        "application/json".parse().expect("static header value"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_the_documented_envelope() {
        let err = HttpError::new(StatusCode::UNAUTHORIZED, "invalid_signature", "bad \"sig\"");
        let v: serde_json::Value = serde_json::from_str(&err.body()).unwrap();
        assert_eq!(v["error"]["code"], "invalid_signature");
        assert_eq!(v["error"]["message"], "bad \"sig\"");
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
