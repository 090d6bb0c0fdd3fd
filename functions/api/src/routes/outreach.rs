//! Templates and campaigns.

use super::Operation::*;
use super::{CURSOR, LIMIT, Route, route};

/// Meta's review statuses, as the `status` filter takes them.
pub const TEMPLATE_STATUSES: &[&str] = &[
    "PENDING",
    "APPROVED",
    "REJECTED",
    "PAUSED",
    "DISABLED",
    "FLAGGED",
    "REINSTATED",
    "IN_APPEAL",
    "PENDING_DELETION",
    "ARCHIVED",
    "LIMIT_EXCEEDED",
];
const TEMPLATE_STATUS_SCHEMA: &str = r#"{"type":"string","enum":["PENDING","APPROVED","REJECTED","PAUSED","DISABLED","FLAGGED","REINSTATED","IN_APPEAL","PENDING_DELETION","ARCHIVED","LIMIT_EXCEEDED"]}"#;

pub(super) const ROUTES: &[Route] = &[
    route(
        "GET",
        "/v1/templates",
        ListTemplates,
        "templates.read",
        "templates",
        "Message templates of the organization's WABAs",
    )
    .returns("TemplateList")
    .query(&[
        LIMIT,
        CURSOR,
        (
            "status",
            "only templates in this review status",
            TEMPLATE_STATUS_SCHEMA,
        ),
    ]),
    route(
        "POST",
        "/v1/templates",
        CreateTemplate,
        "templates.manage",
        "templates",
        "Create a template on Meta (stored PENDING until Meta's review webhook)",
    )
    .json("CreateTemplate")
    .returns("Template")
    .status(201),
    route(
        "GET",
        "/v1/templates/{template_id}",
        GetTemplate,
        "templates.read",
        "templates",
        "A template with the variables a send must fill",
    )
    .returns("Template"),
    route(
        "DELETE",
        "/v1/templates/{template_id}",
        DeleteTemplate,
        "templates.manage",
        "templates",
        "Delete a template (this language) on Meta and here",
    )
    .status(204),
    route(
        "POST",
        "/v1/templates/sync",
        SyncTemplates,
        "templates.manage",
        "templates",
        "Pull every template of an account's WABA from Meta",
    )
    .json("SyncTemplates")
    .returns("TemplateSync"),
];
