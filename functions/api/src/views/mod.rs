//! What the API reads and writes on the wire. Each type is also its OpenAPI schema (utoipa), so the
//! published document describes exactly what the handlers serialize.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! list_of {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
            /// Pass as `cursor` for the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }
    };
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (`validation_failed`, `not_found`, `window_closed`, ...).
    pub code: String,
    pub message: String,
}

/// The OpenAPI document itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenApiDocument {
    pub openapi: String,
}

/// A whole number sent as `5` or `5.0` (JSON does not tell them apart; neither does JSON Schema).
/// A JSON number that is a whole `u32` (`5.0` counts).
pub(crate) fn whole_u32(number: &serde_json::Number) -> Option<u32> {
    match number.as_u64() {
        Some(n) => u32::try_from(n).ok(),
        None => number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u32),
    }
}

/// A field that may be absent (`None`), null (`Some(None)`: clear it) or given.
pub(crate) fn nullable<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

pub(crate) fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let number: Option<serde_json::Number> = Option::deserialize(deserializer)?;
    let Some(number) = number else {
        return Ok(None);
    };
    whole_u32(&number).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("expected a whole number from 0 to {}, got {number}", u32::MAX))
    })
}

/// A whole number that may be absent (`None`), null (`Some(None)`: clear it) or given.
pub(crate) fn nullable_whole<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<u32>>, D::Error> {
    let number: Option<serde_json::Number> = Option::deserialize(deserializer)?;
    match number {
        None => Ok(Some(None)),
        Some(number) => whole_u32(&number).map(|n| Some(Some(n))).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a whole number from 0 to {}, got {number}", u32::MAX))
        }),
    }
}

mod access;
mod ai;
mod automation;
mod bot;
mod care;
mod desk;
mod inbox;
mod integrations;
mod outreach;
mod roles;
pub use access::*;
pub use ai::*;
pub use automation::*;
pub use bot::*;
pub use care::*;
pub use desk::*;
pub use inbox::*;
pub use integrations::*;
pub use outreach::*;
pub use roles::*;
