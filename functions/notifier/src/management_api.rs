//! API Gateway's connection management API (`@connections`), behind the two calls the notifier makes (post a notice, close a connection).

use aws_sdk_apigatewaymanagement::error::DisplayErrorContext;
use aws_sdk_apigatewaymanagement::operation::delete_connection::DeleteConnectionError;
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostError {
    /// 410: the client went away; its record is to be deleted.
    Gone,
    Failed(String),
}

#[async_trait::async_trait]
pub trait ConnectionPoster: Send + Sync {
    async fn post(&self, connection_id: &str, data: &[u8]) -> Result<(), PostError>;
    /// Closes a connection (`DELETE @connections/{id}`); one already gone is fine.
    async fn close(&self, connection_id: &str) -> Result<(), PostError>;
}

pub struct ManagementApi {
    client: aws_sdk_apigatewaymanagement::Client,
}

impl ManagementApi {
    /// `endpoint`: the WebSocket API's stage URL, `https://{api}.execute-api.{region}.amazonaws.com/{stage}`.
    pub fn new(aws: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(aws)
            .endpoint_url(endpoint)
            .build();
        Self {
            client: aws_sdk_apigatewaymanagement::Client::from_conf(config),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionPoster for ManagementApi {
    async fn post(&self, connection_id: &str, data: &[u8]) -> Result<(), PostError> {
        match self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(data))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.as_service_error(), Some(PostToConnectionError::GoneException(_))) => {
                Err(PostError::Gone)
            }
            Err(err) => Err(PostError::Failed(DisplayErrorContext(err).to_string())),
        }
    }

    async fn close(&self, connection_id: &str) -> Result<(), PostError> {
        match self
            .client
            .delete_connection()
            .connection_id(connection_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if matches!(err.as_service_error(), Some(DeleteConnectionError::GoneException(_))) => Ok(()),
            Err(err) => Err(PostError::Failed(DisplayErrorContext(err).to_string())),
        }
    }
}
