//! Live updates for the agents' page: how long a WebSocket connection is kept, and the small notice
//! a domain event becomes on its way to the organization's connections (what changed and the ids;
//! the page fetches the rest through the API, with the agent's own permissions).

pub mod connection_store;

use serde::Serialize;
use serde_json::Value;

/// API Gateway closes a WebSocket connection after two hours; its record need not outlive that.
pub const CONNECTION_LIFETIME_MS: i64 = 2 * 3_600_000;

/// When a connection's record expires: at API Gateway's limit, or when the session that opened it
/// ends, whichever comes first (a revoked session's connections are dropped by the notifier).
pub fn connection_expires_ms(now_ms: i64, session_expires_ms: i64) -> i64 {
    (now_ms + CONNECTION_LIFETIME_MS).min(session_expires_ms)
}

/// The connection management endpoint of a WebSocket stage URL: the same host and stage over
/// HTTPS (`wss://x/live` -> `https://x/live`; locally `ws://` -> `http://`).
pub fn management_endpoint(live_url: &str) -> String {
    match live_url.split_once("://") {
        Some(("wss", rest)) => format!("https://{rest}"),
        Some(("ws", rest)) => format!("http://{rest}"),
        _ => live_url.to_string(),
    }
    .trim_end_matches('/')
    .to_string()
}

/// Detail fields a notice may carry: identifiers and states, never content (a notice goes to every
/// connection of the organization, whatever each agent may read).
const NOTICE_FIELDS: &[&str] = &[
    "event_id",
    "conversation_id",
    "message_id",
    "contact_id",
    "wamid",
    "status",
    "change",
    "assignee_id",
];

/// A notice for one organization's connections.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    #[serde(skip)]
    pub org_id: String,
    /// The event's detail-type, e.g. `message.received`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(flatten)]
    pub ids: serde_json::Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("not an EventBridge event: {0}")]
    NotAnEvent(String),
    #[error("event from source {0:?}, not switchboard")]
    ForeignSource(String),
    #[error("event {0} names no org_id")]
    NoOrganization(String),
}

/// The notice for one EventBridge event as the bus rule delivers it to the notifier's queue.
pub fn notice_of(envelope: &str) -> Result<Notice, NoticeError> {
    let event: Value = serde_json::from_str(envelope).map_err(|e| NoticeError::NotAnEvent(e.to_string()))?;
    let kind = event
        .get("detail-type")
        .and_then(Value::as_str)
        .ok_or_else(|| NoticeError::NotAnEvent("no detail-type".into()))?;
    let source = event.get("source").and_then(Value::as_str).unwrap_or_default();
    if source != crate::platform::events::SOURCE {
        return Err(NoticeError::ForeignSource(source.into()));
    }
    let detail = event.get("detail").cloned().unwrap_or(Value::Null);
    let org_id = detail
        .get("org_id")
        .and_then(Value::as_str)
        .filter(|org| !org.is_empty())
        .ok_or_else(|| NoticeError::NoOrganization(kind.into()))?;
    let ids = NOTICE_FIELDS
        .iter()
        .filter_map(|field| {
            let value = detail.get(*field)?;
            (value.is_string() || value.is_number()).then(|| (field.to_string(), value.clone()))
        })
        .collect();
    Ok(Notice {
        org_id: org_id.into(),
        kind: kind.into(),
        ids,
    })
}

/// What a notice is about, as far as who may be told goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum About {
    /// No conversation (an agent, a campaign, …): every connection is told.
    Organization,
    /// A conversation of this division, held by this agent.
    Conversation {
        division_id: Option<String>,
        assignee_id: Option<String>,
    },
    /// A conversation that could not be found: only those who see every conversation are told.
    Unknown,
}

impl Notice {
    /// The conversation the notice names, if any.
    pub fn conversation_id(&self) -> Option<&str> {
        self.ids.get("conversation_id").and_then(Value::as_str)
    }
}

/// Whether `connection` is told a notice about `about`: only what its agent may see.
pub fn is_told(connection: &connection_store::Connection, about: &About) -> bool {
    match about {
        About::Organization => true,
        About::Conversation {
            division_id,
            assignee_id,
        } => connection.viewer().sees(division_id.as_deref(), assignee_id.as_deref()),
        About::Unknown => connection.visibility == crate::access::roles::Visibility::All,
    }
}

/// The event that ends an agent's sessions: their connections are closed, not told.
pub const SESSIONS_ENDED: &str = "agent.sessions_ended";
/// An agent joined or left a division: their connections are closed (sessions kept).
pub const ACCESS_CHANGED: &str = "agent.access_changed";
/// A role's permissions changed: its holders' connections are closed.
pub const ROLE_CHANGED: &str = "role.changed";

/// Which connections an event closes. A closed page reconnects at once, and its new connection
/// records what its agent may see now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closes {
    /// The agent's, but the kept session's.
    Agent {
        agent_id: String,
        kept_session_id: Option<String>,
    },
    /// Those opened by holders of the role.
    Role { role_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub org_id: String,
    pub closes: Closes,
}

impl Closing {
    /// Whether a connection (its agent, the session that opened it, the role then held) closes.
    pub fn closes(&self, agent_id: &str, session_id: Option<&str>, role_id: Option<&str>) -> bool {
        match &self.closes {
            Closes::Agent {
                agent_id: closing,
                kept_session_id,
            } => agent_id == closing && (kept_session_id.is_none() || session_id != kept_session_id.as_deref()),
            // A connection that did not record its role is closed too: it may hold this one.
            Closes::Role { role_id: closing } => role_id.is_none_or(|held| held == closing),
        }
    }
}

/// The connections an event closes, when it is one that closes some.
pub fn closing_of(envelope: &str) -> Option<Closing> {
    let event: Value = serde_json::from_str(envelope).ok()?;
    if event.get("source").and_then(Value::as_str) != Some(crate::platform::events::SOURCE) {
        return None;
    }
    let kind = event.get("detail-type").and_then(Value::as_str)?;
    let detail = event.get("detail")?;
    let text = |name: &str| {
        detail
            .get(name)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let closes = match kind {
        SESSIONS_ENDED => Closes::Agent {
            agent_id: text("agent_id")?,
            kept_session_id: text("kept_session_id"),
        },
        ACCESS_CHANGED => Closes::Agent {
            agent_id: text("agent_id")?,
            kept_session_id: None,
        },
        ROLE_CHANGED => Closes::Role {
            role_id: text("role_id")?,
        },
        _ => return None,
    };
    Some(Closing {
        org_id: text("org_id")?,
        closes,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ended_session_closes_its_agents_connections_but_the_kept_one() {
        let event = serde_json::json!({"detail-type": "agent.sessions_ended", "source": "switchboard",
            "detail": {"org_id": "org_1", "agent_id": "agt_1", "kept_session_id": "abc"}})
        .to_string();
        let ended = closing_of(&event).unwrap();
        assert!(ended.closes("agt_1", Some("def"), None));
        assert!(
            ended.closes("agt_1", None, None),
            "a connection of unknown session is closed"
        );
        assert!(!ended.closes("agt_1", Some("abc"), None));
        assert!(!ended.closes("agt_2", Some("def"), None));
        let all = closing_of(&event.replace("\"abc\"", "null")).unwrap();
        assert!(all.closes("agt_1", Some("abc"), None));
        assert!(closing_of(&event.replace("switchboard", "other")).is_none());
        assert!(closing_of(&event.replace("agent.sessions_ended", "message.received")).is_none());
    }

    #[test]
    fn a_limited_connection_is_told_only_about_conversations_its_agent_sees() {
        use crate::access::roles::Visibility;
        let connection = |visibility| connection_store::Connection {
            connection_id: "c".into(),
            agent_id: "agt_me".into(),
            session_id: None,
            expires_ms: 1,
            role_id: Some("rol_1".into()),
            visibility,
            division_ids: vec!["div_a".into()],
        };
        let theirs = About::Conversation {
            division_id: Some("div_a".into()),
            assignee_id: None,
        };
        let foreign = About::Conversation {
            division_id: Some("div_b".into()),
            assignee_id: Some("agt_other".into()),
        };
        let limited = connection(Visibility::Divisions);
        assert!(is_told(&limited, &theirs));
        assert!(!is_told(&limited, &foreign));
        assert!(!is_told(&limited, &About::Unknown));
        assert!(is_told(&limited, &About::Organization));
        let all = connection(Visibility::All);
        assert!(is_told(&all, &foreign) && is_told(&all, &About::Unknown));
        assert!(!is_told(&connection(Visibility::Assigned), &theirs));
    }

    #[test]
    fn a_changed_membership_or_role_closes_what_it_changes() {
        let access = serde_json::json!({"detail-type": "agent.access_changed", "source": "switchboard",
            "detail": {"org_id": "org_1", "agent_id": "agt_1", "reason": "division_left"}})
        .to_string();
        let closing = closing_of(&access).unwrap();
        assert!(closing.closes("agt_1", Some("s1"), Some("agent")));
        assert!(!closing.closes("agt_2", Some("s1"), Some("agent")));
        let role = serde_json::json!({"detail-type": "role.changed", "source": "switchboard",
            "detail": {"org_id": "org_1", "role_id": "rol_1"}})
        .to_string();
        let closing = closing_of(&role).unwrap();
        assert_eq!(closing.org_id, "org_1");
        assert!(closing.closes("agt_9", Some("s"), Some("rol_1")));
        assert!(!closing.closes("agt_9", Some("s"), Some("rol_2")));
        assert!(
            closing.closes("agt_9", Some("s"), None),
            "an older connection may hold it"
        );
        assert!(closing_of(&role.replace("rol_1", "")).is_none());
    }

    use super::*;
    use serde_json::json;

    fn envelope(detail: Value) -> String {
        json!({"version": "0", "id": "e1", "detail-type": "message.received", "source": "switchboard", "detail": detail})
            .to_string()
    }

    #[test]
    fn a_notice_names_what_changed_and_carries_no_content() {
        let notice = notice_of(&envelope(json!({
            "org_id": "org_1", "event_id": "message.received:wamid.A", "conversation_id": "cv_1",
            "wamid": "wamid.A", "type": "text", "body": "<img src=x onerror=alert(1)>", "timestamp": 5,
        })))
        .unwrap();
        assert_eq!(notice.org_id, "org_1");
        let sent = serde_json::to_value(&notice).unwrap();
        assert_eq!(
            sent,
            json!({"type": "message.received", "event_id": "message.received:wamid.A", "conversation_id": "cv_1", "wamid": "wamid.A"})
        );
    }

    #[test]
    fn events_without_an_organization_or_from_elsewhere_are_refused() {
        assert!(matches!(
            notice_of(&envelope(json!({"conversation_id": "cv"}))),
            Err(NoticeError::NoOrganization(_))
        ));
        let foreign = json!({"detail-type": "x", "source": "aws.s3", "detail": {"org_id": "o"}}).to_string();
        assert!(matches!(notice_of(&foreign), Err(NoticeError::ForeignSource(_))));
        assert!(matches!(notice_of("not json"), Err(NoticeError::NotAnEvent(_))));
        assert!(matches!(notice_of("{}"), Err(NoticeError::NotAnEvent(_))));
    }

    #[test]
    fn the_management_endpoint_is_the_stage_over_https() {
        assert_eq!(
            management_endpoint("wss://abc.execute-api.eu-west-1.amazonaws.com/live"),
            "https://abc.execute-api.eu-west-1.amazonaws.com/live"
        );
        assert_eq!(
            management_endpoint("ws://127.0.0.1:3002/live/"),
            "http://127.0.0.1:3002/live"
        );
    }

    #[test]
    fn a_connection_lives_two_hours_at_most_and_never_past_its_session() {
        assert_eq!(connection_expires_ms(0, 12 * 3_600_000), CONNECTION_LIFETIME_MS);
        assert_eq!(connection_expires_ms(0, 60_000), 60_000);
    }
}
