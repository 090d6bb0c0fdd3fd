//! The media queue's message: a media file an inbound message refers to, to copy into S3.

use crate::meta::MediaKind;
use serde::{Deserialize, Serialize};

/// Meta keeps inbound media ids for 7 days; past that a download cannot succeed.
pub const MEDIA_ID_VALIDITY_MS: u64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaJob {
    pub org_id: String,
    pub account_id: String,
    /// The message is found through its wamid claim.
    pub wamid: String,
    pub media_id: String,
    pub media_kind: MediaKind,
    pub mime_type: Option<String>,
    /// As Meta sent it in the webhook (base64 or hex of the SHA-256).
    pub sha256: Option<String>,
    pub received_at_ms: u64,
}

impl MediaJob {
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms > self.received_at_ms + MEDIA_ID_VALIDITY_MS
    }

    /// S3 key of the stored file, scoped by organization.
    pub fn s3_key(&self) -> String {
        let safe: String = self
            .media_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        format!("media/{}/{}/{safe}", self.org_id, self.account_id)
    }
}

/// Decodes Meta's `sha256` (hex in Graph API responses, base64 in some webhooks) to bytes.
pub fn decode_sha256(text: &str) -> Option<Vec<u8>> {
    if text.len() == 64
        && let Ok(bytes) = hex::decode(text)
    {
        return Some(bytes);
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .filter(|b| b.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_decodes_from_hex_or_base64() {
        let hex_form = "2c21a64f687468793a5130ab4d6ab6372ab51b815ba7d995bcdee118776d159e";
        let b64_form = "LCGmT2h0aHk6UTCrTWq2Nyq1G4Fbp9mVvN7hGHdtFZ4=";
        assert_eq!(decode_sha256(hex_form), decode_sha256(b64_form));
        assert!(decode_sha256("nope").is_none());
    }

    #[test]
    fn expiry_and_keys() {
        let job = MediaJob {
            org_id: "org_1".into(),
            account_id: "acc_1".into(),
            wamid: "w".into(),
            media_id: "10/../x".into(),
            media_kind: MediaKind::Image,
            mime_type: None,
            sha256: None,
            received_at_ms: 0,
        };
        assert!(!job.is_expired(MEDIA_ID_VALIDITY_MS));
        assert!(job.is_expired(MEDIA_ID_VALIDITY_MS + 1));
        assert_eq!(job.s3_key(), "media/org_1/acc_1/10x");
    }
}
