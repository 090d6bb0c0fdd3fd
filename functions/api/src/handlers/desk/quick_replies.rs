//! Quick replies: canned answers with a title, content, optional `/shortcut` and category.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, invalid, next_cursor, no_content, not_found, ok};
use crate::rules;
use crate::views;
use shared::desk::quick_reply_store::QuickReplyChanges;
use shared::desk::{self, QuickReply};
use shared::platform::ids;

fn shortcut(text: Option<&str>) -> Result<Option<String>, shared::platform::http_error::HttpError> {
    // As sent, spaces around included: the document's maximum is the raw length.
    if text.is_some_and(|t| t.chars().count() > desk::MAX_SHORTCUT_CHARS) {
        return Err(crate::request::unprocessable(
            "shortcut",
            format!("at most {} characters", desk::MAX_SHORTCUT_CHARS),
        ));
    }
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => desk::validate_shortcut(text).map(Some).map_err(invalid),
    }
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let page = api
        .desk
        .quick_replies
        .quick_replies_page(cx.org(), limit, start)
        .await?;
    ok(&views::QuickReplyList {
        data: page.items.iter().map(views::QuickReply::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateQuickReply = cx.json()?;
    let now = shared::platform::items::now_rfc3339();
    let reply = QuickReply {
        org_id: cx.org().into(),
        quick_reply_id: ids::new_id("qr"),
        title: rules::QUICK_REPLY_TITLE
            .required_now()
            .check("title", body.title.as_deref())?
            .unwrap_or_default(),
        content: rules::QUICK_REPLY_CONTENT
            .required_now()
            .check("content", body.content.as_deref())?
            .unwrap_or_default(),
        shortcut: shortcut(body.shortcut.as_deref())?,
        category: rules::QUICK_REPLY_CATEGORY.check("category", body.category.as_deref())?,
        created_by: cx.caller.agent_id.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    api.desk.quick_replies.create_quick_reply(&reply).await?;
    created(&views::QuickReply::from(&reply))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateQuickReply = cx.json()?;
    let id = cx.id("quick_reply_id", "quick reply")?;
    let changes = QuickReplyChanges {
        title: rules::QUICK_REPLY_TITLE.check("title", body.title.as_deref())?,
        content: rules::QUICK_REPLY_CONTENT.check("content", body.content.as_deref())?,
        shortcut: match body.shortcut.as_deref() {
            Some(s) => Some(shortcut(Some(s))?),
            None => None,
        },
        category: body
            .category
            .as_deref()
            .map(|c| rules::QUICK_REPLY_CATEGORY.check("category", Some(c)))
            .transpose()?,
    };
    let updated = api
        .desk
        .quick_replies
        .update_quick_reply(cx.org(), &id, changes)
        .await?
        .ok_or_else(|| not_found("quick reply"))?;
    ok(&views::QuickReply::from(&updated))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("quick_reply_id", "quick reply")?;
    if !api.desk.quick_replies.delete_quick_reply(cx.org(), &id).await? {
        return Err(not_found("quick reply"));
    }
    no_content()
}
