//! Access's routes: the OpenAPI document, sign-in and registration, the calling agent, agents,
//! API keys and WhatsApp accounts.

use super::Operation::*;
use super::{Body, PAGE, Route, route};

pub(super) const ROUTES: &[Route] = &[
    Route {
        permission: None,
        public: true,
        response: Some("OpenApiDocument"),
        ..route(
            "GET",
            "/v1/openapi.json",
            OpenApi,
            "",
            "meta",
            "This OpenAPI 3.1 document",
        )
    },
    Route {
        permission: None,
        public: true,
        response: Some("SessionGranted"),
        body: Body::Json("LoginRequest"),
        ..route(
            "POST",
            "/v1/auth/login",
            Login,
            "",
            "sign-in",
            "Exchange an agent's e-mail and password for a session token (12 hours); 401 for a wrong e-mail or password alike, 429 after repeated failures",
        )
    },
    Route {
        permission: None,
        public: true,
        status: 201,
        response: Some("Registered"),
        body: Body::Json("RegisterRequest"),
        ..route(
            "POST",
            "/v1/register",
            Register,
            "",
            "sign-in",
            "Create an organization with its first admin, signed in (404 unless the operator enabled self-registration)",
        )
    },
    Route {
        permission: None,
        status: 204,
        ..route(
            "POST",
            "/v1/auth/logout",
            Logout,
            "",
            "sign-in",
            "End the session this request is made with (nothing for an API key)",
        )
    },
    Route {
        permission: None,
        public: true,
        status: 204,
        body: Body::Json("CompletePasswordReset"),
        ..route(
            "POST",
            "/v1/auth/password-reset",
            CompletePasswordReset,
            "",
            "sign-in",
            "Set a new password with a reset token an admin handed over (single use, one hour); ends every session of the agent; 401 for an unknown, used or expired token",
        )
    },
    Route {
        permission: None,
        status: 204,
        body: Body::Json("ChangePassword"),
        ..route(
            "POST",
            "/v1/me/password",
            ChangeOwnPassword,
            "",
            "sign-in",
            "Change one's own password with the current one: a session only (403 for an API key), 401 for a wrong current password, 429 after repeated failures; ends the agent's other sessions",
        )
    },
    Route {
        permission: None,
        response: Some("Me"),
        ..route(
            "GET",
            "/v1/me",
            Me,
            "",
            "agents",
            "The calling agent, its key and its permissions",
        )
    },
    route(
        "GET",
        "/v1/permissions",
        ListPermissions,
        "roles.read",
        "roles",
        "Every permission code a role or key may hold, by category",
    )
    .returns("PermissionList"),
    route(
        "GET",
        "/v1/roles",
        ListRoles,
        "roles.read",
        "roles",
        "Roles: the built-in ones, then the organization's by name",
    )
    .returns("RoleList"),
    route(
        "POST",
        "/v1/roles",
        CreateRole,
        "roles.manage",
        "roles",
        "Create a role (it grants at most what the caller holds)",
    )
    .json("CreateRole")
    .returns("Role")
    .status(201),
    route("GET", "/v1/roles/{role_id}", GetRole, "roles.read", "roles", "A role").returns("Role"),
    route(
        "PATCH",
        "/v1/roles/{role_id}",
        UpdateRole,
        "roles.manage",
        "roles",
        "Change a custom role (`permissions` replaces the list; holders are affected within 30 s)",
    )
    .json("UpdateRole")
    .returns("Role"),
    route(
        "DELETE",
        "/v1/roles/{role_id}",
        DeleteRole,
        "roles.manage",
        "roles",
        "Delete a custom role no active agent holds",
    )
    .status(204),
    route("GET", "/v1/agents", ListAgents, "agents.read", "agents", "Agents")
        .returns("AgentList")
        .query(PAGE),
    route(
        "POST",
        "/v1/agents",
        CreateAgent,
        "agents.manage",
        "agents",
        "Create an agent",
    )
    .json("CreateAgent")
    .returns("Agent")
    .status(201),
    route(
        "GET",
        "/v1/agents/{agent_id}",
        GetAgent,
        "agents.read",
        "agents",
        "An agent",
    )
    .returns("Agent"),
    route(
        "PATCH",
        "/v1/agents/{agent_id}",
        UpdateAgent,
        "agents.presence",
        "agents",
        "Update name, presence (self) or role (agents.manage, holding all the role grants); passwords are not set here",
    )
    .json("UpdateAgent")
    .returns("Agent"),
    route(
        "POST",
        "/v1/agents/{agent_id}/password-reset",
        RequestPasswordReset,
        "agents.manage",
        "agents",
        "A single-use password-reset token (one hour) for another agent, shown only here; the caller must hold everything the agent's role grants (403 otherwise)",
    )
    .returns("PasswordResetIssued")
    .status(201),
    route(
        "POST",
        "/v1/agents/{agent_id}/deactivate",
        DeactivateAgent,
        "agents.manage",
        "agents",
        "Deactivate: keys stop working, sessions and live connections end",
    )
    .returns("Agent"),
    route(
        "GET",
        "/v1/api-keys",
        ListApiKeys,
        "api_keys.own",
        "api-keys",
        "API keys (own; all with api_keys.manage)",
    )
    .returns("ApiKeyList"),
    route(
        "POST",
        "/v1/api-keys",
        CreateApiKey,
        "api_keys.own",
        "api-keys",
        "Create a key; the key is shown only in this response",
    )
    .json("CreateApiKey")
    .returns("ApiKeyCreated")
    .status(201),
    route(
        "DELETE",
        "/v1/api-keys/{key_id}",
        RevokeApiKey,
        "api_keys.own",
        "api-keys",
        "Revoke a key",
    )
    .returns("ApiKey"),
    route(
        "GET",
        "/v1/accounts",
        ListAccounts,
        "accounts.read",
        "accounts",
        "WhatsApp accounts (secrets masked)",
    )
    .returns("AccountList"),
    route(
        "POST",
        "/v1/accounts",
        RegisterAccount,
        "accounts.manage",
        "accounts",
        "Register a WhatsApp number",
    )
    .json("RegisterAccount")
    .returns("Account")
    .status(201),
    route(
        "GET",
        "/v1/accounts/{account_id}",
        GetAccount,
        "accounts.read",
        "accounts",
        "A WhatsApp account (secrets masked)",
    )
    .returns("Account"),
    route(
        "PATCH",
        "/v1/accounts/{account_id}",
        UpdateAccount,
        "accounts.manage",
        "accounts",
        "Update an account or rotate its secrets",
    )
    .json("UpdateAccount")
    .returns("Account"),
];
