//! What a caller may do: roles grant permission codes (`category.action`), an API key's scopes
//! narrow them further. A request needs its route's permission in both.

use crate::access::roles::Grants;

/// Every permission code, with what it allows. The API's OpenAPI document lists them too.
pub const PERMISSIONS: &[(&str, &str)] = &[
    (
        "conversations.read",
        "list and read conversations, messages, notes and transfers",
    ),
    (
        "conversations.reply",
        "send messages, mark conversations read, upload media",
    ),
    ("conversations.assign", "assign and transfer conversations"),
    (
        "conversations.view_all",
        "see every conversation of the organization (with the read and reply permissions)",
    ),
    (
        "conversations.view_divisions",
        "see the conversations of one's divisions and those assigned to oneself",
    ),
    (
        "conversations.view_assigned",
        "see the conversations assigned to oneself (what a role without a visibility code sees)",
    ),
    ("conversations.resolve", "resolve and reopen conversations"),
    ("notes.write", "add notes to conversations"),
    ("contacts.read", "list, search and read contacts"),
    ("contacts.manage", "create and update contacts and their tags"),
    ("agents.read", "list and read agents"),
    (
        "agents.manage",
        "create, update and deactivate agents, and give them roles",
    ),
    ("roles.read", "list and read roles and the permission catalogue"),
    ("roles.manage", "create, change and delete custom roles"),
    (
        "automation.read",
        "list automation rules, their runs and the pause switch; dry-run a rule",
    ),
    (
        "automation.manage",
        "create, change and delete automation rules; pause and resume them all",
    ),
    (
        "ai_agents.read",
        "list and read AI agents, their assignments and handoff rules, and AI usage",
    ),
    (
        "ai_agents.manage",
        "create, change and delete AI agents, their assignments and handoff rules",
    ),
    ("agents.presence", "set one's own online status and name"),
    ("api_keys.own", "create, list and revoke one's own API keys"),
    ("api_keys.manage", "create, list and revoke every agent's API keys"),
    ("divisions.read", "list and read divisions and their members"),
    ("divisions.manage", "create and update divisions and their members"),
    ("accounts.read", "list and read WhatsApp accounts (secrets masked)"),
    ("accounts.manage", "register and update WhatsApp accounts"),
    ("quick_replies.read", "list quick replies"),
    ("quick_replies.manage", "create, update and delete quick replies"),
    ("analytics.read", "read the analytics overview"),
    ("templates.read", "list and read message templates"),
    ("templates.manage", "create, delete and sync message templates"),
    ("campaigns.read", "list and read campaigns and their recipients"),
    ("campaigns.manage", "create, change, start, pause and cancel campaigns"),
    (
        "working_hours.read",
        "read the organization's and divisions' working hours",
    ),
    ("working_hours.manage", "set and remove working hours"),
    ("sla.read", "list and read SLA policies"),
    ("sla.manage", "create, change and delete SLA policies"),
    ("chat_expiration.read", "read the chat expiration rules"),
    ("chat_expiration.manage", "set and remove chat expiration rules"),
    ("csat.read", "list satisfaction surveys and their ratings"),
    (
        "webhooks.read",
        "list and read outgoing webhooks and their delivery log (secrets masked)",
    ),
    (
        "webhooks.manage",
        "create, change, delete and test outgoing webhooks, rotate their secrets, redeliver",
    ),
];

/// Whether a key's scopes cover `permission`: `*`, the code itself, or its category (`contacts.*`).
pub fn scopes_allow(scopes: &[String], permission: &str) -> bool {
    let category = permission.split('.').next().unwrap_or_default();
    scopes
        .iter()
        .any(|scope| scope == "*" || scope == permission || scope.strip_suffix(".*").is_some_and(|c| c == category))
}

/// Whether a scope string names something grantable: `*`, a known code or a known category wildcard.
pub fn is_known_scope(scope: &str) -> bool {
    scope == "*"
        || PERMISSIONS.iter().any(|(code, _)| {
            *code == scope
                || scope
                    .strip_suffix(".*")
                    .is_some_and(|c| code.split('.').next() == Some(c))
        })
}

pub fn allows(grants: &Grants, scopes: &[String], permission: &str) -> bool {
    grants.grants(permission) && scopes_allow(scopes, permission)
}

/// Why a key may not hand out a scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    #[error("only a key holding \"*\" may grant \"*\"")]
    Wildcard,
    #[error("{scope:?} includes {permission}, which the creating key does not hold")]
    NotHeld { scope: String, permission: &'static str },
}

/// Whether a key with `grants` and `scopes` may create a key (or a role) with `requested` scopes: a
/// new key holds at most what its creator holds, so holding `api_keys.own` never leads to more.
pub fn check_grant(grants: &Grants, scopes: &[String], requested: &[String]) -> Result<(), GrantRefusal> {
    for scope in requested {
        if scope == "*" {
            if !scopes.iter().any(|held| held == "*") {
                return Err(GrantRefusal::Wildcard);
            }
            continue;
        }
        let covered = PERMISSIONS.iter().map(|(code, _)| *code).filter(|code| {
            *code == scope
                || scope
                    .strip_suffix(".*")
                    .is_some_and(|c| code.split('.').next() == Some(c))
        });
        for permission in covered {
            if !allows(grants, scopes, permission) {
                return Err(GrantRefusal::NotHeld {
                    scope: scope.clone(),
                    permission,
                });
            }
        }
    }
    Ok(())
}

/// Whether a caller holds everything `target` grants. Choosing an agent's password (a reset
/// token, a password at creation) or giving them a role hands the caller, or someone they pick,
/// all of it: a narrow key must not.
pub fn holds_all(grants: &Grants, scopes: &[String], target: &Grants) -> bool {
    target.codes().all(|code| allows(grants, scopes, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_key_does_not_hold_a_role_and_a_session_holds_only_its_role() {
        let (admin, agent) = (Grants::admin(), Grants::agent());
        let manage = scopes(&["agents.manage"]);
        assert!(!holds_all(&admin, &manage, &agent));
        assert!(!holds_all(&admin, &manage, &admin));
        assert!(holds_all(&admin, &scopes(&["*"]), &admin));
        assert!(!holds_all(&agent, &scopes(&["*"]), &admin));
        assert!(holds_all(&agent, &scopes(&["*"]), &agent));
        let session: Vec<String> = agent.codes().map(str::to_string).collect();
        assert!(holds_all(&agent, &session, &agent));
        assert!(!session.iter().any(|p| p == "*" || p == "agents.manage"));
    }

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scopes_narrow_what_a_role_grants() {
        assert!(allows(&Grants::agent(), &scopes(&["*"]), "conversations.reply"));
        assert!(!allows(&Grants::agent(), &scopes(&["*"]), "agents.manage"));
        assert!(allows(&Grants::admin(), &scopes(&["contacts.*"]), "contacts.manage"));
        assert!(!allows(
            &Grants::admin(),
            &scopes(&["contacts.*"]),
            "conversations.read"
        ));
        assert!(allows(
            &Grants::admin(),
            &scopes(&["conversations.read"]),
            "conversations.read"
        ));
        assert!(!allows(
            &Grants::admin(),
            &scopes(&["conversations.read"]),
            "conversations.reply"
        ));
        assert!(!allows(&Grants::admin(), &scopes(&[]), "conversations.read"));
        assert!(!scopes_allow(&scopes(&["conversations"]), "conversations.read"));
    }

    #[test]
    fn a_new_key_holds_at_most_what_its_creator_holds() {
        let own_only = scopes(&["api_keys.own"]);
        assert_eq!(
            check_grant(&Grants::admin(), &own_only, &scopes(&["*"])),
            Err(GrantRefusal::Wildcard)
        );
        assert!(check_grant(&Grants::admin(), &own_only, &scopes(&["api_keys.own"])).is_ok());
        assert_eq!(
            check_grant(&Grants::admin(), &own_only, &scopes(&["api_keys.*"])),
            Err(GrantRefusal::NotHeld {
                scope: "api_keys.*".into(),
                permission: "api_keys.manage"
            })
        );
        assert!(check_grant(&Grants::admin(), &own_only, &scopes(&["conversations.read"])).is_err());
        // `*` may pass `*` on, and a category it holds.
        assert!(check_grant(&Grants::agent(), &scopes(&["*"]), &scopes(&["*"])).is_ok());
        assert!(check_grant(&Grants::agent(), &scopes(&["*"]), &scopes(&["contacts.*"])).is_ok());
        // ...but not what its role lacks.
        assert!(check_grant(&Grants::agent(), &scopes(&["*"]), &scopes(&["agents.*"])).is_err());
        assert!(check_grant(&Grants::agent(), &scopes(&["*"]), &scopes(&["agents.manage"])).is_err());
        // A category scope covers its codes only.
        let contacts = scopes(&["contacts.*"]);
        assert!(
            check_grant(
                &Grants::admin(),
                &contacts,
                &scopes(&["contacts.read", "contacts.manage"])
            )
            .is_ok()
        );
        assert!(check_grant(&Grants::admin(), &contacts, &scopes(&["contacts.read", "notes.write"])).is_err());
    }

    #[test]
    fn only_real_scopes_are_known() {
        assert!(is_known_scope("*"));
        assert!(is_known_scope("contacts.*"));
        assert!(is_known_scope("analytics.read"));
        assert!(!is_known_scope("contacts"));
        assert!(!is_known_scope("nope.*"));
        assert!(!is_known_scope("contacts.delete"));
    }
}
