//! Outgoing webhooks' routes: endpoints, their test, secret rotation, delivery log and redelivery.

use super::Operation::*;
use super::{PAGE, QueryParameter, Route, route};

const DELIVERY_FILTERS: &[QueryParameter] = &[
    super::LIMIT,
    super::CURSOR,
    (
        "status",
        "only deliveries in this state",
        r#"{"type":"string","enum":["pending","sending","retrying","succeeded","failed"]}"#,
    ),
    (
        "event_type",
        "only deliveries of this event type",
        r#"{"type":"string","maxLength":64}"#,
    ),
];

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/webhooks",
        ListWebhooks,
        "webhooks.read",
        "webhooks",
        "Outgoing webhooks",
    )
    .returns("WebhookList")
    .query(PAGE),
    route(
        "POST",
        "/v1/webhooks",
        CreateWebhook,
        "webhooks.manage",
        "webhooks",
        "Create an outgoing webhook (its secret is in this response only)",
    )
    .json("CreateWebhook")
    .returns("WebhookCreated")
    .status(201),
    route(
        "GET",
        "/v1/webhooks/{webhook_id}",
        GetWebhook,
        "webhooks.read",
        "webhooks",
        "An outgoing webhook",
    )
    .returns("Webhook"),
    route(
        "PATCH",
        "/v1/webhooks/{webhook_id}",
        UpdateWebhook,
        "webhooks.manage",
        "webhooks",
        "Change an outgoing webhook (name, URL, events, account, enabled)",
    )
    .json("UpdateWebhook")
    .returns("Webhook"),
    route(
        "DELETE",
        "/v1/webhooks/{webhook_id}",
        DeleteWebhook,
        "webhooks.manage",
        "webhooks",
        "Delete an outgoing webhook (its pending retries end failed)",
    )
    .status(204),
    route(
        "POST",
        "/v1/webhooks/{webhook_id}/test",
        TestWebhook,
        "webhooks.manage",
        "webhooks",
        "Send a webhook.test event to this endpoint now",
    )
    .returns("WebhookDelivery")
    .status(202),
    route(
        "POST",
        "/v1/webhooks/{webhook_id}/rotate-secret",
        RotateWebhookSecret,
        "webhooks.manage",
        "webhooks",
        "Replace the signing secret; the old one signs too for 24 hours",
    )
    .returns("SecretRotated"),
    route(
        "GET",
        "/v1/webhooks/{webhook_id}/deliveries",
        ListWebhookDeliveries,
        "webhooks.read",
        "webhooks",
        "An outgoing webhook's deliveries, newest first (kept 30 days)",
    )
    .returns("WebhookDeliveryList")
    .query(DELIVERY_FILTERS),
    route(
        "GET",
        "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}",
        GetWebhookDelivery,
        "webhooks.read",
        "webhooks",
        "One delivery: its payload, attempts and last answer",
    )
    .returns("WebhookDelivery"),
    route(
        "POST",
        "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        RedeliverWebhookDelivery,
        "webhooks.manage",
        "webhooks",
        "Deliver a settled delivery once more, now (same webhook-id)",
    )
    .returns("WebhookDelivery")
    .status(202),
    route(
        "POST",
        "/v1/webhooks/{webhook_id}/redeliver-failed",
        RedeliverFailedWebhookDeliveries,
        "webhooks.manage",
        "webhooks",
        "Deliver again every failed delivery since a time (up to 500 per call)",
    )
    .json("RedeliverFailed")
    .returns("Redelivered")
    .status(202),
];
