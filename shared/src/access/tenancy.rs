//! Organizations, their WhatsApp accounts, agents and API keys: the records every request is
//! scoped by. Stored in DynamoDB as serde-mapped items (keys come from [`crate::platform::table`]).

use crate::platform::sealed_secret::{SecretContext, StoredSecret};
use crate::platform::secret::Secret;
use serde::{Deserialize, Serialize};

/// Meta's default per-number throughput; numbers are upgraded to 1,000 automatically.
pub const DEFAULT_THROUGHPUT_MPS: u32 = 80;
pub const MAX_THROUGHPUT_MPS: u32 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub org_id: String,
    pub name: String,
    pub created_at: String,
}

/// One WhatsApp business phone number registered by an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsAppAccount {
    pub org_id: String,
    /// Our id, and the last path segment of the account's webhook URL.
    pub account_id: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    /// Sealed ([`crate::platform::sealed_secret`]): opening one takes KMS.
    pub verify_token: StoredSecret,
    pub app_secret: StoredSecret,
    pub access_token: StoredSecret,
    /// Outbound messages per second the sender may use for this number.
    pub throughput_mps: u32,
    /// New conversations on this number go to this division (and its allocation method).
    #[serde(default)]
    pub division_id: Option<String>,
    /// Meta's messaging limit of the number's portfolio: business-initiated conversations with
    /// unique customers per rolling 24 hours (250, 2,000, 10,000, 100,000); `None`: unlimited.
    #[serde(default)]
    pub messaging_limit: Option<u32>,
    /// Sent to a customer who writes outside working hours, once per conversation and closed
    /// period; `None`: no auto-reply.
    #[serde(default)]
    pub out_of_hours_reply: Option<String>,
    /// Resolved conversations get a satisfaction survey.
    #[serde(default)]
    pub csat_enabled: bool,
    /// The approved template carrying the survey outside the 24-hour window.
    #[serde(default)]
    pub csat_template_name: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl WhatsAppAccount {
    /// Which secret of this account `field` is, for sealing and opening it.
    pub fn secret_context<'a>(&'a self, field: &'a str) -> SecretContext<'a> {
        SecretContext {
            org_id: &self.org_id,
            account_id: &self.account_id,
            field,
        }
    }
}

/// The account's secret fields, by the names they are stored under.
pub mod secret_field {
    pub const VERIFY_TOKEN: &str = "verify_token";
    pub const APP_SECRET: &str = "app_secret";
    pub const ACCESS_TOKEN: &str = "access_token";
    pub const ALL: [&str; 3] = [VERIFY_TOKEN, APP_SECRET, ACCESS_TOKEN];
}

/// What the webhook function needs of an account, and nothing more: its secrets opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAccount {
    pub org_id: String,
    pub account_id: String,
    pub phone_number_id: String,
    pub verify_token: Secret,
    pub app_secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub org_id: String,
    pub agent_id: String,
    pub email: String,
    pub full_name: String,
    /// The id of the role they hold: `admin`, `agent` or a custom role's ([`crate::access::roles`]).
    pub role: String,
    /// The divisions they are a member of: a string set, added to and taken from in the same
    /// transaction as the membership ([`crate::desk::division_store`]). Never written whole (an
    /// empty list would be stored as a list, which `ADD` cannot extend).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub division_ids: Vec<String>,
    pub is_active: bool,
    pub is_online: bool,
    /// Open conversations assigned to this agent (atomic `ADD`; least-busy allocation reads it).
    #[serde(default)]
    pub open_assigned: i64,
    /// argon2id PHC string (`crate::access::password`); `None`: the agent cannot sign in with a password.
    /// Never part of an API answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    /// `personal` (an agent's own) or `integration` (a system's, made by an admin).
    #[serde(default)]
    pub key_type: KeyType,
    pub org_id: String,
    pub key_id: String,
    pub agent_id: String,
    pub name: String,
    /// First characters of the key, kept in clear so people can tell keys apart.
    pub key_prefix: String,
    /// SHA-256 (hex) of the whole key; the key itself is never stored.
    pub key_hash: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// Whose a key is. Both act with their agent's role narrowed by their scopes; an integration key
/// is an organization's credential for a system (a CRM, a warehouse), so only a caller holding
/// `api_keys.manage` makes one, and it is listed apart from people's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    #[default]
    Personal,
    Integration,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Integration => "integration",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
}

fn field(field: &'static str, reason: impl Into<String>) -> ValidationError {
    ValidationError::Field {
        field,
        reason: reason.into(),
    }
}

/// What an operator supplies to register a number.
#[derive(Debug, Clone)]
pub struct NewWhatsAppAccount {
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    pub verify_token: Secret,
    pub app_secret: Secret,
    pub access_token: Secret,
    pub throughput_mps: u32,
}

impl NewWhatsAppAccount {
    /// The secrets to seal, by stored field name.
    pub fn secrets(&self) -> [(&'static str, &Secret); 3] {
        [
            (secret_field::VERIFY_TOKEN, &self.verify_token),
            (secret_field::APP_SECRET, &self.app_secret),
            (secret_field::ACCESS_TOKEN, &self.access_token),
        ]
    }

    pub fn validate(&self) -> Result<(), ValidationError> {
        let digits = |s: &str| !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(&self.phone_number_id) {
            return Err(field("phone_number_id", "must be Meta's numeric phone number id"));
        }
        if !digits(&self.waba_id) {
            return Err(field("waba_id", "must be Meta's numeric WhatsApp Business Account id"));
        }
        let display = self.display_phone_number.trim_start_matches('+');
        if display.len() < 6 || !digits(display) {
            return Err(field(
                "display_phone_number",
                "must be the number in international format, digits only",
            ));
        }
        if self.verify_token.expose().chars().count() < 16 {
            return Err(field("verify_token", "must be at least 16 characters"));
        }
        if self.app_secret.is_empty() {
            return Err(field(
                "app_secret",
                "is required (Meta app dashboard > App settings > Basic)",
            ));
        }
        if self.access_token.is_empty() {
            return Err(field("access_token", "is required"));
        }
        if !(1..=MAX_THROUGHPUT_MPS).contains(&self.throughput_mps) {
            return Err(field(
                "throughput_mps",
                format!("must be between 1 and {MAX_THROUGHPUT_MPS}"),
            ));
        }
        Ok(())
    }
}

/// Meta's messaging-limit tiers (unique customers per rolling 24 hours); above them, unlimited.
pub const MESSAGING_TIERS: &[u32] = &[250, 2_000, 10_000, 100_000];

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NewWhatsAppAccount {
        NewWhatsAppAccount {
            phone_number_id: "106540352242922".into(),
            waba_id: "102290129340398".into(),
            display_phone_number: "+15550783881".into(),
            verify_token: Secret::new("a-verify-token-of-length"),
            app_secret: Secret::new("s"),
            access_token: Secret::new("t"),
            throughput_mps: DEFAULT_THROUGHPUT_MPS,
        }
    }

    #[test]
    fn a_complete_registration_validates() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_named() {
        type Mutation = Box<dyn Fn(&mut NewWhatsAppAccount)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("phone_number_id", Box::new(|a| a.phone_number_id = "12a".into())),
            ("waba_id", Box::new(|a| a.waba_id = String::new())),
            (
                "display_phone_number",
                Box::new(|a| a.display_phone_number = "+1-555".into()),
            ),
            ("verify_token", Box::new(|a| a.verify_token = Secret::new("short"))),
            ("app_secret", Box::new(|a| a.app_secret = Secret::default())),
            ("access_token", Box::new(|a| a.access_token = Secret::default())),
            ("throughput_mps", Box::new(|a| a.throughput_mps = 1_001)),
            ("throughput_mps", Box::new(|a| a.throughput_mps = 0)),
        ];
        for (name, mutate) in cases {
            let mut account = valid();
            mutate(&mut account);
            match account.validate() {
                Err(ValidationError::Field { field, .. }) => assert_eq!(field, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
