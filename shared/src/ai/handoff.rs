//! When an AI agent hands a conversation to people (seed 001's AiHandoffRule), decided purely: a
//! rule per cause, each naming the division that takes over and whether the AI then keeps
//! silent. A cause with no rule still hands over (to the conversation's own division, the AI
//! silent after): a limit reached or a failing model never leaves a customer unanswered.

use crate::ai::agent::Refusal;
use crate::bot::matching::normalize;
use serde::{Deserialize, Serialize};

pub const MAX_HANDOFF_RULES: usize = 20;
pub const MAX_KEYWORDS: usize = 50;
pub const MAX_KEYWORD_CHARS: usize = 60;
pub const MAX_REASON_CHARS: usize = 500;

/// What starts a handoff, with its settings (`rule_type` and `config` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule_type", content = "config", rename_all = "snake_case")]
pub enum Trigger {
    /// The customer's message holds one of these words or phrases (folded as the keyword bot
    /// folds them: case, accents, width, digits).
    Keywords { keywords: Vec<String> },
    /// The customer asks for a person (built-in phrases, in English, Spanish and Portuguese), or
    /// the model calls `handoff`.
    HumanRequest {},
    /// The AI has answered this many turns in the conversation.
    MaxTurns { turns: u32 },
    /// The agent's daily token limit is reached.
    TokenLimit {},
    /// The model keeps failing or is throttled past its retries.
    ModelFailure {},
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffRule {
    pub rule_id: String,
    #[serde(flatten)]
    pub trigger: Trigger,
    #[serde(default)]
    pub target_division_id: Option<String>,
    pub stop_ai_after_handoff: bool,
    pub is_active: bool,
    pub created_at: String,
}

/// Why a conversation went to people; shown on the page and in the note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The model called `handoff`, saying why.
    Tool {
        reason: String,
    },
    Keyword {
        keyword: String,
    },
    HumanRequest,
    TurnLimit {
        turns: u32,
    },
    TokenLimit,
    ModelFailure {
        detail: String,
    },
    /// An agent took the conversation over on the page.
    TakeOver {
        agent_id: String,
    },
}

impl Reason {
    /// What the note says.
    pub fn describe(&self) -> String {
        match self {
            Reason::Tool { reason } => format!("The AI agent handed over: {reason}"),
            Reason::Keyword { keyword } => format!("The customer wrote \"{keyword}\""),
            Reason::HumanRequest => "The customer asked for a person".into(),
            Reason::TurnLimit { turns } => format!("The AI agent answered {turns} turns, its limit"),
            Reason::TokenLimit => "The AI agent reached its daily token limit".into(),
            Reason::ModelFailure { detail } => format!("The model failed ({detail})"),
            Reason::TakeOver { .. } => "An agent took the conversation over".into(),
        }
    }

    fn rule_type(&self) -> Option<&'static str> {
        Some(match self {
            Reason::Tool { .. } | Reason::HumanRequest => "human_request",
            Reason::Keyword { .. } => "keywords",
            Reason::TurnLimit { .. } => "max_turns",
            Reason::TokenLimit => "token_limit",
            Reason::ModelFailure { .. } => "model_failure",
            Reason::TakeOver { .. } => return None,
        })
    }
}

impl Trigger {
    fn rule_type(&self) -> &'static str {
        match self {
            Trigger::Keywords { .. } => "keywords",
            Trigger::HumanRequest {} => "human_request",
            Trigger::MaxTurns { .. } => "max_turns",
            Trigger::TokenLimit {} => "token_limit",
            Trigger::ModelFailure {} => "model_failure",
        }
    }
}

/// A handoff decided: why, where to, and whether the AI keeps silent afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    pub reason: Reason,
    pub target_division_id: Option<String>,
    pub stop_ai: bool,
}

/// Phrases that ask for a person, folded.
const HUMAN_PHRASES: &[&str] = &[
    "human",
    "a person",
    "real person",
    "speak to someone",
    "talk to someone",
    "representative",
    "operator",
    "customer service",
    "live agent",
    "an agent",
    "persona real",
    "hablar con alguien",
    "un humano",
    "atendente",
    "falar com alguem",
    "pessoa real",
];

pub fn check_all(rules: &[HandoffRule]) -> Result<(), Refusal> {
    if rules.len() > MAX_HANDOFF_RULES {
        return Err(Refusal::new("handoff_rules", format!("at most {MAX_HANDOFF_RULES}")));
    }
    rules.iter().try_for_each(HandoffRule::check)
}

impl HandoffRule {
    pub fn check(&self) -> Result<(), Refusal> {
        match &self.trigger {
            Trigger::Keywords { keywords } => {
                if keywords.is_empty() || keywords.len() > MAX_KEYWORDS {
                    return Err(Refusal::new("config.keywords", format!("1 to {MAX_KEYWORDS}")));
                }
                for (i, keyword) in keywords.iter().enumerate() {
                    let controls = keyword.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
                    if keyword.chars().count() > MAX_KEYWORD_CHARS || controls || normalize(keyword).is_empty() {
                        return Err(Refusal::new(
                            format!("config.keywords[{i}]"),
                            format!(
                                "a word or phrase of at most {MAX_KEYWORD_CHARS} characters with a letter or digit"
                            ),
                        ));
                    }
                }
            }
            Trigger::MaxTurns { turns } if !(1..=crate::ai::agent::MAX_CONVERSATION_TURNS).contains(turns) => {
                return Err(Refusal::new(
                    "config.turns",
                    format!("1 to {}", crate::ai::agent::MAX_CONVERSATION_TURNS),
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

fn contains_phrase(folded_text: &str, phrase: &str) -> bool {
    let padded = format!(" {folded_text} ");
    padded.contains(&format!(" {phrase} "))
}

/// A handoff the customer's message starts before the model is asked: a keyword rule's word,
/// or (with a `human_request` rule) a built-in phrase asking for a person; the rule that matched
/// says where to.
pub fn in_message(rules: &[HandoffRule], text: &str) -> Option<Handoff> {
    let folded = normalize(text);
    if folded.is_empty() {
        return None;
    }
    for rule in rules.iter().filter(|r| r.is_active) {
        match &rule.trigger {
            Trigger::Keywords { keywords } => {
                if let Some(keyword) = keywords.iter().find(|k| contains_phrase(&folded, &normalize(k))) {
                    return Some(by_rule(
                        rule,
                        Reason::Keyword {
                            keyword: keyword.clone(),
                        },
                    ));
                }
            }
            Trigger::HumanRequest {} if HUMAN_PHRASES.iter().any(|p| contains_phrase(&folded, p)) => {
                return Some(by_rule(rule, Reason::HumanRequest));
            }
            _ => {}
        }
    }
    None
}

fn by_rule(rule: &HandoffRule, reason: Reason) -> Handoff {
    Handoff {
        reason,
        target_division_id: rule.target_division_id.clone(),
        stop_ai: rule.stop_ai_after_handoff,
    }
}

/// The turn limit: the agent's `max_conversation_turns` or a `max_turns` rule, the lower.
pub fn turn_limit(rules: &[HandoffRule], agent_limit: Option<u32>) -> Option<u32> {
    rules
        .iter()
        .filter(|r| r.is_active)
        .filter_map(|r| match r.trigger {
            Trigger::MaxTurns { turns } => Some(turns),
            _ => None,
        })
        .chain(agent_limit)
        .min()
}

/// The handoff `reason` leads to: its rule's target and silence, else the conversation's own
/// division and silence (a take-over is always silence: a person now answers).
pub fn decide(rules: &[HandoffRule], reason: Reason) -> Handoff {
    let rule = reason.rule_type().and_then(|kind| {
        rules
            .iter()
            .filter(|r| r.is_active)
            .find(|r| r.trigger.rule_type() == kind)
    });
    Handoff {
        target_division_id: rule.and_then(|r| r.target_division_id.clone()),
        stop_ai: rule.is_none_or(|r| r.stop_ai_after_handoff),
        reason,
    }
}

#[cfg(test)]
#[path = "handoff_tests.rs"]
mod tests;
