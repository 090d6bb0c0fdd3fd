//! What every context uses: the table's key schema, Plans and their runner, the store helpers,
//! the SQS batch runner, the due index, the clock, config, telemetry, caches, queues, the event
//! bus and KMS sealing; and the store error every adapter answers.
//!
//! DynamoDB and SQS adapters are always built; KMS, S3, EventBridge (and, in `meta`, the Graph API
//! client) are behind the `shared` cargo features of the same names, so a function links only the
//! clients it calls. Traits that pure code depends on (`SecretKeeper`, `EventPublisher`) stay
//! unconditional.
pub mod clock;
pub mod config;
pub mod cursor;
pub mod due_index;
pub mod event_bus;
#[cfg(feature = "eventbridge")]
mod eventbridge;
pub mod events;
pub mod http_error;
pub mod ids;
pub mod ingest_queue;
pub mod items;
pub mod job_queue;
#[cfg(feature = "kms")]
mod kms;
pub mod lookup;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
#[cfg(feature = "s3")]
pub mod payload_store;
pub mod plan;
pub mod records;
pub mod redrive;
pub mod sealed_secret;
pub mod secret;
pub mod secret_keeper;
pub mod sqs_batch;
pub mod table;
pub mod telemetry;
pub mod tick;
pub mod token_bucket;
pub mod transact;
pub mod ttl_cache;

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
    Secret(#[from] crate::platform::sealed_secret::SealError),
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
