//! Message templates of an organization: one item per (WABA, name, language), written by a create,
//! by a sync from Meta and by status webhooks (`inbox::AccountEvents`), which all derive the same id.

use crate::outreach::template::{Template, template_id};
use crate::platform::StoreError;
use crate::platform::items::{key_item, now_rfc3339, record_item, s};
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table;
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct TemplateStore {
    records: Records,
}

/// One template as Meta lists it (`GET /{waba-id}/message_templates`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaTemplate {
    pub meta_template_id: String,
    pub name: String,
    pub language: String,
    pub category: String,
    pub status: String,
    pub components: serde_json::Value,
    pub parameter_format: Option<String>,
    pub rejected_reason: Option<String>,
}

impl TemplateStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn template(&self, org_id: &str, id: &str) -> Result<Option<Template>, StoreError> {
        self.records.get(&table::template(org_id, id), "Template").await
    }

    /// The template of (WABA, name, language), if stored.
    pub async fn by_name(
        &self,
        org_id: &str,
        waba_id: &str,
        name: &str,
        language: &str,
    ) -> Result<Option<Template>, StoreError> {
        self.template(org_id, &template_id(waba_id, name, language)).await
    }

    pub async fn page(&self, org_id: &str, limit: i32, start: Option<PageKey>) -> Result<Page<Template>, StoreError> {
        self.records
            .page(
                &table::org_partition(org_id),
                table::prefix::TEMPLATE,
                "Template",
                limit,
                start,
                false,
            )
            .await
    }

    /// Stores a template Meta just accepted for review; [`StoreError::Conflict`] if one with its
    /// name and language is stored already.
    pub async fn create(&self, template: &Template) -> Result<(), StoreError> {
        let item = record_item(
            template,
            &table::template(&template.org_id, &template.template_id),
            "Template",
        )?;
        self.records
            .transact(vec![Write::failing_as(
                self.records.put(item, Some("attribute_not_exists(pk)")),
                StoreError::Conflict("a template with this name and language".into()),
            )])
            .await
    }

    /// Writes what Meta lists for one template, keeping where it was created from.
    pub async fn save_synced(&self, org_id: &str, waba_id: &str, meta: &MetaTemplate) -> Result<(), StoreError> {
        let id = template_id(waba_id, &meta.name, &meta.language);
        let now = now_rfc3339();
        let components = s(meta.components.to_string());
        let values: Vec<(&str, AttributeValue)> = vec![
            (":entity", s("Template")),
            (":id", s(&id)),
            (":org", s(org_id)),
            (":waba", s(waba_id)),
            (":name", s(&meta.name)),
            (":language", s(&meta.language)),
            (":category", s(&meta.category)),
            (":status", s(&meta.status)),
            (
                ":reason",
                s(meta.rejected_reason.clone().unwrap_or_else(|| "NONE".into())),
            ),
            (":components", components),
            (
                ":format",
                s(meta.parameter_format.clone().unwrap_or_else(|| "POSITIONAL".into())),
            ),
            (":meta_id", s(&meta.meta_template_id)),
            (":now", s(now)),
        ];
        self.records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::template(org_id, &id))))
            .update_expression(
                "SET entity = :entity, template_id = :id, org_id = :org, waba_id = :waba, #name = :name, \
                 #language = :language, category = :category, #status = :status, status_reason = :reason, \
                 components = :components, parameter_format = :format, meta_template_id = :meta_id, \
                 updated_at = :now, created_at = if_not_exists(created_at, :now)",
            )
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#language", "language")
            .expression_attribute_names("#status", "status")
            .set_expression_attribute_values(Some(values.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
            .send()
            .await
            .map_err(|e| StoreError::aws("UpdateItem(template sync)", e))?;
        Ok(())
    }

    /// Every stored template of one WABA (a sync's comparison; a WABA holds at most a few
    /// thousand, Meta's own limit).
    pub async fn of_waba(&self, org_id: &str, waba_id: &str) -> Result<Vec<Template>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let page = self.page(org_id, 100, start).await?;
            found.extend(page.items.into_iter().filter(|t| t.waba_id == waba_id));
            match page.next {
                Some(next) => start = Some(next),
                None => return Ok(found),
            }
        }
    }

    pub async fn delete(&self, org_id: &str, id: &str) -> Result<(), StoreError> {
        self.records
            .transact_all(vec![self.records.delete(&table::template(org_id, id), None)])
            .await
    }
}

/// An item of Meta's list answer, read leniently: an entry without a name or language is skipped.
pub fn meta_template_of(entry: &serde_json::Value) -> Option<MetaTemplate> {
    let text = |name: &str| entry.get(name).and_then(|v| v.as_str()).map(str::to_string);
    Some(MetaTemplate {
        meta_template_id: entry
            .get("id")
            .map(|v| v.to_string().trim_matches('"').to_string())
            .unwrap_or_default(),
        name: text("name")?,
        language: text("language")?,
        category: text("category").unwrap_or_default(),
        status: text("status").unwrap_or_else(|| "PENDING".into()),
        components: entry
            .get("components")
            .cloned()
            .unwrap_or(serde_json::Value::Array(vec![])),
        parameter_format: text("parameter_format"),
        rejected_reason: text("rejected_reason"),
    })
}
