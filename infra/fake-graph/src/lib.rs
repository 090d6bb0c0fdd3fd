//! A local Graph API for the WhatsApp Cloud API, faithful where Switchboard depends on it:
//!
//! - `GET /{version}/{media-id}` with a bearer token answers `{url, mime_type, sha256, file_size,
//!   id, messaging_product}`; the URL is good for `url_ttl` (Meta: 5 minutes), then answers 404;
//! - `GET {url}` with the same bearer token answers the bytes;
//! - a wrong token answers 401 with Graph error code 190, an unknown media id 404 with code 100;
//! - `POST /{version}/{phone-number-id}/messages` accepts a send and answers a new wamid, counting
//!   sends per `biz_opaque_callback_data` (Switchboard's message id) and answering 130429 to sends
//!   over the number's messages-per-second limit (fixed one-second windows);
//! - optionally, after accepting a send, it posts Meta-signed `sent`, `delivered` and `read` status
//!   webhooks for it to a webhook URL (`make dev` points it at the local webhook function);
//! - failures can be scripted per route (an HTTP status with a Graph error body, a delay, or a
//!   send accepted whose answer comes too late or never), and every request is counted per route;
//! - status webhooks echo the send's `biz_opaque_callback_data`, as Meta's do.
//!
//! Tests start it in-process on port 0; `make dev` runs it inside the local runtime.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

mod interactive;
mod templates;
mod webhooks;

pub use templates::{FakeTemplate, Review};
pub use webhooks::{SignedWebhook, StatusWebhooks};

/// Meta's lifetime of a media download URL.
pub const DEFAULT_URL_TTL: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    MediaMetadata,
    MediaDownload,
    SendMessage,
    Templates,
}

/// One accepted send.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub phone_number_id: String,
    pub wamid: String,
    pub body: serde_json::Value,
    /// The epoch second the fake accepted it in (the one its mps limit counted it in).
    pub second: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Answer this HTTP status with a Graph error body of this code.
    Status { http: u16, graph_code: i64 },
    /// Wait this long before answering normally.
    Delay(Duration),
    /// Accept a send (it counts as sent, with a wamid), then wait this long before answering: a
    /// client with a shorter timeout never sees the answer.
    AcceptThenDelay(Duration),
    /// Accept a send, then close the connection without answering.
    AcceptThenHangUp,
    /// Accept a send, then answer as an edge proxy in front of Meta might: this HTTP status with
    /// this body (an HTML page, or nothing), not Meta's error JSON.
    AcceptThenEdgeAnswer { http: u16, body: &'static str },
}

/// Closes a connection without an answer (hyper drops the connection on a service error).
#[derive(Debug)]
pub struct HangUp;

impl std::fmt::Display for HangUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("hung up on purpose")
    }
}

impl std::error::Error for HangUp {}

struct Media {
    bytes: Bytes,
    mime_type: String,
    sha256_hex: String,
}

pub(crate) struct State {
    access_tokens: Vec<String>,
    url_ttl: Duration,
    media: HashMap<String, Media>,
    urls: HashMap<String, (String, Instant)>,
    failures: HashMap<Route, VecDeque<Failure>>,
    requests: HashMap<Route, usize>,
    expire_next_urls: usize,
    sent: Vec<SentMessage>,
    mps_limit: u32,
    window: HashMap<String, (u64, u32)>,
    rate_limited: usize,
    status_webhooks: Option<StatusWebhooks>,
    outbox: Vec<SignedWebhook>,
    templates: Vec<FakeTemplate>,
    review: Option<Review>,
    /// Graph error codes every send to a recipient (`to`) is refused with.
    refusals: HashMap<String, i64>,
}

#[derive(Clone)]
pub struct FakeGraph {
    state: Arc<Mutex<State>>,
    base_url: String,
}

impl FakeGraph {
    /// Serves on `listener` (loopback) until the runtime ends; `access_tokens` are the bearer tokens
    /// it accepts.
    pub fn serve(listener: TcpListener, access_tokens: Vec<String>) -> Self {
        let address = listener.local_addr().expect("bound listener");
        let fake = Self {
            state: Arc::new(Mutex::new(State {
                access_tokens,
                url_ttl: DEFAULT_URL_TTL,
                media: HashMap::new(),
                urls: HashMap::new(),
                failures: HashMap::new(),
                requests: HashMap::new(),
                expire_next_urls: 0,
                sent: Vec::new(),
                mps_limit: 80,
                window: HashMap::new(),
                rate_limited: 0,
                status_webhooks: None,
                outbox: Vec::new(),
                templates: Vec::new(),
                review: None,
                refusals: HashMap::new(),
            })),
            base_url: format!("http://{address}"),
        };
        let server = fake.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let fake = server.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let fake = fake.clone();
                        async move { fake.answer(request).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        fake
    }

    /// Starts on a free loopback port.
    pub async fn start(access_tokens: Vec<String>) -> Self {
        Self::serve(
            TcpListener::bind("127.0.0.1:0").await.expect("loopback port"),
            access_tokens,
        )
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes `bytes` downloadable as `media_id`; returns its SHA-256 in hex.
    pub fn add_media(&self, media_id: &str, bytes: impl Into<Bytes>, mime_type: &str) -> String {
        let bytes = bytes.into();
        let sha256_hex = hex::encode(Sha256::digest(&bytes));
        self.state().media.insert(
            media_id.to_string(),
            Media {
                bytes,
                mime_type: mime_type.to_string(),
                sha256_hex: sha256_hex.clone(),
            },
        );
        sha256_hex
    }

    /// Accepts `token` too from now on (an account whose token was replaced).
    pub fn accept_token(&self, token: &str) {
        self.state().access_tokens.push(token.to_string());
    }

    /// The next `times` requests to `route` fail with `failure`.
    pub fn fail_next(&self, route: Route, failure: Failure, times: usize) {
        let mut state = self.state();
        let queue = state.failures.entry(route).or_default();
        queue.extend(std::iter::repeat_n(failure, times));
    }

    pub fn set_url_ttl(&self, ttl: Duration) {
        self.state().url_ttl = ttl;
    }

    /// The next `count` download URLs are issued already expired (a slow client, 5 minutes later).
    pub fn expire_next_urls(&self, count: usize) {
        self.state().expire_next_urls = count;
    }

    /// Every download URL issued so far stops working, as after Meta's 5 minutes.
    pub fn expire_urls(&self) {
        let past = Instant::now() - Duration::from_secs(1);
        for (_, (_, expires)) in self.state().urls.iter_mut() {
            *expires = past;
        }
    }

    /// Messages per second each phone number may send before answering 130429 (Meta: 80 to 1,000).
    pub fn set_mps_limit(&self, mps: u32) {
        self.state().mps_limit = mps;
    }

    /// After each accepted send, post signed sent/delivered/read statuses to this webhook.
    pub fn report_statuses_to(&self, webhooks: StatusWebhooks) {
        self.state().status_webhooks = Some(webhooks);
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        self.state().sent.clone()
    }

    /// How many accepted sends carried this `biz_opaque_callback_data`.
    pub fn sends_of(&self, callback_data: &str) -> usize {
        self.state()
            .sent
            .iter()
            .filter(|m| m.body["biz_opaque_callback_data"] == callback_data)
            .count()
    }

    /// How many accepted sends went to this recipient (`to`).
    pub fn sends_to(&self, to: &str) -> usize {
        self.state().sent.iter().filter(|m| m.body["to"] == to).count()
    }

    /// Every later send to `to` is refused with this Graph error code (131049 marketing cap,
    /// 131050 opted out, 131026 undeliverable, ...).
    pub fn refuse_recipient(&self, to: &str, graph_code: i64) {
        self.state().refusals.insert(to.to_string(), graph_code);
    }

    /// Sends refused with 130429 for exceeding the messages-per-second limit.
    pub fn rate_limited(&self) -> usize {
        self.state().rate_limited
    }

    pub fn requests(&self, route: Route) -> usize {
        self.state().requests.get(&route).copied().unwrap_or(0)
    }

    async fn answer(&self, request: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, HangUp> {
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let path = parts.uri.path().trim_start_matches('/').to_string();
        let segments: Vec<&str> = path.split('/').collect();
        let route = match (parts.method.as_str(), segments.as_slice()) {
            ("GET", ["media-download", _]) => Route::MediaDownload,
            ("POST", [version, _, "messages"]) if version.starts_with('v') => Route::SendMessage,
            (_, [version, _, "message_templates"]) if version.starts_with('v') => Route::Templates,
            ("GET", [version, _]) if version.starts_with('v') => Route::MediaMetadata,
            _ => {
                return Ok(graph_error(
                    404,
                    100,
                    "Unsupported request: this fake answers media, message and template routes only",
                ));
            }
        };
        let failure = {
            let mut state = self.state();
            *state.requests.entry(route).or_default() += 1;
            state.failures.get_mut(&route).and_then(VecDeque::pop_front)
        };
        let mut after_accepting = None;
        match failure {
            Some(Failure::Status { http, graph_code }) => return Ok(graph_error(http, graph_code, "scripted failure")),
            Some(Failure::Delay(delay)) => tokio::time::sleep(delay).await,
            Some(other) => after_accepting = Some(other),
            None => {}
        }
        let token = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_string();
        if !self.state().access_tokens.contains(&token) {
            return Ok(graph_error(
                401,
                190,
                "Invalid OAuth access token - Cannot parse access token",
            ));
        }
        let answer = match route {
            Route::MediaMetadata => self.metadata(segments[1]),
            Route::MediaDownload => self.download(segments[1]),
            Route::SendMessage => self.accept_send(segments[1], &body),
            Route::Templates => self.templates(parts.method.as_str(), segments[1], parts.uri.query(), &body),
        };
        match after_accepting {
            Some(Failure::AcceptThenDelay(delay)) => tokio::time::sleep(delay).await,
            Some(Failure::AcceptThenHangUp) => return Err(HangUp),
            Some(Failure::AcceptThenEdgeAnswer { http, body }) => {
                let mut edge = hyper::Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                *edge.status_mut() = http::StatusCode::from_u16(http).unwrap_or(http::StatusCode::BAD_GATEWAY);
                if !body.is_empty() {
                    edge.headers_mut()
                        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/html"));
                }
                return Ok(edge);
            }
            _ => {}
        }
        Ok(answer)
    }

    fn metadata(&self, media_id: &str) -> hyper::Response<Full<Bytes>> {
        let mut state = self.state();
        let Some(media) = state.media.get(media_id) else {
            return graph_error(
                404,
                100,
                &format!("Unsupported get request. Object with ID '{media_id}' does not exist"),
            );
        };
        let body = json!({
            "messaging_product": "whatsapp",
            "url": "",
            "mime_type": media.mime_type,
            "sha256": media.sha256_hex,
            "file_size": media.bytes.len(),
            "id": media_id,
        });
        let token: String = rand::Rng::sample_iter(rand::rng(), &rand::distr::Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let expires = if state.expire_next_urls > 0 {
            state.expire_next_urls -= 1;
            Instant::now() - Duration::from_secs(1)
        } else {
            Instant::now() + state.url_ttl
        };
        state.urls.insert(token.clone(), (media_id.to_string(), expires));
        let mut body = body;
        body["url"] = json!(format!("{}/media-download/{token}", self.base_url));
        respond(200, "application/json", Bytes::from(body.to_string()))
    }

    fn download(&self, token: &str) -> hyper::Response<Full<Bytes>> {
        let state = self.state();
        match state.urls.get(token) {
            Some((media_id, expires)) if Instant::now() < *expires => match state.media.get(media_id) {
                Some(media) => respond(200, &media.mime_type, media.bytes.clone()),
                None => graph_error(404, 100, "media deleted"),
            },
            _ => respond(404, "text/plain", Bytes::from_static(b"URL expired or unknown")),
        }
    }
}

impl FakeGraph {
    fn accept_send(&self, phone_number_id: &str, body: &[u8]) -> hyper::Response<Full<Bytes>> {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(body) else {
            return graph_error(400, 100, "Invalid parameter: body is not JSON");
        };
        let kind = message["type"].as_str().unwrap_or_default().to_string();
        if message["messaging_product"] != "whatsapp"
            || message["to"].as_str().is_none_or(str::is_empty)
            || message.get(&kind).is_none()
        {
            return graph_error(
                400,
                100,
                "Invalid parameter: messaging_product, to and a body of the message's type are required",
            );
        }
        if let Some(reason) = interactive::refusal(&message) {
            return graph_error(
                400,
                131009,
                &format!("(#131009) Parameter value is not valid: {reason}"),
            );
        }
        let mut state = self.state();
        if let Some(code) = message["to"].as_str().and_then(|to| state.refusals.get(to)).copied() {
            return graph_error(400, code, refusal_title(code));
        }
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let limit = state.mps_limit;
        let window = state.window.entry(phone_number_id.to_string()).or_insert((second, 0));
        if window.0 != second {
            *window = (second, 0);
        }
        if window.1 >= limit {
            state.rate_limited += 1;
            return graph_error(
                400,
                130429,
                "Rate limit hit: cloud API message throughput has been reached",
            );
        }
        window.1 += 1;
        let wamid = format!(
            "wamid.FAKE{}",
            rand::Rng::sample_iter(rand::rng(), &rand::distr::Alphanumeric)
                .take(28)
                .map(char::from)
                .collect::<String>()
        );
        let to = message["to"].clone();
        if let Some(webhooks) = state.status_webhooks.clone() {
            let recipient = to.as_str().unwrap_or_default().to_string();
            let callback_data = message["biz_opaque_callback_data"].as_str().map(str::to_string);
            tokio::spawn(webhooks::report_statuses(
                self.clone(),
                webhooks,
                phone_number_id.to_string(),
                wamid.clone(),
                recipient,
                callback_data,
            ));
        }
        state.sent.push(SentMessage {
            phone_number_id: phone_number_id.to_string(),
            wamid: wamid.clone(),
            body: message,
            second,
        });
        let answer = json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": wamid}]});
        respond(200, "application/json", Bytes::from(answer.to_string()))
    }
}

pub(crate) fn respond(status: u16, content_type: &str, body: Bytes) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(http::header::CONTENT_TYPE, value);
    }
    response
}

fn refusal_title(code: i64) -> &'static str {
    match code {
        131049 => "This message was not delivered to maintain healthy ecosystem engagement.",
        131050 => {
            "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."
        }
        131026 => "Message undeliverable",
        _ => "refused for this recipient",
    }
}

/// Graph's error envelope.
pub(crate) fn graph_error(status: u16, code: i64, message: &str) -> hyper::Response<Full<Bytes>> {
    let body =
        json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEfFake"}});
    respond(status, "application/json", Bytes::from(body.to_string()))
}
