//! Divisions (teams) with their allocation method, and their members.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::active_agent;
use crate::request::{Context, created, next_cursor, no_content, not_found, ok, unprocessable};
use crate::rules;
use crate::views;
use shared::desk::Division;
use shared::desk::allocation::AllocationMethod;
use shared::desk::division_store::DivisionChanges;
use shared::platform::http_error::HttpError;

fn method(text: &str) -> Result<AllocationMethod, HttpError> {
    AllocationMethod::parse(text)
        .ok_or_else(|| unprocessable("allocation_method", "must be round_robin, least_busy or manual"))
}

pub(crate) async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Division, HttpError> {
    let id = cx.id("division_id", "division")?;
    api.desk
        .divisions
        .division(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("division"))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let page = api.desk.divisions.divisions_page(cx.org(), limit, start).await?;
    ok(&views::DivisionList {
        data: page.items.iter().map(views::Division::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::Division::from(&load(api, cx).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateDivision = cx.json()?;
    let name = rules::DIVISION_NAME
        .required_now()
        .check("name", body.name.as_deref())?
        .unwrap_or_default();
    let description = rules::DIVISION_DESCRIPTION.check("description", body.description.as_deref())?;
    rules::ALLOCATION.check("allocation_method", body.allocation_method.as_deref())?;
    let allocation = method(body.allocation_method.as_deref().unwrap_or("round_robin"))?;
    let division = api
        .desk
        .divisions
        .create_division(cx.org(), &name, description, allocation)
        .await?;
    created(&views::Division::from(&division))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateDivision = cx.json()?;
    let division = load(api, cx).await?;
    let changes = DivisionChanges {
        name: rules::DIVISION_NAME.check("name", body.name.as_deref())?,
        description: body
            .description
            .as_deref()
            .map(|text| rules::DIVISION_DESCRIPTION.check("description", Some(text)))
            .transpose()?,
        allocation_method: body.allocation_method.as_deref().map(method).transpose()?,
        is_active: body.is_active,
        csat_enabled: body.csat_enabled,
    };
    let updated = api
        .desk
        .divisions
        .update_division(cx.org(), &division.division_id, changes)
        .await?
        .ok_or_else(|| not_found("division"))?;
    ok(&views::Division::from(&updated))
}

pub async fn members(api: &ApiService, cx: &Context<'_>) -> Answer {
    let division = load(api, cx).await?;
    let members = api.desk.divisions.members(cx.org(), &division.division_id).await?;
    let ids: Vec<&str> = members.iter().map(|m| m.agent_id.as_str()).collect();
    let agents = api.access.agents.agents_by_ids(cx.org(), &ids).await?;
    ok(&views::MemberList {
        data: members
            .iter()
            .filter_map(|m| {
                let agent = agents.iter().find(|a| a.agent_id == m.agent_id)?;
                Some(views::Member {
                    division_id: m.division_id.clone(),
                    agent: views::Agent::from(agent),
                    added_at: Some(m.added_at.clone()),
                })
            })
            .collect(),
        next_cursor: None,
    })
}

pub async fn add_member(api: &ApiService, cx: &Context<'_>) -> Answer {
    let division = load(api, cx).await?;
    let agent_id = cx.id("agent_id", "agent")?;
    let agent = active_agent(api, cx, "agent_id", &agent_id).await?;
    if api
        .desk
        .divisions
        .add_member(cx.org(), &division.division_id, &agent.agent_id)
        .await?
    {
        membership_changed(api, cx, &agent.agent_id, "division_joined").await;
    }
    ok(&views::Member {
        division_id: division.division_id,
        agent: views::Agent::from(&agent),
        added_at: None,
    })
}

pub async fn remove_member(api: &ApiService, cx: &Context<'_>) -> Answer {
    let division = load(api, cx).await?;
    let agent_id = cx.id("agent_id", "agent")?;
    if !api
        .desk
        .divisions
        .remove_member(cx.org(), &division.division_id, &agent_id)
        .await?
    {
        return Err(not_found("member"));
    }
    membership_changed(api, cx, &agent_id, "division_left").await;
    no_content()
}

/// A membership decides what a division-limited agent sees: their keys are looked up again here
/// (other warm Lambdas within the key cache's 30 s) and their live connections are closed, so their
/// page reconnects with what they see now. A failed publish is logged; the connections then keep
/// what they saw for at most two hours.
async fn membership_changed(api: &ApiService, cx: &Context<'_>, agent_id: &str, reason: &str) {
    api.access.keys.forget(agent_id, None);
    let event = shared::platform::events::DomainEvent::agent_access_changed(cx.org(), agent_id, reason);
    if !api.events.publish(&[event]).await.is_empty() {
        tracing::warn!(agent = %agent_id, "agent.access_changed not published");
    }
}
