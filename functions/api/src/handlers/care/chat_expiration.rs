//! Chat expiration rules, one per channel: list, set (create or replace), remove.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::care::chat_expiry::{self, ChatExpirationRule};
use shared::platform::http_error::HttpError;

/// The channel named by the path: 404 for one that does not exist.
fn channel_of(cx: &Context<'_>) -> Result<String, HttpError> {
    let channel = cx.parameters.get("channel").map(String::as_str).unwrap_or_default();
    match shared::care::sla::CHANNELS.contains(&channel) {
        true => Ok(channel.to_string()),
        false => Err(not_found("channel")),
    }
}

/// A whole number of hours; the upper bound is `chat_expiry::check`'s.
fn whole_hours(number: &serde_json::Number) -> Result<u32, HttpError> {
    views::whole_u32(number).ok_or_else(|| {
        let most = chat_expiry::MAX_WINDOW_HOURS;
        unprocessable(
            "window_hours",
            format!("must be a whole number of hours from 0 (never) to {most}"),
        )
    })
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let rules = api.care.chat_expiry.rules(cx.org()).await?;
    ok(&views::ChatExpirationRuleList {
        data: rules.iter().map(views::ChatExpirationRule::from).collect(),
    })
}

pub async fn set(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpsertChatExpirationRule = cx.json()?;
    let channel = channel_of(cx)?;
    let window_hours = body
        .window_hours
        .as_ref()
        .ok_or_else(|| unprocessable("window_hours", "is required (0 = never expires)"))
        .and_then(whole_hours)?;
    let existing = api.care.chat_expiry.rule(cx.org(), &channel).await?;
    let now = shared::platform::items::now_rfc3339();
    let rule = ChatExpirationRule {
        rule_id: existing
            .as_ref()
            .map_or_else(|| shared::platform::ids::new_id("cxr"), |r| r.rule_id.clone()),
        org_id: cx.org().to_string(),
        channel,
        window_hours,
        auto_resolve: body.auto_resolve.unwrap_or(false),
        block_text_after_window: body.block_text_after_window.unwrap_or(false),
        is_active: body.is_active.unwrap_or(true),
        created_at: existing.map_or_else(|| now.clone(), |r| r.created_at),
        updated_at: now,
    };
    chat_expiry::check(&rule).map_err(|e| unprocessable(e.field, e.reason))?;
    api.care.chat_expiry.put_rule(&rule).await?;
    ok(&views::ChatExpirationRule::from(&rule))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let channel = channel_of(cx)?;
    // Already none is fine: the outcome asked for holds.
    api.care.chat_expiry.delete_rule(cx.org(), &channel).await?;
    no_content()
}
