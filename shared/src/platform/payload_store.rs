//! S3 objects: webhook payloads too large for an SQS message, and media files.

use crate::platform::StoreError;
use aws_sdk_s3::primitives::ByteStream;

#[async_trait::async_trait]
pub trait PayloadStore: Send + Sync {
    fn bucket(&self) -> &str;
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError>;
}

pub struct S3PayloadStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3PayloadStore {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

#[async_trait::async_trait]
impl PayloadStore for S3PayloadStore {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("PutObject(payload)", e))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| StoreError::aws("GetObject(payload)", e))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| StoreError::io("GetObject(payload body)", e))?;
        Ok(bytes.into_bytes().to_vec())
    }
}
