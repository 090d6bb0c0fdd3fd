//! Who or what a message came from. Stored on the message as `kind` or `kind:id` (`bot:scn_1`,
//! `automation:aru_1`, `campaign:cmp_1`, `agent:agt_1`, `system:csat`); messages stored before
//! origins were recorded read as the customer's (inbound) or an agent's (outbound).

use crate::inbox::{Direction, Message};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginKind {
    Customer,
    Agent,
    Bot,
    Automation,
    Campaign,
    System,
    Ai,
}

impl OriginKind {
    pub const ALL: [OriginKind; 7] = [
        Self::Customer,
        Self::Agent,
        Self::Bot,
        Self::Automation,
        Self::Campaign,
        Self::System,
        Self::Ai,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::Bot => "bot",
            Self::Automation => "automation",
            Self::Campaign => "campaign",
            Self::System => "system",
            Self::Ai => "ai",
        }
    }

    /// Whether a person wrote it (an agent's answer stops clocks; the others never count as one).
    pub fn is_person(self) -> bool {
        matches!(self, Self::Agent)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub kind: OriginKind,
    /// The agent, rule, scenario or campaign; for `system`, what sent it (`csat`).
    pub id: Option<String>,
}

impl Origin {
    pub fn of(kind: OriginKind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: Some(id.into()),
        }
    }

    pub fn customer() -> Self {
        Self {
            kind: OriginKind::Customer,
            id: None,
        }
    }

    /// An agent's send; `None` for an API key without an agent.
    pub fn agent(agent_id: Option<&str>) -> Self {
        Self {
            kind: OriginKind::Agent,
            id: agent_id.map(str::to_string),
        }
    }

    /// The stored form.
    pub fn stored(&self) -> String {
        match &self.id {
            Some(id) => format!("{}:{id}", self.kind.as_str()),
            None => self.kind.as_str().to_string(),
        }
    }

    /// Reads the stored form; `None` (or an unknown kind) is the direction's default.
    pub fn parse(stored: Option<&str>, direction: Direction) -> Self {
        let default = match direction {
            Direction::Inbound => OriginKind::Customer,
            Direction::Outbound => OriginKind::Agent,
        };
        let Some(stored) = stored else {
            return Self {
                kind: default,
                id: None,
            };
        };
        let (kind, id) = match stored.split_once(':') {
            Some((kind, id)) => (kind, Some(id.to_string())),
            None => (stored, None),
        };
        let kind = OriginKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .unwrap_or(default);
        Self { kind, id }
    }
}

impl Message {
    pub fn origin(&self) -> Origin {
        Origin::parse(self.origin.as_deref(), self.direction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_origins_read_back_and_old_messages_read_by_direction() {
        for origin in [
            Origin::of(OriginKind::Bot, "scn_1"),
            Origin::of(OriginKind::Campaign, "cmp_1"),
            Origin::agent(None),
            Origin::customer(),
            Origin::of(OriginKind::System, "csat"),
        ] {
            assert_eq!(Origin::parse(Some(&origin.stored()), Direction::Outbound), origin);
        }
        assert_eq!(Origin::parse(None, Direction::Inbound).kind, OriginKind::Customer);
        assert_eq!(Origin::parse(None, Direction::Outbound).kind, OriginKind::Agent);
        assert_eq!(
            Origin::parse(Some("martian:x"), Direction::Outbound).kind,
            OriginKind::Agent
        );
        assert!(!OriginKind::Bot.is_person() && OriginKind::Agent.is_person());
    }
}
