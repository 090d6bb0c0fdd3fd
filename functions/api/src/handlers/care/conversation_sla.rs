//! A conversation's SLA: where its clocks stand, and an agent putting it under another policy.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::load;
use crate::request::{Context, ok};
use crate::views;
use shared::platform::http_error::HttpError;

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let conversation = load(api, cx).await?;
    let id = &conversation.conversation_id;
    let clocks = api.care.sla.clocks.clocks(cx.org(), id).await?;
    let breaches = api.care.sla.clocks.breaches(cx.org(), id).await?;
    let now_ms = api.clock.now_ms();
    ok(&views::ConversationSlaStatus::of(
        id,
        clocks.as_ref(),
        &breaches,
        now_ms,
    ))
}

pub async fn apply(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::ApplySlaPolicy = cx.json()?;
    let conversation = load(api, cx).await?;
    let policy = match shared::platform::ids::is_well_formed(&body.sla_policy_id) {
        true => api.care.sla_policies.policy(cx.org(), &body.sla_policy_id).await?,
        false => None,
    }
    .ok_or_else(|| HttpError::not_found("sla_policy_id: no SLA policy with this id"))?;
    let now_ms = api.clock.now_ms();
    let clocks = api.care.sla.apply(&conversation, &policy, now_ms).await?;
    let breaches = api
        .care
        .sla
        .clocks
        .breaches(cx.org(), &conversation.conversation_id)
        .await?;
    ok(&views::ConversationSlaStatus::of(
        &conversation.conversation_id,
        Some(&clocks),
        &breaches,
        now_ms,
    ))
}
