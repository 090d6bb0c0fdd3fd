//! The desk's routes: assignment and transfers, notes, divisions and their members, quick replies.

use super::Operation::*;
use super::{PAGE, Route, route};

pub(super) const ROUTES: &[Route] = &[
    route(
        "PATCH",
        "/v1/conversations/{conversation_id}",
        UpdateConversation,
        "conversations.reply",
        "conversations",
        "Set or clear the priority and the snooze",
    )
    .json("UpdateConversation")
    .returns("Conversation"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/assign",
        Assign,
        "conversations.assign",
        "conversations",
        "Assign to an agent and/or a division",
    )
    .json("AssignRequest")
    .returns("Conversation"),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/transfer",
        Transfer,
        "conversations.assign",
        "conversations",
        "Transfer with a note; logged",
    )
    .json("TransferRequest")
    .returns("ConversationTransfer")
    .status(201),
    route(
        "GET",
        "/v1/conversations/{conversation_id}/transfers",
        ListTransfers,
        "conversations.read",
        "conversations",
        "The transfer log, oldest first",
    )
    .returns("TransferList")
    .query(PAGE),
    route(
        "GET",
        "/v1/conversations/{conversation_id}/notes",
        ListNotes,
        "conversations.read",
        "notes",
        "Notes, oldest first",
    )
    .returns("NoteList")
    .query(PAGE),
    route(
        "POST",
        "/v1/conversations/{conversation_id}/notes",
        AddNote,
        "notes.write",
        "notes",
        "Add a note",
    )
    .json("CreateNote")
    .returns("Note")
    .status(201),
    route(
        "GET",
        "/v1/divisions",
        ListDivisions,
        "divisions.read",
        "divisions",
        "Divisions (teams)",
    )
    .returns("DivisionList")
    .query(PAGE),
    route(
        "POST",
        "/v1/divisions",
        CreateDivision,
        "divisions.manage",
        "divisions",
        "Create a division",
    )
    .json("CreateDivision")
    .returns("Division")
    .status(201),
    route(
        "GET",
        "/v1/divisions/{division_id}",
        GetDivision,
        "divisions.read",
        "divisions",
        "A division",
    )
    .returns("Division"),
    route(
        "PATCH",
        "/v1/divisions/{division_id}",
        UpdateDivision,
        "divisions.manage",
        "divisions",
        "Update a division",
    )
    .json("UpdateDivision")
    .returns("Division"),
    route(
        "GET",
        "/v1/divisions/{division_id}/members",
        ListMembers,
        "divisions.read",
        "divisions",
        "Members of a division",
    )
    .returns("MemberList"),
    route(
        "PUT",
        "/v1/divisions/{division_id}/members/{agent_id}",
        AddMember,
        "divisions.manage",
        "divisions",
        "Add an agent to a division",
    )
    .returns("Member"),
    route(
        "DELETE",
        "/v1/divisions/{division_id}/members/{agent_id}",
        RemoveMember,
        "divisions.manage",
        "divisions",
        "Remove an agent from a division",
    )
    .status(204),
    route(
        "GET",
        "/v1/quick-replies",
        ListQuickReplies,
        "quick_replies.read",
        "quick-replies",
        "Quick replies",
    )
    .returns("QuickReplyList")
    .query(PAGE),
    route(
        "POST",
        "/v1/quick-replies",
        CreateQuickReply,
        "quick_replies.manage",
        "quick-replies",
        "Create a quick reply",
    )
    .json("CreateQuickReply")
    .returns("QuickReply")
    .status(201),
    route(
        "PATCH",
        "/v1/quick-replies/{quick_reply_id}",
        UpdateQuickReply,
        "quick_replies.manage",
        "quick-replies",
        "Update a quick reply",
    )
    .json("UpdateQuickReply")
    .returns("QuickReply"),
    route(
        "DELETE",
        "/v1/quick-replies/{quick_reply_id}",
        DeleteQuickReply,
        "quick_replies.manage",
        "quick-replies",
        "Delete a quick reply",
    )
    .status(204),
];
