//! Campaigns: created from an approved template, edited while draft or scheduled, started now or
//! at `scheduled_at`, paused, resumed and cancelled. Every status change is conditional on the
//! status it was decided from (`shared::outreach::campaign::after`); the fan-out is the campaigns function's.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, next_cursor, no_content, ok, unprocessable};
use crate::rules;
use crate::views;
use lambda_http::http::StatusCode;
use shared::outreach::campaign::CampaignChange;
use shared::outreach::campaign::{self, Campaign, CampaignJob, CampaignStatus, Command, Variables};
use shared::outreach::template::{ParameterSpec, Template};
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::items::now_rfc3339;

pub(crate) async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Campaign, HttpError> {
    let id = cx.id("campaign_id", "campaign")?;
    api.outreach
        .campaigns
        .campaign(cx.org(), &id)
        .await?
        .ok_or_else(|| HttpError::not_found("no such campaign"))
}

pub(crate) async fn view(api: &ApiService, campaign: &Campaign) -> Result<views::Campaign, HttpError> {
    let counts = api.outreach.campaigns.counters(campaign).await?;
    Ok(views::Campaign::of(campaign, &counts))
}

/// Queues a job for the campaigns function. A job SQS did not take is not lost: the campaign is
/// in the due index, and the function's minute tick queues it again.
pub(crate) async fn enqueue(api: &ApiService, job: &CampaignJob) {
    let Ok(body) = serde_json::to_string(job) else { return };
    if !api.outreach.campaign_jobs.send_all(&[body]).await.is_empty() {
        tracing::warn!("campaign job not queued; the minute tick will queue it");
    }
}

/// An approved template of the organization, and the parameters its sends take.
async fn approved(
    api: &ApiService,
    cx: &Context<'_>,
    template_id: &str,
) -> Result<(Template, ParameterSpec), HttpError> {
    let id = rules::REQUIRED_ID
        .check("template_id", Some(template_id))?
        .unwrap_or_default();
    let template = api
        .outreach
        .templates
        .template(cx.org(), &id)
        .await?
        .ok_or_else(|| HttpError::not_found("template_id: no such template"))?;
    if !template.is_approved() {
        return Err(HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "template_not_approved",
            format!("template_id: the template is {}, not APPROVED", template.status),
        ));
    }
    let spec = ParameterSpec::of(&template.components);
    if let shared::outreach::template::parameters::HeaderSpec::Media(kind) = &spec.header {
        return Err(unprocessable(
            "template_id",
            format!("templates with a {kind} header cannot be sent to a campaign yet"),
        ));
    }
    Ok((template, spec))
}

/// Checks default variables: each names a variable of the template and is not blank.
fn defaults(spec: &ParameterSpec, variables: Option<Variables>) -> Result<Variables, HttpError> {
    let variables = variables.unwrap_or_default();
    let keys = spec.variable_keys();
    for (key, value) in &variables {
        if !keys.contains(key) {
            return Err(unprocessable(
                &format!("variables.{key}"),
                format!("the template takes {}", keys.join(", ")),
            ));
        }
        rules::VARIABLE_VALUE.check(&format!("variables.{key}"), Some(value))?;
    }
    Ok(variables)
}

/// `scheduled_at` as RFC 3339 and epoch milliseconds (`None` when not given; empty only where
/// the caller allows it, to unschedule).
fn schedule(text: Option<&str>) -> Result<Option<(String, i64)>, HttpError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let at = chrono::DateTime::parse_from_rfc3339(text)
        .map_err(|_| unprocessable("scheduled_at", "must be an RFC 3339 date-time"))?
        .with_timezone(&chrono::Utc);
    Ok(Some((
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        at.timestamp_millis(),
    )))
}

/// The responding agent and division, which must exist in the organization.
async fn responders(
    api: &ApiService,
    cx: &Context<'_>,
    agent: Option<&str>,
    division: Option<&str>,
) -> Result<(Option<String>, Option<String>), HttpError> {
    let agent = rules::Rule::IdOrEmpty
        .check("responding_agent_id", agent)?
        .filter(|a| !a.is_empty());
    let division = rules::Rule::IdOrEmpty
        .check("responding_division_id", division)?
        .filter(|d| !d.is_empty());
    if let Some(agent) = &agent
        && api.access.agents.agent(cx.org(), agent).await?.is_none()
    {
        return Err(HttpError::not_found("responding_agent_id: no such agent"));
    }
    if let Some(division) = &division
        && api.desk.divisions.division(cx.org(), division).await?.is_none()
    {
        return Err(HttpError::not_found("responding_division_id: no such division"));
    }
    Ok((agent, division))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let status = match cx.query("status") {
        Some(text) => Some(CampaignStatus::parse(&text).ok_or_else(|| {
            unprocessable(
                "status",
                "must be draft, scheduled, preparing, in_progress, paused, completed or cancelled",
            )
        })?),
        None => None,
    };
    let page = api.outreach.campaigns.page(cx.org(), limit, start).await?;
    let mut data = Vec::new();
    for campaign in page.items.iter().filter(|c| status.is_none_or(|s| c.status == s)) {
        data.push(view(api, campaign).await?);
    }
    ok(&views::CampaignList {
        data,
        next_cursor: next_cursor(page.next),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let campaign = load(api, cx).await?;
    ok(&view(api, &campaign).await?)
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateCampaign = cx.json()?;
    let name = rules::CAMPAIGN_NAME
        .required_now()
        .check("name", Some(&body.name))?
        .unwrap_or_default();
    let scheduled = schedule(body.scheduled_at.as_deref())?;
    let account_id = rules::OPTIONAL_ID.check("account_id", body.account_id.as_deref())?;
    let (responding_agent_id, responding_division_id) = responders(
        api,
        cx,
        body.responding_agent_id.as_deref(),
        body.responding_division_id.as_deref(),
    )
    .await?;
    let (template, spec) = approved(api, cx, &body.template_id).await?;
    let default_variables = defaults(&spec, body.variables)?;
    let account = match account_id.or(template.account_id.clone()) {
        Some(id) => api
            .access
            .tenancy
            .get_account(cx.org(), &id)
            .await?
            .ok_or_else(|| HttpError::not_found("account_id: no such account"))?,
        None => crate::handlers::templates::account_on_waba(api, cx, &template.waba_id).await?,
    };
    if account.waba_id != template.waba_id {
        return Err(unprocessable(
            "account_id",
            "the template belongs to another WhatsApp business account",
        ));
    }
    let now = now_rfc3339();
    let campaign = Campaign {
        campaign_id: ids::new_id("cmp"),
        org_id: cx.org().to_string(),
        name,
        account_id: account.account_id,
        template_id: template.template_id.clone(),
        template_name: template.name.clone(),
        template_language: template.language.clone(),
        template_category: template.category.clone(),
        status: if scheduled.is_some() {
            CampaignStatus::Scheduled
        } else {
            CampaignStatus::Draft
        },
        scheduled_at: scheduled.as_ref().map(|(text, _)| text.clone()),
        responding_agent_id,
        responding_division_id,
        default_variables,
        pending_tags: vec![],
        tags: vec![],
        prepared_status: None,
        pause_reason: None,
        total_recipients: 0,
        feed_cursor: None,
        feed_last_start: None,
        feed_rewind: None,
        settle_cursor: None,
        settle_open: 0,
        expand_cursor: None,
        checkpoint: 0,
        created_by: cx.caller.agent_id.clone(),
        created_at: now.clone(),
        updated_at: now,
        started_at: None,
        completed_at: None,
    };
    api.outreach
        .campaigns
        .create(&campaign, scheduled.map(|(_, ms)| ms))
        .await?;
    created(&view(api, &campaign).await?)
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateCampaign = cx.json()?;
    let campaign = load(api, cx).await?;
    campaign::after(campaign.status, Command::Edit, campaign.total_recipients)
        .map_err(|refusal| conflict(refusal.code, refusal.message))?;
    let mut change = CampaignChange::default();
    if let Some(name) = rules::CAMPAIGN_NAME.check("name", body.name.as_deref())? {
        change = change.name(name);
    }
    if let Some(text) = body.scheduled_at.as_deref() {
        change = match schedule(Some(text).filter(|t| !t.is_empty()))? {
            Some((text, ms)) => change
                .scheduled_at(Some(&text))
                .status(CampaignStatus::Scheduled)
                .due(Some(ms)),
            None => change.scheduled_at(None).status(CampaignStatus::Draft).due(None),
        };
    }
    let (agent, division) = responders(
        api,
        cx,
        body.responding_agent_id.as_deref(),
        body.responding_division_id.as_deref(),
    )
    .await?;
    if body.responding_agent_id.is_some() {
        change = change.responding_agent_id(agent);
    }
    if body.responding_division_id.is_some() {
        change = change.responding_division_id(division);
    }
    if body.variables.is_some() {
        let (_, spec) = approved(api, cx, &campaign.template_id).await?;
        let variables = defaults(&spec, body.variables)?;
        change = change.default_variables(&variables);
    }
    let changed = api
        .outreach
        .campaigns
        .change(cx.org(), &campaign.campaign_id, campaign.status, change)
        .await?
        .ok_or_else(|| conflict("changed_meanwhile", "the campaign changed meanwhile; read it and retry"))?;
    ok(&view(api, &changed).await?)
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let campaign = load(api, cx).await?;
    campaign::after(campaign.status, Command::Edit, campaign.total_recipients)
        .map_err(|refusal| conflict(refusal.code, refusal.message))?;
    if !api
        .outreach
        .campaigns
        .delete(cx.org(), &campaign.campaign_id, campaign.status)
        .await?
    {
        return Err(conflict(
            "changed_meanwhile",
            "the campaign changed meanwhile; read it and retry",
        ));
    }
    no_content()
}

/// Start, pause, resume or cancel.
pub async fn command(api: &ApiService, cx: &Context<'_>, command: Command) -> Answer {
    let campaign = load(api, cx).await?;
    let next = campaign::after(campaign.status, command, campaign.total_recipients)
        .map_err(|refusal| conflict(refusal.code, refusal.message))?;
    let id = &campaign.campaign_id;
    let change = campaign::command_change(&campaign, command, next, api.clock.now_ms());
    let changed = api
        .outreach
        .campaigns
        .change(cx.org(), id, campaign.status, change)
        .await?
        .ok_or_else(|| conflict("changed_meanwhile", "the campaign changed meanwhile; read it and retry"))?;
    if matches!(command, Command::Start | Command::Resume) {
        enqueue(
            api,
            &CampaignJob::Feed {
                org_id: cx.org().to_string(),
                campaign_id: id.clone(),
            },
        )
        .await;
    }
    ok(&view(api, &changed).await?)
}
