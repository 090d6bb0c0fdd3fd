//! Signing in with e-mail and password: a session token (revocable, short-lived) for the inbox.
//! Wrong e-mail and wrong password get the same answer in about the same time; failures are
//! counted per e-mail and per source address, and past the limit the answer is 429 without the
//! password being checked.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{bearer, json_body, no_content, ok, source_ip};
use crate::views;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use shared::access::password;
use shared::access::session;
use shared::platform::http_error::HttpError;

/// Longest e-mail address (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

fn invalid_credentials() -> HttpError {
    HttpError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the e-mail or the password is wrong",
    )
}

/// Verifies off the async workers: argon2id takes tens of milliseconds of CPU on purpose.
pub(crate) async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => password::verify(&password, &hash),
        None => {
            // An unknown e-mail costs what a wrong password costs.
            password::verify(&password, password::decoy());
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn too_many_attempts(now_ms: i64, message: &str) -> HttpError {
    let retry = (session::attempt_window(now_ms) + session::ATTEMPT_WINDOW_MS - now_ms) / 1000 + 1;
    HttpError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
        .with_header("retry-after", retry.to_string())
}

/// Counts a password attempt against `who` before it is checked (conditional atomic adds: of any
/// number of concurrent attempts, at most the limit are checked); 429 past the limit.
pub(crate) async fn count_attempt(api: &ApiService, who: &[(&str, i64)], now_ms: i64) -> Result<(), HttpError> {
    match api.access.logins.count_attempt(who, now_ms).await? {
        true => Ok(()),
        false => Err(too_many_attempts(now_ms, "too many failed sign-ins; try again later")),
    }
}

/// The attempt counters of a password for `email` from the request's source.
pub(crate) fn attempt_keys(request: &Request, email: &str) -> (String, String) {
    (format!("email:{}", session::hash(email)), source_key(request))
}

/// The attempt counter of the request's source address.
pub(crate) fn source_key(request: &Request) -> String {
    format!("source:{}", session::hash(&source_ip(request)))
}

pub async fn login(api: &ApiService, request: &Request) -> Answer {
    let body: views::LoginRequest = json_body(request)?;
    if body.email.chars().count() > MAX_EMAIL_CHARS {
        return Err(crate::request::unprocessable(
            "email",
            format!("at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    if body.password.chars().count() > password::MAX_CHARS {
        return Err(crate::request::unprocessable(
            "password",
            format!("at most {} characters", password::MAX_CHARS),
        ));
    }
    let email = body.email.trim().to_lowercase();
    let now_ms = api.clock.now_ms();
    // Counted by digest: any string a caller sends makes a valid, bounded key.
    let (by_email, by_source) = attempt_keys(request, &email);
    count_attempt(
        api,
        &[
            (by_email.as_str(), session::FAILURES_PER_EMAIL),
            (by_source.as_str(), session::FAILURES_PER_SOURCE),
        ],
        now_ms,
    )
    .await?;
    // Only an address-shaped e-mail can have signed up; anything else is looked up nowhere.
    let plausible = (3..=254).contains(&email.len()) && email.contains('@');
    let found = match plausible {
        true => api.access.logins.agent_of(&email).await?,
        false => None,
    };
    let agent = match found {
        Some((org, id)) => api.access.agents.agent(&org, &id).await?,
        None => None,
    };
    let stored = agent.as_ref().and_then(|a| a.password_hash.clone());
    let matches = verify(body.password, stored).await;
    let Some(agent) = agent.filter(|a| matches && a.is_active) else {
        return Err(invalid_credentials());
    };
    // Only failures use up the limit.
    api.access
        .logins
        .forgive(&[by_email.as_str(), by_source.as_str()], now_ms)
        .await?;
    let (token, granted) = api
        .access
        .logins
        .open_session(&agent.org_id, &agent.agent_id, now_ms)
        .await?;
    tracing::info!(org = %agent.org_id, agent = %agent.agent_id, session = %granted.session_id, "signed in");
    ok(&views::SessionGranted {
        token: token.plaintext,
        expires_at: shared::inbox::rfc3339_millis(granted.expires_ms),
        agent: views::Agent::from(&agent),
    })
}

/// Ends the session the request was made with (an API key has none to end).
pub async fn logout(api: &ApiService, request: &Request) -> Answer {
    if let Some(token) = bearer(request).filter(|t| session::is_session_token(t)) {
        let now_ms = api.clock.now_ms();
        if let Some(open) = api.access.logins.session(token, now_ms).await? {
            api.access.logins.close_session(&open, token).await?;
        }
    }
    no_content()
}

/// The caller a session token stands for: its agent, who must still be active, holding exactly
/// what their role grants (never `*`; a role's change reaches sessions within the role cache's TTL).
pub async fn caller_of(api: &ApiService, token: &str) -> Result<crate::auth::Caller, HttpError> {
    let now_ms = api.clock.now_ms();
    let signed_out = || {
        HttpError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the session has ended; sign in again",
        )
    };
    let session = api.access.logins.session(token, now_ms).await?.ok_or_else(signed_out)?;
    let agent = api
        .access
        .agents
        .agent(&session.org_id, &session.agent_id)
        .await?
        .filter(|a| a.is_active)
        .ok_or_else(signed_out)?;
    let grants = api.access.roles.grants(&agent.org_id, &agent.role).await?;
    Ok(crate::auth::Caller::of(
        agent,
        format!("session:{}", session.session_id),
        None,
        grants,
    ))
}
