//! Webhook verification and intake: `GET` answers Meta's handshake, `POST` authenticates a
//! delivery by its `X-Hub-Signature-256` and puts the raw body on the ingest queue. Nothing else
//! happens on this path, so Meta gets its 200 fast; parsing and storage are the ingest function's.

pub mod account_cache;

use account_cache::{AccountCache, Source};
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::access::accounts::{AccountDirectory, DynamoAccountDirectory};
use shared::access::tenancy::WebhookAccount;
use shared::access::webhook_auth::{self, HandshakeQuery, SIGNATURE_HEADER, SignatureError};
use shared::inbox::delivery::{self, PayloadPointer};
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::ingest_queue::{DeliveryAttributes, IngestQueue, SqsIngestQueue};
use shared::platform::payload_store::{PayloadStore, S3PayloadStore};
use shared::platform::secret_keeper::KmsSecretKeeper;
use shared::platform::telemetry;
use std::sync::Arc;
use std::time::Duration;
use tracing::{Instrument, info, info_span, warn};

/// Meta's documented maximum webhook payload.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;
const ACCOUNT_PATH_PARAMETER: &str = "account";

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub table_name: String,
    /// The KMS key that seals account secrets.
    pub secrets_key_id: String,
    pub ingest_queue_url: String,
    pub payload_bucket: String,
    pub account_cache_ttl: Duration,
}

impl WebhookConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            secrets_key_id: env.required(vars::SECRETS_KEY_ID)?,
            ingest_queue_url: env.required(vars::INGEST_QUEUE_URL)?,
            payload_bucket: env.required(vars::MEDIA_BUCKET)?,
            account_cache_ttl: env.seconds_or(vars::ACCOUNT_CACHE_TTL_SECONDS, account_cache::DEFAULT_TTL.as_secs())?,
        })
    }
}

pub struct WebhookService {
    accounts: Box<dyn AccountDirectory>,
    queue: Box<dyn IngestQueue>,
    payloads: Box<dyn PayloadStore>,
    cache: AccountCache,
    /// "Now": a delivery's receive time, and the account cache's refresh floor.
    clock: shared::platform::clock::Clock,
}

impl WebhookService {
    pub fn new(
        accounts: Box<dyn AccountDirectory>,
        queue: Box<dyn IngestQueue>,
        payloads: Box<dyn PayloadStore>,
        cache_ttl: Duration,
    ) -> Self {
        Self {
            accounts,
            queue,
            payloads,
            cache: AccountCache::new(cache_ttl),
            clock: shared::platform::clock::Clock::system(),
        }
    }

    /// Reads "now" from `clock` for the account cache's refresh after a signature mismatch.
    pub fn with_clock(mut self, clock: shared::platform::clock::Clock) -> Self {
        self.cache = self.cache.with_clock(clock.clone());
        self.clock = clock;
        self
    }

    pub fn from_aws(config: &WebhookConfig, aws: &aws_config::SdkConfig) -> Self {
        Self::new(
            Box::new(DynamoAccountDirectory::new(
                aws_sdk_dynamodb::Client::new(aws),
                &config.table_name,
                KmsSecretKeeper::shared(aws, &config.secrets_key_id),
            )),
            Box::new(SqsIngestQueue::new(
                aws_sdk_sqs::Client::new(aws),
                &config.ingest_queue_url,
            )),
            Box::new(S3PayloadStore::new(
                aws_sdk_s3::Client::new(aws),
                &config.payload_bucket,
            )),
            config.account_cache_ttl,
        )
    }

    /// The Lambda handler. Every outcome is an HTTP response; the error type is never produced.
    pub async fn handle(&self, request: Request) -> Result<Response<Body>, lambda_http::Error> {
        let request_id = request_id(&request);
        let span = info_span!("webhook", request_id = %request_id, method = %request.method(), account = tracing::field::Empty);
        let (outcome, response) = async {
            match self.route(&request).await {
                Ok(response) => ("accepted", response),
                Err(error) => {
                    warn!(
                        status = error.status.as_u16(),
                        code = error.code,
                        "webhook rejected: {}",
                        error.message
                    );
                    (error.code, error.into_response())
                }
            }
        }
        .instrument(span)
        .await;
        telemetry::emit_metric("WebhookRequests", 1.0, "Count", &[("Outcome", outcome)]);
        Ok(response)
    }

    async fn route(&self, request: &Request) -> Result<Response<Body>, HttpError> {
        match *request.method() {
            Method::GET => self.handshake(request).await,
            Method::POST => self.intake(request).await,
            _ => Err(HttpError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "use GET (verification) or POST (deliveries)",
            )),
        }
    }

    async fn account(&self, request: &Request) -> Result<(Arc<WebhookAccount>, Source), HttpError> {
        let account_id = account_segment(request)
            .filter(|id| ids::is_well_formed(id))
            .ok_or_else(unknown_account)?;
        tracing::Span::current().record("account", account_id.as_str());
        match self.cache.get(self.accounts.as_ref(), &account_id).await {
            Ok((Some(account), source)) => Ok((account, source)),
            Ok((None, _)) => Err(unknown_account()),
            Err(err) => {
                tracing::error!(error = %err, "account lookup failed");
                Err(unavailable())
            }
        }
    }

    async fn handshake(&self, request: &Request) -> Result<Response<Body>, HttpError> {
        let (account, _) = self.account(request).await?;
        let params = request.query_string_parameters();
        let query = HandshakeQuery {
            mode: params.first("hub.mode"),
            verify_token: params.first("hub.verify_token"),
            challenge: params.first("hub.challenge"),
        };
        let challenge = webhook_auth::verify_handshake(&query, account.verify_token.expose())
            .map_err(|err| HttpError::new(StatusCode::FORBIDDEN, "verification_failed", err.to_string()))?;
        info!("verification handshake accepted");
        Ok(text_response(StatusCode::OK, challenge.to_string()))
    }

    async fn intake(&self, request: &Request) -> Result<Response<Body>, HttpError> {
        let received_at_ms = self.clock.now_ms().max(0) as u64;
        let body: &[u8] = request.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("body is {} bytes; the limit is {MAX_BODY_BYTES}", body.len()),
            ));
        }
        let (account, source) = self.account(request).await?;
        let signature = request
            .headers()
            .get(SIGNATURE_HEADER)
            .map(|v| v.to_str().unwrap_or(""));
        let account = match webhook_auth::verify_signature(account.app_secret.expose().as_bytes(), body, signature) {
            Ok(()) => account,
            Err(SignatureError::Mismatch) if source == Source::Cache => {
                self.retry_with_fresh_secret(request, body, signature).await?
            }
            Err(err) => return Err(invalid_signature(err)),
        };
        let text = parse_json_object(body)?;
        let attributes = DeliveryAttributes {
            org_id: &account.org_id,
            account_id: &account.account_id,
            received_at_ms,
            payload_location: delivery::LOCATION_INLINE,
        };
        let enqueued = if delivery::fits_inline(text) {
            self.queue.send(&attributes, text).await
        } else {
            self.claim_check(attributes, text).await
        };
        if let Err(err) = enqueued {
            tracing::error!(error = %err, "enqueue failed; Meta will retry the delivery");
            return Err(unavailable());
        }
        info!(bytes = body.len(), "delivery accepted");
        Ok(text_response(StatusCode::OK, "EVENT_RECEIVED".into()))
    }

    /// A cached secret may be stale after a rotation: re-read once and check again.
    async fn retry_with_fresh_secret(
        &self,
        request: &Request,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<Arc<WebhookAccount>, HttpError> {
        let account_id = account_segment(request).unwrap_or_default();
        let refreshed = self
            .cache
            .refresh_after_mismatch(self.accounts.as_ref(), &account_id)
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "account re-read failed");
                unavailable()
            })?;
        match refreshed {
            Some(Some(account)) => {
                webhook_auth::verify_signature(account.app_secret.expose().as_bytes(), body, signature)
                    .map(|_| account)
                    .map_err(invalid_signature)
            }
            Some(None) => Err(unknown_account()),
            None => Err(invalid_signature(SignatureError::Mismatch)),
        }
    }

    /// Stores a payload SQS cannot carry in S3 and enqueues a pointer to it.
    async fn claim_check(
        &self,
        mut attributes: DeliveryAttributes<'_>,
        text: &str,
    ) -> Result<(), shared::platform::StoreError> {
        let key = delivery::payload_key(
            attributes.org_id,
            attributes.account_id,
            attributes.received_at_ms,
            &ids::new_id("dlv"),
        );
        self.payloads
            .put(&key, text.as_bytes().to_vec(), "application/json")
            .await?;
        let pointer = PayloadPointer {
            bucket: self.payloads.bucket().to_string(),
            key,
            size: text.len(),
        };
        attributes.payload_location = delivery::LOCATION_S3;
        let body = serde_json::to_string(&pointer).expect("pointer serialises");
        self.queue.send(&attributes, &body).await
    }
}

/// The account id from the route's path parameter, or from the raw path when an event carries no
/// path parameters (a hand-written test event).
fn account_segment(request: &Request) -> Option<String> {
    if let Some(id) = request
        .path_parameters_ref()
        .and_then(|p| p.first(ACCOUNT_PATH_PARAMETER))
    {
        return Some(id.to_string());
    }
    request
        .uri()
        .path()
        .strip_prefix("/webhooks/whatsapp/")
        .map(|rest| rest.trim_end_matches('/').to_string())
        .filter(|s| !s.contains('/'))
}

fn request_id(request: &Request) -> String {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| ids::new_id("req"))
}

/// The body as text, if it is a JSON object (the only thing Meta sends).
fn parse_json_object(body: &[u8]) -> Result<&str, HttpError> {
    let not_json = |reason: &str| {
        HttpError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("body is not a JSON object: {reason}"),
        )
    };
    let text = std::str::from_utf8(body).map_err(|_| not_json("not UTF-8"))?;
    if !text.trim_start().starts_with('{') {
        return Err(not_json("expected '{'"));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|err| not_json(&err.to_string()))?;
    Ok(text)
}

fn unknown_account() -> HttpError {
    HttpError::not_found("no WhatsApp account has this webhook URL")
}

fn unavailable() -> HttpError {
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "temporarily unable to accept the delivery; retry later",
    )
}

fn invalid_signature(err: SignatureError) -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, "invalid_signature", err.to_string())
}

fn text_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        "text/plain; charset=utf-8".parse().expect("static header value"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_json_objects_are_accepted() {
        assert!(parse_json_object(br#" {"object":"whatsapp_business_account"}"#).is_ok());
        for bad in [
            &b"not json"[..],
            b"[1,2]",
            b"42",
            b"{\"a\":",
            b"{\"a\":1} trailing",
            b"\xff\xfe{}",
            b"",
        ] {
            let err = parse_json_object(bad).unwrap_err();
            assert_eq!(
                (err.status, err.code),
                (StatusCode::BAD_REQUEST, "invalid_json"),
                "{bad:?}"
            );
        }
    }
}
