//! Short-lived presigned links to uploaded media, handed to Meta so it fetches the file itself.

use crate::platform::StoreError;
use aws_sdk_s3::presigning::PresigningConfig;
use std::time::Duration;

/// Meta fetches a linked file when it sends the message; an hour covers retries and queueing.
pub const LINK_LIFETIME: Duration = Duration::from_secs(3600);

pub struct MediaLinks {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl MediaLinks {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// A GET link to `key`, signed locally (no request to S3).
    pub async fn presigned_get(&self, key: &str) -> Result<String, StoreError> {
        let config = PresigningConfig::expires_in(LINK_LIFETIME).map_err(|e| StoreError::io("presign", e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| StoreError::io("presign GetObject", e))?;
        Ok(request.uri().to_string())
    }

    /// A GET link for the agents' browsers: S3 answers with `content_type`, and as a download when
    /// `attachment` (see `desk::served_as`), whatever the stored object says.
    pub async fn presigned_view(&self, key: &str, content_type: &str, attachment: bool) -> Result<String, StoreError> {
        let config = PresigningConfig::expires_in(LINK_LIFETIME).map_err(|e| StoreError::io("presign", e))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(content_type)
            .set_response_content_disposition(attachment.then(|| "attachment".to_string()))
            .presigned(config)
            .await
            .map_err(|e| StoreError::io("presign GetObject", e))?;
        Ok(request.uri().to_string())
    }

    /// The origin (`scheme://host[:port]`) links point at, for the page's Content-Security-Policy.
    pub async fn origin(&self) -> Option<String> {
        let link = self.presigned_get("origin").await.ok()?;
        let (scheme, rest) = link.split_once("://")?;
        let host = rest.split(['/', '?']).next()?;
        Some(format!("{scheme}://{host}"))
    }
}
