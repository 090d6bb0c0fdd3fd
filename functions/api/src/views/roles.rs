//! Wire types of roles and the permission catalogue.

use serde::{Deserialize, Serialize};
use shared::access::roles;
use utoipa::ToSchema;

/// One permission code (`category.action`) and what it allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct Permission {
    pub code: &'static str,
    /// The code as words: `Conversations: read`.
    pub name: String,
    pub description: &'static str,
    pub category: &'static str,
}

/// Every permission code there is (one page: the list is short and fixed).
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionList {
    pub data: Vec<Permission>,
}

impl PermissionList {
    pub fn all() -> Self {
        let data = shared::access::permissions::PERMISSIONS
            .iter()
            .map(|(code, description)| {
                let (category, action) = code.split_once('.').unwrap_or((code, ""));
                let mut words = category.replace('_', " ");
                if let Some(first) = words.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                Permission {
                    code,
                    name: format!("{words}: {}", action.replace('_', " ")),
                    description,
                    category,
                }
            })
            .collect();
        Self { data }
    }
}

/// A role: built in (`admin`, `agent`: read-only) or the organization's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct Role {
    /// `admin`, `agent`, or `rol_…`.
    pub id: String,
    /// Lower-cased; unique within the organization.
    pub name: String,
    pub description: Option<String>,
    /// The permission codes it grants.
    pub permissions: Vec<String>,
    /// Which conversations its holders see: `all`, `divisions` (their divisions' and those
    /// assigned to them) or `assigned`.
    #[schema(value_type = String)]
    pub visibility: &'static str,
    pub is_system: bool,
    /// Active agents holding it (not counted for built-in roles: null).
    pub agent_count: Option<i64>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
}

impl From<&roles::Role> for Role {
    fn from(r: &roles::Role) -> Self {
        let visibility = match roles::Grants::of(&r.permissions).visibility() {
            roles::Visibility::All => "all",
            roles::Visibility::Divisions => "divisions",
            roles::Visibility::Assigned => "assigned",
        };
        Self {
            id: r.role_id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            permissions: r.permissions.clone(),
            visibility,
            is_system: r.is_system,
            agent_count: (!r.is_system).then_some(r.agent_count),
            created_at: r.created_at.clone(),
            updated_at: r.updated_at.clone(),
        }
    }
}

/// The built-in roles, then the organization's by name (one page: at most 52).
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub data: Vec<Role>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRole {
    /// 1 to 50 letters, digits, spaces, `-` or `_`; stored lower-cased; not `admin` or `agent`.
    pub name: Option<String>,
    /// At most 500 characters.
    pub description: Option<String>,
    /// Permission codes (`GET /v1/permissions`), each one the caller holds itself.
    pub permissions: Option<Vec<String>>,
}

/// Changes to a custom role; `permissions` replaces the whole list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRole {
    pub name: Option<String>,
    /// An empty string removes it.
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}
