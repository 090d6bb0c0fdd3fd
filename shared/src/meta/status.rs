//! Delivery statuses of outbound messages and their forward-only order.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Failed,
    Read,
    Played,
}

impl DeliveryStatus {
    pub fn parse(status: &str) -> Option<Self> {
        Some(match status {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            "read" => Self::Read,
            "played" => Self::Played,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Read => "read",
            Self::Played => "played",
        }
    }

    /// Position in the forward-only order sent < delivered < failed < read < played. A status
    /// replaces the stored one only when its rank is higher, so any arrival order ends in the same
    /// state: a late `delivered` cannot undo `read`, and `failed` (after sent or delivered) sticks
    /// unless the customer demonstrably read the message.
    pub fn rank(self) -> u8 {
        match self {
            Self::Sent => 10,
            Self::Delivered => 20,
            Self::Failed => 25,
            Self::Read => 30,
            Self::Played => 40,
        }
    }
}

/// An error as Meta reports it on a failed status or a webhook value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaError {
    pub code: i64,
    pub title: Option<String>,
    pub message: Option<String>,
    pub details: Option<String>,
}

impl MetaError {
    pub fn from_value(value: &Value) -> Option<Self> {
        Some(Self {
            code: value.get("code")?.as_i64()?,
            title: value.get("title").and_then(Value::as_str).map(str::to_string),
            message: value.get("message").and_then(Value::as_str).map(str::to_string),
            details: value
                .pointer("/error_data/details")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub wamid: String,
    pub status: DeliveryStatus,
    /// Meta's time of the status, unix seconds.
    pub timestamp: i64,
    pub recipient_id: Option<String>,
    pub errors: Vec<MetaError>,
    pub pricing: Option<Value>,
    pub conversation: Option<Value>,
    /// `biz_opaque_callback_data` of the send: Switchboard's message id.
    pub callback_data: Option<String>,
}

impl StatusUpdate {
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let wamid = value
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or("status without id")?;
        let status_text = value
            .get("status")
            .and_then(Value::as_str)
            .ok_or("status without status")?;
        let status = DeliveryStatus::parse(status_text).ok_or_else(|| format!("unknown status {status_text:?}"))?;
        Ok(Self {
            wamid: wamid.to_string(),
            status,
            timestamp: super::notification::unix_seconds(value.get("timestamp")).ok_or("status without timestamp")?,
            recipient_id: value.get("recipient_id").and_then(Value::as_str).map(str::to_string),
            errors: value
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(MetaError::from_value)
                .collect(),
            pricing: value.get("pricing").cloned(),
            conversation: value.get("conversation").cloned(),
            callback_data: value
                .get("biz_opaque_callback_data")
                .and_then(Value::as_str)
                .filter(|data| !data.is_empty())
                .map(|data| data.chars().take(512).collect()),
        })
    }
}
