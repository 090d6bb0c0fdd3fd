//! A conversation's SLA clocks as data, and every change to them as a pure decision: start under a
//! policy, the first agent reply, resolve, reopen, a policy change, and what a checker run fires.
//!
//! The working hours in force when the clocks start are copied into them, so deadlines, elapsed
//! times and the checker never read working hours again (a schedule edited later applies to clocks
//! started later). Each item is indexed once, at its next deadline (`next_due_ms`).

use crate::care::sla::{SlaPolicy, deadlines};
use crate::care::working_hours::{Calendar, DaySchedule};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaKind {
    FirstResponse,
    Resolution,
}

impl SlaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::Resolution => "resolution",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// An agent answered (first response) or the conversation was resolved (resolution).
    Met,
    /// Resolved before anyone answered: the first-response clock ends without a result.
    Resolved,
}

/// One clock: when it started, its deadlines, and what has happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub target_secs: i64,
    pub started_ms: i64,
    pub warn_at_ms: i64,
    pub breach_at_ms: i64,
    #[serde(default)]
    pub stopped_ms: Option<i64>,
    #[serde(default)]
    pub stop: Option<Stop>,
    #[serde(default)]
    pub warned_ms: Option<i64>,
    #[serde(default)]
    pub breached_ms: Option<i64>,
}

/// What a clock shows at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    Running,
    Warning,
    Breached,
    Met,
    /// Resolved with no agent reply, before the first-response target.
    Stopped,
}

impl ClockStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Warning => "warning",
            Self::Breached => "breached",
            Self::Met => "met",
            Self::Stopped => "stopped",
        }
    }
}

impl Clock {
    fn start(target_secs: i64, started_ms: i64, pct: u8, calendar: Option<&Calendar>) -> Self {
        let due = deadlines(started_ms, target_secs, pct, calendar);
        Self {
            target_secs,
            started_ms,
            warn_at_ms: due.warn_at_ms,
            breach_at_ms: due.breach_at_ms,
            stopped_ms: None,
            stop: None,
            warned_ms: None,
            breached_ms: None,
        }
    }

    /// Deadlines count up to the stop: one that passed before it still fires, later ones never.
    fn end_ms(&self) -> i64 {
        self.stopped_ms.unwrap_or(i64::MAX)
    }

    fn unfired(&self) -> impl Iterator<Item = i64> {
        let end = self.end_ms();
        [
            (self.warned_ms.is_none() && self.breached_ms.is_none()).then_some(self.warn_at_ms),
            self.breached_ms.is_none().then_some(self.breach_at_ms),
        ]
        .into_iter()
        .flatten()
        .filter(move |at| *at <= end)
    }

    pub fn status(&self, now_ms: i64) -> ClockStatus {
        let end = self.end_ms().min(now_ms);
        if self.breached_ms.is_some() || self.breach_at_ms <= end {
            return ClockStatus::Breached;
        }
        match self.stop {
            Some(Stop::Met) => ClockStatus::Met,
            Some(Stop::Resolved) => ClockStatus::Stopped,
            None if self.warned_ms.is_some() || self.warn_at_ms <= end => ClockStatus::Warning,
            None => ClockStatus::Running,
        }
    }

    /// Seconds counted so far (business seconds with a calendar), up to the stop.
    pub fn elapsed_secs(&self, now_ms: i64, calendar: Option<&Calendar>) -> i64 {
        let end = self.end_ms().min(now_ms).max(self.started_ms);
        match calendar {
            Some(calendar) => calendar.elapsed(self.started_ms, end),
            None => (end - self.started_ms) / 1000,
        }
    }

    /// Stops a running clock at `at_ms`; true when it stopped in time (a hit).
    fn stop_at(&mut self, at_ms: i64, how: Stop) -> bool {
        if self.stopped_ms.is_some() {
            return false;
        }
        self.stopped_ms = Some(at_ms.max(self.started_ms));
        self.stop = Some(how);
        how == Stop::Met && at_ms < self.breach_at_ms
    }
}

/// Something a checker run found due: published as `sla.warning` / `sla.breached`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: SlaKind,
    pub breached: bool,
    /// The resolution cycle (0, then one more per reopen) it belongs to.
    pub cycle: u32,
    pub at_ms: i64,
}

/// A breach, written once per conversation, kind and resolution cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaBreachLog {
    pub breach_id: String,
    pub org_id: String,
    pub conversation_id: String,
    pub sla_policy_id: String,
    pub breach_type: SlaKind,
    pub cycle: u32,
    pub threshold_secs: i64,
    /// Seconds counted (business seconds with working hours) when the run saw it.
    pub actual_secs: i64,
    pub breached_at: String,
}

/// The working hours copied into the clocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursSnapshot {
    pub time_zone: String,
    pub days: Vec<DaySchedule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClocks {
    pub org_id: String,
    pub conversation_id: String,
    pub policy_id: String,
    pub policy_name: String,
    pub warning_threshold_pct: u8,
    #[serde(default)]
    pub resolution_target_secs: Option<i64>,
    #[serde(default)]
    pub hours: Option<HoursSnapshot>,
    #[serde(default)]
    pub first_response: Option<Clock>,
    #[serde(default)]
    pub resolution: Option<Clock>,
    /// 0 for the conversation's first resolution clock, one more per reopen.
    pub cycle: u32,
    /// Fired but not yet published: the item stays due until they are out.
    #[serde(default)]
    pub unannounced: Vec<Notice>,
    /// Every write is conditioned on the version it was computed from.
    pub version: u64,
    pub updated_ms: i64,
}

/// A decision's effect on the counters the analytics overview reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub first_response_met: i64,
    pub first_response_breached: i64,
    pub resolution_met: i64,
    pub resolution_breached: i64,
}

impl Tally {
    pub fn adds(&self) -> Vec<(&'static str, i64)> {
        [
            ("sla_first_response_met", self.first_response_met),
            ("sla_first_response_breached", self.first_response_breached),
            ("sla_resolution_met", self.resolution_met),
            ("sla_resolution_breached", self.resolution_breached),
        ]
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .collect()
    }

    fn count(&mut self, kind: SlaKind, breached: bool) {
        match (kind, breached) {
            (SlaKind::FirstResponse, false) => self.first_response_met += 1,
            (SlaKind::FirstResponse, true) => self.first_response_breached += 1,
            (SlaKind::Resolution, false) => self.resolution_met += 1,
            (SlaKind::Resolution, true) => self.resolution_breached += 1,
        }
    }
}

impl SlaClocks {
    /// Clocks for a conversation that opened at `started_ms` under `policy`.
    pub fn start(
        org_id: &str,
        conversation_id: &str,
        policy: &SlaPolicy,
        hours: Option<HoursSnapshot>,
        started_ms: i64,
        now_ms: i64,
    ) -> Self {
        let mut clocks = Self {
            org_id: org_id.into(),
            conversation_id: conversation_id.into(),
            policy_id: String::new(),
            policy_name: String::new(),
            warning_threshold_pct: policy.warning_threshold_pct,
            resolution_target_secs: None,
            hours,
            first_response: None,
            resolution: None,
            cycle: 0,
            unannounced: vec![],
            version: 0,
            updated_ms: now_ms,
        };
        let calendar = clocks.calendar();
        clocks.first_response = policy
            .first_response_time_secs
            .map(|t| Clock::start(t, started_ms, policy.warning_threshold_pct, calendar.as_ref()));
        clocks.resolution = policy
            .resolution_time_secs
            .map(|t| Clock::start(t, started_ms, policy.warning_threshold_pct, calendar.as_ref()));
        clocks.name_policy(policy);
        clocks
    }

    fn name_policy(&mut self, policy: &SlaPolicy) {
        self.policy_id = policy.policy_id.clone();
        self.policy_name = policy.name.clone();
        self.warning_threshold_pct = policy.warning_threshold_pct;
        self.resolution_target_secs = policy.resolution_time_secs;
    }

    /// The copied working hours as a calendar (`None`: wall time). A snapshot that no longer
    /// parses (a time zone withdrawn from the database) falls back to wall time.
    pub fn calendar(&self) -> Option<Calendar> {
        let hours = self.hours.as_ref()?;
        Calendar::new(&hours.time_zone, &hours.days).ok()
    }

    fn clocks_mut(&mut self) -> impl Iterator<Item = (SlaKind, &mut Clock)> {
        [
            (SlaKind::FirstResponse, self.first_response.as_mut()),
            (SlaKind::Resolution, self.resolution.as_mut()),
        ]
        .into_iter()
        .filter_map(|(kind, clock)| clock.map(|c| (kind, c)))
    }

    /// The first agent reply: stops the first-response clock (later replies change nothing).
    pub fn replied(&mut self, at_ms: i64) -> Tally {
        let mut tally = Tally::default();
        if let Some(clock) = self.first_response.as_mut()
            && clock.stop_at(at_ms, Stop::Met)
        {
            tally.count(SlaKind::FirstResponse, false);
        }
        tally
    }

    /// Resolved: both clocks stop; a resolution in time is a hit, a first response never given is
    /// no result. Misses already due still fire (they happened before the resolve).
    pub fn resolved(&mut self, at_ms: i64) -> Tally {
        let mut tally = Tally::default();
        if let Some(clock) = self.first_response.as_mut() {
            clock.stop_at(at_ms, Stop::Resolved);
        }
        if let Some(clock) = self.resolution.as_mut()
            && clock.stop_at(at_ms, Stop::Met)
        {
            tally.count(SlaKind::Resolution, false);
        }
        tally
    }

    /// Reopened: a fresh resolution clock from `at_ms`; the first-response result stands.
    pub fn reopened(&mut self, at_ms: i64) {
        let Some(target) = self.resolution_target_secs else {
            return;
        };
        if self.resolution.as_ref().is_some_and(|c| c.stopped_ms.is_none()) {
            return;
        }
        let calendar = self.calendar();
        self.cycle += 1;
        self.resolution = Some(Clock::start(
            target,
            at_ms,
            self.warning_threshold_pct,
            calendar.as_ref(),
        ));
    }

    /// An agent puts the conversation under `policy`: the running clocks keep their start and what
    /// has fired, with the new targets; a kind the old policy lacked starts from `started_ms`.
    pub fn change_policy(&mut self, policy: &SlaPolicy, started_ms: i64) {
        let calendar = self.calendar();
        let pct = policy.warning_threshold_pct;
        let retarget = |clock: &mut Option<Clock>, target: Option<i64>| match (clock.as_mut(), target) {
            (_, None) => *clock = None,
            (Some(c), Some(t)) => {
                let due = deadlines(c.started_ms, t, pct, calendar.as_ref());
                c.target_secs = t;
                c.warn_at_ms = due.warn_at_ms;
                c.breach_at_ms = due.breach_at_ms;
            }
            (None, Some(t)) => *clock = Some(Clock::start(t, started_ms, pct, calendar.as_ref())),
        };
        retarget(&mut self.first_response, policy.first_response_time_secs);
        retarget(&mut self.resolution, policy.resolution_time_secs);
        self.name_policy(policy);
    }

    /// A checker run at `now_ms`: marks every deadline that has passed (the warning before the
    /// breach) and returns them as notices to publish, with their counts.
    pub fn fire(&mut self, now_ms: i64) -> (Vec<Notice>, Tally) {
        let cycle = self.cycle;
        let mut fired = Vec::new();
        let mut tally = Tally::default();
        for (kind, clock) in self.clocks_mut() {
            let end = clock.end_ms().min(now_ms);
            let kind_cycle = if kind == SlaKind::Resolution { cycle } else { 0 };
            if clock.warned_ms.is_none() && clock.breached_ms.is_none() && clock.warn_at_ms <= end {
                clock.warned_ms = Some(clock.warn_at_ms);
                fired.push(Notice {
                    kind,
                    breached: false,
                    cycle: kind_cycle,
                    at_ms: clock.warn_at_ms,
                });
            }
            if clock.breached_ms.is_none() && clock.breach_at_ms <= end {
                clock.breached_ms = Some(clock.breach_at_ms);
                tally.count(kind, true);
                fired.push(Notice {
                    kind,
                    breached: true,
                    cycle: kind_cycle,
                    at_ms: clock.breach_at_ms,
                });
            }
        }
        self.unannounced.extend(fired.iter().copied());
        (fired, tally)
    }

    /// The next deadline still to fire, if any.
    pub fn next_due_ms(&self) -> Option<i64> {
        [self.first_response.as_ref(), self.resolution.as_ref()]
            .into_iter()
            .flatten()
            .flat_map(Clock::unfired)
            .min()
    }

    /// Where the item waits in the due index, written with every change: now while notices wait to
    /// be published, else its next deadline (never before now, so a minute the checker has passed
    /// is never written to).
    pub fn due_at_ms(&self, now_ms: i64) -> Option<i64> {
        match self.unannounced.is_empty() {
            false => Some(now_ms),
            true => self.next_due_ms().map(|due| due.max(now_ms)),
        }
    }

    /// The breach logs of `notices` (the breaches among them), as a run at `now_ms` saw them.
    pub fn breach_logs(&self, notices: &[Notice], now_ms: i64) -> Vec<SlaBreachLog> {
        let calendar = self.calendar();
        notices
            .iter()
            .filter(|n| n.breached)
            .filter_map(|n| {
                let clock = self.clock(n.kind)?;
                Some(SlaBreachLog {
                    breach_id: crate::platform::ids::new_id("slab"),
                    org_id: self.org_id.clone(),
                    conversation_id: self.conversation_id.clone(),
                    sla_policy_id: self.policy_id.clone(),
                    breach_type: n.kind,
                    cycle: n.cycle,
                    threshold_secs: clock.target_secs,
                    actual_secs: clock.elapsed_secs(now_ms, calendar.as_ref()),
                    breached_at: crate::inbox::rfc3339_millis(n.at_ms),
                })
            })
            .collect()
    }

    pub fn clock(&self, kind: SlaKind) -> Option<&Clock> {
        match kind {
            SlaKind::FirstResponse => self.first_response.as_ref(),
            SlaKind::Resolution => self.resolution.as_ref(),
        }
    }
}

#[cfg(test)]
#[path = "sla_clock_tests.rs"]
mod tests;
