//! Wire types of automation: rules (conditions and actions are the tagged unions of
//! `shared::automation::rule`, checked whole on write), their runs, dry runs and the pause switch.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::automation::{ports, rule, walk};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationRule {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub is_active: bool,
    /// message_received | conversation_created | conversation_resolved | conversation_assigned |
    /// contact_created | message_failed | no_customer_reply | no_agent_reply (the last two after
    /// `wait_minutes`)
    pub trigger: String,
    /// A time trigger's wait in minutes (1 to 10080).
    pub wait_minutes: Option<u32>,
    /// Every one must hold (none: always); `all` / `any` groups nest.
    pub conditions: Vec<Value>,
    /// Run in order.
    pub actions: Vec<Value>,
    pub priority: i32,
    pub rollout_percentage: u8,
    pub stop_on_match: bool,
    pub cooldown_secs: u32,
    pub snoozed_until: Option<String>,
    /// `automation.alert` after this many failed runs in a row (null: never).
    pub alert_settings: Option<AlertSettings>,
    /// When it may run: `{"mode": "working_hours"}`, `{"mode": "outside_working_hours"}` or
    /// `{"mode": "custom", "time_zone": "Europe/Berlin", "days": [{"day_of_week": 1,
    /// "start_time": "09:00", "end_time": "17:00"}]}` (null: at any time).
    pub schedule_settings: Option<Value>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: String,
    pub updated_at: String,
}

fn text_of<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl From<&rule::Rule> for AutomationRule {
    fn from(r: &rule::Rule) -> Self {
        let values = |items: Vec<Value>| items;
        Self {
            id: r.rule_id.clone(),
            name: r.name.clone(),
            description: r.description.clone(),
            is_active: r.is_active,
            trigger: text_of(&r.trigger),
            wait_minutes: r.wait_minutes,
            conditions: values(
                r.conditions
                    .iter()
                    .filter_map(|c| serde_json::to_value(c).ok())
                    .collect(),
            ),
            actions: values(r.actions.iter().filter_map(|a| serde_json::to_value(a).ok()).collect()),
            priority: r.priority,
            rollout_percentage: r.rollout_percentage,
            stop_on_match: r.stop_on_match,
            cooldown_secs: r.cooldown_secs,
            snoozed_until: r.snoozed_until.clone(),
            alert_settings: r.alert_settings.map(|a| AlertSettings {
                after_failures: Some(a.after_failures),
            }),
            schedule_settings: r.schedule_settings.as_ref().and_then(|s| serde_json::to_value(s).ok()),
            created_by: r.created_by.clone(),
            updated_by: r.updated_by.clone(),
            created_at: r.created_at.clone(),
            updated_at: r.updated_at.clone(),
        }
    }
}

/// The organization's rules, by priority (one page: at most 100).
#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationRuleList {
    pub data: Vec<AutomationRule>,
}

/// A new rule (`name`, `trigger` and `actions` required), or the fields a PATCH changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAutomationRule {
    pub name: Option<String>,
    /// An empty string removes it.
    pub description: Option<String>,
    pub is_active: Option<bool>,
    pub trigger: Option<String>,
    /// Minutes a time trigger waits (1 to 10080); required with `no_customer_reply` and
    /// `no_agent_reply`, refused with the others.
    #[serde(default, deserialize_with = "super::whole_number")]
    pub wait_minutes: Option<u32>,
    pub conditions: Option<Vec<Value>>,
    pub actions: Option<Vec<Value>>,
    pub priority: Option<i32>,
    pub rollout_percentage: Option<u8>,
    pub stop_on_match: Option<bool>,
    pub cooldown_secs: Option<u32>,
    /// RFC 3339; an empty string ends the snooze.
    pub snoozed_until: Option<String>,
    /// `{"after_failures": n}`: raise `automation.alert` after n (1 to 100) failed runs in a row,
    /// once per streak; 0 turns alerts off.
    pub alert_settings: Option<AlertSettings>,
    /// `{"mode": "working_hours" | "outside_working_hours"}`, or `{"mode": "custom", "time_zone",
    /// "days": [{"day_of_week" (0 = Sunday), "start_time", "end_time"}]}` (at most 28 intervals);
    /// null: at any time.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Object>)]
    pub schedule_settings: Option<Option<Value>>,
}

/// When a failing rule raises `automation.alert`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Failed runs in a row (a run with a refused action); 0 (writing) turns alerts off.
    #[serde(default, deserialize_with = "super::whole_number")]
    pub after_failures: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationRun {
    pub event_id: String,
    pub event_type: String,
    pub conversation_id: Option<String>,
    pub rule_name: String,
    pub matched: bool,
    pub executed: bool,
    /// Why it did not run: cooldown, out_of_rollout, loop_depth, own_effect, payload_changed.
    pub skipped: Option<String>,
    /// Each action's outcome: `{"action", "ok", "detail"}`.
    pub results: Vec<Value>,
    pub at: String,
}

impl From<&ports::Run> for AutomationRun {
    fn from(r: &ports::Run) -> Self {
        Self {
            event_id: r.event_id.clone(),
            event_type: r.event_type.clone(),
            conversation_id: r.conversation_id.clone(),
            rule_name: r.rule_name.clone(),
            matched: r.matched,
            executed: r.executed,
            skipped: r.skipped.as_ref().map(text_of),
            results: r.results.iter().filter_map(|a| serde_json::to_value(a).ok()).collect(),
            at: shared::inbox::rfc3339_millis(r.at_ms),
        }
    }
}

list_of!(AutomationRunList, AutomationRun);

/// A dry run: the rule against an existing conversation and/or a sample message; nothing happens.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationDryRun {
    pub conversation_id: Option<String>,
    /// What the customer wrote, as a `message.received` would carry it.
    pub message_text: Option<String>,
    pub message_type: Option<String>,
    pub first_message: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationDryRunResult {
    /// Whether every condition held.
    pub matched: bool,
    /// Each top-level condition's outcome, in order.
    pub conditions: Vec<bool>,
    /// Why it would not run (paused, inactive, snoozed, not_matched, out_of_rollout); null: it would.
    pub skipped: Option<String>,
    /// The actions that would run, in order (none ran).
    pub actions: Vec<Value>,
    /// What the conditions saw.
    pub facts: Value,
}

/// The organization's switch for all its rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationControl {
    pub is_paused: bool,
    pub pause_reason: Option<String>,
    /// RFC 3339: paused until then (null: until resumed).
    pub paused_until: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    /// Minutes the keyword bot keeps quiet after a person answered an assigned conversation.
    pub bot_silence_minutes: u32,
}

/// Pause every rule (with a reason, optionally until a time) or resume them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAutomationControl {
    pub is_paused: bool,
    pub pause_reason: Option<String>,
    /// RFC 3339, in the future.
    pub paused_until: Option<String>,
    /// 1 to 1440 minutes the keyword bot keeps quiet after a person answered an assigned
    /// conversation (null: 30).
    #[serde(default, deserialize_with = "super::whole_number")]
    pub bot_silence_minutes: Option<u32>,
}

impl From<&walk::Control> for AutomationControl {
    fn from(c: &walk::Control) -> Self {
        Self {
            is_paused: c.is_paused,
            pause_reason: c.pause_reason.clone(),
            paused_until: c.paused_until.clone(),
            updated_by: c.updated_by.clone(),
            updated_at: c.updated_at.clone(),
            bot_silence_minutes: c
                .bot_silence_minutes
                .unwrap_or(shared::bot::turn::DEFAULT_SILENCE_MINUTES),
        }
    }
}
