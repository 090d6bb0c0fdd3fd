//! Wire types of access: the signed-in agent, agents, API keys, WhatsApp accounts, sign-in and
//! registration.

use super::whole_number;
use serde::{Deserialize, Serialize};
use shared::access::tenancy;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub agent: Agent,
    pub key_id: String,
    pub scopes: Vec<String>,
    /// Permission codes this key may use (its agent's role narrowed by its scopes).
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agent {
    pub id: String,
    pub email: String,
    pub full_name: String,
    /// The id of their role: `admin`, `agent` or a custom role's (`GET /v1/roles`).
    pub role: String,
    /// The divisions they are a member of.
    pub division_ids: Vec<String>,
    pub is_active: bool,
    pub is_online: bool,
    pub open_conversations: i64,
    pub created_at: String,
}

impl From<&tenancy::Agent> for Agent {
    fn from(a: &tenancy::Agent) -> Self {
        Self {
            id: a.agent_id.clone(),
            email: a.email.clone(),
            full_name: a.full_name.clone(),
            role: a.role.clone(),
            division_ids: a.division_ids.clone(),
            is_active: a.is_active,
            is_online: a.is_online,
            open_conversations: a.open_assigned,
            created_at: a.created_at.clone(),
        }
    }
}

list_of!(AgentList, Agent);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgent {
    pub email: Option<String>,
    pub full_name: Option<String>,
    /// A role id: `admin`, `agent` (the default) or a custom role's; needs every permission it grants.
    pub role: Option<String>,
    /// To sign in to the inbox with the e-mail (8 to 128 characters); never returned.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAgent {
    pub full_name: Option<String>,
    /// A role id; needs agents.manage and every permission of both the old and the new role.
    pub role: Option<String>,
    pub is_online: Option<bool>,
}

/// A signed-in agent changes their own password (a session only, never an API key).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// A password reset an admin asked for: hand `reset_token` to the agent (shown only here; also
/// announced as `agent.password_reset_requested`, without the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetIssued {
    pub agent_id: String,
    pub reset_token: String,
    pub expires_at: String,
}

/// The agent sets a new password with a reset token (single use, one hour).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletePasswordReset {
    pub token: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    /// `personal` (an agent's own) or `integration` (a system's).
    #[schema(value_type = String)]
    pub key_type: &'static str,
    pub agent_id: String,
    pub name: String,
    /// The first characters of the key (not secret): tells keys apart.
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub is_active: bool,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&tenancy::ApiKeyRecord> for ApiKey {
    fn from(k: &tenancy::ApiKeyRecord) -> Self {
        let now = shared::platform::items::now_rfc3339();
        Self {
            id: k.key_id.clone(),
            key_type: k.key_type.as_str(),
            agent_id: k.agent_id.clone(),
            name: k.name.clone(),
            key_prefix: k.key_prefix.clone(),
            scopes: k.scopes.clone(),
            is_active: k.revoked_at.is_none() && k.expires_at.as_deref().is_none_or(|e| e > now.as_str()),
            created_at: k.created_at.clone(),
            last_used_at: k.last_used_at.clone(),
            expires_at: k.expires_at.clone(),
            revoked_at: k.revoked_at.clone(),
        }
    }
}

list_of!(ApiKeyList, ApiKey);

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub key: ApiKey,
    /// The key itself: shown in this response only, stored nowhere. Keep it safe.
    pub plaintext_key: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: Option<String>,
    /// Permission codes, `category.*` or `*`; at most what the creating key holds (`*` only from a
    /// `*` key). Default: the creating key's own scopes.
    pub scopes: Option<Vec<String>>,
    /// RFC 3339, in the future.
    pub expires_at: Option<String>,
    /// Another agent's key (needs api_keys.manage).
    pub agent_id: Option<String>,
    /// `personal` (default) or `integration` (a system's key; needs api_keys.manage).
    pub key_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    pub throughput_mps: u32,
    /// Unique customers campaigns may reach per rolling 24 hours (Meta's tier), or `unlimited`.
    pub messaging_limit: String,
    pub division_id: Option<String>,
    /// Sent once per conversation and closed period to customers who write outside working hours
    /// (the division's, else the organization's); null: off.
    pub out_of_hours_reply: Option<String>,
    /// Resolved conversations get a satisfaction survey (also when their division asks for it).
    pub csat_enabled: bool,
    /// The approved template that carries the survey outside the 24-hour window.
    pub csat_template_name: Option<String>,
    /// Where Meta must send this number's webhooks.
    pub webhook_url: String,
    /// Masked (`****` and the last 4 characters), except in the registration response.
    pub verify_token: String,
    /// Always masked.
    pub app_secret: String,
    /// Always masked.
    pub access_token: String,
    pub created_at: String,
    pub updated_at: String,
}

pub fn masked(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(if secret.chars().count() >= 12 { 4 } else { 0 })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

impl Account {
    pub fn of(account: &tenancy::WhatsAppAccount, webhook_base: &str) -> Self {
        Self {
            id: account.account_id.clone(),
            phone_number_id: account.phone_number_id.clone(),
            waba_id: account.waba_id.clone(),
            display_phone_number: account.display_phone_number.clone(),
            throughput_mps: account.throughput_mps,
            messaging_limit: account
                .messaging_limit
                .map(|l| l.to_string())
                .unwrap_or_else(|| "unlimited".into()),
            division_id: account.division_id.clone(),
            out_of_hours_reply: account.out_of_hours_reply.clone(),
            csat_enabled: account.csat_enabled,
            csat_template_name: account.csat_template_name.clone(),
            webhook_url: format!("{webhook_base}/webhooks/whatsapp/{}", account.account_id),
            verify_token: account.verify_token.masked(),
            app_secret: account.app_secret.masked(),
            access_token: account.access_token.masked(),
            created_at: account.created_at.clone(),
            updated_at: account.updated_at.clone(),
        }
    }
}

list_of!(AccountList, Account);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterAccount {
    pub phone_number_id: Option<String>,
    pub waba_id: Option<String>,
    pub display_phone_number: Option<String>,
    pub app_secret: Option<String>,
    pub access_token: Option<String>,
    /// Generated when absent (at least 16 characters when given).
    pub verify_token: Option<String>,
    /// 1-1000, default 80.
    #[serde(default, deserialize_with = "whole_number")]
    pub throughput_mps: Option<u32>,
    pub division_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    pub display_phone_number: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    pub throughput_mps: Option<u32>,
    /// Meta's tier of the number's portfolio: 250, 2000, 10000, 100000 or unlimited.
    pub messaging_limit: Option<String>,
    /// Empty string: no division.
    pub division_id: Option<String>,
    pub app_secret: Option<String>,
    pub access_token: Option<String>,
    /// The text sent to customers who write outside working hours; empty string: off.
    pub out_of_hours_reply: Option<String>,
    /// Send a satisfaction survey when this number's conversations are resolved.
    pub csat_enabled: Option<bool>,
    /// The approved template (its name) that carries the survey when the 24-hour window is
    /// closed; empty string: none (then the survey is sent only inside the window).
    pub csat_template_name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A signed-in session: send `token` as `Authorization: Bearer <token>` until `expires_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionGranted {
    /// Shown once; only its SHA-256 is stored.
    pub token: String,
    pub expires_at: String,
    pub agent: Agent,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Name of the new organization.
    pub org_name: String,
    /// The first admin's e-mail (they sign in with it).
    pub admin_email: String,
    /// The first admin's password (8 to 128 characters).
    pub admin_password: String,
    /// The first admin's name (default: the e-mail's local part).
    pub admin_name: Option<String>,
}

/// A new organization, its first admin signed in, and an API key for integrations (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub org_id: String,
    pub org_name: String,
    pub session: SessionGranted,
    pub api_key: String,
}
