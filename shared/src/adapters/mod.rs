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
pub mod contact_store;
pub mod conversation_store;
pub mod division_store;
pub mod event_bus;
#[cfg(feature = "eventbridge")]
mod eventbridge;
#[cfg(feature = "graph")]
pub mod graph;
pub mod inbox;
pub mod ingest_queue;
pub mod items;
pub mod job_queue;
pub mod lookup;
#[cfg(feature = "s3")]
pub mod media_links;
pub mod outbound_store;
pub mod pacer;
pub mod plan;
#[cfg(feature = "s3")]
pub mod payload_store;
pub mod quick_reply_store;
pub mod records;
pub mod redrive;
#[cfg(feature = "kms")]
mod kms;
pub mod secret_keeper;
pub mod tenancy_store;
pub mod transact;
pub mod upload_store;

use aws_config::{BehaviorVersion, SdkConfig};

/// The SDK configuration from the standard environment (`AWS_REGION`, credentials chain,
/// `AWS_ENDPOINT_URL`), the same on Lambda and locally.
pub async fn load_aws_config() -> SdkConfig {
    aws_config::load_defaults(BehaviorVersion::latest()).await
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
