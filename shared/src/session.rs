//! Browser sessions: the token an agent gets for their password (shown once, stored only as its
//! SHA-256), how long it lives, and the sign-in attempt limits that stop password guessing.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

const TOKEN_MARKER: &str = "sbs_";
/// 32 random bytes, base64url without padding.
const RANDOM_CHARS: usize = 43;
/// A session lasts a working day.
pub const SESSION_TTL_MS: i64 = 12 * 3_600_000;

/// Failed sign-ins counted per e-mail and per source address in fixed windows; past the limit
/// the answer is 429 (and the password is not even checked) until the window ends.
pub const ATTEMPT_WINDOW_MS: i64 = 15 * 60_000;
pub const FAILURES_PER_EMAIL: i64 = 5;
pub const FAILURES_PER_SOURCE: i64 = 30;

pub struct IssuedToken {
    pub plaintext: String,
    pub hash_hex: String,
}

pub fn issue() -> IssuedToken {
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    let plaintext = format!(
        "{TOKEN_MARKER}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    IssuedToken {
        hash_hex: hash(&plaintext),
        plaintext,
    }
}

/// Whether `presented` is shaped like a session token (anything else is not looked up).
pub fn is_session_token(presented: &str) -> bool {
    presented.strip_prefix(TOKEN_MARKER).is_some_and(|random| {
        random.len() == RANDOM_CHARS
            && random
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

pub fn hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// The start of the attempt window `now_ms` falls in.
pub fn attempt_window(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(ATTEMPT_WINDOW_MS)
}

/// Whether failures counted so far (per e-mail, per source) stop further attempts.
pub fn locked_out(email_failures: i64, source_failures: i64) -> bool {
    email_failures >= FAILURES_PER_EMAIL || source_failures >= FAILURES_PER_SOURCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_stored_by_hash() {
        let a = issue();
        let b = issue();
        assert_ne!(a.plaintext, b.plaintext);
        assert!(is_session_token(&a.plaintext), "{}", a.plaintext);
        assert_eq!(hash(&a.plaintext), a.hash_hex);
        assert!(!is_session_token("sbk_notasession"));
        assert!(!is_session_token(&format!("{}x", a.plaintext)));
    }

    #[test]
    fn five_failures_for_an_email_or_thirty_from_a_source_lock_the_window() {
        assert!(!locked_out(4, 29));
        assert!(locked_out(5, 0));
        assert!(locked_out(0, 30));
        let t = 1_000 * ATTEMPT_WINDOW_MS + 1234;
        assert_eq!(attempt_window(t), 1_000 * ATTEMPT_WINDOW_MS);
    }
}
