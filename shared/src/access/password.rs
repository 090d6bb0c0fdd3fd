//! Agents' passwords: argon2id (RFC 9106's second recommended parameters: 19 MiB, 2 passes, one
//! lane, as OWASP advises), stored as a PHC string; never kept or logged in clear.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Whether `password` may be set: its length in characters, naming what is wrong.
pub fn check(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Err(format!("must be {MIN_CHARS} to {MAX_CHARS} characters"));
    }
    if password.trim().is_empty() {
        return Err("must not be blank".into());
    }
    Ok(())
}

/// The PHC string to store (a fresh random salt each time).
pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

/// Whether `password` matches the stored PHC string (false for a malformed one).
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    hasher().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// A hash to verify against when the e-mail is unknown, so an unknown address takes as long as
/// a wrong password (the answer must not tell them apart).
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that matches nothing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let stored = hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterY", &stored));
        assert_ne!(stored, hash("correct horse battery"), "salted");
        assert!(!verify("anything", "not a phc string"));
        assert!(!verify("decoy password that matches nothing!", decoy()));
    }

    #[test]
    fn length_is_checked_in_characters() {
        assert!(check("short").is_err());
        assert!(check("        ").is_err());
        assert!(check("ünïcödé!").is_ok());
        assert!(check(&"x".repeat(129)).is_err());
    }
}
