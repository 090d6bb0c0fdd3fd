//! The webhook's checks on what anyone can send: the signature header over the raw body, and the
//! verification handshake's query. Only the exact signature may pass.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::access::webhook_auth::{HandshakeQuery, sign, verify_handshake, verify_signature};

const SECRET: &[u8] = b"fuzz-app-secret";

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |n| usize::from(*n)).min(data.len().saturating_sub(1));
    let (header, body) = data.get(1..).unwrap_or_default().split_at(split.min(data.len().saturating_sub(1)));
    let header = String::from_utf8_lossy(header);
    if verify_signature(SECRET, body, Some(&header)).is_ok() {
        assert_eq!(header.trim().to_ascii_lowercase(), sign(SECRET, body), "only the exact signature passes");
    }
    let _ = verify_signature(SECRET, body, None);
    let text = String::from_utf8_lossy(body);
    let mut parts = text.splitn(3, '&');
    let query = HandshakeQuery {
        mode: parts.next(),
        verify_token: parts.next(),
        challenge: parts.next(),
    };
    if let Ok(challenge) = verify_handshake(&query, "a-verify-token-of-length") {
        assert_eq!(query.verify_token, Some("a-verify-token-of-length"));
        assert_eq!(Some(challenge), query.challenge);
    }
});
