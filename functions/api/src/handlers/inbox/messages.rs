//! Messages: list newest first, and send (the request parsed and validated here; the send decided
//! by `shared::inbox::agent_send`, where it is unit-tested: window enforced, stored `queued`,
//! queued for the sender function, answered 202).

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::load;
use crate::request::{Context, next_cursor, ok, respond, unprocessable};
use crate::views;
use lambda_http::http::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::desk::UPLOADED_MEDIA_PREFIX;
use shared::inbox::agent_send::{SendOutcome, SendRequest};
use shared::inbox::origin::Origin;
use shared::inbox::outbound_store::IdempotencyClaim;
use shared::inbox::{Direction, Message, rfc3339_seconds};
use shared::inbox::{outbound, send_content};
use shared::meta::{Content, MediaKind};
use shared::platform::http_error::{HttpError, json_response};
use shared::platform::table;
use shared::platform::telemetry::emit_metric;

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

/// The send's content as read by every sender (`shared::inbox::send_content`), not yet checked
/// against Meta's limits.
pub(crate) fn content_of(send: &views::SendMessageRequest) -> Result<Content, HttpError> {
    send_content::read(&send.r#type, &send.content).map_err(|e| unprocessable(e.field, e.reason))
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
    Ok(api
        .inbox
        .agent_sends
        .check_references(cx.org(), content, account_id)
        .await?)
}

pub async fn send(api: &ApiService, cx: &Context<'_>) -> Answer {
    let send: views::SendMessageRequest = cx.json()?;
    let content = checked_content(&send)?;
    let conversation_id = cx.id("conversation_id", "conversation")?;
    let request = SendRequest {
        conversation_id: &conversation_id,
        message_type: content.message_type(),
        content,
        origin: Origin::agent(Some(&cx.caller.agent_id)),
        reply_to: send.reply_to,
        idempotency: idempotency_of(cx, &conversation_id)?,
    };
    match api.inbox.agent_sends.send(cx.org(), request).await? {
        SendOutcome::Accepted { message, queued } => {
            if !queued {
                emit_metric("SendsNotQueued", 1.0, "Count", &[("Function", "api")]);
            }
            emit_metric("MessagesQueued", 1.0, "Count", &[("Function", "api")]);
            respond(StatusCode::ACCEPTED, &views::Message::from(&*message))
        }
        SendOutcome::WindowClosed { expires_at, by_rule } => {
            let message = match by_rule {
                false => "the 24-hour customer-service window is closed; only templates can be sent",
                true => "the chat expiration rule's window is closed; only templates can be sent",
            };
            let error = json!({"error": {"code": "window_closed", "message": message, "window_expires_at": expires_at.map(rfc3339_seconds)}});
            Ok(json_response(StatusCode::CONFLICT, error.to_string()))
        }
    }
}
