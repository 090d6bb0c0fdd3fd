//! Self-registration (`POST /v1/register`), when the operator enables it: a new organization with
//! its first admin, who is signed in at once. Registrations are limited per source address like
//! failed sign-ins; disabled, the route answers 404 as if it did not exist.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{json_body, respond, source_ip, unprocessable};
use crate::rules;
use crate::views;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use shared::access::tenancy_store::NewOrganization;
use shared::platform::http_error::HttpError;

/// Organizations one address may create per attempt window.
const REGISTRATIONS_PER_SOURCE: i64 = 5;

pub async fn register(api: &ApiService, request: &Request) -> Answer {
    if !api.access.self_registration {
        return Err(HttpError::not_found("no such route"));
    }
    let body: views::RegisterRequest = json_body(request)?;
    let org_name = rules::DIVISION_NAME
        .required_now()
        .check("org_name", Some(&body.org_name))?
        .unwrap_or_default();
    let email = rules::EMAIL_REQUIRED
        .check("admin_email", Some(&body.admin_email))?
        .unwrap_or_default()
        .to_lowercase();
    shared::access::password::check(&body.admin_password).map_err(|reason| unprocessable("admin_password", reason))?;
    let admin_name = match body.admin_name.as_deref() {
        Some(name) => rules::AGENT_FULL_NAME
            .required_now()
            .check("admin_name", Some(name))?
            .unwrap_or_default(),
        None => email.split('@').next().unwrap_or_default().to_string(),
    };
    let now_ms = api.clock.now_ms();
    let source = format!("register:{}", shared::access::session::hash(&source_ip(request)));
    // Counted before the address is looked up, taken or free: a stranger learns whether an
    // address signs in somewhere at most REGISTRATIONS_PER_SOURCE times a window, and the count
    // is a conditional add, so concurrent attempts cannot pass it together.
    if !api
        .access
        .logins
        .count_attempt(&[(source.as_str(), REGISTRATIONS_PER_SOURCE)], now_ms)
        .await?
    {
        return Err(HttpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many registrations from this address; try again later",
        ));
    }
    if api.access.logins.agent_of(&email).await?.is_some() {
        return Err(crate::handlers::agents::signs_in_elsewhere());
    }
    let created = api
        .access
        .tenancy
        .create_organization(NewOrganization {
            org_id: None,
            name: org_name,
            owner_email: email,
            owner_name: admin_name,
        })
        .await?;
    crate::handlers::agents::set_password(api, &created.owner, &body.admin_password).await?;
    let owner = &created.owner;
    let (token, session) = api
        .access
        .logins
        .open_session(&owner.org_id, &owner.agent_id, now_ms)
        .await?;
    tracing::info!(org = %owner.org_id, "organization registered");
    respond(
        StatusCode::CREATED,
        &views::Registered {
            org_id: created.organization.org_id.clone(),
            org_name: created.organization.name.clone(),
            session: views::SessionGranted {
                token: token.plaintext,
                expires_at: shared::inbox::rfc3339_millis(session.expires_ms),
                agent: views::Agent::from(owner),
            },
            api_key: created.api_key_plaintext,
        },
    )
}
