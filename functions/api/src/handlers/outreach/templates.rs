//! Message templates: created on Meta for review and stored `PENDING`; listed, read and deleted
//! (on Meta too); pulled from Meta on demand. Status webhooks move them to APPROVED, REJECTED...

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, next_cursor, no_content, ok, unprocessable};
use crate::rules;
use crate::views;
use lambda_http::http::StatusCode;
use shared::access::account_cache::Account;
use shared::meta::graph::GraphError;
use shared::outreach::template::{self, Template, validate_definition};
use shared::outreach::template_sync::{SyncError, sync_templates};
use shared::platform::http_error::HttpError;
use std::sync::Arc;

/// What a Graph failure of a template call answers: Meta's refusal of what was asked names
/// Meta's reason (422); a refused access token, or a refusal of a call whose request the caller
/// did not write (`about_request` false), is a problem of the stored account (409: fix it with
/// `PATCH /v1/accounts/{id}`); an unreachable or silent Graph API is worth a retry (503).
pub(crate) fn graph_failure(err: GraphError, about_request: bool) -> HttpError {
    match err {
        GraphError::Http { status, code, message } if (400..500).contains(&status) && status != 429 => {
            let code_text = code.map(|c| format!(" (Graph error {c})")).unwrap_or_default();
            if !about_request || code == Some(190) || status == 401 || status == 403 {
                return conflict(
                    "meta_refused_account",
                    format!("Meta refused the account's call: {message}{code_text}; check its access token and WABA"),
                );
            }
            HttpError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "meta_refused",
                format!("Meta refused the request: {message}{code_text}"),
            )
        }
        other => HttpError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "graph_unavailable",
            format!("the Graph API did not answer usefully ({other}); retry"),
        ),
    }
}

/// The caller's account named by `account_id`, able to open its access token.
async fn account(api: &ApiService, cx: &Context<'_>, account_id: &str) -> Result<Arc<Account>, HttpError> {
    let id = rules::REQUIRED_ID
        .check("account_id", Some(account_id))?
        .unwrap_or_default();
    api.access
        .meta_accounts
        .get(cx.org(), &id)
        .await?
        .ok_or_else(|| HttpError::not_found("account_id: no such account"))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let status = cx.query("status");
    if let Some(status) = &status
        && !crate::routes::TEMPLATE_STATUSES.contains(&status.as_str())
    {
        return Err(unprocessable(
            "status",
            format!("must be one of {}", crate::routes::TEMPLATE_STATUSES.join(", ")),
        ));
    }
    let page = api.outreach.templates.page(cx.org(), limit, start).await?;
    ok(&views::TemplateList {
        data: page
            .items
            .iter()
            .filter(|t| status.as_ref().is_none_or(|s| &t.status == s))
            .map(views::Template::from)
            .collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let template = load(api, cx).await?;
    ok(&views::Template::from(&template))
}

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Template, HttpError> {
    let id = cx.id("template_id", "template")?;
    api.outreach
        .templates
        .template(cx.org(), &id)
        .await?
        .ok_or_else(|| HttpError::not_found("no such template"))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateTemplate = cx.json()?;
    rules::TEMPLATE_CATEGORY.check("category", Some(&body.category))?;
    let account = account(api, cx, &body.account_id).await?;
    let definition = validate_definition(&body.name, &body.category, &body.language, &body.components)
        .map_err(|e| unprocessable(&e.field, e.reason))?;
    let waba_id = &account.record.waba_id;
    if api
        .outreach
        .templates
        .by_name(cx.org(), waba_id, &definition.name, &definition.language)
        .await?
        .is_some()
    {
        return Err(conflict(
            "template_exists",
            "a template with this name and language exists in this WABA",
        ));
    }
    let token = account.access_token()?.expose();
    let (meta_id, status) = api
        .outreach
        .graph
        .create_template(waba_id, token, &definition.meta_request())
        .await
        .map_err(|e| graph_failure(e, true))?;
    let now = shared::platform::items::now_rfc3339();
    let template = Template {
        template_id: template::template_id(waba_id, &definition.name, &definition.language),
        org_id: cx.org().to_string(),
        waba_id: waba_id.clone(),
        name: definition.name,
        language: definition.language,
        category: definition.category,
        status,
        status_reason: None,
        components: definition.components,
        parameter_format: Some(definition.parameter_format.to_string()),
        meta_template_id: Some(meta_id),
        account_id: Some(account.record.account_id.clone()),
        created_at: now.clone(),
        updated_at: now,
    };
    match api.outreach.templates.create(&template).await {
        // A status webhook got here first (Meta answered it before us): it holds the status.
        Err(shared::platform::StoreError::Conflict(_)) => {}
        other => other?,
    }
    created(&views::Template::from(&template))
}

/// An account of the caller's organization on `waba_id` (synced templates name no account).
pub(crate) async fn account_on_waba(
    api: &ApiService,
    cx: &Context<'_>,
    waba_id: &str,
) -> Result<shared::access::tenancy::WhatsAppAccount, HttpError> {
    api.access
        .accounts
        .accounts(cx.org())
        .await?
        .into_iter()
        .find(|a| a.waba_id == waba_id)
        .ok_or_else(|| {
            conflict(
                "no_account",
                "no account of this organization is on the template's WABA",
            )
        })
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let template = load(api, cx).await?;
    let account = match &template.account_id {
        Some(id) => api.access.meta_accounts.get(cx.org(), id).await?,
        None => None,
    };
    let account = match account {
        Some(account) => account,
        None => {
            // Synced templates: any of the organization's accounts on the same WABA.
            let same_waba = account_on_waba(api, cx, &template.waba_id).await?;
            api.access
                .meta_accounts
                .get(cx.org(), &same_waba.account_id)
                .await?
                .ok_or_else(|| HttpError::not_found("the template's account no longer exists"))?
        }
    };
    let token = account.access_token()?.expose();
    match api
        .outreach
        .graph
        .delete_template(
            &template.waba_id,
            token,
            &template.name,
            template.meta_template_id.as_deref(),
        )
        .await
    {
        Ok(()) => {}
        // Already gone on Meta's side (deleted in the manager): only our copy is left.
        Err(GraphError::Http { status: 404, .. }) | Err(GraphError::Http { code: Some(100), .. }) => {}
        Err(err) => return Err(graph_failure(err, false)),
    }
    api.outreach.templates.delete(cx.org(), &template.template_id).await?;
    no_content()
}

pub async fn sync(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::SyncTemplates = cx.json()?;
    let account = account(api, cx, &body.account_id).await?;
    let token = account.access_token()?.expose();
    let synced = sync_templates(
        &api.outreach.graph,
        &api.outreach.templates,
        cx.org(),
        &account.record.waba_id,
        token,
    )
    .await
    .map_err(|err| match err {
        SyncError::Graph(err) => graph_failure(err, false),
        SyncError::Store(err) => err.into(),
    })?;
    ok(&views::TemplateSync {
        account_id: account.record.account_id.clone(),
        waba_id: account.record.waba_id.clone(),
        total: synced.total,
        removed: synced.removed,
    })
}
