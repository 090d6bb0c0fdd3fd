//! SLA policies: list, create, read, change, delete. One default at most: making a policy the
//! default takes the flag from the others.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, no_content, not_found, ok, unprocessable};
use crate::rules;
use crate::views;
use shared::care::sla::{self, SlaPolicy};
use shared::platform::http_error::HttpError;
use shared::platform::ids;

/// Checks the policy, and that its division exists in the organization (404 otherwise).
async fn checked(api: &ApiService, cx: &Context<'_>, policy: &SlaPolicy) -> Result<(), HttpError> {
    sla::check(policy).map_err(|e| unprocessable(e.field, e.reason))?;
    if let Some(division) = &policy.division_id {
        let found = match ids::is_well_formed(division) {
            true => api.desk.divisions.division(cx.org(), division).await?,
            false => None,
        };
        if found.is_none() {
            return Err(HttpError::not_found("division_id: no division with this id"));
        }
    }
    Ok(())
}

/// The other defaults lose the flag (after this one is stored: a crash between leaves two, and
/// `sla::policy_for` then takes the oldest).
async fn sole_default(api: &ApiService, policy: &SlaPolicy) -> Result<(), HttpError> {
    if !policy.is_default {
        return Ok(());
    }
    for mut other in api.care.sla_policies.all(&policy.org_id).await? {
        if other.is_default && other.policy_id != policy.policy_id {
            other.is_default = false;
            other.updated_at = policy.updated_at.clone();
            api.care.sla_policies.save(&other, false).await?;
        }
    }
    Ok(())
}

/// A percentage as given; anything past 255 is out of range all the same (`sla::check` names it).
fn percent(value: u32) -> u8 {
    u8::try_from(value).unwrap_or(u8::MAX)
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let policies = api.care.sla_policies.all(cx.org()).await?;
    ok(&views::SlaPolicyList {
        data: policies.iter().map(views::SlaPolicy::from).collect(),
    })
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateSlaPolicy = cx.json()?;
    let now = shared::platform::items::now_rfc3339();
    let policy = SlaPolicy {
        policy_id: ids::new_id("sla"),
        org_id: cx.org().to_string(),
        name: rules::SLA_NAME
            .required_now()
            .check("name", body.name.as_deref())?
            .unwrap_or_default(),
        description: rules::SLA_DESCRIPTION.check("description", body.description.as_deref())?,
        first_response_time_secs: body.first_response_time_secs.map(i64::from),
        resolution_time_secs: body.resolution_time_secs.map(i64::from),
        warning_threshold_pct: percent(body.warning_threshold_pct.unwrap_or(80)),
        priority: rules::SLA_PRIORITY.check("priority", body.priority.as_deref())?,
        channel: rules::SLA_CHANNEL.check("channel", body.channel.as_deref())?,
        division_id: rules::OPTIONAL_ID.check("division_id", body.division_id.as_deref())?,
        is_default: body.is_default.unwrap_or(false),
        is_active: true,
        created_at: now.clone(),
        updated_at: now,
    };
    checked(api, cx, &policy).await?;
    api.care.sla_policies.save(&policy, true).await?;
    sole_default(api, &policy).await?;
    created(&views::SlaPolicy::from(&policy))
}

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<SlaPolicy, HttpError> {
    let id = cx.id("sla_policy_id", "SLA policy")?;
    api.care
        .sla_policies
        .policy(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("SLA policy"))
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::SlaPolicy::from(&load(api, cx).await?))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateSlaPolicy = cx.json()?;
    let mut policy = load(api, cx).await?;
    if let Some(name) = rules::SLA_NAME.check("name", body.name.as_deref())? {
        policy.name = name;
    }
    if body.description.is_some() {
        policy.description = rules::SLA_DESCRIPTION.check("description", body.description.as_deref())?;
    }
    if let Some(secs) = body.first_response_time_secs {
        policy.first_response_time_secs = Some(i64::from(secs));
    }
    if let Some(secs) = body.resolution_time_secs {
        policy.resolution_time_secs = Some(i64::from(secs));
    }
    if let Some(pct) = body.warning_threshold_pct {
        policy.warning_threshold_pct = percent(pct);
    }
    if body.priority.is_some() {
        policy.priority = rules::SLA_PRIORITY.check("priority", body.priority.as_deref())?;
    }
    if body.channel.is_some() {
        policy.channel = rules::SLA_CHANNEL.check("channel", body.channel.as_deref())?;
    }
    if body.division_id.is_some() {
        policy.division_id = rules::OPTIONAL_ID.check("division_id", body.division_id.as_deref())?;
    }
    if let Some(default) = body.is_default {
        policy.is_default = default;
    }
    if let Some(active) = body.is_active {
        policy.is_active = active;
    }
    policy.updated_at = shared::platform::items::now_rfc3339();
    checked(api, cx, &policy).await?;
    api.care.sla_policies.save(&policy, false).await?;
    sole_default(api, &policy).await?;
    ok(&views::SlaPolicy::from(&policy))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("sla_policy_id", "SLA policy")?;
    match api.care.sla_policies.delete(cx.org(), &id).await? {
        true => no_content(),
        false => Err(not_found("SLA policy")),
    }
}
