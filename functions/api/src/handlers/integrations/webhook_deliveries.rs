//! An endpoint's delivery log: pages (filtered by status and event type), one delivery, and
//! redelivery, of one delivery or of every failed one since a time.

use super::webhooks::{endpoint_of, queue};
use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, next_cursor, not_found, ok, respond, unprocessable};
use crate::views;
use lambda_http::http::StatusCode;
use shared::integrations::ports::DeliveryFilter;
use shared::integrations::{DeliveryRef, DeliveryStatus, catalogue, delivery_policy, delivery_time_ms};
use shared::platform::StoreError;
use shared::platform::http_error::HttpError;
use shared::platform::table;

/// Queries one filtered page may take to fill.
const FILTERED_READS: usize = 5;
/// Failed deliveries one bulk redelivery queues.
const MAX_REDELIVERED: u32 = 500;
/// Log pages (of 100) one bulk redelivery reads.
const MAX_PAGES: usize = 50;

fn reference(cx: &Context<'_>, webhook_id: &str) -> Result<DeliveryRef, HttpError> {
    Ok(DeliveryRef {
        org_id: cx.org().into(),
        webhook_id: webhook_id.into(),
        delivery_id: cx.id("delivery_id", "delivery")?,
    })
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let endpoint = endpoint_of(api, cx).await?;
    let (limit, start) = cx.page()?;
    // A cursor of another endpoint's log names no page of this one.
    let partition = table::webhook_deliveries_partition(cx.org(), &endpoint.webhook_id);
    if start.as_ref().is_some_and(|key| key.get("pk") != Some(&partition)) {
        return Err(HttpError::new(
            StatusCode::NOT_FOUND,
            "unknown_cursor",
            "cursor: no page of this list has this cursor",
        ));
    }
    let status = match cx.query("status") {
        None => None,
        Some(text) => Some(
            DeliveryStatus::parse(&text)
                .ok_or_else(|| unprocessable("status", "one of pending, sending, retrying, succeeded, failed"))?,
        ),
    };
    let event_type = match cx.query("event_type") {
        None => None,
        Some(text) if catalogue::kind(&text).is_some() || text == "webhook.test" => Some(text),
        Some(_) => return Err(unprocessable("event_type", "not an event type")),
    };
    // A filtered Query may find fewer than it reads: read on (a few pages at most) to fill the
    // page, so a filter does not answer empty pages with a cursor.
    let filter = DeliveryFilter { status, event_type };
    let (mut items, mut start) = (Vec::new(), start);
    for _ in 0..FILTERED_READS {
        let page = api
            .integrations
            .deliveries
            .deliveries_page(
                cx.org(),
                &endpoint.webhook_id,
                &filter,
                limit - items.len() as i32,
                start,
            )
            .await?;
        items.extend(page.items);
        start = page.next;
        if items.len() as i32 >= limit || start.is_none() {
            break;
        }
    }
    ok(&views::WebhookDeliveryList {
        data: items.iter().map(views::WebhookDelivery::from).collect(),
        next_cursor: next_cursor(start),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let endpoint = endpoint_of(api, cx).await?;
    let delivery = api
        .integrations
        .deliveries
        .delivery(&reference(cx, &endpoint.webhook_id)?)
        .await?
        .ok_or_else(|| not_found("delivery"))?;
    ok(&views::WebhookDelivery::from(&delivery))
}

pub async fn redeliver(api: &ApiService, cx: &Context<'_>) -> Answer {
    let endpoint = endpoint_of(api, cx).await?;
    if !endpoint.is_active {
        return Err(conflict("webhook_disabled", "the webhook is disabled; enable it first"));
    }
    let reopened = match api
        .integrations
        .deliveries
        .reopen(&reference(cx, &endpoint.webhook_id)?)
        .await
    {
        Ok(Some(delivery)) => delivery,
        Ok(None) => return Err(not_found("delivery")),
        Err(StoreError::Conflict(_)) => {
            return Err(conflict(
                "delivery_in_progress",
                "the delivery is still being attempted; redeliver it once it has settled",
            ));
        }
        Err(other) => return Err(other.into()),
    };
    queue(api, &reopened).await?;
    respond(StatusCode::ACCEPTED, &views::WebhookDelivery::from(&reopened))
}

pub async fn redeliver_failed(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::RedeliverFailed = cx.json()?;
    let endpoint = endpoint_of(api, cx).await?;
    if !endpoint.is_active {
        return Err(conflict("webhook_disabled", "the webhook is disabled; enable it first"));
    }
    let now_ms = api.clock.now_ms();
    let oldest_ms = now_ms - delivery_policy::DELIVERY_RETENTION_S * 1000;
    let since_ms = match body.since.as_deref() {
        None => oldest_ms,
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .map_err(|_| unprocessable("since", "an RFC 3339 date-time"))?
            .timestamp_millis()
            .max(oldest_ms),
    };
    let filter = DeliveryFilter {
        status: Some(DeliveryStatus::Failed),
        event_type: None,
    };
    let mut redelivered = 0;
    let mut start = None;
    for _ in 0..MAX_PAGES {
        let page = api
            .integrations
            .deliveries
            .deliveries_page(cx.org(), &endpoint.webhook_id, &filter, 100, start)
            .await?;
        for delivery in &page.items {
            if delivery_time_ms(&delivery.delivery_id).unwrap_or(0) < since_ms {
                continue;
            }
            if redelivered == MAX_REDELIVERED {
                return respond(
                    StatusCode::ACCEPTED,
                    &views::Redelivered {
                        redelivered,
                        more: true,
                    },
                );
            }
            match api.integrations.deliveries.reopen(&delivery.reference()).await {
                Ok(Some(reopened)) => {
                    queue(api, &reopened).await?;
                    redelivered += 1;
                }
                // Retried or removed meanwhile.
                Ok(None) | Err(StoreError::Conflict(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        // Newest first: once the log reads past `since`, nothing older is wanted.
        let past = page
            .next
            .as_ref()
            .and_then(|key| key.get("sk"))
            .and_then(|sk| sk.strip_prefix(table::prefix::WEBHOOK_DELIVERY))
            .and_then(delivery_time_ms)
            .is_none_or(|at| at < since_ms);
        match page.next {
            Some(next) if !past => start = Some(next),
            _ => {
                return respond(
                    StatusCode::ACCEPTED,
                    &views::Redelivered {
                        redelivered,
                        more: false,
                    },
                );
            }
        }
    }
    // The log is long: the caller goes on with another call.
    respond(
        StatusCode::ACCEPTED,
        &views::Redelivered {
            redelivered,
            more: true,
        },
    )
}
