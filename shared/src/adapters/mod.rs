//! One adapter per AWS service, each behind a narrow trait so handlers depend on what they need.
//!
//! DynamoDB and SQS adapters are always built; KMS, S3, EventBridge and the Graph API client are
//! behind the `shared` cargo features of the same names, so a function links only the clients it
//! calls. Traits that pure code depends on (`SecretKeeper`, `EventPublisher`) stay unconditional.

pub mod account_cache;
pub mod account_store;
pub mod accounts;
pub mod agent_store;
pub mod allocator;
pub mod campaign_store;
pub mod chat_expiry_store;
pub mod connection_store;
pub mod contact_store;
pub mod conversation_store;
pub mod csat_store;
pub mod csat_surveyor;
pub mod division_store;
pub mod due_index;
pub mod event_bus;
#[cfg(feature = "eventbridge")]
mod eventbridge;
#[cfg(feature = "graph")]
pub mod graph;
pub mod inbox;
pub mod ingest_queue;
pub mod items;
pub mod job_queue;
#[cfg(feature = "kms")]
mod kms;
pub mod login_store;
pub mod lookup;
#[cfg(feature = "s3")]
pub mod media_links;
pub mod outbound_store;
pub mod pacer;
#[cfg(feature = "s3")]
pub mod payload_store;
pub mod plan;
pub mod quick_reply_store;
pub mod records;
pub mod redrive;
pub mod scheduled_store;
pub mod secret_keeper;
pub mod sla_keeper;
pub mod sla_policy_store;
pub mod sla_store;
pub mod template_store;
#[cfg(feature = "graph")]
pub mod template_sync;
pub mod tenancy_store;
pub mod transact;
pub mod upload_store;
pub mod working_hours_store;

use aws_config::{BehaviorVersion, SdkConfig};

/// The SDK configuration of tools and tests: the SDK's whole default chain (environment, profile
/// files, SSO-less web identity, IMDS), so an operator's profile works too.
pub async fn load_aws_config() -> SdkConfig {
    aws_config::load_defaults(BehaviorVersion::latest()).await
}

/// The SDK configuration of a Lambda function, from the environment Lambda sets: `AWS_REGION`,
/// the execution role's `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, and
/// `AWS_ENDPOINT_URL` when present (moto, locally). A function never reads profile files, IMDS or
/// STS, so it does not link the default chain's providers for them (smaller binary, faster
/// init); retries, timeouts, HTTP client and sleep are the SDK clients' defaults, as with
/// `load_defaults`.
pub fn function_aws_config() -> SdkConfig {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let credentials = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(
            env("AWS_REGION")
                .or_else(|| env("AWS_DEFAULT_REGION"))
                .map(aws_config::Region::new),
        )
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            credentials,
        ));
    builder.set_endpoint_url(env("AWS_ENDPOINT_URL"));
    builder.build()
}

/// Failures of the data stores, without secrets or item contents in their messages.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("AWS call {operation} failed: {detail}")]
    Aws { operation: &'static str, detail: String },
    #[error("stored item is not readable as {entity}: {detail}")]
    Corrupt { entity: &'static str, detail: String },
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Secret(#[from] crate::sealed_secret::SealError),
}

impl StoreError {
    /// A failed AWS call, described by the service's error code and message (never the request or
    /// response bodies, which may hold item contents).
    pub fn aws<E>(operation: &'static str, err: E) -> Self
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error,
    {
        let detail = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_string(),
            _ => aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string(),
        };
        Self::Aws { operation, detail }
    }

    /// A failure outside a service call (reading a response body).
    pub fn io(operation: &'static str, err: impl std::fmt::Display) -> Self {
        Self::Aws {
            operation,
            detail: err.to_string(),
        }
    }
}
