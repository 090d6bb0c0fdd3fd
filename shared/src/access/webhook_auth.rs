//! Meta webhook authentication, free of I/O: the `X-Hub-Signature-256` check on POSTs and the
//! `hub.*` verification handshake on GETs.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
const SIGNATURE_PREFIX: &str = "sha256=";

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not 'sha256=' followed by 64 hex digits")]
    Malformed,
    #[error("the X-Hub-Signature-256 signature does not match the request body")]
    Mismatch,
}

/// Checks `header` against HMAC-SHA256(`app_secret`, `raw_body`). The body must be the bytes Meta
/// sent (after base64 decoding on API Gateway), never re-serialised JSON. The comparison is constant
/// time (`Mac::verify_slice`).
pub fn verify_signature(app_secret: &[u8], raw_body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_digest = header
        .get(..SIGNATURE_PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(SIGNATURE_PREFIX))
        .map(|_| &header[SIGNATURE_PREFIX.len()..])
        .ok_or(SignatureError::Malformed)?;
    if hex_digest.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let expected = hex::decode(hex_digest).map_err(|_| SignatureError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC accepts keys of any length");
    mac.update(raw_body);
    mac.verify_slice(&expected).map_err(|_| SignatureError::Mismatch)
}

/// The header value Meta would send for `raw_body`: used by the operator tools, the fake Graph API
/// and the tests to produce signed deliveries.
pub fn sign(app_secret: &[u8], raw_body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC accepts keys of any length");
    mac.update(raw_body);
    format!("{SIGNATURE_PREFIX}{}", hex::encode(mac.finalize().into_bytes()))
}

/// The query parameters of Meta's verification GET.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HandshakeQuery<'a> {
    pub mode: Option<&'a str>,
    pub verify_token: Option<&'a str>,
    pub challenge: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("hub.mode must be 'subscribe'")]
    WrongMode,
    #[error("hub.verify_token does not match this account's verify token")]
    WrongToken,
    #[error("hub.challenge is missing or longer than {MAX_CHALLENGE_LEN} characters")]
    BadChallenge,
}

/// Meta sends a short number; anything much longer is not a handshake and is not echoed.
pub const MAX_CHALLENGE_LEN: usize = 256;

/// Returns the challenge to echo when the handshake is valid for `expected_token`. The token
/// comparison is constant time over SHA-256 digests, so neither content nor length leaks.
pub fn verify_handshake<'a>(query: &HandshakeQuery<'a>, expected_token: &str) -> Result<&'a str, HandshakeError> {
    if query.mode != Some("subscribe") {
        return Err(HandshakeError::WrongMode);
    }
    let given = Sha256::digest(query.verify_token.unwrap_or_default().as_bytes());
    let expected = Sha256::digest(expected_token.as_bytes());
    if query.verify_token.is_none() || !bool::from(given.ct_eq(&expected)) {
        return Err(HandshakeError::WrongToken);
    }
    match query.challenge {
        Some(challenge) if !challenge.is_empty() && challenge.len() <= MAX_CHALLENGE_LEN => Ok(challenge),
        _ => Err(HandshakeError::BadChallenge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"app-secret";
    const BODY: &[u8] = br#"{"object":"whatsapp_business_account","entry":[]}"#;

    #[test]
    fn a_signature_made_with_the_secret_verifies() {
        let header = sign(SECRET, BODY);
        assert!(header.starts_with("sha256="));
        assert_eq!(verify_signature(SECRET, BODY, Some(&header)), Ok(()));
    }

    #[test]
    fn known_vector_matches_an_independent_hmac() {
        // HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog"), RFC test value.
        let header = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        assert_eq!(
            verify_signature(b"key", b"The quick brown fox jumps over the lazy dog", Some(header)),
            Ok(())
        );
    }

    #[test]
    fn uppercase_hex_and_prefix_are_accepted() {
        let header = sign(SECRET, BODY).to_uppercase();
        assert_eq!(verify_signature(SECRET, BODY, Some(&header)), Ok(()));
    }

    #[test]
    fn any_change_to_body_or_secret_is_a_mismatch() {
        let header = sign(SECRET, BODY);
        let mut tampered = BODY.to_vec();
        tampered[3] ^= 1;
        assert_eq!(
            verify_signature(SECRET, &tampered, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"other-secret", BODY, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        // Re-serialised JSON (whitespace added) is a different byte string, so it must not verify.
        let reserialised = br#"{"object": "whatsapp_business_account", "entry": []}"#;
        assert_eq!(
            verify_signature(SECRET, reserialised, Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_told_apart() {
        assert_eq!(verify_signature(SECRET, BODY, None), Err(SignatureError::Missing));
        for bad in [
            "",
            "sha256=",
            "sha1=abcd",
            "sha256=xyz",
            "sha256=abcd",
            &format!("sha256={}", "g".repeat(64)),
            "é",
        ] {
            assert_eq!(
                verify_signature(SECRET, BODY, Some(bad)),
                Err(SignatureError::Malformed),
                "{bad:?}"
            );
        }
    }

    fn query<'a>(mode: Option<&'a str>, token: Option<&'a str>, challenge: Option<&'a str>) -> HandshakeQuery<'a> {
        HandshakeQuery {
            mode,
            verify_token: token,
            challenge,
        }
    }

    #[test]
    fn handshake_with_the_right_token_echoes_the_challenge() {
        assert_eq!(
            verify_handshake(&query(Some("subscribe"), Some("tok"), Some("1158201444")), "tok"),
            Ok("1158201444")
        );
    }

    #[test]
    fn handshake_failures() {
        assert_eq!(
            verify_handshake(&query(Some("subscribe"), Some("nope"), Some("1")), "tok"),
            Err(HandshakeError::WrongToken)
        );
        assert_eq!(
            verify_handshake(&query(Some("subscribe"), None, Some("1")), "tok"),
            Err(HandshakeError::WrongToken)
        );
        assert_eq!(
            verify_handshake(&query(Some("subscribe"), Some("tok "), Some("1")), "tok"),
            Err(HandshakeError::WrongToken)
        );
        assert_eq!(
            verify_handshake(&query(Some("unsubscribe"), Some("tok"), Some("1")), "tok"),
            Err(HandshakeError::WrongMode)
        );
        assert_eq!(
            verify_handshake(&query(None, Some("tok"), Some("1")), "tok"),
            Err(HandshakeError::WrongMode)
        );
        assert_eq!(
            verify_handshake(&query(Some("subscribe"), Some("tok"), None), "tok"),
            Err(HandshakeError::BadChallenge)
        );
        let long = "9".repeat(MAX_CHALLENGE_LEN + 1);
        assert_eq!(
            verify_handshake(&query(Some("subscribe"), Some("tok"), Some(&long)), "tok"),
            Err(HandshakeError::BadChallenge)
        );
    }
}
