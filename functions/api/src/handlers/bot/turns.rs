//! Where the bot answers: a contact's blocked scenarios, a conversation's bot pause, and the bot's
//! run log (each turn it answered or kept quiet on, and why).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, next_cursor, not_found, ok, unprocessable};
use crate::views;
use shared::bot::ports::ScenarioReads;
use shared::bot::responder::BOT;
use shared::bot::scenario::MAX_SCENARIOS;
use shared::platform::ids;

pub async fn blocked(api: &ApiService, cx: &Context<'_>) -> Answer {
    let contact = crate::handlers::contacts::load(api, cx).await?;
    ok(&views::BlockedScenarios {
        scenario_ids: contact.blocked_scenarios,
    })
}

/// Replaces the contact's blocked scenarios; each must be one of the organization's.
pub async fn set_blocked(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::BlockedScenarios = cx.json()?;
    let id = cx.id("contact_id", "contact")?;
    if body.scenario_ids.len() > MAX_SCENARIOS {
        return Err(unprocessable("scenario_ids", format!("at most {MAX_SCENARIOS}")));
    }
    let known = api.bot.scenarios.scenarios(cx.org()).await?;
    let mut ids_given: Vec<String> = Vec::new();
    for scenario_id in body.scenario_ids {
        if !ids::is_well_formed(&scenario_id) {
            return Err(unprocessable("scenario_ids", format!("{scenario_id:?} is not an id")));
        }
        if !known.iter().any(|s| s.scenario_id == scenario_id) {
            return Err(shared::platform::http_error::HttpError::not_found(format!(
                "scenario_ids: no scenario {scenario_id}"
            )));
        }
        if !ids_given.contains(&scenario_id) {
            ids_given.push(scenario_id);
        }
    }
    api.inbox
        .contacts
        .set_blocked_scenarios(cx.org(), &id, &ids_given)
        .await
        .map_err(|e| match e {
            shared::platform::StoreError::NotFound(_) => not_found("contact"),
            other => other.into(),
        })?;
    ok(&views::BlockedScenarios {
        scenario_ids: ids_given,
    })
}

pub async fn pause(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::ConversationBot = cx.json()?;
    let conversation = crate::handlers::conversations::load(api, cx).await?;
    api.inbox
        .conversations
        .set_bot_paused(cx.org(), &conversation.conversation_id, body.paused)
        .await?;
    ok(&views::ConversationBot { paused: body.paused })
}

pub async fn runs(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let page = api.automation.rules.runs_page(cx.org(), BOT, limit, start).await?;
    ok(&views::AutomationRunList {
        data: page.items.iter().map(views::AutomationRun::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}
