//! Scenario templates (a catalog's product list, or the whole catalog): list, create, get, PATCH,
//! DELETE (refused while a scenario's products item names the template).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, no_content, not_found, ok, unprocessable};
use crate::views;
use shared::bot::ports::ScenarioReads;
use shared::bot::scenario::{MAX_SCENARIOS, ScenarioTemplate};
use shared::inbox::outbound::validate;
use shared::inbox::outbound_rich::{MAX_CATALOG_ID_CHARS, MAX_RETAILER_ID_CHARS};
use shared::meta::ProductSection;
use shared::platform::http_error::HttpError;
use shared::platform::ids;

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<ScenarioTemplate, HttpError> {
    let id = cx.id("scenario_template_id", "scenario template")?;
    api.bot
        .scenarios
        .template(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("scenario template"))
}

fn apply(template: &mut ScenarioTemplate, body: views::WriteScenarioTemplate) -> Result<(), HttpError> {
    if let Some(name) = crate::rules::SCENARIO_TEMPLATE_NAME.check("name", body.name.as_deref())? {
        template.name = name;
    }
    if let Some(catalog_id) = body.catalog_id {
        template.catalog_id = catalog_id;
    }
    if body.header.is_some() {
        template.header = crate::rules::SCENARIO_TEMPLATE_HEADER.check("header", body.header.as_deref())?;
    }
    if let Some(thumbnail) = body.thumbnail_product_retailer_id {
        template.thumbnail_product_retailer_id = Some(thumbnail).filter(|t| !t.trim().is_empty());
    }
    if let Some(sections) = body.sections {
        template.sections = sections
            .into_iter()
            .map(|s| ProductSection {
                title: s.title,
                product_retailer_ids: s.product_retailer_ids,
            })
            .collect();
    }
    for (field, value, max) in [
        ("catalog_id", Some(&template.catalog_id), MAX_CATALOG_ID_CHARS),
        (
            "thumbnail_product_retailer_id",
            template.thumbnail_product_retailer_id.as_ref(),
            MAX_RETAILER_ID_CHARS,
        ),
    ] {
        if let Some(value) = value
            && (value.is_empty()
                || value.chars().count() > max
                || value.trim() != value
                || value.chars().any(char::is_control))
        {
            return Err(unprocessable(
                field,
                format!("1 to {max} characters, no spaces at the ends"),
            ));
        }
    }
    if !template.sections.is_empty() && template.header.is_none() {
        return Err(unprocessable("header", "a product list needs a header"));
    }
    // What it sends, checked as every send is (the body is a scenario item's label; any fits).
    validate(&template.content("Products"))
        .map_err(|e| unprocessable(e.field.strip_prefix("content.").unwrap_or(e.field), e.reason))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let mut all = api.bot.scenarios.templates(cx.org()).await?;
    all.sort_by(|a, b| a.created_at.cmp(&b.created_at));
    ok(&views::ScenarioTemplateList {
        data: all.iter().map(views::ScenarioTemplate::from).collect(),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::ScenarioTemplate::from(&load(api, cx).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteScenarioTemplate = cx.json()?;
    for (field, given) in [("name", body.name.is_some()), ("catalog_id", body.catalog_id.is_some())] {
        if !given {
            return Err(unprocessable(field, "is required"));
        }
    }
    let now = shared::platform::items::now_rfc3339();
    let mut template = ScenarioTemplate {
        template_id: ids::new_id("stl"),
        org_id: cx.org().into(),
        name: String::new(),
        catalog_id: String::new(),
        header: None,
        thumbnail_product_retailer_id: None,
        sections: vec![],
        created_at: now.clone(),
        updated_at: now,
    };
    apply(&mut template, body)?;
    if api.bot.scenarios.templates(cx.org()).await?.len() >= MAX_SCENARIOS {
        return Err(conflict(
            "too_many_templates",
            format!("an organization has at most {MAX_SCENARIOS} scenario templates"),
        ));
    }
    api.bot.scenarios.put_template(&template, None).await?;
    created(&views::ScenarioTemplate::from(&template))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteScenarioTemplate = cx.json()?;
    let current = load(api, cx).await?;
    let mut template = current.clone();
    apply(&mut template, body)?;
    template.updated_at = shared::platform::items::now_rfc3339();
    api.bot
        .scenarios
        .put_template(&template, Some(&current.updated_at))
        .await?;
    ok(&views::ScenarioTemplate::from(&template))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("scenario_template_id", "scenario template")?;
    let scenarios = api.bot.scenarios.scenarios(cx.org()).await?;
    if let Some(user) = scenarios
        .iter()
        .find(|s| s.items.iter().any(|i| i.template_id.as_deref() == Some(id.as_str())))
    {
        return Err(conflict(
            "template_in_use",
            format!("scenario {} sends this template; change it first", user.scenario_id),
        ));
    }
    if !api.bot.scenarios.delete_template(cx.org(), &id).await? {
        return Err(not_found("scenario template"));
    }
    no_content()
}
