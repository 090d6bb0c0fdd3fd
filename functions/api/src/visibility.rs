//! Which conversations a caller sees ([`shared::access::roles::Viewer`]): every route naming a
//! conversation checks it here, before its handler runs, so no route can forget it. A conversation
//! the caller may not see answers 404, as another organization's does. Callers who see every
//! conversation pay nothing; limited ones one GetItem.

use crate::ApiService;
use crate::request::{Context, not_found};
use shared::access::roles::Visibility;
use shared::platform::http_error::HttpError;

/// 404 unless the caller sees the conversation the route's path names (if it names one).
pub async fn check(api: &ApiService, cx: &Context<'_>) -> Result<(), HttpError> {
    let viewer = &cx.caller.viewer;
    if viewer.visibility == Visibility::All || !cx.parameters.contains_key("conversation_id") {
        return Ok(());
    }
    let id = cx.id("conversation_id", "conversation")?;
    let conversation = api
        .inbox
        .conversations
        .conversation(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("conversation"))?;
    if viewer.sees(
        conversation.division_id.as_deref(),
        conversation.assigned_agent_id.as_deref(),
    ) {
        Ok(())
    } else {
        Err(not_found("conversation"))
    }
}
