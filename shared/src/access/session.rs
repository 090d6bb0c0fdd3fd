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

/// Sign-in attempts counted per e-mail and per source address in fixed windows, before the
/// password is checked (a success is taken back); past the limit the answer is 429 until the
/// window ends.
pub const ATTEMPT_WINDOW_MS: i64 = 15 * 60_000;
pub const FAILURES_PER_EMAIL: i64 = 5;
pub const FAILURES_PER_SOURCE: i64 = 30;

/// A password-reset token lives an hour and works once.
pub const RESET_TTL_MS: i64 = 3_600_000;
const RESET_MARKER: &str = "sbr_";

pub struct IssuedToken {
    pub plaintext: String,
    pub hash_hex: String,
}

fn issue_marked(marker: &str) -> IssuedToken {
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    let plaintext = format!(
        "{marker}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random)
    );
    IssuedToken {
        hash_hex: hash(&plaintext),
        plaintext,
    }
}

pub fn issue() -> IssuedToken {
    issue_marked(TOKEN_MARKER)
}

/// A password-reset token (`sbr_...`), shown once to the admin who asked for it.
pub fn issue_reset() -> IssuedToken {
    issue_marked(RESET_MARKER)
}

fn is_marked(presented: &str, marker: &str) -> bool {
    presented.strip_prefix(marker).is_some_and(|random| {
        random.len() == RANDOM_CHARS
            && random
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Whether `presented` is shaped like a session token (anything else is not looked up).
pub fn is_session_token(presented: &str) -> bool {
    is_marked(presented, TOKEN_MARKER)
}

pub fn is_reset_token(presented: &str) -> bool {
    is_marked(presented, RESET_MARKER)
}

pub fn hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// The start of the attempt window `now_ms` falls in.
pub fn attempt_window(now_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(ATTEMPT_WINDOW_MS)
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
        let reset = issue_reset();
        assert!(is_reset_token(&reset.plaintext) && !is_session_token(&reset.plaintext));
        assert!(!is_reset_token(&a.plaintext));
    }

    #[test]
    fn attempts_are_counted_in_fixed_windows() {
        let t = 1_000 * ATTEMPT_WINDOW_MS + 1234;
        assert_eq!(attempt_window(t), 1_000 * ATTEMPT_WINDOW_MS);
    }
}
