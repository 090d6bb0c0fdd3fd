//! Item-building helpers shared by the DynamoDB stores.

use crate::platform::StoreError;
use crate::platform::table::{Key, attr};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A string, or DynamoDB's NULL for none.
pub fn s_or_null(value: Option<String>) -> AttributeValue {
    value.map(AttributeValue::S).unwrap_or(AttributeValue::Null(true))
}

pub fn key_item(key: &Key) -> Item {
    HashMap::from([(attr::PK.into(), s(&key.pk)), (attr::SK.into(), s(&key.sk))])
}

/// A number attribute of an item.
pub fn number_of(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

/// A string attribute of an item.
pub fn string_of(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Epoch milliseconds as the API writes times (RFC 3339, milliseconds, UTC).
pub fn rfc3339_of_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A record as an item under `key`, tagged with its entity name.
pub fn record_item<T: serde::Serialize>(record: &T, key: &Key, entity: &str) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt {
        entity: "record",
        detail: e.to_string(),
    })?;
    item.extend(key_item(key));
    item.insert(attr::ENTITY.into(), s(entity));
    Ok(item)
}

/// Items read back as records of one entity.
pub fn records<T: serde::de::DeserializeOwned>(items: &[Item], entity: &'static str) -> Result<Vec<T>, StoreError> {
    items.iter().map(|item| record(item.clone(), entity)).collect()
}

pub fn record<T: serde::de::DeserializeOwned>(item: Item, entity: &'static str) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt {
        entity,
        detail: e.to_string(),
    })
}
