//! Meta's Graph API (WhatsApp Cloud API) client: base URL and API version are configuration, so
//! the same code talks to graph.facebook.com on Lambda and to the fake Graph API locally.

use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("Graph API answered HTTP {status} (code {code:?}): {message}")]
    Http {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// The connection was never made: the request cannot have reached Meta.
    #[error("Graph API unreachable: {0}")]
    Unreachable(String),
    /// The request may have reached Meta, but no answer came back (timeout, connection reset).
    #[error("no answer from the Graph API: {0}")]
    NoAnswer(String),
    #[error("file is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("unexpected Graph API response: {0}")]
    Unexpected(String),
}

impl GraphError {
    /// Worth retrying later: 5xx, 429, throttling codes, timeouts and network failures.
    pub fn is_transient(&self) -> bool {
        match self {
            GraphError::Http { status, code, .. } => {
                *status >= 500
                    || *status == 429
                    || matches!(
                        code,
                        Some(1 | 2 | 4 | 80007 | 130429 | 131000 | 131016 | 131056 | 131057)
                    )
            }
            GraphError::Unreachable(_) | GraphError::NoAnswer(_) => true,
            GraphError::TooLarge { .. } | GraphError::Unexpected(_) => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<i64> {
        match self {
            GraphError::Http { code, .. } => *code,
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MediaMetadata {
    pub url: String,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub file_size: Option<u64>,
    pub id: Option<String>,
}

/// Longest wait for a connection to the Graph API.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base_url: String,
    version: String,
}

impl GraphClient {
    /// `timeout` bounds each request from connecting to the last byte of its answer.
    pub fn new(base_url: &str, version: &str, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .build()
            .expect("HTTP client builds");
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            version: version.trim_matches('/').to_string(),
        }
    }

    fn failure(err: reqwest::Error) -> GraphError {
        let connect = err.is_connect();
        let detail = err.without_url().to_string();
        if connect {
            GraphError::Unreachable(detail)
        } else {
            GraphError::NoAnswer(detail)
        }
    }

    async fn error_of(response: reqwest::Response) -> GraphError {
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        GraphError::Http {
            status,
            code: body.pointer("/error/code").and_then(|c| c.as_i64()),
            message: body
                .pointer("/error/message")
                .and_then(|m| m.as_str())
                .unwrap_or("no error message")
                .chars()
                .take(300)
                .collect(),
        }
    }

    /// `GET /{version}/{media-id}`: where to download an inbound media file (valid 5 minutes).
    pub async fn media_metadata(&self, media_id: &str, access_token: &str) -> Result<MediaMetadata, GraphError> {
        let url = format!("{}/{}/{}", self.base_url, self.version, media_id);
        let response = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(Self::failure)?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        response.json().await.map_err(|e| GraphError::Unexpected(e.to_string()))
    }

    /// `POST /{version}/{phone-number-id}/messages`: returns the wamid Meta assigned (accepted, not
    /// yet delivered). [`GraphError::NoAnswer`] and [`GraphError::Unexpected`] leave it open whether
    /// Meta accepted the message.
    pub async fn send_message(
        &self,
        phone_number_id: &str,
        access_token: &str,
        body: &serde_json::Value,
    ) -> Result<String, GraphError> {
        let url = format!("{}/{}/{}/messages", self.base_url, self.version, phone_number_id);
        let response = self
            .http
            .post(url)
            .bearer_auth(access_token)
            .json(body)
            .send()
            .await
            .map_err(Self::failure)?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        let answer: serde_json::Value = response
            .json()
            .await
            .map_err(|e| GraphError::Unexpected(e.to_string()))?;
        answer
            .pointer("/messages/0/id")
            .and_then(|id| id.as_str())
            .map(str::to_string)
            .ok_or_else(|| GraphError::Unexpected("no messages[0].id in the answer".into()))
    }

    /// Downloads a media URL with the bearer token, refusing more than `max_bytes`.
    pub async fn download(&self, url: &str, access_token: &str, max_bytes: u64) -> Result<Vec<u8>, GraphError> {
        let mut response = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(Self::failure)?;
        if !response.status().is_success() {
            return Err(Self::error_of(response).await);
        }
        if let Some(size) = response.content_length().filter(|size| *size > max_bytes) {
            return Err(GraphError::TooLarge { size, limit: max_bytes });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Self::failure)? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > max_bytes {
                return Err(GraphError::TooLarge {
                    size: bytes.len() as u64,
                    limit: max_bytes,
                });
            }
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_and_permanent_failures_are_told_apart() {
        let http = |status, code| GraphError::Http {
            status,
            code,
            message: String::new(),
        };
        assert!(http(500, None).is_transient());
        assert!(http(429, None).is_transient());
        assert!(http(400, Some(130429)).is_transient());
        assert!(GraphError::NoAnswer("timed out".into()).is_transient());
        assert!(!http(404, Some(100)).is_transient());
        assert!(!http(401, Some(190)).is_transient());
        assert!(!GraphError::TooLarge { size: 2, limit: 1 }.is_transient());
    }
}
