//! Standard Webhooks signing (<https://www.standardwebhooks.com>): each delivery carries
//! `webhook-id` (the event's id, the same on every retry), `webhook-timestamp` (epoch seconds of
//! this attempt) and `webhook-signature`: `v1,<base64 of HMAC-SHA256 over "id.timestamp.body">`,
//! one per secret in force, space-separated. A secret is `whsec_` + base64 of 32 random bytes;
//! the HMAC key is the decoded bytes, so any Standard Webhooks library verifies our deliveries
//! with the secret exactly as our API shows it.

use crate::platform::secret::Secret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a new secret.
pub const SECRET_BYTES: usize = 32;

/// Why a stored secret cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is whsec_ followed by base64")]
pub struct MalformedSecret;

/// A fresh secret, `whsec_` + base64 of 32 bytes from the system's CSPRNG.
pub fn new_secret() -> Secret {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; SECRET_BYTES];
    // The system CSPRNG does not fail on the platforms Lambda runs; if it ever did, a zeroed key
    // must not be handed out.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source answers");
    Secret::new(format!("{SECRET_PREFIX}{}", B64.encode(bytes)))
}

/// The HMAC key of a `whsec_` secret.
fn key_of(secret: &Secret) -> Result<Vec<u8>, MalformedSecret> {
    let encoded = secret.expose().strip_prefix(SECRET_PREFIX).ok_or(MalformedSecret)?;
    B64.decode(encoded).map_err(|_| MalformedSecret)
}

/// `v1,<signature>` of one message under one secret.
pub fn sign(secret: &Secret, message_id: &str, timestamp_s: i64, body: &[u8]) -> Result<String, MalformedSecret> {
    let key = key_of(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| MalformedSecret)?;
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: one signature per secret in force (the current one first; the
/// previous one during a rotation's overlap), space-separated.
pub fn signature_header(
    secrets: &[&Secret],
    message_id: &str,
    timestamp_s: i64,
    body: &[u8],
) -> Result<String, MalformedSecret> {
    let signatures: Result<Vec<String>, MalformedSecret> = secrets
        .iter()
        .map(|secret| sign(secret, message_id, timestamp_s, body))
        .collect();
    Ok(signatures?.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's own example (its README's test vector).
    #[test]
    fn signs_the_specifications_example() {
        let secret = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let body = br#"{"test": 2432232314}"#;
        let signature = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_are_distinct_and_sign() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with(SECRET_PREFIX));
        assert_eq!(key_of(&a).unwrap().len(), SECRET_BYTES);
        let header = signature_header(&[&a, &b], "evt", 1, b"{}").unwrap();
        assert_eq!(header.split(' ').count(), 2);
        assert!(header.split(' ').all(|s| s.starts_with("v1,")));
    }

    #[test]
    fn a_secret_without_its_prefix_or_base64_does_not_sign() {
        assert_eq!(sign(&Secret::new("abc"), "m", 1, b""), Err(MalformedSecret));
        assert_eq!(sign(&Secret::new("whsec_!!"), "m", 1, b""), Err(MalformedSecret));
    }
}
