//! The KMS [`SecretKeeper`]: data keys from `GenerateDataKey`, unwrapped by `Decrypt`.

use crate::platform::StoreError;
use crate::platform::sealed_secret::{self, SealedSecret, SecretContext};
use crate::platform::secret::Secret;
use crate::platform::secret_keeper::SecretKeeper;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;

pub struct KmsSecretKeeper {
    client: aws_sdk_kms::Client,
    key_id: String,
}

impl KmsSecretKeeper {
    /// A keeper for the key `key_id`, shared by the stores and caches of one function.
    pub fn shared(aws: &aws_config::SdkConfig, key_id: &str) -> std::sync::Arc<dyn SecretKeeper> {
        std::sync::Arc::new(Self::new(aws_sdk_kms::Client::new(aws), key_id))
    }

    pub fn new(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }
}

#[async_trait::async_trait]
impl SecretKeeper for KmsSecretKeeper {
    async fn seal(&self, secret: &Secret, context: &SecretContext<'_>) -> Result<SealedSecret, StoreError> {
        let mut request = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256);
        for (name, value) in context.pairs() {
            request = request.encryption_context(name, value);
        }
        let output = request
            .send()
            .await
            .map_err(|e| StoreError::aws("GenerateDataKey", e))?;
        let (Some(data_key), Some(wrapped)) = (output.plaintext(), output.ciphertext_blob()) else {
            return Err(StoreError::io("GenerateDataKey", "KMS answered without a data key"));
        };
        Ok(sealed_secret::seal(
            data_key.as_ref(),
            wrapped.as_ref(),
            secret,
            context,
        )?)
    }

    async fn open_sealed(&self, sealed: &SealedSecret, context: &SecretContext<'_>) -> Result<Secret, StoreError> {
        let mut request = self
            .client
            .decrypt()
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(sealed_secret::wrapped_key(sealed, context)?));
        for (name, value) in context.pairs() {
            request = request.encryption_context(name, value);
        }
        let output = request.send().await.map_err(|e| StoreError::aws("Decrypt", e))?;
        let data_key = output
            .plaintext()
            .ok_or_else(|| StoreError::io("Decrypt", "KMS answered without the data key"))?;
        Ok(sealed_secret::open(data_key.as_ref(), sealed, context)?)
    }
}
