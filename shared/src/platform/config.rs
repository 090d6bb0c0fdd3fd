//! Function configuration read from the environment, once, at cold start.
//!
//! Every function reads its settings through an [`EnvSource`] so that the Lambda `main` (process
//! environment) and the local runtime (variables resolved from template.yaml per function) build the
//! same configuration with the same code.

use std::collections::HashMap;
use std::time::Duration;

/// Names of the environment variables template.yaml gives the functions. A test checks that every
/// function in template.yaml sets the ones its configuration reads.
pub mod vars {
    pub const TABLE_NAME: &str = "TABLE_NAME";
    pub const INGEST_QUEUE_URL: &str = "INGEST_QUEUE_URL";
    pub const MEDIA_BUCKET: &str = "MEDIA_BUCKET";
    pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
    pub const ACCOUNT_CACHE_TTL_SECONDS: &str = "ACCOUNT_CACHE_TTL_SECONDS";
    pub const MEDIA_QUEUE_URL: &str = "MEDIA_QUEUE_URL";
    pub const OUTBOUND_QUEUE_URL: &str = "OUTBOUND_QUEUE_URL";
    pub const SELF_REGISTRATION: &str = "SELF_REGISTRATION";
    /// Open WebSocket connections one organization may hold.
    pub const LIVE_CONNECTIONS_PER_ORG: &str = "LIVE_CONNECTIONS_PER_ORG";
    /// The WebSocket API's stage URL (`wss://{api}.execute-api.{region}.amazonaws.com/{stage}`):
    /// browsers open it, the notifier posts to its `@connections`.
    pub const LIVE_URL: &str = "LIVE_URL";
    pub const CAMPAIGN_QUEUE_URL: &str = "CAMPAIGN_QUEUE_URL";
    pub const NOTIFIER_QUEUE_URL: &str = "NOTIFIER_QUEUE_URL";
    pub const GRAPH_API_BASE_URL: &str = "GRAPH_API_BASE_URL";
    pub const GRAPH_API_VERSION: &str = "GRAPH_API_VERSION";
    /// The KMS key that seals account secrets.
    pub const SECRETS_KEY_ID: &str = "SECRETS_KEY_ID";
    /// The outgoing webhooks' queue: domain events from the bus and queued attempts.
    pub const DELIVERIES_QUEUE_URL: &str = "DELIVERIES_QUEUE_URL";
    /// The automation function's queue: the domain events rules start on.
    pub const AUTOMATION_QUEUE_URL: &str = "AUTOMATION_QUEUE_URL";
    /// The AI agents' turn queue (FIFO, one group per conversation).
    pub const AI_TURNS_QUEUE_URL: &str = "AI_TURNS_QUEUE_URL";
    /// The AI agents function's name (the API invokes it for the test chat).
    pub const AI_AGENTS_FUNCTION: &str = "AI_AGENTS_FUNCTION";
    /// The Bedrock model ids AI agents may use, comma-separated (the template's allow-list).
    pub const AI_MODELS: &str = "AI_MODELS";
    /// An optional Bedrock guardrail every AI turn goes through, and its version.
    pub const AI_GUARDRAIL_ID: &str = "AI_GUARDRAIL_ID";
    pub const AI_GUARDRAIL_VERSION: &str = "AI_GUARDRAIL_VERSION";
    /// `true` on local stacks only: outgoing webhooks may go to loopback and over plain http.
    pub const WEBHOOKS_ALLOW_LOOPBACK: &str = "WEBHOOKS_ALLOW_LOOPBACK";
    /// A queue consumer's dead-letter queue (where records that failed for good are moved).
    pub const DEAD_LETTER_QUEUE_URL: &str = "DEAD_LETTER_QUEUE_URL";
    /// A queue consumer's `maxReceiveCount`, equal to its queue's redrive policy.
    pub const MAX_RECEIVE_COUNT: &str = "MAX_RECEIVE_COUNT";
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} has an invalid value {value:?}: {reason}")]
    Invalid {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
}

/// Where configuration values come from.
pub trait EnvSource {
    fn get(&self, name: &str) -> Option<String>;

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        match self.get(name) {
            Some(value) if !value.trim().is_empty() => Ok(value),
            _ => Err(ConfigError::Missing(name)),
        }
    }

    fn seconds_or(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        match self.get(name) {
            None => Ok(Duration::from_secs(default)),
            Some(value) => value
                .trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| ConfigError::Invalid {
                    name,
                    value,
                    reason: "expected whole seconds",
                }),
        }
    }
}

/// The process environment, as Lambda provides it.
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl EnvSource for HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        HashMap::get(self, name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_rejects_missing_and_blank_values() {
        let mut env = HashMap::new();
        assert_eq!(env.required(vars::TABLE_NAME), Err(ConfigError::Missing("TABLE_NAME")));
        env.insert("TABLE_NAME".to_string(), "  ".to_string());
        assert_eq!(env.required(vars::TABLE_NAME), Err(ConfigError::Missing("TABLE_NAME")));
        env.insert("TABLE_NAME".to_string(), "t".to_string());
        assert_eq!(env.required(vars::TABLE_NAME).unwrap(), "t");
    }

    #[test]
    fn seconds_parse_or_default() {
        let mut env = HashMap::new();
        assert_eq!(env.seconds_or("X", 60).unwrap(), Duration::from_secs(60));
        env.insert("X".to_string(), "5".to_string());
        assert_eq!(env.seconds_or("X", 60).unwrap(), Duration::from_secs(5));
        env.insert("X".to_string(), "five".to_string());
        assert!(matches!(env.seconds_or("X", 60), Err(ConfigError::Invalid { .. })));
    }
}
