//! The walk of one event through an organization's rules, decided without I/O: which rules it
//! meets (its trigger's, by priority), and for each whether it may run before its claims are
//! taken: paused, inactive, snoozed, out of rollout, the loop guard, its conditions.

use crate::automation::conditions::{Facts, outcomes};
use crate::automation::rule::{Rule, Trigger};
use sha2::{Digest, Sha256};

/// Effects caused by rules carry this far; an event deeper than it starts nothing.
pub const MAX_CAUSE_DEPTH: u8 = 3;

/// What a rule's effect carries on the bus: which rule caused it, and how deep the chain is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    pub rule_id: String,
    pub depth: u8,
}

/// An event as a walk needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub org_id: String,
    pub event_id: String,
    pub trigger: Trigger,
    pub conversation_id: Option<String>,
    pub contact_id: Option<String>,
    /// SHA-256 of the event's detail: the same event id with another payload is not run again.
    pub payload_hash: String,
    pub cause: Option<Cause>,
    /// When it happened (its `occurred_at`): a skipped run is logged under it, so a redelivery
    /// rewrites the same entry.
    pub occurred_ms: Option<i64>,
}

/// The organization's switch for all its rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Control {
    pub is_paused: bool,
    #[serde(default)]
    pub pause_reason: Option<String>,
    /// RFC 3339; paused until then (none: until resumed).
    #[serde(default)]
    pub paused_until: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The keyword bot keeps quiet this long after a person answered an assigned conversation
    /// (`None`: [`crate::bot::turn::DEFAULT_SILENCE_MINUTES`]).
    #[serde(default)]
    pub bot_silence_minutes: Option<u32>,
}

impl Control {
    pub fn paused_at(&self, now_rfc3339: &str) -> bool {
        self.is_paused && self.paused_until.as_deref().is_none_or(|until| until > now_rfc3339)
    }
}

/// Why a rule the event met did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    Paused,
    Inactive,
    Snoozed,
    NotMatched,
    OutOfRollout,
    /// The event was caused by rules more than [`MAX_CAUSE_DEPTH`] deep.
    LoopDepth,
    /// The event is this rule's own effect.
    OwnEffect,
    /// Outside its `schedule_settings`.
    OutOfSchedule,
    /// Run for this conversation within its cooldown.
    Cooldown,
    /// This event ran it before (a redelivery).
    AlreadyRun,
    /// The same event id came with another payload.
    PayloadChanged,
}

/// One rule's verdict before its claims: run it, or why not, with its conditions' outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub conditions: Vec<bool>,
    pub skip: Option<Skip>,
}

impl Verdict {
    pub fn matched(&self) -> bool {
        self.conditions.iter().all(|c| *c)
    }
}

/// The rules an event of `trigger` meets, in the order they run: priority, then age.
pub fn rules_for(rules: &[Rule], trigger: Trigger) -> Vec<&Rule> {
    let mut met: Vec<&Rule> = rules.iter().filter(|r| r.trigger == trigger).collect();
    met.sort_by(|a, b| (a.priority, &a.created_at, &a.rule_id).cmp(&(b.priority, &b.created_at, &b.rule_id)));
    met
}

/// Whether `subject` (a conversation or contact) is in the rule's rollout: decided by a hash of
/// the two, so the same subject is in or out every time.
pub fn in_rollout(rule_id: &str, subject: &str, percentage: u8) -> bool {
    if percentage >= 100 {
        return true;
    }
    let digest = Sha256::digest(format!("{rule_id}:{subject}").as_bytes());
    let bucket = u16::from_be_bytes([digest[0], digest[1]]) % 100;
    bucket < u16::from(percentage)
}

/// The verdict for one rule, everything but the claims (cooldown, once per event).
pub fn verdict(rule: &Rule, event: &Incoming, facts: &Facts, control: &Control, now_rfc3339: &str) -> Verdict {
    let conditions = outcomes(&rule.conditions, facts);
    let all = conditions.iter().all(|c| *c);
    let subject = event
        .conversation_id
        .as_deref()
        .or(event.contact_id.as_deref())
        .unwrap_or(&event.event_id);
    let skip = if control.paused_at(now_rfc3339) {
        Some(Skip::Paused)
    } else if !rule.is_active {
        Some(Skip::Inactive)
    } else if rule.snoozed_until.as_deref().is_some_and(|until| until > now_rfc3339) {
        Some(Skip::Snoozed)
    } else if event.cause.as_ref().is_some_and(|c| c.depth > MAX_CAUSE_DEPTH) {
        Some(Skip::LoopDepth)
    } else if event.cause.as_ref().is_some_and(|c| c.rule_id == rule.rule_id) {
        Some(Skip::OwnEffect)
    } else if !all {
        Some(Skip::NotMatched)
    } else if rule.schedule_settings.as_ref().is_some_and(|schedule| {
        let at_ms = event
            .occurred_ms
            .unwrap_or_else(|| chrono::DateTime::parse_from_rfc3339(now_rfc3339).map_or(0, |t| t.timestamp_millis()));
        !schedule.allows(at_ms, facts.in_working_hours)
    }) {
        Some(Skip::OutOfSchedule)
    } else if !in_rollout(&rule.rule_id, subject, rule.rollout_percentage) {
        Some(Skip::OutOfRollout)
    } else {
        None
    };
    Verdict { conditions, skip }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automation::rule::tests::rule;
    use serde_json::json;

    fn event(cause: Option<Cause>) -> Incoming {
        Incoming {
            org_id: "org_1".into(),
            event_id: "message.received:wamid.1".into(),
            trigger: Trigger::MessageReceived,
            conversation_id: Some("cv_1".into()),
            contact_id: Some("ct_1".into()),
            payload_hash: "h".into(),
            cause,
            occurred_ms: None,
        }
    }

    const NOW: &str = "2026-12-05T12:00:00Z";

    #[test]
    fn the_guards_come_in_order_and_a_rule_never_runs_on_its_own_effect() {
        let r = rule(json!([]), json!([{"type": "resolve"}]));
        let facts = Facts::default();
        let run = |r: &Rule, e: &Incoming, c: &Control| verdict(r, e, &facts, c, NOW).skip;
        assert_eq!(run(&r, &event(None), &Control::default()), None);
        let paused = Control {
            is_paused: true,
            paused_until: Some("2026-12-05T13:00:00Z".into()),
            ..Control::default()
        };
        assert_eq!(run(&r, &event(None), &paused), Some(Skip::Paused));
        let lapsed = Control {
            paused_until: Some("2026-12-05T11:00:00Z".into()),
            ..paused
        };
        assert_eq!(run(&r, &event(None), &lapsed), None, "a pause ends at paused_until");
        let own = Cause {
            rule_id: r.rule_id.clone(),
            depth: 1,
        };
        assert_eq!(run(&r, &event(Some(own)), &Control::default()), Some(Skip::OwnEffect));
        let other = Cause {
            rule_id: "aut_other".into(),
            depth: 3,
        };
        assert_eq!(run(&r, &event(Some(other.clone())), &Control::default()), None);
        let deep = Cause { depth: 4, ..other };
        assert_eq!(run(&r, &event(Some(deep)), &Control::default()), Some(Skip::LoopDepth));
        let snoozed = Rule {
            snoozed_until: Some("2026-12-06T00:00:00Z".into()),
            ..r.clone()
        };
        assert_eq!(run(&snoozed, &event(None), &Control::default()), Some(Skip::Snoozed));
        let unmatched = rule(
            json!([{"type": "first_message", "is": true}]),
            json!([{"type": "resolve"}]),
        );
        let v = verdict(&unmatched, &event(None), &facts, &Control::default(), NOW);
        assert_eq!((v.skip, v.conditions), (Some(Skip::NotMatched), vec![false]));
    }

    #[test]
    fn rollout_is_stable_per_subject_and_near_its_share() {
        let inside = (0..10_000)
            .filter(|i| in_rollout("aut_1", &format!("cv_{i}"), 30))
            .count();
        assert!((2_700..3_300).contains(&inside), "{inside}");
        for i in 0..100 {
            let subject = format!("cv_{i}");
            assert_eq!(in_rollout("aut_1", &subject, 30), in_rollout("aut_1", &subject, 30));
        }
        assert!(!in_rollout("aut_1", "cv_1", 0));
        assert!(in_rollout("aut_1", "cv_1", 100));
    }

    #[test]
    fn rules_run_by_priority_then_age_and_only_their_trigger() {
        let mut a = rule(json!([]), json!([{"type": "resolve"}]));
        a.rule_id = "aut_a".into();
        a.priority = 5;
        let mut b = a.clone();
        b.rule_id = "aut_b".into();
        b.priority = 1;
        let mut c = a.clone();
        c.rule_id = "aut_c".into();
        c.trigger = Trigger::ContactCreated;
        let rules = [a, b, c];
        let order: Vec<&str> = rules_for(&rules, Trigger::MessageReceived)
            .iter()
            .map(|r| r.rule_id.as_str())
            .collect();
        assert_eq!(order, ["aut_b", "aut_a"]);
    }
}
