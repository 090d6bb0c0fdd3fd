//! An organization's custom roles: one item each, a name claim per lower-cased name (so two roles
//! never share one), and a count of the active agents holding it, moved in the same transaction
//! as each agent's change, so a role in use cannot be deleted.

use crate::access::roles::{self, Role};
use crate::platform::StoreError;
use crate::platform::ids;
use crate::platform::items::{key_item, n, now_rfc3339, record_item, s, s_or_null};
use crate::platform::plan::WriteOp;
use crate::platform::records::{Records, Write};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct RoleStore {
    records: Records,
}

/// A new role's fields, checked ([`roles::normalized_name`], [`roles::checked_permissions`]).
#[derive(Debug, Clone)]
pub struct NewRole {
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<String>,
    pub created_by: String,
}

/// What an update changes (`None` = unchanged); the permission list is replaced whole.
#[derive(Debug, Default, Clone)]
pub struct RoleChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub permissions: Option<Vec<String>>,
}

/// Why a role was not deleted.
#[derive(Debug, thiserror::Error)]
pub enum DeleteRefusal {
    #[error("held by {0} agents")]
    InUse(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The write that counts one more (`delta` 1) or one fewer (-1) agent holding `role_id`, for the
/// transaction changing that agent; `None` for a built-in role (not stored, not counted).
/// `NotFound("role …")` when the role does not exist (deleted meanwhile).
pub fn holder_change(org_id: &str, role_id: &str, delta: i64) -> Option<Write> {
    if roles::is_system(role_id) {
        return None;
    }
    let op = WriteOp::update(table::role(org_id, role_id), "ADD agent_count :delta")
        .when("attribute_exists(pk)")
        .value(":delta", n(delta));
    Some(Write::failing_as(op, StoreError::NotFound(format!("role {role_id}"))))
}

impl RoleStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn role(&self, org_id: &str, role_id: &str) -> Result<Option<Role>, StoreError> {
        if !ids::is_well_formed(role_id) || roles::is_system(role_id) {
            return Ok(None);
        }
        self.records.get(&table::role(org_id, role_id), "Role").await
    }

    /// The organization's custom roles (at most [`roles::MAX_CUSTOM_ROLES`]), by name.
    pub async fn roles(&self, org_id: &str) -> Result<Vec<Role>, StoreError> {
        let mut all: Vec<Role> = self
            .records
            .all(&table::org_partition(org_id), table::prefix::ROLE, "Role")
            .await?;
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    fn name_claim(org_id: &str, name: &str, role_id: &str) -> Write {
        let mut claim = key_item(&table::role_name_claim(org_id, name));
        claim.insert(attr::ENTITY.into(), s("RoleNameClaim"));
        claim.insert("role_id".into(), s(role_id));
        Write::failing_as(
            WriteOp::create(claim),
            StoreError::Conflict(format!("a role named {name:?}")),
        )
    }

    /// A new role; `Conflict` when another has its name.
    pub async fn create(&self, org_id: &str, new: NewRole) -> Result<Role, StoreError> {
        let now = now_rfc3339();
        let role = Role {
            org_id: org_id.into(),
            role_id: ids::new_id("rol"),
            name: new.name,
            description: new.description,
            permissions: new.permissions,
            agent_count: 0,
            is_system: false,
            created_at: Some(now.clone()),
            updated_at: Some(now),
            created_by: Some(new.created_by),
        };
        let item = record_item(&role, &table::role(org_id, &role.role_id), "Role")?;
        self.records
            .transact(vec![
                Write::from(WriteOp::create(item)),
                Self::name_claim(org_id, &role.name, &role.role_id),
            ])
            .await?;
        Ok(role)
    }

    /// Applies `changes` to `current` (as read): a rename moves the name claim in the same
    /// transaction; a concurrent update of the same role answers `Conflict`.
    pub async fn update(&self, current: &Role, changes: RoleChanges) -> Result<Role, StoreError> {
        let org_id = &current.org_id;
        let mut updated = current.clone();
        if let Some(name) = changes.name {
            updated.name = name;
        }
        if let Some(description) = changes.description {
            updated.description = description;
        }
        if let Some(permissions) = changes.permissions {
            updated.permissions = permissions;
        }
        updated.updated_at = Some(now_rfc3339());
        let update = WriteOp::update(
            table::role(org_id, &current.role_id),
            "SET #name = :name, description = :description, #permissions = :permissions, updated_at = :now",
        )
        .when("attribute_exists(pk) AND updated_at = :was")
        .name("#name", "name")
        .name("#permissions", "permissions")
        .value(":name", s(&updated.name))
        .value(":description", s_or_null(updated.description.clone()))
        .value(
            ":permissions",
            AttributeValue::L(updated.permissions.iter().map(s).collect()),
        )
        .value(":now", s(updated.updated_at.clone().unwrap_or_default()))
        .value(":was", s(current.updated_at.clone().unwrap_or_default()));
        let mut writes = vec![Write::failing_as(
            update,
            StoreError::Conflict("the role changed meanwhile; read it again".into()),
        )];
        if updated.name != current.name {
            writes.push(Self::name_claim(org_id, &updated.name, &current.role_id));
            writes.push(Write::from(
                WriteOp::delete(table::role_name_claim(org_id, &current.name))
                    .when("role_id = :role")
                    .value(":role", s(&current.role_id)),
            ));
        }
        self.records.transact(writes).await?;
        Ok(updated)
    }

    /// Deletes a role no active agent holds, and its name claim.
    pub async fn delete(&self, role: &Role) -> Result<(), DeleteRefusal> {
        let org_id = &role.org_id;
        let delete = WriteOp::delete(table::role(org_id, &role.role_id))
            .when("attribute_exists(pk) AND (attribute_not_exists(agent_count) OR agent_count = :zero)")
            .value(":zero", n(0));
        let result = self
            .records
            .transact(vec![
                Write::failing_as(delete, StoreError::Conflict("role in use".into())),
                Write::from(
                    WriteOp::delete(table::role_name_claim(org_id, &role.name))
                        .when("role_id = :role")
                        .value(":role", s(&role.role_id)),
                ),
            ])
            .await;
        match result {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(what)) if what == "role in use" => {
                let held = self.role(org_id, &role.role_id).await?.map(|r| r.agent_count);
                match held {
                    Some(count) if count > 0 => Err(DeleteRefusal::InUse(count)),
                    // Deleted or emptied meanwhile: the caller reads it again.
                    _ => Err(StoreError::Conflict("the role changed meanwhile; read it again".into()).into()),
                }
            }
            Err(other) => Err(other.into()),
        }
    }
}
