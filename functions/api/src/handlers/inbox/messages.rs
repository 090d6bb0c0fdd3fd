//! Messages: list newest first, and send (validated, window enforced, stored `queued`, queued for
//! the sender function, answered 202).

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::load;
use crate::request::{Context, next_cursor, ok, respond, unprocessable};
use crate::views;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shared::desk::UPLOADED_MEDIA_PREFIX;
use shared::inbox::outbound::{self, OutboundJob};
use shared::inbox::outbound_store::{Created, IdempotencyClaim};
use shared::inbox::{Direction, Message, is_window_open, rfc3339_seconds};
use shared::meta::{Content, MediaKind};
use shared::platform::http_error::{HttpError, json_response};
use shared::platform::ids;
use shared::platform::table;

/// Bytes of messages one list answer carries at most: Lambda answers at most 6 MB, and a page of
/// 100 messages at their largest (Meta's contact cards, an often-edited message's earlier
/// contents) could pass it. A page cut short says `has_more`, its cursor right after the last.
pub const MAX_LIST_BYTES: usize = 5 * 1024 * 1024;

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    let (limit, start) = cx.page()?;
    let (messages, mut next) = api
        .inbox
        .messages
        .page_keyed(cx.org(), &conversation.conversation_id, limit, start)
        .await?;
    let mut data: Vec<views::Message> = Vec::with_capacity(messages.len());
    let mut bytes = 0usize;
    for (message, _) in &messages {
        let mut view = views::Message::from(message);
        if let Some(file) = stored_file_of(api, cx.org(), message).await? {
            // Signed locally: no request to S3. Documents download; only WhatsApp's types render.
            let (content_type, attachment) = shared::desk::served_as(file.kind, file.mime_type.as_deref());
            view.media_url = api
                .inbox
                .media_links
                .presigned_view(&file.key, content_type, attachment)
                .await
                .ok();
        }
        let size = serde_json::to_vec(&view).map(|v| v.len()).unwrap_or(usize::MAX);
        if !data.is_empty() && bytes.saturating_add(size) > MAX_LIST_BYTES {
            break;
        }
        bytes = bytes.saturating_add(size);
        data.push(view);
    }
    if data.len() < messages.len() {
        next = messages.get(data.len() - 1).map(|(_, key)| key.clone());
    }
    ok(&views::MessageList {
        data,
        has_more: next.is_some(),
        next_cursor: next_cursor(next),
    })
}

/// A message's stored file: where, of which kind, and the type it was stored with.
struct StoredFile {
    key: String,
    kind: MediaKind,
    mime_type: Option<String>,
}

/// Where a message's file is stored: the copy of a customer's file from Meta, or the upload an
/// agent sent (`POST /v1/media`, kept under the organization, its type recorded with it).
async fn stored_file_of(api: &ApiService, org_id: &str, message: &Message) -> Result<Option<StoredFile>, HttpError> {
    if let Some(media) = &message.media
        && let Some(key) = &media.s3_key
    {
        return Ok(Some(StoredFile {
            key: key.clone(),
            kind: media.media_kind,
            mime_type: media.mime_type.clone(),
        }));
    }
    match &message.content {
        Content::Media {
            media_id, media_kind, ..
        } if message.direction == Direction::Outbound && media_id.starts_with(UPLOADED_MEDIA_PREFIX) => {
            let upload = api.inbox.uploads.upload(org_id, media_id).await?;
            Ok(Some(StoredFile {
                key: table::uploaded_media_object(org_id, media_id),
                kind: *media_kind,
                mime_type: upload.map(|u| u.mime_type),
            }))
        }
        _ => Ok(None),
    }
}

pub(crate) fn content_of(send: &views::SendMessageRequest) -> Result<Content, HttpError> {
    if !send.content.is_object() {
        return Err(unprocessable("content", "must be an object"));
    }
    let text = |field: &str| send.content.get(field).and_then(Value::as_str).map(str::to_string);
    // Optional fields may be absent or null; anything else but a string is refused.
    for field in ["caption", "filename", "language"] {
        if send.content.get(field).is_some_and(|v| !v.is_string() && !v.is_null()) {
            return Err(unprocessable(&format!("content.{field}"), "must be a string"));
        }
    }
    match send.r#type.as_str() {
        "text" => Ok(Content::Text {
            body: text("text").ok_or_else(|| unprocessable("content.text", "is required"))?,
        }),
        "image" | "document" | "audio" | "video" => Ok(Content::Media {
            media_kind: MediaKind::from_type(&send.r#type).expect("matched above"),
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
            components: send.content.get("components").cloned().unwrap_or(Value::Array(vec![])),
        }),
        other => Err(unprocessable(
            "type",
            format!("{other:?} is not one of text, image, document, audio, video, template"),
        )),
    }
}

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// The request's `Idempotency-Key`, by its SHA-256, with the fingerprint of what it asks for
/// (conversation and body): 1 to 255 visible ASCII characters, else 422.
fn idempotency_of(cx: &Context<'_>, conversation_id: &str) -> Result<Option<IdempotencyClaim>, HttpError> {
    let Some(value) = cx.request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&key.len()))
        .filter(|key| key.bytes().all(|b| (0x20..0x7f).contains(&b)) && !key.trim().is_empty())
        .ok_or_else(|| {
            unprocessable(
                "Idempotency-Key",
                format!("must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters"),
            )
        })?;
    let digest = |parts: &[&[u8]]| {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hex::encode(hasher.finalize())
    };
    Ok(Some(IdempotencyClaim {
        key_sha256: digest(&[key.as_bytes()]),
        fingerprint: digest(&[conversation_id.as_bytes(), cx.request.body().as_ref()]),
    }))
}

/// The answer to a request whose `Idempotency-Key` was used before: the same message (queued
/// again if it is still waiting: a lost job is harmless to repeat), or 422 for another request.
async fn replay(api: &ApiService, key: &shared::platform::table::Key) -> Answer {
    let message = api
        .inbox
        .messages
        .message(key)
        .await?
        .ok_or_else(|| HttpError::not_found("the message of this Idempotency-Key no longer exists"))?;
    if message.status == "queued"
        && let Some(pending) = api.inbox.sends.pending(key).await?
        && let Some(job) = pending.job
    {
        enqueue(api, &job).await;
    }
    respond(StatusCode::ACCEPTED, &views::Message::from(&message))
}

fn key_reused() -> HttpError {
    HttpError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "Idempotency-Key: was used within 24 hours for a different request",
    )
}

/// Queues the job; when SQS does not take it the message is still stored, and the sweeper queues
/// it again (`shared::inbox::send_policy`), so the request is still accepted.
async fn enqueue(api: &ApiService, job: &OutboundJob) {
    if !api.inbox.outbound.send_all(&[job.body()]).await.is_empty() {
        tracing::warn!("the message is stored but could not be queued; the sweeper will queue it");
        shared::platform::telemetry::emit_metric("SendsNotQueued", 1.0, "Count", &[("Function", "api")]);
    }
}

/// A template send must name an existing (404 otherwise), approved template of the conversation's
/// WABA and fill exactly its variables: refused here (422, naming the part), never by Meta's
/// 132000 / 132001.
pub(crate) async fn approved_template(
    api: &ApiService,
    cx: &Context<'_>,
    account_id: &str,
    name: &str,
    language: &str,
    components: &Value,
) -> Result<shared::outreach::template::Template, HttpError> {
    let account = api
        .access
        .tenancy
        .get_account(cx.org(), account_id)
        .await?
        .ok_or_else(|| HttpError::not_found("the conversation's account no longer exists"))?;
    let template = api
        .outreach
        .templates
        .by_name(cx.org(), &account.waba_id, name, language)
        .await?
        .ok_or_else(|| {
            // Valid by the schema, missing by state: a resource that does not exist.
            HttpError::new(
                StatusCode::NOT_FOUND,
                "template_not_found",
                format!(
                    "content.name: no template {name:?} in {language} on this account's WABA; create or sync it first"
                ),
            )
        })?;
    if !template.is_approved() {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "template_not_approved",
            format!(
                "content.name: template {name:?} ({language}) is {}, not APPROVED",
                template.status
            ),
        ));
    }
    let spec = shared::outreach::template::ParameterSpec::of(&template.components);
    shared::outreach::template::check_send(&spec, components).map_err(|e| unprocessable(e.field, e.reason))?;
    Ok(template)
}

/// A send's content, checked as far as it can be without the store: 422 naming the field.
pub(crate) fn checked_content(send: &views::SendMessageRequest) -> Result<Content, HttpError> {
    let content = content_of(send)?;
    outbound::validate(&content).map_err(|e| unprocessable(e.field, e.reason))?;
    if let Some(reply_to) = &send.reply_to
        && (reply_to.is_empty()
            || reply_to.len() > outbound::MAX_REPLY_TO_CHARS
            || !reply_to.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(unprocessable("reply_to", "must be a WhatsApp message id (wamid)"));
    }
    Ok(content)
}

/// What the content names must exist: an uploaded medium (404), an approved template with exactly
/// its variables (422).
pub(crate) async fn check_references(
    api: &ApiService,
    cx: &Context<'_>,
    content: &Content,
    account_id: &str,
) -> Result<(), HttpError> {
    if let Content::Media { media_id, .. } = content
        && media_id.starts_with(UPLOADED_MEDIA_PREFIX)
        && (!ids::is_well_formed(media_id) || api.inbox.uploads.upload(cx.org(), media_id).await?.is_none())
    {
        return Err(HttpError::not_found("content.media_id: no uploaded media with this id"));
    }
    if let Content::Template {
        name,
        language,
        components,
    } = content
    {
        approved_template(api, cx, account_id, name, language, components).await?;
    }
    Ok(())
}

/// Free-form content needs the customer-service window open: Meta's 24 hours, shortened by the
/// channel's chat expiration rule when it blocks text: the 409 `window_closed` answer when closed.
async fn text_window_closed(
    api: &ApiService,
    cx: &Context<'_>,
    conversation: &shared::inbox::Conversation,
    now_seconds: i64,
) -> Result<Option<lambda_http::Response<lambda_http::Body>>, HttpError> {
    let rule = api.care.chat_expiry.rule(cx.org(), "whatsapp").await?;
    let expires_at = match &rule {
        Some(rule) => rule.text_window_expires_at(conversation.last_inbound_ms, conversation.window_expires_at),
        None => conversation.window_expires_at,
    };
    if is_window_open(expires_at, now_seconds) {
        return Ok(None);
    }
    let message = match expires_at == conversation.window_expires_at {
        true => "the 24-hour customer-service window is closed; only templates can be sent",
        false => "the chat expiration rule's window is closed; only templates can be sent",
    };
    let error = json!({"error": {"code": "window_closed", "message": message, "window_expires_at": expires_at.map(rfc3339_seconds)}});
    Ok(Some(json_response(StatusCode::CONFLICT, error.to_string())))
}

pub async fn send(api: &ApiService, cx: &Context<'_>) -> Answer {
    let send: views::SendMessageRequest = cx.json()?;
    let content = checked_content(&send)?;
    let conversation = load(api, cx).await?;
    let idempotency = idempotency_of(cx, &conversation.conversation_id)?;
    if let Some(claim) = &idempotency
        && let Some((fingerprint, key)) = api.inbox.sends.idempotent(cx.org(), &claim.key_sha256).await?
    {
        return match fingerprint == claim.fingerprint {
            true => replay(api, &key).await,
            false => Err(key_reused()),
        };
    }
    check_references(api, cx, &content, &conversation.account_id).await?;
    let now = api.clock.now();
    if outbound::needs_open_window(&content)
        && let Some(closed) = text_window_closed(api, cx, &conversation, now.timestamp()).await?
    {
        return Ok(closed);
    }
    let contact = api
        .inbox
        .contacts
        .contact(cx.org(), &conversation.contact_id)
        .await?
        .ok_or_else(|| HttpError::not_found("the conversation's contact no longer exists"))?;
    let to = contact
        .wa_id
        .clone()
        .ok_or_else(|| unprocessable("contact", "has no phone-based WhatsApp id to send to"))?;
    let (key, message, job) = shared::inbox::compose::queued_message(
        shared::inbox::compose::Composed {
            org_id: cx.org(),
            conversation_id: &conversation.conversation_id,
            account_id: &conversation.account_id,
            to: &to,
            message_type: &send.r#type,
            content: &content,
            reply_to: send.reply_to,
        },
        now,
    );
    match api
        .inbox
        .sends
        .create(&key, &message, &content.preview(), &job, idempotency.as_ref())
        .await?
    {
        Created::New => {}
        Created::Replay(key) => return replay(api, &key).await,
        Created::KeyReused => return Err(key_reused()),
    }
    enqueue(api, &job).await;
    // An agent's answer: the first stops the first-response clock. The message is accepted either
    // way; a failure here is logged, not answered.
    if let Err(err) = api
        .care
        .sla
        .replied(cx.org(), &conversation.conversation_id, now.timestamp_millis())
        .await
    {
        tracing::warn!(error = %err, "the first-response clock could not be stopped");
    }
    shared::platform::telemetry::emit_metric("MessagesQueued", 1.0, "Count", &[("Function", "api")]);
    respond(StatusCode::ACCEPTED, &views::Message::from(&message))
}
