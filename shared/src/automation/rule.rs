//! An automation rule as an organization writes it: what starts it (a trigger), what must hold
//! (conditions, AND at the top, `all` / `any` groups inside), what it does (a tagged union of
//! actions), and how it runs (priority, stop on match, cooldown, rollout, snooze). Checked whole
//! before it is stored: each refusal names its field.

use serde::{Deserialize, Serialize};

pub const MAX_RULES: usize = 100;
pub const MAX_CONDITIONS: usize = 20;
pub const MAX_ACTIONS: usize = 10;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_VALUE_CHARS: usize = 500;
pub const MAX_TEXT_CHARS: usize = 4_096;
pub const MAX_TAGS: usize = 10;
/// Groups nest at most this deep.
pub const MAX_DEPTH: usize = 3;
/// A compiled `matches` pattern's size bound (the regex crate's; matching stays linear).
pub const MAX_REGEX_BYTES: usize = 64 * 1024;
pub const MAX_COOLDOWN_SECS: u32 = 30 * 86_400;

/// The domain events a rule may start on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    MessageReceived,
    ConversationCreated,
    ConversationResolved,
    ConversationAssigned,
    ContactCreated,
    MessageFailed,
    /// The customer has not written for the rule's `wait_minutes` since the business's first
    /// message they left unanswered.
    NoCustomerReply,
    /// No person has answered for the rule's `wait_minutes` since the customer's first message
    /// left unanswered (the bot, rules and campaigns do not count as an answer).
    NoAgentReply,
}

impl Trigger {
    pub const ALL: [Trigger; 8] = [
        Trigger::MessageReceived,
        Trigger::ConversationCreated,
        Trigger::ConversationResolved,
        Trigger::ConversationAssigned,
        Trigger::ContactCreated,
        Trigger::MessageFailed,
        Trigger::NoCustomerReply,
        Trigger::NoAgentReply,
    ];

    /// Whether it fires after a wait (the rule's `wait_minutes`), from the due index.
    pub fn is_wait(self) -> bool {
        matches!(self, Trigger::NoCustomerReply | Trigger::NoAgentReply)
    }

    /// The bus event's detail-type.
    pub fn event_type(self) -> &'static str {
        match self {
            Trigger::MessageReceived => "message.received",
            Trigger::ConversationCreated => "conversation.created",
            Trigger::ConversationResolved => "conversation.resolved",
            Trigger::ConversationAssigned => "conversation.assigned",
            Trigger::ContactCreated => "contact.created",
            Trigger::MessageFailed => "message.failed",
            Trigger::NoCustomerReply => "conversation.no_customer_reply",
            Trigger::NoAgentReply => "conversation.no_agent_reply",
        }
    }

    pub fn of_event(detail_type: &str) -> Option<Trigger> {
        Self::ALL.into_iter().find(|t| t.event_type() == detail_type)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Equals,
    Contains,
    StartsWith,
    /// A regular expression (the `regex` crate: linear time, no look-around or back-references).
    Matches,
}

/// One condition, or a group of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every one holds.
    All { conditions: Vec<Condition> },
    /// At least one holds.
    Any { conditions: Vec<Condition> },
    /// What the customer wrote or chose (text, caption, a button's or list row's title),
    /// compared without regard to case unless `case_sensitive`.
    MessageText {
        op: TextOp,
        value: String,
        #[serde(default)]
        case_sensitive: bool,
    },
    /// The message's type is one of these (`text`, `image`, `interactive`, ...).
    MessageType { any_of: Vec<String> },
    /// The contact has (or, with `absent`, has not) this tag.
    ContactTag {
        tag: String,
        #[serde(default)]
        absent: bool,
    },
    /// The conversation's status is one of these (`open`, `pending`, `resolved`).
    ConversationStatus { any_of: Vec<String> },
    /// The conversation is in this division (`null`: in none).
    Division { division_id: Option<String> },
    /// The conversation is held by this agent (`null`: by nobody).
    Assignee { agent_id: Option<String> },
    /// The conversation is on this WhatsApp number (our account id).
    Account { account_id: String },
    /// The message is (or is not) the first of its conversation.
    FirstMessage { is: bool },
    /// A contact field (`name`: the agent-given name, else the WhatsApp profile name; `email`;
    /// `phone`: the WhatsApp number's digits), compared as message texts are.
    ContactField {
        field: ContactField,
        op: TextOp,
        value: String,
        #[serde(default)]
        case_sensitive: bool,
    },
    /// The event happened inside (or outside) the working hours of the conversation's division,
    /// else the organization's (none set: always inside).
    InWorkingHours { is: bool },
    /// The conversation's priority is one of these (`urgent`, `high`, `medium`, `low`, `none`).
    Priority { any_of: Vec<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    Name,
    Email,
    Phone,
}

impl Rule {
    /// Whether deciding it needs the working hours (a condition or its schedule asks).
    pub fn needs_working_hours(&self) -> bool {
        self.conditions.iter().any(Condition::needs_working_hours)
            || self.schedule_settings.as_ref().is_some_and(|s| s.needs_working_hours())
    }
}

impl Condition {
    /// Whether it (or a condition in its groups) asks for the working hours.
    pub fn needs_working_hours(&self) -> bool {
        match self {
            Condition::All { conditions } | Condition::Any { conditions } => {
                conditions.iter().any(Condition::needs_working_hours)
            }
            Condition::InWorkingHours { .. } => true,
            _ => false,
        }
    }
}

/// What a rule does, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A text to the customer, through the normal send path (window, pacing, once per event).
    SendText {
        text: String,
    },
    AddTags {
        tags: Vec<String>,
    },
    RemoveTags {
        tags: Vec<String>,
    },
    /// Hand the conversation to this agent.
    AssignAgent {
        agent_id: String,
    },
    /// Hand the conversation to this division (its allocation method picks the agent).
    AssignDivision {
        division_id: String,
    },
    /// A note agents see on the conversation.
    AddNote {
        content: String,
    },
    Resolve,
    /// A template, interactive, media or location message: a send's `type` and `content`, as
    /// `POST /v1/conversations/{id}/messages` takes them.
    SendMessage {
        message: OutgoingMessage,
    },
    /// Sends the keyword scenario's start item, as if the customer had said its keyword.
    StartScenario {
        scenario_id: String,
    },
    /// The keyword scenario never answers this contact again.
    BlockScenario {
        scenario_id: String,
    },
    /// Posts `automation.webhook` (the rule, the event, its conversation and contact) to this
    /// outgoing webhook only, signed and retried as every delivery.
    SendToWebhook {
        webhook_id: String,
    },
    /// Sets the conversation's priority (`null`: none).
    SetPriority {
        priority: Option<crate::inbox::Priority>,
    },
    /// Sets the conversation aside for this long; the customer's next message wakes it sooner.
    Snooze {
        minutes: u32,
    },
}

/// The longest snooze a rule sets, and the longest wait a time trigger counts.
pub const MAX_SNOOZE_MINUTES: u32 = 30 * 24 * 60;
pub const MAX_WAIT_MINUTES: u32 = 7 * 24 * 60;

/// Most failed runs in a row an alert may wait for.
pub const MAX_ALERT_AFTER: u32 = 100;

/// When a rule that keeps failing raises `automation.alert`: after this many runs in a row with a
/// refused action (once per streak; a run without one ends the streak).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    pub after_failures: u32,
}

/// A message a rule sends, read as the send API reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutgoingMessage {
    #[serde(rename = "type")]
    pub kind: String,
    pub content: serde_json::Value,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub org_id: String,
    pub rule_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub is_active: bool,
    pub trigger: Trigger,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    /// Lower runs first.
    pub priority: i32,
    /// 0-100: the share of conversations it applies to (the same ones every time).
    pub rollout_percentage: u8,
    pub stop_on_match: bool,
    /// It runs at most once per conversation in this many seconds (0: no limit).
    pub cooldown_secs: u32,
    /// RFC 3339; until then it does not run.
    #[serde(default)]
    pub snoozed_until: Option<String>,
    /// When its runs keep failing, `automation.alert` goes on the bus (none: never).
    #[serde(default)]
    pub alert_settings: Option<AlertSettings>,
    /// When it may run (none: at any time).
    #[serde(default)]
    pub schedule_settings: Option<crate::automation::schedule::ScheduleSettings>,
    /// A time trigger's wait, 1 to [`MAX_WAIT_MINUTES`] (only for those triggers).
    #[serde(default)]
    pub wait_minutes: Option<u32>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Why a rule's fields are refused; the message starts with the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct RuleRefusal {
    pub field: String,
    pub reason: String,
}

fn refuse(field: impl Into<String>, reason: impl Into<String>) -> RuleRefusal {
    RuleRefusal {
        field: field.into(),
        reason: reason.into(),
    }
}

fn text(field: &str, value: &str, max: usize) -> Result<(), RuleRefusal> {
    if value.trim().is_empty() {
        return Err(refuse(field, "must not be blank"));
    }
    if value.chars().count() > max {
        return Err(refuse(field, format!("at most {max} characters")));
    }
    Ok(())
}

fn list(field: &str, values: &[String], max: usize) -> Result<(), RuleRefusal> {
    if values.is_empty() || values.len() > max {
        return Err(refuse(field, format!("give 1 to {max}")));
    }
    for (i, value) in values.iter().enumerate() {
        text(&format!("{field}[{i}]"), value, crate::desk::MAX_TAG_CHARS.max(64))?;
    }
    Ok(())
}

fn id(field: &str, value: &str) -> Result<(), RuleRefusal> {
    match crate::platform::ids::is_well_formed(value) {
        true => Ok(()),
        false => Err(refuse(field, "is not an id")),
    }
}

/// The compiled pattern of a `matches` condition (case-insensitive unless asked), bounded in size.
pub fn pattern(value: &str, case_sensitive: bool) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(value)
        .case_insensitive(!case_sensitive)
        .size_limit(MAX_REGEX_BYTES)
        .dfa_size_limit(MAX_REGEX_BYTES)
        .build()
        .map_err(|e| {
            format!(
                "not a usable pattern: {}",
                e.to_string().lines().last().unwrap_or_default().trim()
            )
        })
}

/// Counts and checks conditions (every one, groups included); answers how many there are.
fn check_conditions(field: &str, conditions: &[Condition], depth: usize) -> Result<usize, RuleRefusal> {
    if depth > MAX_DEPTH {
        return Err(refuse(field, format!("groups nest at most {MAX_DEPTH} deep")));
    }
    let mut count = 0;
    for (i, condition) in conditions.iter().enumerate() {
        let here = format!("{field}[{i}]");
        count += 1;
        match condition {
            Condition::All { conditions } | Condition::Any { conditions } => {
                if conditions.is_empty() {
                    return Err(refuse(format!("{here}.conditions"), "a group needs conditions"));
                }
                count += check_conditions(&format!("{here}.conditions"), conditions, depth + 1)?;
            }
            Condition::MessageText {
                op,
                value,
                case_sensitive,
            }
            | Condition::ContactField {
                op,
                value,
                case_sensitive,
                ..
            } => {
                text(&format!("{here}.value"), value, MAX_VALUE_CHARS)?;
                if *op == TextOp::Matches {
                    pattern(value, *case_sensitive).map_err(|reason| refuse(format!("{here}.value"), reason))?;
                }
            }
            Condition::MessageType { any_of } | Condition::ConversationStatus { any_of } => {
                list(&format!("{here}.any_of"), any_of, 10)?
            }
            Condition::Priority { any_of } => {
                list(&format!("{here}.any_of"), any_of, 5)?;
                if let Some(other) = any_of
                    .iter()
                    .find(|p| p.as_str() != "none" && crate::inbox::Priority::parse(p).is_none())
                {
                    return Err(refuse(
                        format!("{here}.any_of"),
                        format!("{other:?} is not urgent, high, medium, low or none"),
                    ));
                }
            }
            Condition::ContactTag { tag, .. } => text(&format!("{here}.tag"), tag, crate::desk::MAX_TAG_CHARS)?,
            Condition::Division { division_id } => {
                if let Some(division_id) = division_id {
                    id(&format!("{here}.division_id"), division_id)?
                }
            }
            Condition::Assignee { agent_id } => {
                if let Some(agent_id) = agent_id {
                    id(&format!("{here}.agent_id"), agent_id)?
                }
            }
            Condition::Account { account_id } => id(&format!("{here}.account_id"), account_id)?,
            Condition::FirstMessage { .. } | Condition::InWorkingHours { .. } => {}
        }
    }
    Ok(count)
}

/// Checks what a rule would store: its name, conditions (at most [`MAX_CONDITIONS`] counting
/// those in groups), actions (1 to [`MAX_ACTIONS`]) and numbers.
pub fn check(rule: &Rule) -> Result<(), RuleRefusal> {
    text("name", &rule.name, MAX_NAME_CHARS)?;
    if let Some(description) = &rule.description
        && description.chars().count() > MAX_DESCRIPTION_CHARS
    {
        return Err(refuse(
            "description",
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if check_conditions("conditions", &rule.conditions, 1)? > MAX_CONDITIONS {
        return Err(refuse(
            "conditions",
            format!("at most {MAX_CONDITIONS}, counting those in groups"),
        ));
    }
    if rule.actions.is_empty() || rule.actions.len() > MAX_ACTIONS {
        return Err(refuse("actions", format!("give 1 to {MAX_ACTIONS}")));
    }
    for (i, action) in rule.actions.iter().enumerate() {
        let here = format!("actions[{i}]");
        match action {
            Action::SendText { text: body } => text(&format!("{here}.text"), body, MAX_TEXT_CHARS)?,
            Action::AddTags { tags } | Action::RemoveTags { tags } => list(&format!("{here}.tags"), tags, MAX_TAGS)?,
            Action::AssignAgent { agent_id } => id(&format!("{here}.agent_id"), agent_id)?,
            Action::AssignDivision { division_id } => id(&format!("{here}.division_id"), division_id)?,
            Action::AddNote { content } => text(&format!("{here}.content"), content, MAX_TEXT_CHARS)?,
            Action::Resolve => {}
            Action::SendMessage { message } => {
                crate::inbox::send_content::content_of(&message.kind, &message.content).map_err(|e| {
                    let field = match e.field {
                        "type" => "type".to_string(),
                        other => other.to_string(),
                    };
                    refuse(format!("{here}.message.{field}"), e.reason)
                })?;
            }
            Action::StartScenario { scenario_id } | Action::BlockScenario { scenario_id } => {
                id(&format!("{here}.scenario_id"), scenario_id)?
            }
            Action::SendToWebhook { webhook_id } => id(&format!("{here}.webhook_id"), webhook_id)?,
            Action::SetPriority { .. } => {}
            Action::Snooze { minutes } => {
                if !(1..=MAX_SNOOZE_MINUTES).contains(minutes) {
                    return Err(refuse(
                        format!("{here}.minutes"),
                        format!("1 to {MAX_SNOOZE_MINUTES} (30 days)"),
                    ));
                }
            }
        }
    }
    match (rule.trigger.is_wait(), rule.wait_minutes) {
        (true, Some(minutes)) if (1..=MAX_WAIT_MINUTES).contains(&minutes) => {}
        (true, _) => {
            return Err(refuse(
                "wait_minutes",
                format!("1 to {MAX_WAIT_MINUTES} (7 days) for this trigger"),
            ));
        }
        (false, Some(_)) => return Err(refuse("wait_minutes", "only for no_customer_reply and no_agent_reply")),
        (false, None) => {}
    }
    if let Some(schedule) = &rule.schedule_settings {
        schedule.check()?;
    }
    if let Some(alert) = rule.alert_settings
        && !(1..=MAX_ALERT_AFTER).contains(&alert.after_failures)
    {
        return Err(refuse(
            "alert_settings.after_failures",
            format!("1 to {MAX_ALERT_AFTER} failed runs in a row"),
        ));
    }
    if rule.rollout_percentage > 100 {
        return Err(refuse("rollout_percentage", "from 0 to 100"));
    }
    if rule.cooldown_secs > MAX_COOLDOWN_SECS {
        return Err(refuse(
            "cooldown_secs",
            format!("at most {MAX_COOLDOWN_SECS} (30 days)"),
        ));
    }
    if let Some(until) = &rule.snoozed_until
        && chrono::DateTime::parse_from_rfc3339(until).is_err()
    {
        return Err(refuse("snoozed_until", "must be an RFC 3339 time"));
    }
    Ok(())
}

#[cfg(test)]
#[path = "rule_tests.rs"]
pub(crate) mod tests;
