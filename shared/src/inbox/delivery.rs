//! The webhook delivery as it travels on the ingest queue, shared by its producer (webhook
//! function) and its consumer (ingest function).
//!
//! The SQS message body is the raw webhook body, byte for byte; routing facts travel as message
//! attributes. A body too large for SQS (or holding characters SQS refuses) is stored in S3 and the
//! message body carries a pointer instead ("claim check").

use serde::{Deserialize, Serialize};

pub mod attribute {
    pub const ORG_ID: &str = "sb-org-id";
    pub const ACCOUNT_ID: &str = "sb-account-id";
    /// Receive time at the webhook, epoch milliseconds.
    pub const RECEIVED_AT_MS: &str = "sb-received-at-ms";
    /// `inline` (body is the payload) or `s3` (body is a [`PayloadPointer`]).
    pub const PAYLOAD_LOCATION: &str = "sb-payload-location";
}

pub const LOCATION_INLINE: &str = "inline";
pub const LOCATION_S3: &str = "s3";

/// SQS's limit for body plus attributes is 256 KiB; stay clear of it with room for the attributes.
pub const MAX_INLINE_BODY_BYTES: usize = 240 * 1024;

/// S3 key prefix of claim-checked payloads (the bucket's lifecycle rule expires them).
pub const PAYLOAD_PREFIX: &str = "webhook-payloads";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadPointer {
    pub bucket: String,
    pub key: String,
    pub size: usize,
}

/// Whether `body` may travel as an SQS message body: small enough, and only characters SQS
/// accepts (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF).
pub fn fits_inline(body: &str) -> bool {
    body.len() <= MAX_INLINE_BODY_BYTES
        && body
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
}

/// Org-scoped S3 key of a claim-checked payload.
pub fn payload_key(org_id: &str, account_id: &str, received_at_ms: u64, delivery_id: &str) -> String {
    let day = chrono::DateTime::from_timestamp_millis(received_at_ms as i64)
        .map(|t| t.format("%Y/%m/%d").to_string())
        .unwrap_or_else(|| "unknown".into());
    format!("{PAYLOAD_PREFIX}/{org_id}/{account_id}/{day}/{delivery_id}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_json_fits_inline() {
        assert!(fits_inline(
            r#"{"object":"whatsapp_business_account","entry":[{"é":"😀"}]}"#
        ));
    }

    #[test]
    fn oversize_or_sqs_forbidden_characters_do_not() {
        assert!(!fits_inline(&"a".repeat(MAX_INLINE_BODY_BYTES + 1)));
        assert!(!fits_inline("{\"a\":\"\u{FFFE}\"}"));
        assert!(!fits_inline("{\"a\":\"\u{0001}\"}"));
    }

    #[test]
    fn payload_keys_are_scoped_by_org_and_dated() {
        assert_eq!(
            payload_key("org_1", "acc_1", 1_750_030_200_000, "d1"),
            "webhook-payloads/org_1/acc_1/2025/06/15/d1.json"
        );
    }
}
