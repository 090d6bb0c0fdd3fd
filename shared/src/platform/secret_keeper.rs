//! KMS envelope encryption of account secrets ([`crate::platform::sealed_secret`] does the cryptography).
//!
//! Sealing asks KMS for a fresh data key (`GenerateDataKey`); opening asks KMS to unwrap it
//! (`Decrypt`). The template grants the first to the API and the operator, the second only to the
//! functions that use a secret's clear value (webhook, sender, media). Callers cache what they
//! open for a warm Lambda's cache period, so `Decrypt` runs once per cache fill, not per request.

use crate::platform::StoreError;
use crate::platform::sealed_secret::{SealError, SealedSecret, SecretContext, StoredSecret};
use crate::platform::secret::Secret;

#[async_trait::async_trait]
pub trait SecretKeeper: Send + Sync {
    async fn seal(&self, secret: &Secret, context: &SecretContext<'_>) -> Result<SealedSecret, StoreError>;
    async fn open_sealed(&self, sealed: &SealedSecret, context: &SecretContext<'_>) -> Result<Secret, StoreError>;
}

/// Opens a stored secret; clear values (written before sealing) are refused with what to run.
pub async fn open(
    keeper: &dyn SecretKeeper,
    stored: &StoredSecret,
    context: &SecretContext<'_>,
) -> Result<Secret, StoreError> {
    match stored {
        StoredSecret::Sealed(sealed) => keeper.open_sealed(sealed, context).await,
        StoredSecret::Clear(_) => Err(SealError::StoredInClear {
            org_id: context.org_id.into(),
            account_id: context.account_id.into(),
            field: context.field.into(),
        }
        .into()),
    }
}

#[cfg(feature = "kms")]
pub use crate::platform::kms::KmsSecretKeeper;
