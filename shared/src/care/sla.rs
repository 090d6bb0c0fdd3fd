//! SLA policies and their clocks, as pure decisions: which policy a conversation gets, and when its
//! first-response and resolution clocks warn and breach (in business time when working hours exist).

use crate::care::working_hours::Calendar;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub policy_id: String,
    pub org_id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub first_response_time_secs: Option<i64>,
    #[serde(default)]
    pub resolution_time_secs: Option<i64>,
    /// Percent of a target at which a warning is raised (1 to 99).
    pub warning_threshold_pct: u8,
    /// Matching criteria: a policy naming one applies only to conversations that have it.
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub division_id: Option<String>,
    pub is_default: bool,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Priorities and channels a policy may name.
pub const PRIORITIES: &[&str] = &["low", "medium", "high", "urgent"];
pub const CHANNELS: &[&str] = &["whatsapp", "instagram", "email", "messenger"];
/// Longest target: a year.
pub const MAX_TARGET_SECS: i64 = 366 * 24 * 3600;

/// A policy's own rules (the division's existence is the store's to check): names the field.
pub fn check(policy: &SlaPolicy) -> Result<(), crate::desk::FieldError> {
    use crate::desk::field_error;
    if !(1..=99).contains(&policy.warning_threshold_pct) {
        return Err(field_error("warning_threshold_pct", "must be 1 to 99"));
    }
    for (field, target) in [
        ("first_response_time_secs", policy.first_response_time_secs),
        ("resolution_time_secs", policy.resolution_time_secs),
    ] {
        if target.is_some_and(|t| !(1..=MAX_TARGET_SECS).contains(&t)) {
            return Err(field_error(field, format!("must be 1 to {MAX_TARGET_SECS} seconds")));
        }
    }
    if policy.first_response_time_secs.is_none() && policy.resolution_time_secs.is_none() {
        return Err(field_error(
            "first_response_time_secs",
            "a policy needs first_response_time_secs, resolution_time_secs or both",
        ));
    }
    if policy.priority.as_deref().is_some_and(|p| !PRIORITIES.contains(&p)) {
        return Err(field_error("priority", "must be low, medium, high or urgent"));
    }
    if policy.channel.as_deref().is_some_and(|c| !CHANNELS.contains(&c)) {
        return Err(field_error(
            "channel",
            "must be whatsapp, instagram, email or messenger",
        ));
    }
    Ok(())
}

/// What a conversation offers to the matching criteria.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    pub channel: &'a str,
    pub division_id: Option<&'a str>,
    pub priority: Option<&'a str>,
}

impl SlaPolicy {
    /// How many criteria it names, when all of them match `subject`; `None` when one does not.
    fn specificity(&self, subject: &Subject<'_>) -> Option<usize> {
        let criteria = [
            (self.channel.as_deref(), Some(subject.channel)),
            (self.division_id.as_deref(), subject.division_id),
            (self.priority.as_deref(), subject.priority),
        ];
        let mut named = 0;
        for (wanted, offered) in criteria {
            if let Some(wanted) = wanted {
                if Some(wanted) != offered {
                    return None;
                }
                named += 1;
            }
        }
        Some(named)
    }
}

/// The policy a conversation gets when it opens: the active non-default policy naming the most
/// matching criteria (the oldest among equals, so the choice is stable), else the active default.
pub fn policy_for<'a>(policies: &'a [SlaPolicy], subject: &Subject<'_>) -> Option<&'a SlaPolicy> {
    let specific = policies
        .iter()
        .filter(|p| p.is_active && !p.is_default)
        .filter_map(|p| p.specificity(subject).map(|n| (n, p)))
        .max_by(|(a, p), (b, q)| a.cmp(b).then_with(|| q.created_at.cmp(&p.created_at)));
    specific.map(|(_, p)| p).or_else(|| {
        policies
            .iter()
            .filter(|p| p.is_active && p.is_default)
            .min_by(|p, q| p.created_at.cmp(&q.created_at))
    })
}

/// One clock's deadlines (epoch ms): warning at the threshold, breach at the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub warn_at_ms: i64,
    pub breach_at_ms: i64,
}

/// When a clock started at `started_ms` with a target of `target_secs` warns and breaches: in
/// business time over `calendar`, else in wall time.
pub fn deadlines(started_ms: i64, target_secs: i64, warning_pct: u8, calendar: Option<&Calendar>) -> Deadlines {
    let warn_secs = target_secs * i64::from(warning_pct) / 100;
    let after = |secs: i64| match calendar {
        Some(calendar) => calendar.add(started_ms, secs),
        None => started_ms.saturating_add(secs * 1000),
    };
    Deadlines {
        warn_at_ms: after(warn_secs),
        breach_at_ms: after(target_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::care::working_hours::DaySchedule;

    fn policy(id: &str, created: &str) -> SlaPolicy {
        SlaPolicy {
            policy_id: id.into(),
            org_id: "org".into(),
            name: id.into(),
            description: None,
            first_response_time_secs: Some(1800),
            resolution_time_secs: None,
            warning_threshold_pct: 80,
            priority: None,
            channel: None,
            division_id: None,
            is_default: false,
            is_active: true,
            created_at: created.into(),
            updated_at: created.into(),
        }
    }

    #[test]
    fn the_most_specific_active_match_wins_then_the_default() {
        let mut default = policy("default", "1");
        default.is_default = true;
        let mut sales = policy("sales", "2");
        sales.division_id = Some("div_sales".into());
        let mut sales_urgent = policy("sales_urgent", "3");
        sales_urgent.division_id = Some("div_sales".into());
        sales_urgent.priority = Some("urgent".into());
        let mut inactive = policy("inactive", "4");
        inactive.division_id = Some("div_sales".into());
        inactive.priority = Some("urgent".into());
        inactive.channel = Some("whatsapp".into());
        inactive.is_active = false;
        let all = [default, sales, sales_urgent, inactive];
        let pick = |division: Option<&str>, priority: Option<&str>| {
            policy_for(
                &all,
                &Subject {
                    channel: "whatsapp",
                    division_id: division,
                    priority,
                },
            )
            .map(|p| p.policy_id.as_str())
        };
        assert_eq!(pick(Some("div_sales"), Some("urgent")), Some("sales_urgent"));
        assert_eq!(pick(Some("div_sales"), None), Some("sales"));
        assert_eq!(pick(Some("div_support"), Some("urgent")), Some("default"));
        assert_eq!(pick(None, None), Some("default"));
        assert_eq!(
            policy_for(
                &all[1..2],
                &Subject {
                    channel: "whatsapp",
                    ..Subject::default()
                }
            ),
            None
        );
    }

    #[test]
    fn a_policy_is_checked_field_by_field() {
        let field = |p: &SlaPolicy| check(p).unwrap_err().field;
        let mut p = policy("p", "1");
        assert!(check(&p).is_ok());
        p.warning_threshold_pct = 100;
        assert_eq!(field(&p), "warning_threshold_pct");
        p.warning_threshold_pct = 0;
        assert_eq!(field(&p), "warning_threshold_pct");
        p.warning_threshold_pct = 80;
        p.first_response_time_secs = None;
        assert_eq!(field(&p), "first_response_time_secs");
        p.resolution_time_secs = Some(0);
        assert_eq!(field(&p), "resolution_time_secs");
        p.resolution_time_secs = Some(3600);
        p.priority = Some("whenever".into());
        assert_eq!(field(&p), "priority");
    }

    #[test]
    fn equally_specific_policies_resolve_to_the_oldest() {
        let mut a = policy("newer", "2026-02");
        a.channel = Some("whatsapp".into());
        let mut b = policy("older", "2026-01");
        b.channel = Some("whatsapp".into());
        let all = [a, b];
        let chosen = policy_for(
            &all,
            &Subject {
                channel: "whatsapp",
                ..Subject::default()
            },
        );
        assert_eq!(chosen.map(|p| p.policy_id.as_str()), Some("older"));
    }

    #[test]
    fn deadlines_run_in_business_time_when_working_hours_exist() {
        let ms = |t: &str| t.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let days: Vec<DaySchedule> = (1..=5)
            .map(|d| DaySchedule {
                day_of_week: d,
                start_time: "09:00".into(),
                end_time: "18:00".into(),
                is_active: true,
            })
            .collect();
        let calendar = Calendar::new("UTC", &days).unwrap();
        let started = ms("2026-11-30T17:59:00Z");
        let business = deadlines(started, 1800, 80, Some(&calendar));
        assert_eq!(business.breach_at_ms, ms("2026-12-01T09:29:00Z"));
        assert_eq!(business.warn_at_ms, ms("2026-12-01T09:23:00Z"));
        let wall = deadlines(started, 1800, 50, None);
        assert_eq!(wall.breach_at_ms, ms("2026-11-30T18:29:00Z"));
        assert_eq!(wall.warn_at_ms, ms("2026-11-30T18:14:00Z"));
    }
}
