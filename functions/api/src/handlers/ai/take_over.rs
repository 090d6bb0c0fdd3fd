//! "Take over": an agent takes a conversation from the AI. The AI is silenced in it first (a
//! handoff recorded as the take-over, unless one already silenced it), then the conversation is
//! assigned to the agent and a note says so. Repeating it changes nothing more.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::load;
use crate::request::{Context, ok};
use crate::views;
use shared::ai::handoff::{Handoff, Reason};
use shared::ai::ports::Sessions;
use shared::desk::Note;
use shared::platform::ids;

pub async fn take_over(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    let id = conversation.conversation_id.clone();
    let now_ms = api.clock.now_ms();
    let handoff = Handoff {
        reason: Reason::TakeOver {
            agent_id: cx.caller.agent_id.clone(),
        },
        target_division_id: None,
        stop_ai: true,
    };
    let marker = format!("take-over:{}:{now_ms}", cx.caller.agent_id);
    let silenced_now = api
        .ai
        .sessions
        .hand_off(cx.org(), &id, &handoff, &marker, now_ms)
        .await?;
    let assigned = api
        .desk
        .moves
        .assign(cx.org(), &id, Some(cx.caller.agent_id.clone()), None)
        .await?;
    if silenced_now.is_some() {
        let at = shared::platform::items::rfc3339_of_ms(now_ms);
        let note = Note {
            org_id: cx.org().into(),
            conversation_id: id.clone(),
            note_id: ids::new_id("note"),
            agent_id: cx.caller.agent_id.clone(),
            agent_name: cx.caller.agent_name.clone(),
            content: format!("{} took the conversation over from the AI agent.", cx.caller.agent_name),
            created_at: at.clone(),
            updated_at: at,
        };
        api.inbox.conversations.add_note(&note).await?;
    }
    let session = api.ai.sessions.session(cx.org(), &id).await?;
    let contact = api.inbox.contacts.contact(cx.org(), &assigned.contact_id).await?;
    ok(&views::ConversationWithContact {
        conversation: views::Conversation::from(&assigned),
        contact: contact.as_ref().map(views::Contact::from),
        ai: session.as_ref().map(views::ConversationAi::from),
    })
}
