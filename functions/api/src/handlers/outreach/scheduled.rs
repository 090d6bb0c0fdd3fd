//! Scheduled messages of a conversation: schedule (checked as a send is, plus `scheduled_at`),
//! list, get and cancel. The scheduled-sends function sends them when they come due.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::load;
use crate::handlers::messages::{check_references, checked_content};
use crate::request::{Context, conflict, created, next_cursor, ok, unprocessable};
use crate::views;
use shared::outreach::schedule::{ScheduledMessage, ScheduledStatus, check_scheduled_at, window_warning};
use shared::platform::StoreError;
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::table;

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::ScheduleMessageRequest = cx.json()?;
    let send = views::SendMessageRequest {
        r#type: body.r#type,
        content: body.content,
        reply_to: body.reply_to,
    };
    let content = checked_content(&send)?;
    let conversation = load(api, cx).await?;
    let now = api.clock.now();
    let scheduled_at_ms = chrono::DateTime::parse_from_rfc3339(&body.scheduled_at)
        .map_err(|_| unprocessable("scheduled_at", "must be an RFC 3339 date-time"))?
        .timestamp_millis();
    check_scheduled_at(scheduled_at_ms, now.timestamp_millis()).map_err(|e| unprocessable(e.field, e.reason))?;
    check_references(api, cx, &content, &conversation.account_id).await?;
    let warnings = window_warning(&content, conversation.window_expires_at, scheduled_at_ms)
        .map(str::to_string)
        .into_iter()
        .collect();
    let message = ScheduledMessage {
        scheduled_id: ids::new_id("sch"),
        org_id: cx.org().to_string(),
        conversation_id: conversation.conversation_id,
        scheduled_by: cx.caller.agent_id.clone(),
        agent_name: Some(cx.caller.agent_name.clone()),
        msg_type: content.message_type().to_string(),
        content,
        reply_to: send.reply_to,
        scheduled_at_ms,
        status: ScheduledStatus::Pending,
        error_message: None,
        sent_at: None,
        message_id: None,
        announced: false,
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    api.outreach.scheduled.create(&message).await?;
    created(&views::ScheduledMessage::of(&message, warnings))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let status = match cx.query("status") {
        None => None,
        Some(text) => Some(
            ScheduledStatus::parse(&text)
                .ok_or_else(|| unprocessable("status", "must be one of pending, sent, failed, cancelled"))?,
        ),
    };
    let conversation = load(api, cx).await?;
    let (limit, start) = cx.page()?;
    let partition = table::conversation_partition(cx.org(), &conversation.conversation_id);
    if start
        .as_ref()
        .is_some_and(|key| key.get(table::attr::PK) != Some(&partition))
    {
        return Err(unknown_cursor());
    }
    let page = api
        .outreach
        .scheduled
        .page(cx.org(), &conversation.conversation_id, limit, start)
        .await?;
    ok(&views::ScheduledMessageList {
        data: page
            .items
            .iter()
            .filter(|m| status.is_none_or(|s| m.status == s))
            .map(views::ScheduledMessage::from)
            .collect(),
        next_cursor: next_cursor(page.next),
    })
}

fn unknown_cursor() -> HttpError {
    HttpError::new(
        lambda_http::http::StatusCode::NOT_FOUND,
        "unknown_cursor",
        "cursor: no page of this list has this cursor",
    )
}

async fn scheduled(api: &ApiService, cx: &Context<'_>) -> Result<ScheduledMessage, HttpError> {
    let conversation = load(api, cx).await?;
    let id = cx.id("scheduled_message_id", "scheduled message")?;
    api.outreach
        .scheduled
        .message(cx.org(), &conversation.conversation_id, &id)
        .await?
        .ok_or_else(|| HttpError::not_found("scheduled message not found"))
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::ScheduledMessage::from(&scheduled(api, cx).await?))
}

pub async fn cancel(api: &ApiService, cx: &Context<'_>) -> Answer {
    let message = scheduled(api, cx).await?;
    match api.outreach.scheduled.cancel(&message).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            let now = api
                .outreach
                .scheduled
                .message(cx.org(), &message.conversation_id, &message.scheduled_id)
                .await?
                .map_or("gone", |m| m.status.as_str());
            return Err(conflict(
                "not_pending",
                format!("the scheduled message is {now}; only a pending one can be cancelled"),
            ));
        }
        Err(err) => return Err(err.into()),
    }
    ok(&views::ScheduledMessage::from(&ScheduledMessage {
        status: ScheduledStatus::Cancelled,
        ..message
    }))
}
