//! Passwords after sign-up: an agent changes their own with the current one (a session only), an
//! admin issues a single-use reset token for another agent, and the agent sets a new password
//! with it. No API operation sets another agent's password directly: whoever chose it could sign
//! in as them. Every change ends the agent's other sessions and their live connections.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::agents::checked_password;
use crate::handlers::sign_in::{attempt_keys, count_attempt, source_key, verify};
use crate::request::{Context, bearer, json_body, no_content, not_found, respond};
use crate::views;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use shared::access::session;
use shared::access::tenancy::Agent;
use shared::platform::events::DomainEvent;
use shared::platform::http_error::HttpError;

/// Failed reset tokens counted per source address and window (tokens cannot be guessed; this
/// bounds what strangers cost).
const RESET_FAILURES_PER_SOURCE: i64 = 30;

/// Ends every session of `agent` but `keep` (a token hash) and announces it, so the notifier
/// closes their WebSocket connections. Sessions are stored state: a failed announcement is logged
/// (the connections' records expire with the session anyway, and the page's next API call is 401).
pub(crate) async fn end_sessions(
    api: &ApiService,
    agent: &Agent,
    keep: Option<&str>,
    reason: &str,
) -> Result<(), HttpError> {
    let ended = api
        .access
        .logins
        .end_sessions(&agent.org_id, &agent.agent_id, keep)
        .await?;
    let kept = keep.map(shared::access::login_store::session_id_of);
    let event = DomainEvent::agent_sessions_ended(&agent.org_id, &agent.agent_id, kept.as_deref(), reason);
    if !api.events.publish(&[event]).await.is_empty() {
        tracing::warn!(agent = %agent.agent_id, "agent.sessions_ended not published");
        shared::platform::telemetry::emit_metric("ChangesNotAnnounced", 1.0, "Count", &[("Function", "api")]);
    }
    tracing::info!(agent = %agent.agent_id, ended = ended.len(), %reason, "sessions ended");
    Ok(())
}

/// `POST /v1/me/password`: the current password, checked like a sign-in (counted first, 429 past
/// the limit), then the new one; the other sessions end, this one stays.
pub async fn change_own(api: &ApiService, cx: &Context<'_>) -> Answer {
    let token = bearer(cx.request)
        .filter(|t| session::is_session_token(t))
        .ok_or_else(|| {
            HttpError::new(
                StatusCode::FORBIDDEN,
                "session_required",
                "a password is changed from a signed-in session, never with an API key",
            )
        })?;
    let body: views::ChangePassword = cx.json()?;
    let new_password = checked_password("new_password", &body.new_password)?;
    let agent = api
        .access
        .agents
        .agent(cx.org(), &cx.caller.agent_id)
        .await?
        .filter(|a| a.is_active)
        .ok_or_else(|| not_found("agent"))?;
    let now_ms = api.clock.now_ms();
    let (by_email, by_source) = attempt_keys(cx.request, &agent.email.to_lowercase());
    count_attempt(
        api,
        &[
            (by_email.as_str(), session::FAILURES_PER_EMAIL),
            (by_source.as_str(), session::FAILURES_PER_SOURCE),
        ],
        now_ms,
    )
    .await?;
    if !verify(body.current_password.clone(), agent.password_hash.clone()).await {
        return Err(HttpError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "current_password: is wrong",
        ));
    }
    api.access
        .logins
        .forgive(&[by_email.as_str(), by_source.as_str()], now_ms)
        .await?;
    crate::handlers::agents::set_password(api, &agent, new_password).await?;
    end_sessions(api, &agent, Some(&session::hash(token)), "password_changed").await?;
    no_content()
}

/// `POST /v1/agents/{id}/password-reset`: a reset token for another active agent, for a caller
/// who holds everything that agent's role grants (the token lets its holder become the agent).
pub async fn request_reset(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("agent_id", "agent")?;
    let agent = api
        .access
        .agents
        .agent(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("agent"))?;
    if agent.agent_id == cx.caller.agent_id {
        return Err(HttpError::new(
            StatusCode::CONFLICT,
            "refers_to_caller",
            "agent_id: change your own password with POST /v1/me/password",
        ));
    }
    let their_grants = api.access.roles.grants(cx.org(), &agent.role).await?;
    if !cx.caller.holds_all(&their_grants) {
        return Err(HttpError::new(
            StatusCode::FORBIDDEN,
            "role_not_held",
            "a password reset hands over the agent's access: it needs every permission their role grants",
        ));
    }
    if !agent.is_active {
        return Err(HttpError::new(
            StatusCode::CONFLICT,
            "agent_deactivated",
            "agent_id: a deactivated agent cannot sign in",
        ));
    }
    let now_ms = api.clock.now_ms();
    let (token, expires_ms) = api
        .access
        .logins
        .create_reset(cx.org(), &agent.agent_id, now_ms)
        .await?;
    let expires_at = shared::inbox::rfc3339_millis(expires_ms);
    let event = DomainEvent::agent_password_reset_requested(
        cx.org(),
        &agent.agent_id,
        &agent.email,
        &expires_at,
        &cx.caller.agent_id,
    );
    if !api.events.publish(&[event]).await.is_empty() {
        tracing::warn!(agent = %agent.agent_id, "agent.password_reset_requested not published");
    }
    tracing::info!(agent = %agent.agent_id, by = %cx.caller.agent_id, "password reset issued");
    respond(
        StatusCode::CREATED,
        &views::PasswordResetIssued {
            agent_id: agent.agent_id,
            reset_token: token.plaintext,
            expires_at,
        },
    )
}

/// `POST /v1/auth/password-reset` (public): the token is used up whether or not the rest works,
/// so it works once; every session of the agent ends.
pub async fn complete_reset(api: &ApiService, request: &Request) -> Answer {
    let body: views::CompletePasswordReset = json_body(request)?;
    let new_password = checked_password("new_password", &body.new_password)?;
    let now_ms = api.clock.now_ms();
    let by_source = source_key(request);
    let refused = || {
        HttpError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_reset_token",
            "token: unknown, already used or expired; ask an admin for a new one",
        )
    };
    count_attempt(api, &[(by_source.as_str(), RESET_FAILURES_PER_SOURCE)], now_ms).await?;
    if !session::is_reset_token(body.token.trim()) {
        return Err(refused());
    }
    let Some((org_id, agent_id)) = api.access.logins.take_reset(body.token.trim(), now_ms).await? else {
        return Err(refused());
    };
    api.access.logins.forgive(&[by_source.as_str()], now_ms).await?;
    let agent = api
        .access
        .agents
        .agent(&org_id, &agent_id)
        .await?
        .filter(|a| a.is_active)
        .ok_or_else(refused)?;
    crate::handlers::agents::set_password(api, &agent, new_password).await?;
    end_sessions(api, &agent, None, "password_reset").await?;
    tracing::info!(org = %org_id, agent = %agent_id, "password reset");
    no_content()
}
