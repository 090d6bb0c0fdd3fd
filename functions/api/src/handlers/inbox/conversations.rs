//! Conversations: list with filters, get with contact, mark read, assign, transfer (logged),
//! resolve, reopen, and notes.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, next_cursor, not_found, ok, unprocessable};
use crate::views;
use shared::access::tenancy::Agent;
use shared::desk::{Division, Note, Transfer};
use shared::inbox::conversation_store::{Assignment, ConversationFilter, ReopenError};
use shared::inbox::{Conversation, ConversationStatus};
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
    field: &str,
    id: &str,
) -> Result<Agent, shared::platform::http_error::HttpError> {
    let agent = if ids::is_well_formed(id) {
        api.access.agents.agent(cx.org(), id).await?
    } else {
        None
    };
    agent.filter(|a| a.is_active).ok_or_else(|| {
        shared::platform::http_error::HttpError::not_found(format!("{field}: no active agent with this id"))
    })
}

pub async fn division(
    api: &ApiService,
    cx: &Context<'_>,
    field: &str,
    id: &str,
) -> Result<Division, shared::platform::http_error::HttpError> {
    let division = if ids::is_well_formed(id) {
        api.desk.divisions.division(cx.org(), id).await?
    } else {
        None
    };
    division
        .ok_or_else(|| shared::platform::http_error::HttpError::not_found(format!("{field}: no division with this id")))
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
    let filter = ConversationFilter {
        status,
        assigned_agent_id: assignee,
        unassigned,
        unread,
        division_id,
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
    ok(&views::ConversationWithContact {
        conversation: views::Conversation::from(&conversation),
        contact: contact.as_ref().map(views::Contact::from),
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
    let conversation = load(api, cx).await?;
    if let Some(agent_id) = &body.agent_id {
        active_agent(api, cx, "agent_id", agent_id).await?;
    }
    if let Some(division_id) = &body.division_id {
        division(api, cx, "division_id", division_id).await?;
    }
    let to = Assignment {
        agent_id: body.agent_id,
        division_id: body.division_id,
    };
    let updated = api
        .inbox
        .conversations
        .assign(cx.org(), &conversation.conversation_id, &to, None)
        .await?
        .ok_or_else(|| not_found("conversation"))?;
    ok(&views::Conversation::from(&updated))
}

pub async fn transfer(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::TransferRequest = cx.json()?;
    if body.to_agent_id.is_none() && body.to_division_id.is_none() {
        return Err(unprocessable("to_agent_id", "give to_agent_id, to_division_id or both"));
    }
    let note = crate::rules::TRANSFER_NOTE.check("note", body.note.as_deref())?;
    let conversation = load(api, cx).await?;
    let to_agent = match &body.to_agent_id {
        Some(id) => Some(active_agent(api, cx, "to_agent_id", id).await?),
        None => None,
    };
    let to_division = match &body.to_division_id {
        Some(id) => Some(division(api, cx, "to_division_id", id).await?),
        None => None,
    };
    let from_agent_name = match &conversation.assigned_agent_id {
        Some(id) => api.access.agents.agent(cx.org(), id).await?.map(|a| a.full_name),
        None => None,
    };
    let entry = Transfer {
        org_id: cx.org().into(),
        conversation_id: conversation.conversation_id.clone(),
        transfer_id: ids::new_id("tr"),
        transferred_by: cx.caller.agent_id.clone(),
        transferred_by_name: cx.caller.agent_name.clone(),
        from_agent_id: conversation.assigned_agent_id.clone(),
        from_agent_name,
        to_agent_id: to_agent.as_ref().map(|a| a.agent_id.clone()),
        to_agent_name: to_agent.as_ref().map(|a| a.full_name.clone()),
        to_division_id: to_division.as_ref().map(|d| d.division_id.clone()),
        to_division_name: to_division.as_ref().map(|d| d.name.clone()),
        note,
        created_at: shared::platform::items::now_rfc3339(),
    };
    let to = Assignment {
        agent_id: entry.to_agent_id.clone(),
        division_id: entry.to_division_id.clone(),
    };
    let logged = entry.clone();
    api.inbox
        .conversations
        .assign(cx.org(), &conversation.conversation_id, &to, Some(entry))
        .await?
        .ok_or_else(|| not_found("conversation"))?;
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
    let conversation = load(api, cx).await?;
    let resolved = api
        .inbox
        .conversations
        .resolve(cx.org(), &conversation.conversation_id)
        .await?
        .ok_or_else(|| not_found("conversation"))?;
    // After the resolve (idempotent): a failure here fails the call, and its retry stops them.
    let now_ms = api.clock.now_ms();
    api.care
        .sla
        .resolved(cx.org(), &resolved.conversation_id, now_ms)
        .await?;
    api.care.surveys.after_resolve(&resolved, api.clock.now()).await?;
    ok(&views::Conversation::from(&resolved))
}

pub async fn reopen(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    match api
        .inbox
        .conversations
        .reopen(cx.org(), &conversation.conversation_id)
        .await
    {
        Ok(Some(reopened)) => {
            let now_ms = api.clock.now_ms();
            api.care
                .sla
                .reopened(cx.org(), &reopened.conversation_id, now_ms)
                .await?;
            api.care
                .chat_expiry
                .arm_if_ruled(cx.org(), "whatsapp", &reopened.conversation_id, now_ms)
                .await?;
            ok(&views::Conversation::from(&reopened))
        }
        Ok(None) => Err(not_found("conversation")),
        Err(ReopenError::AnotherIsOpen) => Err(conflict(
            "another_conversation_open",
            "this customer has another open conversation on this number; continue there",
        )),
        Err(ReopenError::Store(err)) => Err(err.into()),
    }
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
