//! Non-message webhook changes of an account (template status, account updates), kept 90 days for
//! the features that read them; a template status also updates the template's record.

use crate::platform::StoreError;
use crate::platform::items::{key_item, n, now_rfc3339, s};
use crate::platform::plan::{Plan, WriteOp};
use crate::platform::records::Records;
use crate::platform::table::{self, attr};
use crate::platform::transact;
use aws_sdk_dynamodb::types::AttributeValue;

const KEPT_FOR_SECONDS: i64 = 90 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEventSlot {
    Event,
    Template,
}

/// One change as Meta sent it.
pub struct AccountEvent<'a> {
    pub org_id: &'a str,
    pub account_id: &'a str,
    pub received_at_ms: u64,
    pub waba_id: &'a str,
    pub field: &'a str,
    pub value: &'a serde_json::Value,
}

pub fn account_event_plan(event: &AccountEvent<'_>, now_seconds: i64, now: &str) -> Plan<AccountEventSlot> {
    let value = event.value;
    // Identical redeliveries land on the same item.
    let digest = &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(value.to_string().as_bytes()))[..16];
    let mut item = key_item(&table::account_event(
        event.org_id,
        event.account_id,
        event.received_at_ms,
        digest,
    ));
    item.insert(attr::ENTITY.into(), s("AccountEvent"));
    item.insert("field".into(), s(event.field));
    item.insert("waba_id".into(), s(event.waba_id));
    item.insert(
        "value".into(),
        serde_dynamo::to_attribute_value(value).unwrap_or(AttributeValue::Null(true)),
    );
    item.insert(attr::EXPIRES_AT.into(), n(now_seconds + KEPT_FOR_SECONDS));
    let mut plan = Plan::new().with(AccountEventSlot::Event, WriteOp::put(item));
    let text = |name: &str| value.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    let name = text("message_template_name");
    if event.field == "message_template_status_update" && !name.is_empty() {
        let meta_template_id = value
            .get("message_template_id")
            .map(|v| v.to_string().trim_matches('"').to_string())
            .unwrap_or_default();
        let reason = value.get("reason").and_then(|v| v.as_str()).unwrap_or("NONE");
        let language = text("message_template_language");
        let template_id = crate::outreach::template::template_id(event.waba_id, name, language);
        let key = table::template(event.org_id, &template_id);
        let update = WriteOp::update(
            key,
            "SET entity = :entity, template_id = :template_id, org_id = :org, waba_id = :waba, \
             #name = :name, #language = :language, #status = :status, status_reason = :reason, \
             meta_template_id = :id, updated_at = :now, created_at = if_not_exists(created_at, :now), \
             category = if_not_exists(category, :category)",
        )
        .name("#name", "name")
        .name("#language", "language")
        .name("#status", "status")
        .value(":entity", s("Template"))
        .value(":template_id", s(&template_id))
        .value(":org", s(event.org_id))
        .value(":waba", s(event.waba_id))
        .value(":name", s(name))
        .value(":language", s(language))
        .value(
            ":status",
            s(value.get("event").and_then(|v| v.as_str()).unwrap_or("UNKNOWN")),
        )
        .value(":reason", s(reason))
        .value(":id", s(meta_template_id))
        .value(":category", s(text("message_template_category")))
        .value(":now", s(now));
        // Templates first seen here (made in Meta's manager) are added; a sync fills in the rest.
        plan.push(AccountEventSlot::Template, update);
    }
    plan
}

pub struct AccountEvents {
    records: Records,
}

impl AccountEvents {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn record(&self, event: &AccountEvent<'_>) -> Result<(), StoreError> {
        let plan = account_event_plan(event, chrono::Utc::now().timestamp(), &now_rfc3339());
        transact::run(
            &self.records.client,
            &self.records.table,
            &plan,
            "WriteOps(account event)",
        )
        .await
        .map_err(StoreError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_status_also_updates_the_template() {
        let value = serde_json::json!({
            "event": "APPROVED", "message_template_id": 123, "message_template_name": "order_update",
            "message_template_language": "en_US", "reason": "NONE"
        });
        let event = AccountEvent {
            org_id: "o",
            account_id: "a",
            received_at_ms: 1,
            waba_id: "w",
            field: "message_template_status_update",
            value: &value,
        };
        let plan = account_event_plan(&event, 0, "now");
        let Some(WriteOp::Update { key, values, .. }) = plan.get(AccountEventSlot::Template) else {
            panic!("the template is updated");
        };
        assert_eq!(
            key,
            &table::template(
                "o",
                &crate::outreach::template::template_id("w", "order_update", "en_US")
            )
        );
        assert_eq!(values[":status"], s("APPROVED"));
        assert_eq!(values[":id"], s("123"));
        let again = account_event_plan(&event, 0, "now");
        assert_eq!(plan.get(AccountEventSlot::Event), again.get(AccountEventSlot::Event));
    }

    #[test]
    fn other_changes_are_only_kept() {
        let value = serde_json::json!({"event": "VERIFIED_ACCOUNT"});
        let event = AccountEvent {
            org_id: "o",
            account_id: "a",
            received_at_ms: 1,
            waba_id: "w",
            field: "account_update",
            value: &value,
        };
        assert_eq!(account_event_plan(&event, 0, "now").len(), 1);
    }
}
