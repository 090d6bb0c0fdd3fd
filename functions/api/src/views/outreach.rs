//! Wire types of templates and campaigns.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::template;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Template {
    pub id: String,
    /// The account it was created through; absent for templates synced from Meta.
    pub account_id: Option<String>,
    pub waba_id: String,
    pub name: String,
    /// BCP-47-style code Meta uses (`en_US`).
    pub language: String,
    /// MARKETING | UTILITY | AUTHENTICATION
    pub category: String,
    /// PENDING | APPROVED | REJECTED | PAUSED | DISABLED | ... (Meta's review status)
    pub status: String,
    /// Meta's reason for a rejection, pause or disabling.
    pub status_reason: Option<String>,
    /// Meta's components array (HEADER, BODY, FOOTER, BUTTONS).
    pub components: Value,
    /// POSITIONAL (`{{1}}`) or NAMED (`{{first_name}}`).
    pub parameter_format: Option<String>,
    /// The variables a send must fill: body variables by name, `header.<name>`, `button.<index>`.
    pub variables: Vec<String>,
    /// Meta's id of the template.
    pub meta_template_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&template::Template> for Template {
    fn from(t: &template::Template) -> Self {
        Self {
            id: t.template_id.clone(),
            account_id: t.account_id.clone(),
            waba_id: t.waba_id.clone(),
            name: t.name.clone(),
            language: t.language.clone(),
            category: t.category.clone(),
            status: t.status.clone(),
            status_reason: t.status_reason.clone().filter(|r| r != "NONE"),
            components: t.components.clone(),
            parameter_format: t.parameter_format.clone(),
            variables: template::ParameterSpec::of(&t.components).variable_keys(),
            meta_template_id: t.meta_template_id.clone(),
            created_at: t.created_at.clone(),
            updated_at: t.updated_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub data: Vec<Template>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTemplate {
    /// The WhatsApp account whose business account (WABA) the template is created in.
    pub account_id: String,
    /// Lowercase letters, digits and `_`, at most 512.
    pub name: String,
    /// MARKETING | UTILITY | AUTHENTICATION
    pub category: String,
    /// `en`, `en_US`, `pt_BR`...
    pub language: String,
    /// Meta's components array: HEADER (TEXT with at most one variable, or IMAGE / VIDEO /
    /// DOCUMENT with `example.header_handle`), BODY (`{{1}}` or `{{name}}` variables, each with an
    /// example), FOOTER, BUTTONS.
    pub components: Value,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncTemplates {
    /// The account whose WABA is pulled from Meta.
    pub account_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSync {
    pub account_id: String,
    pub waba_id: String,
    /// Templates Meta lists for the WABA now.
    pub total: u32,
    /// Stored templates Meta no longer lists, removed.
    pub removed: u32,
}
