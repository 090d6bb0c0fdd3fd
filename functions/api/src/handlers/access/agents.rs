//! Agents (the caller, list, create, update, deactivate) and their API keys (create shows the key
//! once; list; revoke).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, next_cursor, not_found, ok, unprocessable};
use crate::rules;
use crate::views;
use lambda_http::http::StatusCode;
use shared::access::agent_store::AgentChanges;
use shared::access::permissions::{self, PERMISSIONS};
use shared::access::tenancy::Agent;
use shared::access::tenancy::KeyType;
use shared::platform::http_error::HttpError;

/// A well-formed request that conflicts with who is calling (revoking one's own key, say): the
/// same request from another caller would succeed, so it is a conflict, not bad input.
fn refers_to_caller(message: &str) -> HttpError {
    HttpError::new(StatusCode::CONFLICT, "refers_to_caller", message)
}

/// Addresses an organization may find signing in elsewhere (409) per attempt window, by creating
/// agents with passwords; past it every such creation answers 429, taken address or free.
pub(crate) const SIGN_IN_LOOKUPS_PER_ORG: i64 = 10;

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Agent, HttpError> {
    let id = cx.id("agent_id", "agent")?;
    api.access
        .agents
        .agent(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("agent"))
}

pub async fn me(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = api
        .access
        .agents
        .agent(cx.org(), &cx.caller.agent_id)
        .await?
        .ok_or_else(|| not_found("agent"))?;
    ok(&views::Me {
        agent: views::Agent::from(&agent),
        key_id: cx.caller.key_id.clone(),
        scopes: cx.caller.scopes.clone(),
        permissions: PERMISSIONS
            .iter()
            .filter(|(code, _)| cx.caller.may(code))
            .map(|(code, _)| code.to_string())
            .collect(),
    })
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let page = api.access.agents.agents_page(cx.org(), limit, start).await?;
    ok(&views::AgentList {
        data: page.items.iter().map(views::Agent::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::Agent::from(&load(api, cx).await?))
}

pub(crate) fn signs_in_elsewhere() -> HttpError {
    HttpError::new(
        StatusCode::CONFLICT,
        "email_signs_in_elsewhere",
        "email: this address already signs in to another organization; choose another to set a password",
    )
}

/// `password` when it meets the password rules, else 422 naming `field`.
pub(crate) fn checked_password<'a>(field: &str, password: &'a str) -> Result<&'a str, HttpError> {
    shared::access::password::check(password).map_err(|reason| unprocessable(field, reason))?;
    Ok(password)
}

/// Hashes (off the async workers) and stores an agent's password with their sign-in e-mail: 409
/// when that e-mail already signs in as an agent of another organization.
pub(crate) async fn set_password(
    api: &ApiService,
    agent: &shared::access::tenancy::Agent,
    password: &str,
) -> Result<(), HttpError> {
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || shared::access::password::hash(&password))
        .await
        .map_err(|_| HttpError::internal())?;
    let sign_in = api
        .access
        .logins
        .claim_email(&agent.email, &agent.org_id, &agent.agent_id);
    match api
        .access
        .agents
        .set_password(&agent.org_id, &agent.agent_id, &hash, sign_in)
        .await
    {
        Ok(()) => Ok(()),
        Err(shared::platform::StoreError::Conflict(what)) if what == "sign-in e-mail" => Err(signs_in_elsewhere()),
        Err(err) => Err(err.into()),
    }
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateAgent = cx.json()?;
    let email = rules::EMAIL_REQUIRED
        .check("email", body.email.as_deref())?
        .unwrap_or_default();
    let full_name = rules::AGENT_FULL_NAME
        .required_now()
        .check("full_name", body.full_name.as_deref())?
        .unwrap_or_default();
    let role = rules::ROLE
        .check("role", body.role.as_deref())?
        .unwrap_or_else(|| shared::access::roles::AGENT.into());
    let grants = super::roles::grants_of(api, cx.org(), "role", &role).await?;
    let password = body
        .password
        .as_deref()
        .map(|p| checked_password("password", p))
        .transpose()?;
    // Whoever chooses an agent's password can sign in as them, and whoever creates an agent
    // chooses their role: both need everything the role grants.
    if !cx.caller.holds_all(&grants) {
        return Err(role_not_held());
    }
    if password.is_some() {
        // Whether an address signs in to another organization is counted before it is looked
        // up: an organization learns it for a bounded number of addresses per window.
        let now_ms = api.clock.now_ms();
        let by_org = format!("agent-email:{}", cx.org());
        if !api
            .access
            .logins
            .count_attempt(&[(by_org.as_str(), SIGN_IN_LOOKUPS_PER_ORG)], now_ms)
            .await?
        {
            return Err(HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                "too many agents with passwords created in a short time; try again later",
            ));
        }
        match api.access.logins.agent_of(&email.to_lowercase()).await? {
            Some((org, _)) if org != cx.org() => return Err(signs_in_elsewhere()),
            // Only an address taken elsewhere uses up the organization's look-ups.
            _ => api.access.logins.forgive(&[by_org.as_str()], now_ms).await?,
        }
    }
    let agent = api
        .access
        .agents
        .create_agent(cx.org(), &email, &full_name, &role)
        .await?;
    if let Some(password) = password {
        set_password(api, &agent, password).await?;
    }
    created(&views::Agent::from(&agent))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateAgent = cx.json()?;
    let agent = load(api, cx).await?;
    let is_self = agent.agent_id == cx.caller.agent_id;
    if !is_self || body.role.is_some() {
        cx.caller.require("agents.manage")?;
    }
    let role = rules::ROLE
        .check("role", body.role.as_deref())?
        .filter(|r| *r != agent.role);
    if is_self && role.is_some() {
        return Err(refers_to_caller("role: an admin cannot change their own role"));
    }
    // Granting or taking away a role needs everything both roles grant.
    if let Some(new_role) = &role {
        let new_grants = super::roles::grants_of(api, cx.org(), "role", new_role).await?;
        let old_grants = api.access.roles.grants(cx.org(), &agent.role).await?;
        if !(cx.caller.holds_all(&old_grants) && cx.caller.holds_all(&new_grants)) {
            return Err(role_not_held());
        }
    }
    let changes = AgentChanges {
        full_name: rules::AGENT_FULL_NAME.check("full_name", body.full_name.as_deref())?,
        role,
        is_online: body.is_online,
    };
    let updated = api
        .access
        .agents
        .update_agent(cx.org(), &agent.agent_id, changes)
        .await?
        .ok_or_else(|| not_found("agent"))?;
    if updated.role != agent.role {
        api.access.keys.forget(&agent.agent_id, None);
        crate::handlers::passwords::end_sessions(api, &updated, None, "role_changed").await?;
    }
    ok(&views::Agent::from(&updated))
}

fn role_not_held() -> HttpError {
    HttpError::new(
        StatusCode::FORBIDDEN,
        "role_not_held",
        "role: this needs every permission the role grants, which this key or role does not have",
    )
}

pub async fn deactivate(api: &ApiService, cx: &Context<'_>) -> Answer {
    let agent = load(api, cx).await?;
    if agent.agent_id == cx.caller.agent_id {
        return Err(refers_to_caller("agent_id: an agent cannot deactivate themselves"));
    }
    let agent = api
        .access
        .agents
        .deactivate_agent(cx.org(), &agent.agent_id)
        .await?
        .ok_or_else(|| not_found("agent"))?;
    api.access.keys.forget(&agent.agent_id, None);
    crate::handlers::passwords::end_sessions(api, &agent, None, "deactivated").await?;
    ok(&views::Agent::from(&agent))
}

pub async fn list_keys(api: &ApiService, cx: &Context<'_>) -> Answer {
    let all = cx.caller.may("api_keys.manage");
    let keys = api.access.agents.keys(cx.org()).await?;
    ok(&views::ApiKeyList {
        data: keys
            .iter()
            .filter(|k| all || k.agent_id == cx.caller.agent_id)
            .map(views::ApiKey::from)
            .collect(),
        next_cursor: None,
    })
}

pub async fn create_key(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateApiKey = cx.json()?;
    let name = rules::KEY_NAME.check("name", body.name.as_deref())?.unwrap_or_default();
    // Without scopes, a new key holds what the key creating it holds.
    let scopes = body.scopes.unwrap_or_else(|| cx.caller.scopes.clone());
    if scopes.is_empty() || scopes.len() > 32 {
        return Err(unprocessable("scopes", "give 1 to 32 scopes"));
    }
    if let Some(unknown) = scopes.iter().find(|s| !permissions::is_known_scope(s)) {
        return Err(unprocessable(
            "scopes",
            format!("{unknown:?} is not a permission code, `category.*` or `*`"),
        ));
    }
    permissions::check_grant(&cx.caller.grants, &cx.caller.scopes, &scopes).map_err(|refusal| {
        HttpError::new(
            StatusCode::FORBIDDEN,
            "scope_not_held",
            format!("scopes: {refusal}; a new key holds at most what the key creating it holds"),
        )
    })?;
    let expires_at = match body.expires_at.as_deref() {
        None => None,
        Some(text) => {
            let when = chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| unprocessable("expires_at", "must be an RFC 3339 time"))?
                .with_timezone(&chrono::Utc);
            // Well-formed, but already past: it conflicts with the clock, not with the schema.
            if when <= api.clock.now() {
                return Err(HttpError::new(
                    StatusCode::CONFLICT,
                    "expires_in_past",
                    "expires_at: must be in the future",
                ));
            }
            Some(when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        }
    };
    let key_type = match rules::KEY_TYPE.check("key_type", body.key_type.as_deref())?.as_deref() {
        Some("integration") => {
            cx.caller.require("api_keys.manage")?;
            KeyType::Integration
        }
        _ => KeyType::Personal,
    };
    let agent_id = match body.agent_id {
        Some(id) if id != cx.caller.agent_id => {
            cx.caller.require("api_keys.manage")?;
            crate::handlers::conversations::active_agent(api, cx, "agent_id", &id)
                .await?
                .agent_id
        }
        _ => cx.caller.agent_id.clone(),
    };
    let (key, plaintext) = api
        .access
        .agents
        .create_key(cx.org(), &agent_id, &name, scopes, expires_at, key_type)
        .await?;
    tracing::info!(key = %key.key_id, agent = %agent_id, key_type = key_type.as_str(), "API key created");
    created(&views::ApiKeyCreated {
        key: views::ApiKey::from(&key),
        plaintext_key: plaintext,
    })
}

pub async fn revoke_key(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("key_id", "API key")?;
    let key = api
        .access
        .agents
        .key(cx.org(), &id)
        .await?
        .filter(|k| k.agent_id == cx.caller.agent_id || cx.caller.may("api_keys.manage"))
        .ok_or_else(|| not_found("API key"))?;
    // Revoke a key with another one: a caller cannot lock itself out by accident.
    if key.key_id == cx.caller.key_id {
        return Err(refers_to_caller("key_id: a key cannot revoke itself; use another key"));
    }
    let revoked = api
        .access
        .agents
        .revoke_key(cx.org(), &key.key_id)
        .await?
        .ok_or_else(|| not_found("API key"))?;
    api.access.keys.forget(&revoked.agent_id, Some(&revoked.key_id));
    tracing::info!(key = %revoked.key_id, "API key revoked");
    ok(&views::ApiKey::from(&revoked))
}
