//! Meta's Graph API (WhatsApp Cloud API) client: base URL and API version are configuration, so
//! the same code talks to graph.facebook.com on Lambda and to the fake Graph API locally.
//!
//! It runs on the HTTP stack the AWS SDK already links (hyper 1 + hyper-rustls + rustls 0.23 on
//! aws-lc-rs, native roots), not on a client of its own: one TLS and crypto stack per binary, and
//! nothing but the few calls below to add. The SDK's own client type is not used because it only
//! runs requests inside an SDK operation's orchestrator (signing, retries, endpoint rules).

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

pub use crate::meta::{GraphError, MediaMetadata};

/// Longest wait for a connection to the Graph API.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Enough for any Graph error or JSON answer; a longer one is not Meta's.
const MAX_ANSWER_BYTES: u64 = 1 << 20;

#[derive(Clone)]
pub struct GraphClient {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
    base_url: String,
    version: String,
}

type Answer = hyper::Response<hyper::body::Incoming>;

/// rustls on aws-lc-rs with the machine's root certificates. With no CA bundle on the machine,
/// plain http (a local fake) still works and every https call fails as unreachable, instead of
/// the function failing to start.
pub(crate) fn tls_with_native_roots(
    calling: &str,
) -> hyper_rustls::HttpsConnectorBuilder<hyper_rustls::builderstates::WantsSchemes> {
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "no native root certificates; https calls to {calling} will fail");
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                rustls::ClientConfig::builder_with_provider(rustls::crypto::aws_lc_rs::default_provider().into())
                    .with_safe_default_protocol_versions()
                    .expect("aws-lc-rs supports the default TLS versions")
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            )
        })
}

impl GraphClient {
    /// `timeout` bounds each request from connecting to the last byte of its answer.
    pub fn new(base_url: &str, version: &str, timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(CONNECT_TIMEOUT.min(timeout)));
        connector.enforce_http(false);
        let tls = tls_with_native_roots("Graph")
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        Self {
            http: Client::builder(TokioExecutor::new()).build(tls),
            timeout,
            base_url: base_url.trim_end_matches('/').to_string(),
            version: version.trim_matches('/').to_string(),
        }
    }

    /// `GET /{version}/{media-id}`: where to download an inbound media file (valid 5 minutes).
    pub async fn media_metadata(&self, media_id: &str, access_token: &str) -> Result<MediaMetadata, GraphError> {
        let url = format!("{}/{}/{}", self.base_url, self.version, media_id);
        self.within_timeout(async {
            let answer = self.call(Method::GET, &url, access_token, None).await?;
            let body = read_to_limit(answer, MAX_ANSWER_BYTES).await?;
            serde_json::from_slice(&body).map_err(|e| GraphError::Unexpected(e.to_string()))
        })
        .await
    }

    /// `POST /{version}/{phone-number-id}/messages`: returns the wamid Meta assigned (accepted, not
    /// yet delivered). [`GraphError::NoAnswer`] and [`GraphError::Unexpected`] leave it open whether
    /// Meta accepted the message.
    pub async fn send_message(
        &self,
        phone_number_id: &str,
        access_token: &str,
        body: &serde_json::Value,
    ) -> Result<String, GraphError> {
        let url = format!("{}/{}/{}/messages", self.base_url, self.version, phone_number_id);
        self.within_timeout(async {
            let answer = self.call(Method::POST, &url, access_token, Some(body)).await?;
            let body = read_to_limit(answer, MAX_ANSWER_BYTES).await?;
            let answer: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| GraphError::Unexpected(e.to_string()))?;
            answer
                .pointer("/messages/0/id")
                .and_then(|id| id.as_str())
                .map(str::to_string)
                .ok_or_else(|| GraphError::Unexpected("no messages[0].id in the answer".into()))
        })
        .await
    }

    /// `POST /{version}/{waba-id}/message_templates`: submits a template for review; answers
    /// Meta's id and status (`PENDING`, or `APPROVED` at once for some utility templates).
    pub async fn create_template(
        &self,
        waba_id: &str,
        access_token: &str,
        definition: &serde_json::Value,
    ) -> Result<(String, String), GraphError> {
        let url = format!("{}/{}/{}/message_templates", self.base_url, self.version, waba_id);
        let answer = self.json(Method::POST, &url, access_token, Some(definition)).await?;
        let id = answer
            .get("id")
            .map(|v| v.to_string().trim_matches('"').to_string())
            .filter(|id| !id.is_empty() && id != "null")
            .ok_or_else(|| GraphError::Unexpected("no id in the answer".into()))?;
        let status = answer.get("status").and_then(|v| v.as_str()).unwrap_or("PENDING");
        Ok((id, status.to_string()))
    }

    /// One page of `GET /{version}/{waba-id}/message_templates`: the entries and the cursor of the
    /// next page, if any.
    pub async fn template_page(
        &self,
        waba_id: &str,
        access_token: &str,
        after: Option<&str>,
    ) -> Result<(Vec<serde_json::Value>, Option<String>), GraphError> {
        let mut url = format!(
            "{}/{}/{}/message_templates?limit=100&fields=id,name,language,category,status,components,parameter_format,rejected_reason",
            self.base_url, self.version, waba_id
        );
        if let Some(after) = after {
            url.push_str(&format!("&after={}", percent_encode(after)));
        }
        let answer = self.json(Method::GET, &url, access_token, None).await?;
        let entries = answer
            .get("data")
            .and_then(|d| d.as_array())
            .cloned()
            .unwrap_or_default();
        let next = answer
            .get("paging")
            .filter(|p| p.get("next").is_some())
            .and_then(|p| p.pointer("/cursors/after"))
            .and_then(|a| a.as_str())
            .map(str::to_string);
        Ok((entries, next))
    }

    /// `DELETE /{version}/{waba-id}/message_templates?name=..&hsm_id=..`: one language of a
    /// template (Meta deletes every language when no `hsm_id` is given).
    pub async fn delete_template(
        &self,
        waba_id: &str,
        access_token: &str,
        name: &str,
        meta_template_id: Option<&str>,
    ) -> Result<(), GraphError> {
        let mut url = format!(
            "{}/{}/{}/message_templates?name={}",
            self.base_url,
            self.version,
            waba_id,
            percent_encode(name)
        );
        if let Some(id) = meta_template_id {
            url.push_str(&format!("&hsm_id={}", percent_encode(id)));
        }
        self.json(Method::DELETE, &url, access_token, None).await.map(|_| ())
    }

    async fn json(
        &self,
        method: Method,
        url: &str,
        access_token: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, GraphError> {
        self.within_timeout(async {
            let answer = self.call(method, url, access_token, body).await?;
            let bytes = read_to_limit(answer, MAX_ANSWER_BYTES).await?;
            serde_json::from_slice(&bytes).map_err(|e| GraphError::Unexpected(e.to_string()))
        })
        .await
    }

    /// Downloads a media URL with the bearer token, refusing more than `max_bytes`.
    pub async fn download(&self, url: &str, access_token: &str, max_bytes: u64) -> Result<Vec<u8>, GraphError> {
        self.within_timeout(async {
            let answer = self.call(Method::GET, url, access_token, None).await?;
            let declared = answer
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if let Some(size) = declared.filter(|size| *size > max_bytes) {
                return Err(GraphError::TooLarge { size, limit: max_bytes });
            }
            Ok(read_to_limit(answer, max_bytes).await?.to_vec())
        })
        .await
    }

    async fn within_timeout<T>(&self, work: impl Future<Output = Result<T, GraphError>>) -> Result<T, GraphError> {
        tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or_else(|_| Err(GraphError::NoAnswer(format!("no answer within {:?}", self.timeout))))
    }

    /// Sends one request; a non-2xx answer becomes [`GraphError::Http`] with Meta's error code.
    async fn call(
        &self,
        method: Method,
        url: &str,
        access_token: &str,
        json: Option<&serde_json::Value>,
    ) -> Result<Answer, GraphError> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| GraphError::Unreachable(format!("not a URL: {e}")))?;
        // A token that cannot even be sent is refused as Meta refuses a bad one (190), so callers
        // treat it as the account's problem, not as a network one to retry.
        let bearer = HeaderValue::from_str(&format!("Bearer {access_token}")).map_err(|_| GraphError::Http {
            status: 401,
            code: Some(190),
            message: "the access token is not a valid header value".into(),
        })?;
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, bearer)
            .header(header::ACCEPT, "application/json");
        let body = match json {
            Some(value) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(serde_json::to_vec(value).map_err(|e| GraphError::Unexpected(e.to_string()))?)
            }
            None => Bytes::new(),
        };
        let request = request
            .body(Full::new(body))
            .map_err(|e| GraphError::Unreachable(e.to_string()))?;
        let response = self.http.request(request).await.map_err(|err| {
            // Only a failed connection proves the request never left.
            if err.is_connect() {
                GraphError::Unreachable(err.to_string())
            } else {
                GraphError::NoAnswer(err.to_string())
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(error_of(status, response).await);
        }
        Ok(response)
    }
}

/// A query-string value: unreserved characters as they are, everything else %-escaped.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Reads a whole body, failing as soon as it passes `limit` bytes.
async fn read_to_limit(response: hyper::Response<hyper::body::Incoming>, limit: u64) -> Result<Bytes, GraphError> {
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| GraphError::NoAnswer(e.to_string()))?;
        if let Ok(chunk) = frame.into_data() {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > limit {
                return Err(GraphError::TooLarge {
                    size: bytes.len() as u64,
                    limit,
                });
            }
        }
    }
    Ok(Bytes::from(bytes))
}

async fn error_of(status: StatusCode, response: hyper::Response<hyper::body::Incoming>) -> GraphError {
    let body: serde_json::Value = match read_to_limit(response, MAX_ANSWER_BYTES).await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    };
    GraphError::Http {
        status: status.as_u16(),
        code: body.pointer("/error/code").and_then(|c| c.as_i64()),
        message: body
            .pointer("/error/message")
            .and_then(|m| m.as_str())
            .unwrap_or("no error message")
            .chars()
            .take(300)
            .collect(),
    }
}

/// Sending a message on Meta's Graph API: the sender's one call, as a port (a test scripts Meta's
/// answers with `graph_memory::ScriptedGraph`).
#[async_trait::async_trait]
pub trait MessageSender: Send + Sync {
    /// The wamid Meta assigned; [`GraphError::NoAnswer`] and [`GraphError::Unexpected`] leave it
    /// open whether Meta accepted the message.
    async fn send_message(
        &self,
        phone_number_id: &str,
        access_token: &str,
        body: &serde_json::Value,
    ) -> Result<String, GraphError>;
}

#[async_trait::async_trait]
impl MessageSender for GraphClient {
    async fn send_message(
        &self,
        phone_number_id: &str,
        access_token: &str,
        body: &serde_json::Value,
    ) -> Result<String, GraphError> {
        GraphClient::send_message(self, phone_number_id, access_token, body).await
    }
}
