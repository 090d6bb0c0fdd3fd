//! Roles: named sets of permission codes an agent holds. Two are built in (`admin`, `agent`; their
//! ids are their names, they are never stored and cannot be changed); an organization adds its own
//! (`rol_…` ids, names lower-cased and unique). What a role grants is [`Grants`]: its codes, with
//! the conversation visibility they imply.

use crate::access::permissions::PERMISSIONS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const ADMIN: &str = "admin";
pub const AGENT: &str = "agent";

/// Roles an organization may add (besides the two built in).
pub const MAX_CUSTOM_ROLES: usize = 50;
pub const MAX_NAME_CHARS: usize = 50;
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Which conversations a role's holders see: the widest visibility code it holds.
pub mod visibility_code {
    pub const ALL: &str = "conversations.view_all";
    pub const DIVISIONS: &str = "conversations.view_divisions";
    pub const ASSIGNED: &str = "conversations.view_assigned";
}

/// What the built-in `agent` role grants (`admin` grants every code).
const AGENT_PERMISSIONS: &[&str] = &[
    "conversations.read",
    "conversations.reply",
    "conversations.assign",
    "conversations.resolve",
    visibility_code::ALL,
    visibility_code::DIVISIONS,
    visibility_code::ASSIGNED,
    "notes.write",
    "contacts.read",
    "contacts.manage",
    "agents.read",
    "agents.presence",
    "api_keys.own",
    "divisions.read",
    "accounts.read",
    "quick_replies.read",
    "analytics.read",
    "templates.read",
    "campaigns.read",
    "working_hours.read",
    "sla.read",
    "chat_expiration.read",
    "csat.read",
    "roles.read",
    "automation.read",
    "ai_agents.read",
];

/// A role as stored (custom) or built in (`is_system`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub org_id: String,
    pub role_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The codes as given (an update replaces the whole list).
    pub permissions: Vec<String>,
    /// Active agents holding it (atomic `ADD` with each agent's change; a delete needs 0).
    #[serde(default)]
    pub agent_count: i64,
    #[serde(default)]
    pub is_system: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
}

/// Whether `role_id` names a built-in role.
pub fn is_system(role_id: &str) -> bool {
    role_id == ADMIN || role_id == AGENT
}

/// The built-in roles, as an organization sees them.
pub fn system_roles(org_id: &str) -> Vec<Role> {
    [
        (ADMIN, "every permission, every conversation", Grants::admin()),
        (AGENT, "answers conversations; reads the rest", Grants::agent()),
    ]
    .into_iter()
    .map(|(id, description, grants)| Role {
        org_id: org_id.into(),
        role_id: id.into(),
        name: id.into(),
        description: Some(description.into()),
        permissions: grants.codes().map(str::to_string).collect(),
        agent_count: 0,
        is_system: true,
        created_at: None,
        updated_at: None,
        created_by: None,
    })
    .collect()
}

/// Which conversations an agent sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only conversations assigned to them.
    Assigned,
    /// Those of divisions they are a member of, and those assigned to them.
    Divisions,
    All,
}

/// What a role grants: known codes only (a code no longer defined grants nothing).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grants {
    codes: BTreeSet<&'static str>,
}

impl Grants {
    /// The grants of `codes`; a visibility code implies the narrower ones.
    pub fn of<S: AsRef<str>>(codes: &[S]) -> Self {
        let mut held: BTreeSet<&'static str> = codes.iter().filter_map(|code| known(code.as_ref())).collect();
        if held.contains(visibility_code::ALL) {
            held.insert(visibility_code::DIVISIONS);
        }
        if held.contains(visibility_code::DIVISIONS) {
            held.insert(visibility_code::ASSIGNED);
        }
        Self { codes: held }
    }

    pub fn admin() -> Self {
        Self {
            codes: PERMISSIONS.iter().map(|(code, _)| *code).collect(),
        }
    }

    pub fn agent() -> Self {
        Self::of(AGENT_PERMISSIONS)
    }

    /// A built-in role's grants; `None` for a custom role's id.
    pub fn system(role_id: &str) -> Option<Self> {
        match role_id {
            ADMIN => Some(Self::admin()),
            AGENT => Some(Self::agent()),
            _ => None,
        }
    }

    pub fn grants(&self, code: &str) -> bool {
        self.codes.contains(code)
    }

    /// Every code granted, in the catalogue's order.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        PERMISSIONS
            .iter()
            .map(|(code, _)| *code)
            .filter(|code| self.codes.contains(code))
    }

    /// The widest visibility held; none at all sees only what is assigned to them.
    pub fn visibility(&self) -> Visibility {
        if self.grants(visibility_code::ALL) {
            Visibility::All
        } else if self.grants(visibility_code::DIVISIONS) {
            Visibility::Divisions
        } else {
            Visibility::Assigned
        }
    }
}

fn known(code: &str) -> Option<&'static str> {
    PERMISSIONS.iter().map(|(c, _)| *c).find(|c| *c == code)
}

/// An agent as conversations see them: who, what they see, and their divisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub agent_id: String,
    pub visibility: Visibility,
    pub division_ids: Vec<String>,
}

impl Viewer {
    /// Whether a conversation of `division_id`, held by `assignee`, is theirs to see.
    pub fn sees(&self, division_id: Option<&str>, assignee: Option<&str>) -> bool {
        match self.visibility {
            Visibility::All => true,
            Visibility::Divisions => {
                assignee == Some(self.agent_id.as_str())
                    || division_id.is_some_and(|d| self.division_ids.iter().any(|mine| mine == d))
            }
            Visibility::Assigned => assignee == Some(self.agent_id.as_str()),
        }
    }
}

/// Why a role's fields are refused (each names its field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleInputError {
    #[error("name: give 1 to {MAX_NAME_CHARS} characters: ASCII letters, digits, spaces, `-` or `_`")]
    BadName,
    #[error("name: {0:?} is a built-in role's name")]
    ReservedName(String),
    #[error("permissions: not permission codes: {0}")]
    UnknownCodes(String),
    #[error("permissions: give at most {0} codes")]
    TooMany(usize),
}

/// A role's name as stored: trimmed, lower-cased, inner spaces collapsed.
pub fn normalized_name(name: &str) -> Result<String, RoleInputError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '_';
    if name.chars().count() > MAX_NAME_CHARS || !name.chars().all(allowed) {
        return Err(RoleInputError::BadName);
    }
    let name = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    if name.is_empty() {
        return Err(RoleInputError::BadName);
    }
    if is_system(&name) {
        return Err(RoleInputError::ReservedName(name));
    }
    Ok(name)
}

/// A role's permission list as stored: known codes, each once, in the catalogue's order.
pub fn checked_permissions(codes: &[String]) -> Result<Vec<String>, RoleInputError> {
    if codes.len() > PERMISSIONS.len() {
        return Err(RoleInputError::TooMany(PERMISSIONS.len()));
    }
    let unknown: Vec<&str> = codes
        .iter()
        .filter(|code| known(code).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let listed: Vec<String> = unknown.iter().take(5).map(|c| format!("{c:?}")).collect();
        return Err(RoleInputError::UnknownCodes(listed.join(", ")));
    }
    Ok(PERMISSIONS
        .iter()
        .map(|(code, _)| *code)
        .filter(|code| codes.iter().any(|c| c == code))
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(visibility: Visibility) -> Viewer {
        Viewer {
            agent_id: "agt_me".into(),
            visibility,
            division_ids: vec!["div_a".into(), "div_b".into()],
        }
    }

    #[test]
    fn a_division_limited_agent_sees_their_divisions_and_what_they_hold() {
        let v = viewer(Visibility::Divisions);
        assert!(v.sees(Some("div_a"), None));
        assert!(v.sees(Some("div_b"), Some("agt_other")));
        assert!(!v.sees(Some("div_c"), Some("agt_other")));
        assert!(!v.sees(None, None), "a conversation of no division is not theirs");
        assert!(v.sees(Some("div_c"), Some("agt_me")), "assigned to them anywhere");
        let a = viewer(Visibility::Assigned);
        assert!(a.sees(None, Some("agt_me")));
        assert!(!a.sees(Some("div_a"), None));
        assert!(!a.sees(Some("div_a"), Some("agt_other")));
        assert!(viewer(Visibility::All).sees(None, None));
    }

    #[test]
    fn visibility_is_the_widest_code_held_and_implies_the_narrower() {
        assert_eq!(Grants::of(&["conversations.read"]).visibility(), Visibility::Assigned);
        let divisions = Grants::of(&[visibility_code::DIVISIONS]);
        assert_eq!(divisions.visibility(), Visibility::Divisions);
        assert!(divisions.grants(visibility_code::ASSIGNED));
        assert!(!divisions.grants(visibility_code::ALL));
        let all = Grants::of(&[visibility_code::ALL]);
        assert!(all.grants(visibility_code::DIVISIONS) && all.grants(visibility_code::ASSIGNED));
        assert_eq!(Grants::admin().visibility(), Visibility::All);
        assert_eq!(Grants::agent().visibility(), Visibility::All);
    }

    #[test]
    fn grants_hold_known_codes_only_and_the_system_roles_are_fixed() {
        let grants = Grants::of(&["contacts.read", "made.up", "*"]);
        assert_eq!(grants.codes().collect::<Vec<_>>(), vec!["contacts.read"]);
        assert_eq!(Grants::admin().codes().count(), PERMISSIONS.len());
        for code in AGENT_PERMISSIONS {
            assert!(known(code).is_some(), "{code} is not a known code");
        }
        assert!(!Grants::agent().grants("agents.manage"));
        assert!(!Grants::agent().grants("roles.manage"));
        assert!(Grants::system("rol_x").is_none());
        let roles = system_roles("org_1");
        assert_eq!(roles.len(), 2);
        assert!(roles.iter().all(|r| r.is_system && is_system(&r.role_id)));
    }

    #[test]
    fn names_are_normalized_and_built_in_names_refused() {
        assert_eq!(normalized_name("  Team   Leads ").unwrap(), "team leads");
        assert_eq!(
            normalized_name("ADMIN"),
            Err(RoleInputError::ReservedName("admin".into()))
        );
        assert_eq!(normalized_name(""), Err(RoleInputError::BadName));
        assert_eq!(normalized_name("a<b>"), Err(RoleInputError::BadName));
        assert_eq!(normalized_name("   "), Err(RoleInputError::BadName));
        assert_eq!(normalized_name("équipe"), Err(RoleInputError::BadName));
        assert_eq!(normalized_name(&"x".repeat(51)), Err(RoleInputError::BadName));
        assert!(normalized_name(&"x".repeat(50)).is_ok());
        assert!(RoleInputError::BadName.to_string().starts_with("name:"));
    }

    #[test]
    fn permission_lists_are_known_codes_once_in_catalogue_order() {
        let list = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(
            checked_permissions(&list(&["contacts.read", "conversations.read", "contacts.read"])).unwrap(),
            list(&["conversations.read", "contacts.read"])
        );
        let refused = checked_permissions(&list(&["contacts.read", "contacts.*", "nope"])).unwrap_err();
        assert_eq!(refused, RoleInputError::UnknownCodes("\"contacts.*\", \"nope\"".into()));
        assert!(refused.to_string().starts_with("permissions:"));
        assert!(checked_permissions(&vec!["contacts.read".to_string(); 200]).is_err());
        assert!(checked_permissions(&[]).unwrap().is_empty());
    }
}
