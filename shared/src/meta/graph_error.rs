//! What the Graph API answers, as data: its errors (and which are worth retrying) and media
//! metadata. The client that produces them is `meta::graph` (cargo feature "graph"); the send
//! policy in [`crate::inbox::outbound`] decides on these values without linking an HTTP client.

use serde::Deserialize;

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
