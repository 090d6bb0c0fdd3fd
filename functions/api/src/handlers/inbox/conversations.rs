//! Conversations: list with filters, get with contact, mark read, notes; assign, transfer (logged),
//! resolve and reopen through the desk (`shared::desk::conversation_desk`, where their rules are
//! unit-tested).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, next_cursor, not_found, ok, unprocessable};
use crate::views;
use shared::access::tenancy::Agent;
use shared::desk::conversation_desk::{Mover, TransferTo};
use shared::desk::{Division, Note};
use shared::inbox::conversation_store::ConversationFilter;
use shared::inbox::{Conversation, ConversationStatus, Priority};
use shared::platform::ids;

pub async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Conversation, shared::platform::http_error::HttpError> {
    let id = cx.id("conversation_id", "conversation")?;
    api.inbox
        .conversations
        .conversation(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("conversation"))
}

/// An active agent of the caller's organization named in a body field (404 otherwise).
pub async fn active_agent(
    api: &ApiService,
    cx: &Context<'_>,
    field: &'static str,
    id: &str,
) -> Result<Agent, shared::platform::http_error::HttpError> {
    Ok(api.desk.moves.active_agent(cx.org(), field, id).await?)
}

/// A division of the caller's organization named in a body field (404 otherwise).
pub async fn division(
    api: &ApiService,
    cx: &Context<'_>,
    field: &'static str,
    id: &str,
) -> Result<Division, shared::platform::http_error::HttpError> {
    Ok(api.desk.moves.division(cx.org(), field, id).await?)
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let status = match cx.query("status").as_deref() {
        None => None,
        Some("open") => Some(ConversationStatus::Open),
        Some("pending") => Some(ConversationStatus::Pending),
        Some("resolved") => Some(ConversationStatus::Resolved),
        Some(_) => return Err(unprocessable("status", "must be open, pending or resolved")),
    };
    let unassigned = cx.query("assignee").as_deref() == Some("none");
    let assignee = match cx.query("assignee") {
        Some(me) if me == "me" => Some(cx.caller.agent_id.clone()),
        Some(none) if none == "none" => None,
        Some(id) if ids::is_well_formed(&id) => Some(id),
        Some(_) => return Err(unprocessable("assignee", "must be an agent id, `me` or `none`")),
        None => None,
    };
    let division_id = match cx.query("division") {
        Some(id) if ids::is_well_formed(&id) => Some(id),
        Some(_) => return Err(unprocessable("division", "must be a division id")),
        None => None,
    };
    let unread = match cx.query("unread").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(unprocessable("unread", "must be true or false")),
    };
    let priority = match cx.query("priority").as_deref() {
        None => None,
        Some("none") => Some(None),
        Some(text) => Some(Some(Priority::parse(text).ok_or_else(|| {
            unprocessable("priority", "must be urgent, high, medium, low or none")
        })?)),
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let snoozed = match cx.query("snoozed").as_deref() {
        None => None,
        Some("true") => Some((true, now_ms)),
        Some("false") => Some((false, now_ms)),
        Some(_) => return Err(unprocessable("snoozed", "must be true or false")),
    };
    let filter = ConversationFilter {
        status,
        priority,
        snoozed,
        assigned_agent_id: assignee,
        unassigned,
        unread,
        division_id,
        seen_by: Some(cx.caller.viewer.clone()),
    };
    let page = api.inbox.conversations.page(cx.org(), &filter, limit, start).await?;
    ok(&views::ConversationList {
        data: page.items.iter().map(views::Conversation::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    let contact = api.inbox.contacts.contact(cx.org(), &conversation.contact_id).await?;
    let ai = shared::ai::ports::Sessions::session(&api.ai.sessions, cx.org(), &conversation.conversation_id).await?;
    ok(&views::ConversationWithContact {
        conversation: views::Conversation::from(&conversation),
        contact: contact.as_ref().map(views::Contact::from),
        ai: ai.as_ref().map(views::ConversationAi::from),
    })
}

pub async fn mark_read(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    api.inbox
        .conversations
        .mark_read(cx.org(), &conversation.conversation_id)
        .await?;
    ok(&views::Conversation::from(&load(api, cx).await?))
}

pub async fn assign(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::AssignRequest = cx.json()?;
    let id = cx.id("conversation_id", "conversation")?;
    let assigned = api
        .desk
        .moves
        .assign(cx.org(), &id, body.agent_id, body.division_id)
        .await?;
    ok(&views::Conversation::from(&assigned))
}

pub async fn transfer(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::TransferRequest = cx.json()?;
    if body.to_agent_id.is_none() && body.to_division_id.is_none() {
        return Err(unprocessable("to_agent_id", "give to_agent_id, to_division_id or both"));
    }
    let note = crate::rules::TRANSFER_NOTE.check("note", body.note.as_deref())?;
    let id = cx.id("conversation_id", "conversation")?;
    let by = Mover {
        agent_id: &cx.caller.agent_id,
        agent_name: &cx.caller.agent_name,
    };
    let to = TransferTo {
        agent_id: body.to_agent_id,
        division_id: body.to_division_id,
        note,
    };
    let logged = api.desk.moves.transfer(cx.org(), &id, &by, to).await?;
    created(&views::ConversationTransfer::from(&logged))
}

pub async fn transfers(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    let (limit, start) = cx.page()?;
    let page = api
        .inbox
        .conversations
        .transfers_page(cx.org(), &conversation.conversation_id, limit, start)
        .await?;
    ok(&views::TransferList {
        data: page.items.iter().map(views::ConversationTransfer::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn resolve(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("conversation_id", "conversation")?;
    let resolved = api.desk.moves.resolve(cx.org(), &id).await?;
    ok(&views::Conversation::from(&resolved))
}

pub async fn reopen(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("conversation_id", "conversation")?;
    let reopened = api.desk.moves.reopen(cx.org(), &id).await?;
    ok(&views::Conversation::from(&reopened))
}

pub async fn notes(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    let (limit, start) = cx.page()?;
    let page = api
        .inbox
        .conversations
        .notes_page(cx.org(), &conversation.conversation_id, limit, start)
        .await?;
    ok(&views::NoteList {
        data: page.items.iter().map(views::Note::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn add_note(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateNote = cx.json()?;
    let content = crate::rules::NOTE
        .check("content", body.content.as_deref())?
        .unwrap_or_default();
    let conversation = load(api, cx).await?;
    let now = shared::platform::items::now_rfc3339();
    let note = Note {
        org_id: cx.org().into(),
        conversation_id: conversation.conversation_id,
        note_id: ids::new_id("note"),
        agent_id: cx.caller.agent_id.clone(),
        agent_name: cx.caller.agent_name.clone(),
        content,
        created_at: now.clone(),
        updated_at: now,
    };
    api.inbox.conversations.add_note(&note).await?;
    created(&views::Note::from(&note))
}
