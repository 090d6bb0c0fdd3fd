//! API keys: generated once, shown once, stored only as a SHA-256 hash plus a visible prefix.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

const KEY_MARKER: &str = "sbk_";
const RANDOM_LEN: usize = 40;
/// How much of the key is kept in clear to let people tell their keys apart.
pub const VISIBLE_PREFIX_LEN: usize = 12;

pub struct IssuedKey {
    /// Shown to the operator once; never stored.
    pub plaintext: String,
    pub prefix: String,
    pub hash_hex: String,
}

pub fn issue() -> IssuedKey {
    let random: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(RANDOM_LEN)
        .map(char::from)
        .collect();
    let plaintext = format!("{KEY_MARKER}{random}");
    IssuedKey {
        prefix: plaintext[..VISIBLE_PREFIX_LEN].to_string(),
        hash_hex: hash(&plaintext),
        plaintext,
    }
}

/// Whether `presented` has the shape of a key we issue, so that anything else is refused without
/// a lookup.
pub fn is_well_formed(presented: &str) -> bool {
    presented
        .strip_prefix(KEY_MARKER)
        .is_some_and(|random| random.len() == RANDOM_LEN && random.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub fn hash(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

/// A random token for Meta's webhook verification handshake.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_keys_hash_to_their_stored_hash_and_differ() {
        let a = issue();
        let b = issue();
        assert_ne!(a.plaintext, b.plaintext);
        assert_eq!(hash(&a.plaintext), a.hash_hex);
        assert!(a.plaintext.starts_with(&a.prefix));
        assert_eq!(a.prefix.len(), VISIBLE_PREFIX_LEN);
        assert_eq!(a.hash_hex.len(), 64);
        assert!(!a.hash_hex.contains(&a.plaintext[KEY_MARKER.len()..]));
    }

    #[test]
    fn only_issued_shapes_are_well_formed() {
        assert!(is_well_formed(&issue().plaintext));
        for bad in [
            "",
            "sbk_",
            "sbk_not-a-key",
            &format!("sbk_{}", "a".repeat(41)),
            &format!("xyz_{}", "a".repeat(40)),
            &format!("sbk_{}é", "a".repeat(39)),
        ] {
            assert!(!is_well_formed(bad), "{bad}");
        }
    }
}
