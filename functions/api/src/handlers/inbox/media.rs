//! `POST /v1/media`: the request body is the file. Stored in S3 under the organization, recorded
//! with its type, size and SHA-256; the answered `media_id` is usable in sends (the sender passes
//! Meta a short-lived presigned link to it).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, too_large};
use crate::views;
use lambda_http::http::StatusCode;
use sha2::{Digest, Sha256};
use shared::desk::{self, MAX_UPLOAD_BYTES, UploadedMedia};
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::table;

pub async fn upload(api: &ApiService, cx: &Context<'_>) -> Answer {
    let bytes: &[u8] = cx.request.body().as_ref();
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(too_large(MAX_UPLOAD_BYTES));
    }
    let mime_type = cx
        .request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_lowercase())
        .unwrap_or_default();
    let limit = desk::upload_limit(&mime_type).ok_or_else(|| {
        HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("content-type: {mime_type:?} is not a type WhatsApp sends (jpeg, png, webp, aac, amr, mpeg, mp4, ogg, 3gpp, pdf, text, office)"),
        )
    })?;
    if bytes.len() > limit {
        return Err(too_large(limit));
    }
    let filename =
        desk::optional_text("filename", cx.query("filename").as_deref(), 240).map_err(crate::request::invalid)?;
    let media_id = ids::new_id("med");
    let s3_key = table::uploaded_media_object(cx.org(), &media_id);
    api.inbox.media.put(&s3_key, bytes.to_vec(), &mime_type).await?;
    let media = UploadedMedia {
        org_id: cx.org().into(),
        media_id: media_id.clone(),
        mime_type: mime_type.clone(),
        file_size: bytes.len() as u64,
        filename: filename.clone(),
        sha256: hex::encode(Sha256::digest(bytes)),
        s3_key,
        uploaded_by: cx.caller.agent_id.clone(),
        created_at: shared::platform::items::now_rfc3339(),
    };
    api.inbox.uploads.record_upload(&media).await?;
    created(&views::MediaUpload {
        media_id,
        mime_type,
        file_size: media.file_size,
        filename,
    })
}
