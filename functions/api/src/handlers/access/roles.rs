//! Roles: list (built-in, then the organization's), create, get, change and delete custom ones.
//! A caller grants only what it holds, and changes a role only when it holds all the role grants
//! now (taking a permission away is as strong as giving it). A change reaches every warm Lambda
//! within the role cache's TTL (30 s); the holders' live connections are closed at once, so their
//! pages reconnect with what they may now see.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, no_content, not_found, ok, unprocessable};
use crate::views;
use lambda_http::http::StatusCode;
use shared::access::permissions;
use shared::access::role_store::{DeleteRefusal, NewRole, RoleChanges};
use shared::access::roles::{self, Grants, Role, RoleInputError};
use shared::platform::events::DomainEvent;
use shared::platform::http_error::HttpError;
use shared::platform::ids;
use std::sync::Arc;

fn refused(err: RoleInputError) -> HttpError {
    match err {
        RoleInputError::ReservedName(_) => conflict("name_taken", err.to_string()),
        other => {
            let message = other.to_string();
            let (field, reason) = message.split_once(": ").unwrap_or(("role", message.as_str()));
            unprocessable(field, reason)
        }
    }
}

fn not_held(what: impl std::fmt::Display) -> HttpError {
    HttpError::new(StatusCode::FORBIDDEN, "permission_not_held", what.to_string())
}

fn read_only(field: &str) -> HttpError {
    conflict(
        "system_role",
        format!("{field}: the built-in roles admin and agent cannot be changed or deleted"),
    )
}

/// The role `role_id` names in the caller's organization (404 naming `field` otherwise).
pub(crate) async fn role(api: &ApiService, org_id: &str, field: &str, role_id: &str) -> Result<Role, HttpError> {
    if let Some(system) = roles::system_roles(org_id).into_iter().find(|r| r.role_id == role_id) {
        return Ok(system);
    }
    if !ids::is_well_formed(role_id) {
        return Err(not_found(field));
    }
    api.access
        .role_store
        .role(org_id, role_id)
        .await?
        .ok_or_else(|| HttpError::not_found(format!("{field}: no role with this id")))
}

/// What the role `role_id` grants, read now (not from the cache): giving a role checks it fresh.
pub(crate) async fn grants_of(
    api: &ApiService,
    org_id: &str,
    field: &str,
    role_id: &str,
) -> Result<Arc<Grants>, HttpError> {
    let role = role(api, org_id, field, role_id).await?;
    Ok(Arc::new(Grants::of(&role.permissions)))
}

/// The permission list of a body, checked and held by the caller.
fn checked_permissions(cx: &Context<'_>, codes: &[String]) -> Result<Vec<String>, HttpError> {
    let codes = roles::checked_permissions(codes).map_err(refused)?;
    permissions::check_grant(&cx.caller.grants, &cx.caller.scopes, &codes).map_err(|refusal| {
        not_held(format!(
            "permissions: {refusal}; a role grants at most what its creator holds"
        ))
    })?;
    Ok(codes)
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let mut all = roles::system_roles(cx.org());
    all.extend(api.access.role_store.roles(cx.org()).await?);
    ok(&views::RoleList {
        data: all.iter().map(views::Role::from).collect(),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.parameters.get("role_id").cloned().unwrap_or_default();
    ok(&views::Role::from(&role(api, cx.org(), "role", &id).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateRole = cx.json()?;
    let name = roles::normalized_name(body.name.as_deref().ok_or_else(|| unprocessable("name", "required"))?)
        .map_err(refused)?;
    let description = crate::rules::ROLE_DESCRIPTION.check("description", body.description.as_deref())?;
    let permissions = checked_permissions(
        cx,
        body.permissions
            .as_deref()
            .ok_or_else(|| unprocessable("permissions", "required (an empty list is allowed)"))?,
    )?;
    // Read, then written: two creations racing at the limit may make one more.
    if api.access.role_store.roles(cx.org()).await?.len() >= roles::MAX_CUSTOM_ROLES {
        return Err(conflict(
            "too_many_roles",
            format!(
                "an organization has at most {} roles of its own",
                roles::MAX_CUSTOM_ROLES
            ),
        ));
    }
    let role = api
        .access
        .role_store
        .create(
            cx.org(),
            NewRole {
                name,
                description,
                permissions,
                created_by: cx.caller.agent_id.clone(),
            },
        )
        .await
        .map_err(name_taken)?;
    created(&views::Role::from(&role))
}

fn name_taken(err: shared::platform::StoreError) -> HttpError {
    match err {
        shared::platform::StoreError::Conflict(what) if what.starts_with("a role named") => {
            conflict("name_taken", format!("name: {what} exists"))
        }
        other => other.into(),
    }
}

/// A custom role the caller may change: it must hold everything the role grants now.
async fn changeable(api: &ApiService, cx: &Context<'_>, field: &str) -> Result<Role, HttpError> {
    let id = cx.parameters.get("role_id").cloned().unwrap_or_default();
    let role = role(api, cx.org(), "role", &id).await?;
    if role.is_system {
        return Err(read_only(field));
    }
    if !cx.caller.holds_all(&Grants::of(&role.permissions)) {
        return Err(not_held(
            "role_id: changing this role needs every permission it grants, which this key or role does not have",
        ));
    }
    Ok(role)
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateRole = cx.json()?;
    let field = [
        ("name", body.name.is_some()),
        ("description", body.description.is_some()),
        ("permissions", body.permissions.is_some()),
    ]
    .into_iter()
    .find(|(_, given)| *given)
    .map_or("role_id", |(field, _)| field);
    let current = changeable(api, cx, field).await?;
    let changes = RoleChanges {
        name: body
            .name
            .as_deref()
            .map(roles::normalized_name)
            .transpose()
            .map_err(refused)?,
        // Given blank, it is removed.
        description: match body.description.as_deref() {
            Some(text) => Some(crate::rules::ROLE_DESCRIPTION.check("description", Some(text))?),
            None => None,
        },
        permissions: body
            .permissions
            .as_deref()
            .map(|codes| checked_permissions(cx, codes))
            .transpose()?,
    };
    let grants_change = changes.permissions.as_ref().is_some_and(|p| *p != current.permissions);
    let updated = api
        .access
        .role_store
        .update(&current, changes)
        .await
        .map_err(name_taken)?;
    if grants_change {
        closes_holders_connections(api, cx, &updated.role_id).await;
    }
    ok(&views::Role::from(&updated))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let role = changeable(api, cx, "role_id").await?;
    match api.access.role_store.delete(&role).await {
        Ok(()) => {}
        Err(DeleteRefusal::InUse(count)) => {
            return Err(conflict(
                "role_in_use",
                format!("role_id: held by {count} active agents; give them another role first"),
            ));
        }
        Err(DeleteRefusal::Store(err)) => return Err(err.into()),
    }
    api.access.roles.forget(cx.org(), &role.role_id);
    no_content()
}

/// Forgets the role here and tells the notifier to close its holders' live connections (their
/// pages reconnect and see what the role now lets them see). A failed publish is logged: the
/// connections then keep what they saw for at most two hours.
async fn closes_holders_connections(api: &ApiService, cx: &Context<'_>, role_id: &str) {
    api.access.roles.forget(cx.org(), role_id);
    let event = DomainEvent::role_changed(cx.org(), role_id, &cx.caller.agent_id);
    if !api.events.publish(&[event]).await.is_empty() {
        tracing::warn!(role = %role_id, "role.changed not published");
    }
}
