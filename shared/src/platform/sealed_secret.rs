//! Secrets at rest: each one is AES-256-GCM encrypted under its own data key, and only that data
//! key wrapped by KMS is stored beside it (envelope encryption). The table, its backups and any
//! stream hold ciphertext; reading a secret takes a KMS `Decrypt` that IAM grants only to the
//! functions that use it.
//!
//! Ciphertext is bound to where it belongs: the same organization, account and field go into the
//! AEAD's associated data and into KMS's encryption context, so a sealed value copied onto another
//! account or field does not open.

use crate::platform::secret::Secret;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// The length of a data key (AES-256).
pub const DATA_KEY_LEN: usize = 32;

/// One sealed secret as stored on its item.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    /// The data key, encrypted by KMS (base64 of KMS's ciphertext blob).
    pub wrapped_key: String,
    /// AES-GCM nonce, base64.
    pub nonce: String,
    /// Ciphertext and tag, base64.
    pub ciphertext: String,
    /// What responses may show: [`Secret::masked`] of the clear value, computed when sealed.
    pub hint: String,
}

/// Debug shows the hint only: ciphertext in logs helps nobody.
impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedSecret({})", self.hint)
    }
}

/// A secret field as read from the table: sealed, or clear text written before sealing existed.
/// Clear values are never opened: `admin seal-secrets` seals them, and until then whoever needs the
/// secret gets [`SealError::StoredInClear`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StoredSecret {
    Sealed(SealedSecret),
    Clear(Secret),
}

impl StoredSecret {
    pub fn masked(&self) -> String {
        match self {
            Self::Sealed(sealed) => sealed.hint.clone(),
            Self::Clear(secret) => secret.masked(),
        }
    }

    pub fn is_sealed(&self) -> bool {
        matches!(self, Self::Sealed(_))
    }
}

/// Which secret a sealed value is: the KMS encryption context and the AEAD's associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretContext<'a> {
    pub org_id: &'a str,
    pub account_id: &'a str,
    pub field: &'a str,
}

impl SecretContext<'_> {
    /// KMS encryption context pairs.
    pub fn pairs(&self) -> [(&'static str, String); 3] {
        [
            ("org", self.org_id.to_string()),
            ("account", self.account_id.to_string()),
            ("secret", self.field.to_string()),
        ]
    }

    fn associated_data(&self) -> Vec<u8> {
        format!("switchboard/v1/{}/{}/{}", self.org_id, self.account_id, self.field).into_bytes()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the {field} of account {account_id} is stored in clear; run `admin seal-secrets --org {org_id}`")]
    StoredInClear {
        org_id: String,
        account_id: String,
        field: String,
    },
    #[error("the sealed {0} is not readable (damaged, or sealed for another account or field)")]
    Unreadable(String),
    #[error("a data key must be {DATA_KEY_LEN} bytes")]
    BadDataKey,
}

fn cipher(data_key: &[u8]) -> Result<LessSafeKey, SealError> {
    if data_key.len() != DATA_KEY_LEN {
        return Err(SealError::BadDataKey);
    }
    let key = UnboundKey::new(&AES_256_GCM, data_key).map_err(|_| SealError::BadDataKey)?;
    Ok(LessSafeKey::new(key))
}

/// Encrypts `secret` under `data_key` (whose KMS-wrapped form is `wrapped_key`).
pub fn seal(
    data_key: &[u8],
    wrapped_key: &[u8],
    secret: &Secret,
    context: &SecretContext,
) -> Result<SealedSecret, SealError> {
    let key = cipher(data_key)?;
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| SealError::Unreadable("nonce".into()))?;
    let mut in_out = secret.expose().as_bytes().to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(context.associated_data()),
        &mut in_out,
    )
    .map_err(|_| SealError::Unreadable(context.field.to_string()))?;
    Ok(SealedSecret {
        wrapped_key: B64.encode(wrapped_key),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(in_out),
        hint: secret.masked(),
    })
}

/// The wrapped data key to hand to KMS, checked to be base64.
pub fn wrapped_key(sealed: &SealedSecret, context: &SecretContext) -> Result<Vec<u8>, SealError> {
    B64.decode(&sealed.wrapped_key)
        .map_err(|_| SealError::Unreadable(context.field.to_string()))
}

/// Decrypts a sealed secret with its unwrapped data key.
pub fn open(data_key: &[u8], sealed: &SealedSecret, context: &SecretContext) -> Result<Secret, SealError> {
    let unreadable = || SealError::Unreadable(context.field.to_string());
    let key = cipher(data_key)?;
    let nonce = B64.decode(&sealed.nonce).map_err(|_| unreadable())?;
    let nonce = Nonce::try_assume_unique_for_key(&nonce).map_err(|_| unreadable())?;
    let mut in_out = B64.decode(&sealed.ciphertext).map_err(|_| unreadable())?;
    let clear = key
        .open_in_place(nonce, Aad::from(context.associated_data()), &mut in_out)
        .map_err(|_| unreadable())?;
    String::from_utf8(clear.to_vec())
        .map(Secret::new)
        .map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn context(field: &str) -> SecretContext<'_> {
        SecretContext {
            org_id: "org_1",
            account_id: "acc_1",
            field,
        }
    }

    #[test]
    fn a_sealed_secret_opens_only_in_its_own_place() {
        let secret = Secret::new("EAAG-access-token-0123456789");
        let sealed = seal(&KEY, b"wrapped", &secret, &context("access_token")).unwrap();
        assert!(!sealed.ciphertext.contains("EAAG"));
        assert_eq!(sealed.hint, "****6789");
        assert_eq!(format!("{sealed:?}"), "SealedSecret(****6789)");
        assert_eq!(open(&KEY, &sealed, &context("access_token")).unwrap(), secret);
        assert_eq!(wrapped_key(&sealed, &context("access_token")).unwrap(), b"wrapped");
        // Moved to another field or account, or opened with another key: refused.
        assert!(open(&KEY, &sealed, &context("app_secret")).is_err());
        let other_account = SecretContext {
            account_id: "acc_2",
            ..context("access_token")
        };
        assert!(open(&KEY, &sealed, &other_account).is_err());
        assert!(open(&[8; 32], &sealed, &context("access_token")).is_err());
    }

    #[test]
    fn the_same_secret_seals_differently_each_time() {
        let secret = Secret::new("s");
        let a = seal(&KEY, b"k", &secret, &context("app_secret")).unwrap();
        let b = seal(&KEY, b"k", &secret, &context("app_secret")).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(a.hint, "****");
    }

    #[test]
    fn damaged_values_are_errors_not_panics() {
        let sealed = seal(&KEY, b"k", &Secret::new("secret"), &context("app_secret")).unwrap();
        for damaged in [
            SealedSecret {
                nonce: "!!".into(),
                ..sealed.clone()
            },
            SealedSecret {
                nonce: B64.encode([0u8; 3]),
                ..sealed.clone()
            },
            SealedSecret {
                ciphertext: B64.encode(b"short"),
                ..sealed.clone()
            },
            SealedSecret {
                ciphertext: String::new(),
                ..sealed.clone()
            },
        ] {
            assert!(open(&KEY, &damaged, &context("app_secret")).is_err());
        }
        assert_eq!(
            open(&[1; 5], &sealed, &context("app_secret")),
            Err(SealError::BadDataKey)
        );
    }

    #[test]
    fn items_written_before_sealing_read_as_clear() {
        let clear: StoredSecret = serde_json::from_value(serde_json::json!("plain-old-token-1234")).unwrap();
        assert_eq!(clear, StoredSecret::Clear(Secret::new("plain-old-token-1234")));
        assert!(!clear.is_sealed());
        assert_eq!(clear.masked(), "****1234");
        let sealed = seal(&KEY, b"k", &Secret::new("x"), &context("app_secret")).unwrap();
        let stored: StoredSecret = serde_json::from_value(serde_json::to_value(&sealed).unwrap()).unwrap();
        assert_eq!(stored, StoredSecret::Sealed(sealed));
    }
}
