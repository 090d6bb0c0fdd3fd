//! Automation rules: list, create, get, PATCH (fields given replace theirs; the rule is checked
//! whole), DELETE; a rule's runs; a dry run (the rule's verdict on a conversation or a sample
//! message, nothing done); the pause switch. The automation function reads rules through a 30 s
//! cache: a change applies to new events within 30 s.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, conflict, created, next_cursor, no_content, not_found, ok, unprocessable};
use crate::views;
use serde_json::{Value, json};
use shared::automation::conditions::Facts;
use shared::automation::ports::{FactReads, RuleReads};
use shared::automation::rule::{self, Action, Condition, Rule, Trigger};
use shared::automation::walk::{self, Control, Incoming};
use shared::platform::http_error::HttpError;
use shared::platform::ids;

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<Rule, HttpError> {
    let id = cx.id("rule_id", "automation rule")?;
    api.automation
        .rules
        .rule(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("automation rule"))
}

fn parsed<T: serde::de::DeserializeOwned>(field: &str, items: Vec<Value>, max: usize) -> Result<Vec<T>, HttpError> {
    if items.len() > max {
        return Err(unprocessable(field, format!("at most {max}")));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item).map_err(|e| unprocessable(&format!("{field}[{i}]"), e.to_string()))
        })
        .collect()
}

/// Applies the body's fields to `rule` and checks the result whole.
fn apply(rule: &mut Rule, body: views::WriteAutomationRule) -> Result<(), HttpError> {
    if let Some(name) = crate::rules::AUTOMATION_NAME.check("name", body.name.as_deref())? {
        rule.name = name;
    }
    if let Some(description) = body.description.as_deref() {
        // Blank removes it.
        rule.description = crate::rules::AUTOMATION_DESCRIPTION.check("description", Some(description))?;
    }
    if let Some(active) = body.is_active {
        rule.is_active = active;
    }
    if let Some(trigger) = crate::rules::AUTOMATION_TRIGGER.check("trigger", body.trigger.as_deref())? {
        rule.trigger = serde_json::from_value(Value::String(trigger.clone())).map_err(|_| {
            let names: Vec<String> = Trigger::ALL
                .iter()
                .filter_map(|t| serde_json::to_value(t).ok())
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            unprocessable("trigger", format!("must be one of {}", names.join(", ")))
        })?;
    }
    match body.wait_minutes {
        Some(minutes) => rule.wait_minutes = Some(minutes),
        // A trigger that waits no more drops its wait.
        None if !rule.trigger.is_wait() => rule.wait_minutes = None,
        None => {}
    }
    if let Some(schedule) = body.schedule_settings {
        rule.schedule_settings = match schedule {
            None => None,
            Some(value) => {
                Some(serde_json::from_value(value).map_err(|e| unprocessable("schedule_settings", e.to_string()))?)
            }
        };
    }
    if let Some(conditions) = body.conditions {
        rule.conditions = parsed::<Condition>("conditions", conditions, rule::MAX_CONDITIONS)?;
    }
    if let Some(actions) = body.actions {
        rule.actions = parsed::<Action>("actions", actions, rule::MAX_ACTIONS)?;
    }
    if let Some(priority) = body.priority {
        rule.priority = priority;
    }
    if let Some(rollout) = body.rollout_percentage {
        rule.rollout_percentage = rollout;
    }
    if let Some(stop) = body.stop_on_match {
        rule.stop_on_match = stop;
    }
    if let Some(cooldown) = body.cooldown_secs {
        rule.cooldown_secs = cooldown;
    }
    if let Some(alert) = body.alert_settings {
        rule.alert_settings = match alert.after_failures {
            None | Some(0) => None,
            Some(after_failures) => Some(rule::AlertSettings { after_failures }),
        };
    }
    if let Some(until) = body.snoozed_until {
        rule.snoozed_until = Some(until).filter(|u| !u.trim().is_empty());
    }
    rule::check(rule).map_err(|refusal| unprocessable(&refusal.field, refusal.reason))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let mut rules = api.automation.rules.rules(cx.org()).await?;
    rules.sort_by(|a, b| (a.priority, &a.created_at).cmp(&(b.priority, &b.created_at)));
    ok(&views::AutomationRuleList {
        data: rules.iter().map(views::AutomationRule::from).collect(),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::AutomationRule::from(&load(api, cx).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAutomationRule = cx.json()?;
    for (field, given) in [
        ("name", body.name.is_some()),
        ("trigger", body.trigger.is_some()),
        ("actions", body.actions.is_some()),
    ] {
        if !given {
            return Err(unprocessable(field, "is required"));
        }
    }
    let now = shared::platform::items::now_rfc3339();
    let mut rule = Rule {
        org_id: cx.org().into(),
        rule_id: ids::new_id("aut"),
        name: String::new(),
        description: None,
        is_active: true,
        trigger: Trigger::MessageReceived,
        conditions: Vec::new(),
        actions: Vec::new(),
        priority: 100,
        rollout_percentage: 100,
        stop_on_match: false,
        cooldown_secs: 0,
        snoozed_until: None,
        alert_settings: None,
        schedule_settings: None,
        wait_minutes: None,
        created_by: cx.caller.agent_id.clone(),
        updated_by: cx.caller.agent_id.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    apply(&mut rule, body)?;
    // Read, then written: two creations racing at the limit may make one more.
    if api.automation.rules.rules(cx.org()).await?.len() >= rule::MAX_RULES {
        return Err(conflict(
            "too_many_rules",
            format!("an organization has at most {} automation rules", rule::MAX_RULES),
        ));
    }
    api.automation.rules.put(&rule, None).await?;
    created(&views::AutomationRule::from(&rule))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::WriteAutomationRule = cx.json()?;
    let current = load(api, cx).await?;
    let mut rule = current.clone();
    apply(&mut rule, body)?;
    rule.updated_by = cx.caller.agent_id.clone();
    rule.updated_at = shared::platform::items::now_rfc3339();
    api.automation.rules.put(&rule, Some(&current.updated_at)).await?;
    ok(&views::AutomationRule::from(&rule))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>) -> Answer {
    let id = cx.id("rule_id", "automation rule")?;
    if !api.automation.rules.delete(cx.org(), &id).await? {
        return Err(not_found("automation rule"));
    }
    no_content()
}

pub async fn runs(api: &ApiService, cx: &Context<'_>) -> Answer {
    let rule = load(api, cx).await?;
    let (limit, start) = cx.page()?;
    let page = api
        .automation
        .rules
        .runs_page(cx.org(), &rule.rule_id, limit, start)
        .await?;
    ok(&views::AutomationRunList {
        data: page.items.iter().map(views::AutomationRun::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

/// The rule's verdict, nothing done: against a conversation (as the caller may see it) and/or a
/// sample message.
pub async fn test(api: &ApiService, cx: &Context<'_>) -> Answer {
    let rule = load(api, cx).await?;
    let mut body: views::AutomationDryRun = cx.json()?;
    body.message_text = crate::rules::SAMPLE_TEXT.check("message_text", body.message_text.as_deref())?;
    body.message_type = crate::rules::MESSAGE_TYPE.check("message_type", body.message_type.as_deref())?;
    body.conversation_id = crate::rules::OPTIONAL_ID.check("conversation_id", body.conversation_id.as_deref())?;
    let mut contact_id = None;
    if let Some(conversation_id) = &body.conversation_id {
        let conversation = api
            .inbox
            .conversations
            .conversation(cx.org(), conversation_id)
            .await?
            .filter(|c| {
                cx.caller
                    .viewer
                    .sees(c.division_id.as_deref(), c.assigned_agent_id.as_deref())
            })
            .ok_or_else(|| HttpError::not_found("conversation_id: no conversation with this id"))?;
        contact_id = Some(conversation.contact_id);
    }
    let event = Incoming {
        org_id: cx.org().into(),
        event_id: "dry-run".into(),
        trigger: rule.trigger,
        conversation_id: body.conversation_id.clone(),
        contact_id,
        payload_hash: String::new(),
        cause: None,
        occurred_ms: None,
    };
    let detail = json!({"text": body.message_text, "type": body.message_type.clone().or(body.message_text.as_ref().map(|_| "text".to_string())),
        "first_in_conversation": body.first_message});
    let working_hours = rule.needs_working_hours();
    let facts: Facts = api.automation.facts.facts(&event, &detail, working_hours).await?;
    let control: Control = api.automation.rules.control(cx.org()).await?;
    let verdict = walk::verdict(&rule, &event, &facts, &control, &shared::platform::items::now_rfc3339());
    let would_run = verdict.skip.is_none();
    ok(&views::AutomationDryRunResult {
        matched: verdict.matched(),
        conditions: verdict.conditions.clone(),
        skipped: verdict.skip.map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        }),
        actions: match would_run {
            true => rule
                .actions
                .iter()
                .filter_map(|a| serde_json::to_value(a).ok())
                .collect(),
            false => Vec::new(),
        },
        facts: serde_json::to_value(&facts).unwrap_or_default(),
    })
}

pub async fn control(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::AutomationControl::from(
        &api.automation.rules.control(cx.org()).await?,
    ))
}

pub async fn set_control(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::SetAutomationControl = cx.json()?;
    let reason = crate::rules::PAUSE_REASON.check("pause_reason", body.pause_reason.as_deref())?;
    let until = match body.paused_until.as_deref().filter(|u| !u.is_empty()) {
        None => None,
        Some(text) => {
            let when = chrono::DateTime::parse_from_rfc3339(text)
                .map_err(|_| unprocessable("paused_until", "must be an RFC 3339 time"))?
                .with_timezone(&chrono::Utc);
            Some(when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        }
    };
    let control = Control {
        is_paused: body.is_paused,
        pause_reason: reason.filter(|_| body.is_paused),
        paused_until: until.filter(|_| body.is_paused),
        updated_by: Some(cx.caller.agent_id.clone()),
        updated_at: Some(shared::platform::items::now_rfc3339()),
        bot_silence_minutes: match body.bot_silence_minutes {
            Some(minutes) if !(1..=shared::bot::turn::MAX_SILENCE_MINUTES).contains(&minutes) => {
                return Err(unprocessable(
                    "bot_silence_minutes",
                    format!(
                        "1 to {} minutes, or null for 30",
                        shared::bot::turn::MAX_SILENCE_MINUTES
                    ),
                ));
            }
            minutes => minutes,
        },
    };
    api.automation.rules.set_control(cx.org(), &control).await?;
    ok(&views::AutomationControl::from(&control))
}
