//! The writes of a delivery status, as data: the message's forward-only status update, a billable
//! counter for a priced `sent`, and the parking of a status whose message is not known yet.

use crate::meta::{DeliveryStatus, StatusUpdate};
use crate::platform::items::{n, s};
use crate::platform::plan::{Plan, WriteOp};
use crate::platform::table::{self, Key};
use aws_sdk_dynamodb::types::AttributeValue;

/// Parked statuses of wamids no message claims yet are dropped after this long.
pub const PARKED_STATUS_TTL_SECONDS: i64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusSlot {
    /// The message's status: fails when it already has this or a later one.
    Message,
    BillableCounter,
}

/// The status on the message and, for a billable `sent`, the day's counter of its category.
pub fn status_plan(org_id: &str, message_key: &Key, status: &StatusUpdate) -> Plan<StatusSlot> {
    let mut plan = Plan::new().with(StatusSlot::Message, status_update(message_key, status));
    let billable = status
        .pricing
        .as_ref()
        .and_then(|p| p.get("billable"))
        .and_then(|b| b.as_bool());
    if status.status == DeliveryStatus::Sent && billable == Some(true) {
        let category = status
            .pricing
            .as_ref()
            .and_then(|p| p.get("category"))
            .and_then(|c| c.as_str())
            .unwrap_or("unknown")
            .to_lowercase();
        let day = chrono::DateTime::from_timestamp(status.timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string();
        let shard = table::shard_of(&status.wamid, table::COUNTER_SHARDS);
        plan.push(
            StatusSlot::BillableCounter,
            WriteOp::add_counters(
                table::org_daily_counter_shard(org_id, &day, shard),
                &[(format!("billable_{category}").as_str(), 1)],
            ),
        );
    }
    plan
}

fn errors_of(status: &StatusUpdate) -> AttributeValue {
    serde_dynamo::to_attribute_value(&status.errors).unwrap_or(AttributeValue::L(vec![]))
}

/// Forward-only: a status never replaces a later one. Any status from Meta settles the send, so the
/// message leaves the pending-sends index.
fn status_update(key: &Key, status: &StatusUpdate) -> WriteOp {
    let mut expression = format!(
        "SET #status = :status, status_rank = :rank, {}_at = :at, status_updated_at = :at, status_errors = :errors",
        status.status.as_str()
    );
    if status.pricing.is_some() {
        expression.push_str(", pricing = :pricing");
    }
    expression.push_str(" REMOVE gsi2pk, gsi2sk");
    let op = WriteOp::update(key.clone(), expression)
        .when("attribute_exists(pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)")
        .name("#status", "status")
        .value(":status", s(status.status.as_str()))
        .value(":rank", n(status.status.rank()))
        .value(":at", n(status.timestamp))
        .value(":errors", errors_of(status));
    match &status.pricing {
        Some(pricing) => op.value(
            ":pricing",
            serde_dynamo::to_attribute_value(pricing).unwrap_or(AttributeValue::Null(true)),
        ),
        None => op,
    }
}

/// Keeps a status on its wamid's claim until a message claims the wamid (latest status wins).
pub fn park(wamid_key: &Key, status: &StatusUpdate, now_seconds: i64) -> WriteOp {
    WriteOp::update(
        wamid_key.clone(),
        "SET entity = :entity, #status = :status, status_rank = :rank, status_at = :at, status_errors = :errors, \
         expires_at = if_not_exists(expires_at, :expires)",
    )
    .when("attribute_not_exists(message_pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)")
    .name("#status", "status")
    .value(":entity", s("WamidClaim"))
    .value(":status", s(status.status.as_str()))
    .value(":rank", n(status.status.rank()))
    .value(":at", n(status.timestamp))
    .value(":errors", errors_of(status))
    .value(":expires", n(now_seconds + PARKED_STATUS_TTL_SECONDS))
}

/// The wamid's claim points at the outbound message Meta gave it to; a parked status stays on it.
pub fn link(wamid_key: &Key, message_key: &Key) -> WriteOp {
    WriteOp::update(
        wamid_key.clone(),
        "SET entity = :entity, direction = :outbound, message_pk = :pk, message_sk = :sk REMOVE expires_at",
    )
    .value(":entity", s("WamidClaim"))
    .value(":outbound", s("outbound"))
    .value(":pk", s(&message_key.pk))
    .value(":sk", s(&message_key.sk))
}

/// The message takes the wamid a status names, unless it has another one already.
pub fn adopt(message_key: &Key, wamid: &str) -> WriteOp {
    WriteOp::update(message_key.clone(), "SET wamid = :wamid")
        .when(
            "attribute_exists(pk) AND (attribute_not_exists(wamid) OR attribute_type(wamid, :null) OR wamid = :wamid)",
        )
        .value(":wamid", s(wamid))
        .value(":null", s("NULL"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::plan::WriteOp;

    fn status(status: DeliveryStatus, pricing: Option<serde_json::Value>) -> StatusUpdate {
        StatusUpdate {
            wamid: "wamid.1".into(),
            status,
            timestamp: 1_700_000_000,
            recipient_id: None,
            errors: vec![],
            pricing,
            conversation: None,
            callback_data: None,
        }
    }

    fn key() -> Key {
        Key {
            pk: "ORG#o#CONV#c".into(),
            sk: "MSG#1".into(),
        }
    }

    #[test]
    fn a_billable_sent_counts_its_category_for_the_day() {
        let pricing = serde_json::json!({"billable": true, "category": "MARKETING"});
        let plan = status_plan("o", &key(), &status(DeliveryStatus::Sent, Some(pricing)));
        let Some(WriteOp::Update { key, names, .. }) = plan.get(StatusSlot::BillableCounter) else {
            panic!("a billable sent is counted");
        };
        assert!(key.sk.contains("2023-11-14"), "{key:?}");
        assert_eq!(names["#c0"], "billable_marketing");
    }

    #[test]
    fn other_statuses_only_move_the_message_forward() {
        let plan = status_plan("o", &key(), &status(DeliveryStatus::Delivered, None));
        assert_eq!(plan.len(), 1);
        let Some(WriteOp::Update {
            expression, condition, ..
        }) = plan.get(StatusSlot::Message)
        else {
            panic!("the message is updated");
        };
        assert!(condition.as_deref().unwrap().contains("status_rank < :rank"));
        assert!(expression.contains("delivered_at = :at") && expression.ends_with("REMOVE gsi2pk, gsi2sk"));
    }

    #[test]
    fn a_parked_status_expires_and_never_overrides_a_claimed_wamid() {
        let op = park(&key(), &status(DeliveryStatus::Read, None), 100);
        assert!(op.condition().unwrap().starts_with("attribute_not_exists(message_pk)"));
        let WriteOp::Update { values, .. } = op else { panic!() };
        assert_eq!(values[":expires"], n(100 + PARKED_STATUS_TTL_SECONDS));
    }
}
