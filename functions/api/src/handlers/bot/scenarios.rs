//! Scenarios: list, create, get, PATCH (fields given replace theirs; items are replaced whole and
//! the scenario is checked whole), DELETE.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::bot::ports::ScenarioReads;
use shared::bot::scenario::{self, Item, Scenario, ScenarioKind, ScenarioTemplate};
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use std::collections::HashMap;

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Scenario, HttpError> {
    let id = cx.id("scenario_id", "scenario")?;
    api.bot
        .scenarios
        .scenario(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("scenario"))
}

/// The organization's templates by id (what products items may name).
pub(crate) async fn templates_of(api: &ApiService, org: &str) -> Result<HashMap<String, ScenarioTemplate>, HttpError> {
    Ok(api
        .bot
        .scenarios
        .templates(org)
        .await?
        .into_iter()
        .map(|t| (t.template_id.clone(), t))
        .collect())
}

/// Applies the body's fields to `scenario` and checks the result whole.
async fn apply(
    api: &ApiService,
    cx: &Context<'_>,
    scenario: &mut Scenario,
    body: views::WriteScenario,
) -> Result<(), HttpError> {
    if let Some(title) = crate::rules::SCENARIO_TITLE.check("title", body.title.as_deref())? {
        scenario.title = title;
    }
    if let Some(kind) = crate::rules::SCENARIO_TYPE.check("type", body.r#type.as_deref())? {
        scenario.kind = match kind.as_str() {
            "client" => ScenarioKind::Client,
            _ => ScenarioKind::Generic,
        };
    }
    if body.account_id.is_some() {
        scenario.account_id = match crate::rules::SCENARIO_ACCOUNT.check("account_id", body.account_id.as_deref())? {
            None => None,
            Some(id) => match api.access.meta_accounts.get(cx.org(), &id).await? {
                Some(_) => Some(id),
                None => return Err(HttpError::not_found("account_id: no WhatsApp account with this id")),
            },
        };
    }
    if let Some(keywords) = body.keywords {
        scenario.keywords = keywords;
    }
    if let Some(active) = body.active {
        scenario.active = active;
    }
    if let Some(repeat) = body.repeat_count {
        scenario.repeat_count = Some(repeat).filter(|n| *n > 0);
        if repeat > scenario::MAX_REPEAT_COUNT {
            return Err(unprocessable(
                "repeat_count",
                format!("0 to {} (0: without limit)", scenario::MAX_REPEAT_COUNT),
            ));
        }
    }
    if let Some(start) = body.start_item_id {
        scenario.start_item_id = start;
    }
    if let Some(items) = body.items {
        if items.len() > scenario::MAX_ITEMS {
            return Err(unprocessable("items", format!("at most {}", scenario::MAX_ITEMS)));
        }
        scenario.items = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| serde_json::from_value::<Item>(item).map_err(|e| unprocessable(&format!("items[{i}]"), e)))
            .collect::<Result<_, _>>()?;
    }
    let templates = templates_of(api, cx.org()).await?;
    scenario
        .check(&templates)
        .map_err(|refusal| unprocessable(&refusal.field, refusal.reason))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let mut all = api.bot.scenarios.scenarios(cx.org()).await?;
    all.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    ok(&views::ScenarioList {
        data: all.iter().map(views::Scenario::from).collect(),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::Scenario::from(&load(api, cx).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteScenario = cx.json()?;
    for (field, given) in [
        ("title", body.title.is_some()),
        ("keywords", body.keywords.is_some()),
        ("start_item_id", body.start_item_id.is_some()),
        ("items", body.items.is_some()),
    ] {
        if !given {
            return Err(unprocessable(field, "is required"));
        }
    }
    let now = shared::platform::items::now_rfc3339();
    let mut scenario = Scenario {
        scenario_id: ids::new_id("scn"),
        org_id: cx.org().into(),
        title: String::new(),
        kind: ScenarioKind::Generic,
        account_id: None,
        keywords: vec![],
        active: true,
        repeat_count: None,
        start_item_id: String::new(),
        items: vec![],
        created_by: Some(cx.caller.agent_id.clone()),
        created_at: now.clone(),
        updated_at: now,
    };
    apply(api, cx, &mut scenario, body).await?;
    // Read, then written: two creations racing at the limit may make one more.
    if api.bot.scenarios.scenarios(cx.org()).await?.len() >= scenario::MAX_SCENARIOS {
        return Err(conflict(
            "too_many_scenarios",
            format!("an organization has at most {} scenarios", scenario::MAX_SCENARIOS),
        ));
    }
    api.bot.scenarios.put_scenario(&scenario, None).await?;
    created(&views::Scenario::from(&scenario))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteScenario = cx.json()?;
    let current = load(api, cx).await?;
    let mut scenario = current.clone();
    apply(api, cx, &mut scenario, body).await?;
    scenario.updated_at = shared::platform::items::now_rfc3339();
    api.bot
        .scenarios
        .put_scenario(&scenario, Some(&current.updated_at))
        .await?;
    ok(&views::Scenario::from(&scenario))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("scenario_id", "scenario")?;
    if !api.bot.scenarios.delete_scenario(cx.org(), &id).await? {
        return Err(not_found("scenario"));
    }
    no_content()
}
