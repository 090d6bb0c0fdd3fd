//! Wire types of the desk: assignment and transfers, notes, divisions and their members, quick
//! replies.

use super::Agent;
use serde::{Deserialize, Serialize};
use shared::desk;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The agent to assign; `null` or absent unassigns (when a division is given, it stays there).
    pub agent_id: Option<String>,
    pub division_id: Option<String>,
}

/// A conversation's triage: the fields given change, null clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversation {
    /// urgent | high | medium | low; null: none.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub priority: Option<Option<String>>,
    /// RFC 3339, in the future and within 30 days: set aside until then (the customer's next
    /// message wakes it sooner); null or empty: awake now.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub snoozed_until: Option<Option<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_agent_id: Option<String>,
    pub to_division_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationTransfer {
    pub id: String,
    pub conversation_id: String,
    pub transferred_by: String,
    pub transferred_by_name: String,
    pub from_agent_id: Option<String>,
    pub from_agent_name: Option<String>,
    pub to_agent_id: Option<String>,
    pub to_agent_name: Option<String>,
    pub to_division_id: Option<String>,
    pub to_division_name: Option<String>,
    pub note: Option<String>,
    pub created_at: String,
}

impl From<&desk::Transfer> for ConversationTransfer {
    fn from(t: &desk::Transfer) -> Self {
        Self {
            id: t.transfer_id.clone(),
            conversation_id: t.conversation_id.clone(),
            transferred_by: t.transferred_by.clone(),
            transferred_by_name: t.transferred_by_name.clone(),
            from_agent_id: t.from_agent_id.clone(),
            from_agent_name: t.from_agent_name.clone(),
            to_agent_id: t.to_agent_id.clone(),
            to_agent_name: t.to_agent_name.clone(),
            to_division_id: t.to_division_id.clone(),
            to_division_name: t.to_division_name.clone(),
            note: t.note.clone(),
            created_at: t.created_at.clone(),
        }
    }
}

list_of!(TransferList, ConversationTransfer);

#[derive(Debug, Serialize, ToSchema)]
pub struct Note {
    pub id: String,
    pub conversation_id: String,
    pub agent_id: String,
    pub agent_name: String,
    pub content: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&desk::Note> for Note {
    fn from(n: &desk::Note) -> Self {
        Self {
            id: n.note_id.clone(),
            conversation_id: n.conversation_id.clone(),
            agent_id: n.agent_id.clone(),
            agent_name: n.agent_name.clone(),
            content: n.content.clone(),
            created_at: n.created_at.clone(),
            updated_at: n.updated_at.clone(),
        }
    }
}

list_of!(NoteList, Note);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNote {
    pub content: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Division {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// round_robin | least_busy | manual
    pub allocation_method: String,
    pub is_active: bool,
    pub agent_count: i64,
    /// Resolved conversations of this division get a satisfaction survey.
    pub csat_enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&desk::Division> for Division {
    fn from(d: &desk::Division) -> Self {
        Self {
            id: d.division_id.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            allocation_method: serde_json::to_value(d.allocation_method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            is_active: d.is_active,
            agent_count: d.agent_count,
            csat_enabled: d.csat_enabled,
            created_at: d.created_at.clone(),
            updated_at: d.updated_at.clone(),
        }
    }
}

list_of!(DivisionList, Division);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDivision {
    pub name: Option<String>,
    pub description: Option<String>,
    /// round_robin | least_busy | manual (default round_robin)
    pub allocation_method: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDivision {
    pub name: Option<String>,
    /// Empty string clears it.
    pub description: Option<String>,
    pub allocation_method: Option<String>,
    pub is_active: Option<bool>,
    /// Send a satisfaction survey when this division's conversations are resolved.
    pub csat_enabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub division_id: String,
    pub agent: Agent,
    pub added_at: Option<String>,
}

list_of!(MemberList, Member);

#[derive(Debug, Serialize, ToSchema)]
pub struct QuickReply {
    pub id: String,
    pub title: String,
    pub content: String,
    pub shortcut: Option<String>,
    pub category: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&desk::QuickReply> for QuickReply {
    fn from(q: &desk::QuickReply) -> Self {
        Self {
            id: q.quick_reply_id.clone(),
            title: q.title.clone(),
            content: q.content.clone(),
            shortcut: q.shortcut.clone(),
            category: q.category.clone(),
            created_by: q.created_by.clone(),
            created_at: q.created_at.clone(),
            updated_at: q.updated_at.clone(),
        }
    }
}

list_of!(QuickReplyList, QuickReply);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateQuickReply {
    pub title: Option<String>,
    pub content: Option<String>,
    pub shortcut: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuickReply {
    pub title: Option<String>,
    pub content: Option<String>,
    /// Empty string clears it.
    pub shortcut: Option<String>,
    /// Empty string clears it.
    pub category: Option<String>,
}
