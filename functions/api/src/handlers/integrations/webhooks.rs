//! Outgoing webhook endpoints: create (the secret shown once), read, change, delete, test, and
//! rotate the secret (the old one keeps signing for 24 hours).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, next_cursor, no_content, not_found, ok, respond, unprocessable};
use crate::{rules, views};
use lambda_http::http::StatusCode;
use shared::integrations::address_policy::UrlRefusal;
use shared::integrations::ports::EndpointChanges;
use shared::integrations::{
    AttemptJob, Delivery, Endpoint, MAX_ENDPOINTS_PER_ORG, ROTATION_OVERLAP_MS, SECRET_FIELD, catalogue, signing,
    url_check,
};
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use shared::platform::sealed_secret::{SealedSecret, SecretContext};
use shared::platform::secret::Secret;

/// Events one endpoint may subscribe to: every kind there is, once.
const MAX_EVENTS: usize = 64;

async fn url(api: &ApiService, text: Option<&str>, required: bool) -> Result<Option<String>, HttpError> {
    let Some(text) = text else {
        return match required {
            true => Err(unprocessable("url", "required")),
            false => Ok(None),
        };
    };
    let text = text.trim();
    url_check::check_url(text, api.integrations.reach)
        .await
        .map_err(|refusal: UrlRefusal| unprocessable("url", refusal))?;
    Ok(Some(text.to_string()))
}

fn events(list: Option<Vec<String>>, required: bool) -> Result<Option<Vec<String>>, HttpError> {
    let Some(list) = list else {
        return match required {
            true => Err(unprocessable("events", "required: at least one event type")),
            false => Ok(None),
        };
    };
    if list.is_empty() {
        return Err(unprocessable("events", "at least one event type"));
    }
    if list.len() > MAX_EVENTS {
        return Err(unprocessable("events", format!("at most {MAX_EVENTS}")));
    }
    let unknown = catalogue::unknown_events(&list);
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown.iter().take(5).map(|n| n.chars().take(64).collect()).collect();
        return Err(unprocessable(
            "events",
            format!("unknown event types: {}", shown.join(", ")),
        ));
    }
    let mut unique = list;
    unique.dedup();
    unique.sort();
    unique.dedup();
    Ok(Some(unique))
}

async fn account(api: &ApiService, cx: &Context<'_>, id: Option<&str>) -> Result<Option<String>, HttpError> {
    match rules::OPTIONAL_ID.check("account_id", id)? {
        None => Ok(None),
        Some(id) => {
            api.access
                .tenancy
                .get_account(cx.org(), &id)
                .await?
                .ok_or_else(|| HttpError::not_found("account_id: no such account"))?;
            Ok(Some(id))
        }
    }
}

async fn seal(api: &ApiService, org_id: &str, webhook_id: &str, secret: &Secret) -> Result<SealedSecret, HttpError> {
    let context = SecretContext {
        org_id,
        account_id: webhook_id,
        field: SECRET_FIELD,
    };
    let mut sealed = api.integrations.keeper.seal(secret, &context).await?;
    // The hint shows the prefix only: the secret's value is a random string.
    sealed.hint = format!("{}…", &secret.expose()[..signing::SECRET_PREFIX.len() + 4]);
    Ok(sealed)
}

pub(crate) async fn endpoint_of(api: &ApiService, cx: &Context<'_>) -> Result<Endpoint, HttpError> {
    let id = cx.id("webhook_id", "webhook")?;
    api.integrations
        .endpoints
        .endpoint(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("webhook"))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    // At most twenty per organization: one page, whatever the limit.
    let (limit, _) = cx.page()?;
    let mut endpoints = api.integrations.endpoints.endpoints_of(cx.org()).await?;
    endpoints.sort_by(|a, b| a.webhook_id.cmp(&b.webhook_id));
    endpoints.truncate(limit as usize);
    ok(&views::WebhookList {
        data: endpoints.iter().map(views::Webhook::from).collect(),
        next_cursor: next_cursor(None),
    })
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateWebhook = cx.json()?;
    let name = rules::WEBHOOK_NAME
        .required_now()
        .check("name", body.name.as_deref())?
        .unwrap_or_default();
    let events = events(body.events, true)?.unwrap_or_default();
    let account_id = account(api, cx, body.account_id.as_deref()).await?;
    let url = url(api, body.url.as_deref(), true).await?.unwrap_or_default();
    let webhook_id = ids::new_id("wh");
    let secret = signing::new_secret();
    let now = api.clock.now_rfc3339();
    let endpoint = Endpoint {
        org_id: cx.org().into(),
        webhook_id: webhook_id.clone(),
        name,
        url,
        events,
        account_id,
        is_active: body.is_active.unwrap_or(true),
        disabled_reason: None,
        secret: seal(api, cx.org(), &webhook_id, &secret).await?,
        previous_secret: None,
        previous_until_ms: None,
        consecutive_failures: 0,
        failing_since_ms: None,
        created_at: now.clone(),
        updated_at: now,
        created_by: cx.caller.agent_id.clone(),
        last_triggered_at: None,
        last_success_at: None,
    };
    if !api.integrations.endpoints.create_endpoint(&endpoint).await? {
        return Err(conflict(
            "too_many_webhooks",
            format!("an organization has at most {MAX_ENDPOINTS_PER_ORG} webhooks"),
        ));
    }
    created(&views::WebhookCreated {
        webhook: views::Webhook::from(&endpoint),
        secret: secret.expose().to_string(),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::Webhook::from(&endpoint_of(api, cx).await?))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateWebhook = cx.json()?;
    let current = endpoint_of(api, cx).await?;
    let changes = EndpointChanges {
        name: rules::WEBHOOK_NAME.check("name", body.name.as_deref())?,
        url: url(api, body.url.as_deref(), false).await?,
        events: events(body.events, false)?,
        account_id: match body.account_id.as_deref() {
            None => None,
            Some("") => Some(None),
            Some(id) => Some(account(api, cx, Some(id)).await?),
        },
        is_active: body.is_active,
        rotated: None,
    };
    let updated = api
        .integrations
        .endpoints
        .update_endpoint(cx.org(), &current.webhook_id, changes, &api.clock.now_rfc3339())
        .await?
        .ok_or_else(|| not_found("webhook"))?;
    ok(&views::Webhook::from(&updated))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("webhook_id", "webhook")?;
    if !api.integrations.endpoints.delete_endpoint(cx.org(), &id).await? {
        return Err(not_found("webhook"));
    }
    no_content()
}

pub async fn rotate_secret(api: &ApiService, cx: &Context<'_>) -> Answer {
    let current = endpoint_of(api, cx).await?;
    let secret = signing::new_secret();
    let until_ms = api.clock.now_ms() + ROTATION_OVERLAP_MS;
    let changes = EndpointChanges {
        rotated: Some((
            seal(api, cx.org(), &current.webhook_id, &secret).await?,
            current.secret.clone(),
            until_ms,
        )),
        ..Default::default()
    };
    api.integrations
        .endpoints
        .update_endpoint(cx.org(), &current.webhook_id, changes, &api.clock.now_rfc3339())
        .await?
        .ok_or_else(|| not_found("webhook"))?;
    let until = chrono::DateTime::from_timestamp_millis(until_ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    ok(&views::SecretRotated {
        secret: secret.expose().to_string(),
        previous_secret_expires_at: until,
    })
}

/// A `webhook.test` event for this endpoint only, attempted at once by the deliveries function.
pub async fn test(api: &ApiService, cx: &Context<'_>) -> Answer {
    let endpoint = endpoint_of(api, cx).await?;
    if !endpoint.is_active {
        return Err(conflict("webhook_disabled", "the webhook is disabled; enable it first"));
    }
    let now_ms = api.clock.now_ms();
    let event_id = format!("webhook.test:{}", ids::new_id("evt"));
    let data = serde_json::json!({
        "event_id": event_id, "org_id": cx.org(), "occurred_at": api.clock.now_rfc3339(),
        "webhook_id": endpoint.webhook_id,
    });
    let delivery = Delivery::pending(
        cx.org(),
        &endpoint.webhook_id,
        &event_id,
        "webhook.test",
        now_ms,
        &data,
        1,
    );
    // A fresh event id: always a new delivery.
    api.integrations.deliveries.create_delivery(&delivery).await?;
    queue(api, &delivery).await?;
    respond(StatusCode::ACCEPTED, &views::WebhookDelivery::from(&delivery))
}

/// Queues the next attempt of a pending delivery.
pub(crate) async fn queue(api: &ApiService, delivery: &Delivery) -> Result<(), HttpError> {
    let job = AttemptJob {
        delivery: delivery.reference(),
        after_attempt: delivery.attempt,
    };
    api.integrations.attempts.enqueue(&job, 0).await.map_err(|err| {
        tracing::warn!(error = %err, "attempt not queued");
        HttpError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "queue_unavailable",
            "the delivery is recorded but could not be queued; redeliver it",
        )
    })?;
    Ok(())
}
