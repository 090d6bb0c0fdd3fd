//! The agent API (`/v1`, JSON). Every request is authenticated by `Authorization: Bearer <key>`;
//! the key's organization scopes every read and write, so another organization's ids answer 404.
//!
//! Built so far: conversations (list by last activity with cursor pagination, get with contact,
//! mark read), messages (list newest first with cursor pagination, send: validated, 24-hour window
//! enforced for free-form content, stored `queued`, put on the outbound queue, answered 202).

mod auth;

use auth::{Caller, KeyCache};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::adapters::StoreError;
use shared::adapters::inbox_store::InboxStore;
use shared::adapters::job_queue::{JobQueue, SqsJobQueue};
use shared::adapters::tenancy_store::TenancyStore;
use shared::config::{ConfigError, EnvSource, vars};
use shared::http_error::{HttpError, json_response};
use shared::inbox::{Conversation, Direction, Message, is_window_open, rfc3339_millis, rfc3339_seconds};
use shared::meta::{Content, MediaKind};
use shared::outbound::{self, OutboundJob};
use shared::{cursor, ids, table};
use tracing::{Instrument, info_span, warn};

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
const DEFAULT_PAGE: i32 = 25;
const MAX_PAGE: i32 = 100;

#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub table_name: String,
    pub outbound_queue_url: String,
}

impl ApiConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
        })
    }
}

pub struct ApiService {
    inbox: InboxStore,
    keys: KeyCache,
    outbound: Box<dyn JobQueue>,
}

fn store_error(err: StoreError) -> HttpError {
    tracing::error!(error = %err, "store failure");
    HttpError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "temporarily unavailable; retry",
    )
}

fn not_found(what: &str) -> HttpError {
    HttpError::not_found(format!("no {what} with this id"))
}

fn unprocessable(field: &str, reason: impl std::fmt::Display) -> HttpError {
    HttpError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        format!("{field}: {reason}"),
    )
}

impl ApiService {
    pub fn from_aws(config: &ApiConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        Self {
            inbox: InboxStore::new(dynamo.clone(), &config.table_name),
            keys: KeyCache::new(TenancyStore::new(dynamo, &config.table_name)),
            outbound: Box::new(SqsJobQueue::new(
                aws_sdk_sqs::Client::new(aws),
                &config.outbound_queue_url,
            )),
        }
    }

    pub async fn handle(&self, request: Request) -> Result<Response<Body>, lambda_http::Error> {
        let span = info_span!("api", method = %request.method(), path = %request.uri().path(), org = tracing::field::Empty, agent = tracing::field::Empty, key = tracing::field::Empty);
        let response = async {
            match self.route(&request).await {
                Ok(response) => response,
                Err(error) => {
                    if error.status.is_server_error() {
                        warn!(status = error.status.as_u16(), "{}", error.message);
                    }
                    error.into_response()
                }
            }
        }
        .instrument(span)
        .await;
        Ok(response)
    }

    async fn route(&self, request: &Request) -> Result<Response<Body>, HttpError> {
        let caller = self.keys.authenticate(request).await?;
        tracing::Span::current()
            .record("org", caller.org_id.as_str())
            .record("agent", caller.agent_id.as_str())
            .record("key", caller.key_id.as_str());
        let path = request.uri().path().trim_end_matches('/').to_string();
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        match (request.method().clone(), segments.as_slice()) {
            (Method::GET, ["v1", "conversations"]) => self.list_conversations(&caller, request).await,
            (Method::GET, ["v1", "conversations", id]) => self.get_conversation(&caller, id).await,
            (Method::POST, ["v1", "conversations", id, "read"]) => self.mark_read(&caller, id).await,
            (Method::GET, ["v1", "conversations", id, "messages"]) => self.list_messages(&caller, id, request).await,
            (Method::POST, ["v1", "conversations", id, "messages"]) => self.send(&caller, id, request).await,
            _ => Err(HttpError::not_found("no such route")),
        }
    }

    async fn conversation(&self, caller: &Caller, id: &str) -> Result<Conversation, HttpError> {
        if !ids::is_well_formed(id) {
            return Err(not_found("conversation"));
        }
        self.inbox
            .conversation(&caller.org_id, id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| not_found("conversation"))
    }

    async fn list_conversations(&self, caller: &Caller, request: &Request) -> Result<Response<Body>, HttpError> {
        let (limit, start) = page_parameters(request, &caller.org_id)?;
        let (conversations, next) = self
            .inbox
            .conversations_page(&caller.org_id, limit, start)
            .await
            .map_err(store_error)?;
        let data: Vec<Value> = conversations.iter().map(conversation_json).collect();
        Ok(ok(
            json!({"data": data, "next_cursor": next.map(|k| cursor::encode(&k))}),
        ))
    }

    async fn get_conversation(&self, caller: &Caller, id: &str) -> Result<Response<Body>, HttpError> {
        let conversation = self.conversation(caller, id).await?;
        let contact = self
            .inbox
            .contact(&caller.org_id, &conversation.contact_id)
            .await
            .map_err(store_error)?;
        let mut body = conversation_json(&conversation);
        body["contact"] = contact
            .map(|c| json!({"id": c.contact_id, "name": c.profile_name, "phone_number": c.wa_id, "tags": c.tags}))
            .unwrap_or(Value::Null);
        Ok(ok(body))
    }

    async fn mark_read(&self, caller: &Caller, id: &str) -> Result<Response<Body>, HttpError> {
        self.conversation(caller, id).await?;
        self.inbox.mark_read(&caller.org_id, id).await.map_err(store_error)?;
        let conversation = self.conversation(caller, id).await?;
        Ok(ok(conversation_json(&conversation)))
    }

    async fn list_messages(&self, caller: &Caller, id: &str, request: &Request) -> Result<Response<Body>, HttpError> {
        self.conversation(caller, id).await?;
        let (limit, start) = page_parameters(request, &caller.org_id)?;
        let (messages, next) = self
            .inbox
            .messages_page(&caller.org_id, id, limit, start)
            .await
            .map_err(store_error)?;
        Ok(ok(
            json!({"data": messages.iter().map(message_json).collect::<Vec<_>>(), "has_more": next.is_some(), "next_cursor": next.map(|k| cursor::encode(&k))}),
        ))
    }

    async fn send(&self, caller: &Caller, id: &str, request: &Request) -> Result<Response<Body>, HttpError> {
        let body: &[u8] = request.body().as_ref();
        if body.len() > MAX_BODY_BYTES {
            return Err(HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("at most {MAX_BODY_BYTES} bytes"),
            ));
        }
        let send: SendRequest = serde_json::from_slice(body)
            .map_err(|e| HttpError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
        let content = send.content()?;
        outbound::validate(&content).map_err(|e| unprocessable(e.field, e.reason))?;
        let conversation = self.conversation(caller, id).await?;
        let now = chrono::Utc::now();
        if outbound::needs_open_window(&content) && !is_window_open(conversation.window_expires_at, now.timestamp()) {
            let expires = conversation.window_expires_at.map(rfc3339_seconds);
            let error = json!({"error": {"code": "window_closed", "message": "the 24-hour customer-service window is closed; only templates can be sent", "window_expires_at": expires}});
            return Ok(json_response(StatusCode::CONFLICT, error.to_string()));
        }
        let contact = self
            .inbox
            .contact(&caller.org_id, &conversation.contact_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| not_found("contact"))?;
        let to = contact
            .wa_id
            .clone()
            .ok_or_else(|| unprocessable("contact", "has no phone-based WhatsApp id to send to"))?;
        let message_id = ids::new_id("msg");
        let key = table::message(&caller.org_id, id, now.timestamp_millis(), &message_id);
        let message = Message {
            org_id: caller.org_id.clone(),
            conversation_id: id.to_string(),
            message_id: message_id.clone(),
            wamid: None,
            direction: Direction::Outbound,
            message_type: send.kind.clone(),
            content: content.clone(),
            status: "queued".into(),
            status_rank: 0,
            meta_timestamp: now.timestamp(),
            received_at_ms: now.timestamp_millis() as u64,
            context: None,
            referral: None,
            errors: vec![],
            media: None,
            pricing: None,
            created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        self.inbox
            .create_outbound(&key, &message, &content.preview())
            .await
            .map_err(store_error)?;
        let job = OutboundJob {
            org_id: caller.org_id.clone(),
            account_id: conversation.account_id.clone(),
            message_pk: key.pk,
            message_sk: key.sk,
            to,
            reply_to: send.reply_to,
        };
        if !self
            .outbound
            .send_all(&[serde_json::to_string(&job).expect("job serialises")])
            .await
            .is_empty()
        {
            return Err(HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the message is stored but could not be queued; retry",
            ));
        }
        let mut response = json_response(StatusCode::ACCEPTED, message_json(&message).to_string());
        *response.status_mut() = StatusCode::ACCEPTED;
        Ok(response)
    }
}

#[derive(Debug, Deserialize)]
struct SendRequest {
    #[serde(rename = "type")]
    kind: String,
    content: Value,
    reply_to: Option<String>,
}

impl SendRequest {
    fn content(&self) -> Result<Content, HttpError> {
        let text = |field: &str| self.content.get(field).and_then(Value::as_str).map(str::to_string);
        match self.kind.as_str() {
            "text" => Ok(Content::Text {
                body: text("text").ok_or_else(|| unprocessable("content.text", "is required"))?,
            }),
            "image" | "document" | "audio" | "video" => Ok(Content::Media {
                media_kind: MediaKind::from_type(&self.kind).expect("matched above"),
                media_id: text("media_id").ok_or_else(|| unprocessable("content.media_id", "is required"))?,
                mime_type: None,
                sha256: None,
                caption: text("caption"),
                filename: text("filename"),
                voice: None,
                animated: None,
            }),
            "template" => Ok(Content::Template {
                name: text("name").ok_or_else(|| unprocessable("content.name", "is required"))?,
                language: text("language").unwrap_or_else(|| "en_US".into()),
                components: self.content.get("components").cloned().unwrap_or(Value::Array(vec![])),
            }),
            other => Err(unprocessable(
                "type",
                format!("{other:?} is not one of text, image, document, audio, video, template"),
            )),
        }
    }
}

fn page_parameters(
    request: &Request,
    org_id: &str,
) -> Result<(i32, Option<std::collections::BTreeMap<String, String>>), HttpError> {
    use lambda_http::RequestExt;
    let query = request.query_string_parameters();
    let limit = match query.first("limit") {
        None => DEFAULT_PAGE,
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=MAX_PAGE).contains(l))
            .ok_or_else(|| unprocessable("limit", format!("1 to {MAX_PAGE}")))?,
    };
    let start = match query.first("cursor") {
        None => None,
        Some(text) => Some(cursor::decode(text, &table::org_partition(org_id)).ok_or_else(|| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "cursor is not one this API issued",
            )
        })?),
    };
    Ok((limit, start))
}

fn ok(body: Value) -> Response<Body> {
    json_response(StatusCode::OK, body.to_string())
}

fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.conversation_id,
        "account_id": c.account_id,
        "contact_id": c.contact_id,
        "status": c.status.as_str(),
        "unread_count": c.unread_count,
        "message_count": c.message_count,
        "last_message_at": rfc3339_millis(c.last_message_ms),
        "last_message_preview": c.last_message_preview,
        "assigned_agent_id": c.assigned_agent_id,
        "division_id": c.division_id,
        "window_expires_at": c.window_expires_at.map(rfc3339_seconds),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

fn message_json(m: &Message) -> Value {
    json!({
        "id": m.message_id,
        "conversation_id": m.conversation_id,
        "direction": m.direction,
        "type": m.message_type,
        "content": m.content,
        "status": m.status,
        "wamid": m.wamid,
        "timestamp": rfc3339_seconds(m.meta_timestamp),
        "errors": m.errors,
        "media": m.media,
        "created_at": m.created_at,
    })
}
