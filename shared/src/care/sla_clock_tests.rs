use super::*;

fn ms(t: &str) -> i64 {
    t.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

fn policy(first_response: Option<i64>, resolution: Option<i64>) -> SlaPolicy {
    SlaPolicy {
        policy_id: "sla_1".into(),
        org_id: "org".into(),
        name: "Standard".into(),
        description: None,
        first_response_time_secs: first_response,
        resolution_time_secs: resolution,
        warning_threshold_pct: 80,
        priority: None,
        channel: None,
        division_id: None,
        is_default: true,
        is_active: true,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
    }
}

fn weekdays(intervals: &[(&str, &str)]) -> HoursSnapshot {
    HoursSnapshot {
        time_zone: "UTC".into(),
        days: (1..=5)
            .flat_map(|d| {
                intervals.iter().map(move |(start, end)| DaySchedule {
                    day_of_week: d,
                    start_time: (*start).into(),
                    end_time: (*end).into(),
                    is_active: true,
                })
            })
            .collect(),
    }
}

fn kinds(notices: &[Notice]) -> Vec<(SlaKind, bool, u32)> {
    notices.iter().map(|n| (n.kind, n.breached, n.cycle)).collect()
}

#[test]
fn a_message_at_17_59_on_a_9_to_18_day_breaches_30_minutes_at_09_29_next_day() {
    // Monday 30 November 2026, 17:59.
    let started = ms("2026-11-30T17:59:00Z");
    let hours = weekdays(&[("09:00", "18:00")]);
    let mut clocks = SlaClocks::start("org", "cv", &policy(Some(1800), None), Some(hours), started, started);
    assert_eq!(
        clocks.next_due_ms(),
        Some(ms("2026-12-01T09:23:00Z")),
        "warning at 80 %"
    );

    let (none, _) = clocks.fire(ms("2026-12-01T09:22:59Z"));
    assert!(none.is_empty(), "nothing overnight");
    let (warned, tally) = clocks.fire(ms("2026-12-01T09:23:00Z"));
    assert_eq!(kinds(&warned), vec![(SlaKind::FirstResponse, false, 0)]);
    assert_eq!(tally, Tally::default());
    assert_eq!(clocks.next_due_ms(), Some(ms("2026-12-01T09:29:00Z")));

    let (breached, tally) = clocks.fire(ms("2026-12-01T09:29:30Z"));
    assert_eq!(kinds(&breached), vec![(SlaKind::FirstResponse, true, 0)]);
    assert_eq!(breached[0].at_ms, ms("2026-12-01T09:29:00Z"));
    assert_eq!(tally.first_response_breached, 1);
    assert_eq!(clocks.next_due_ms(), None);
    assert!(clocks.fire(ms("2026-12-02T00:00:00Z")).0.is_empty(), "each fires once");

    let frt = clocks.first_response.as_ref().unwrap();
    let calendar = clocks.calendar();
    assert_eq!(frt.status(ms("2026-12-01T09:30:00Z")), ClockStatus::Breached);
    assert_eq!(
        frt.elapsed_secs(ms("2026-12-01T09:30:00Z"), calendar.as_ref()),
        31 * 60,
        "one business minute on Monday, thirty on Tuesday"
    );
}

#[test]
fn two_intervals_in_one_day_skip_the_lunch_break() {
    let started = ms("2026-12-01T11:50:00Z");
    let hours = weekdays(&[("09:00", "12:00"), ("13:00", "17:00")]);
    let clocks = SlaClocks::start("org", "cv", &policy(Some(1800), None), Some(hours), started, started);
    let frt = clocks.first_response.as_ref().unwrap();
    assert_eq!(frt.breach_at_ms, ms("2026-12-01T13:20:00Z"));
    assert_eq!(frt.warn_at_ms, ms("2026-12-01T13:14:00Z"));
}

#[test]
fn without_working_hours_the_clocks_run_in_wall_time() {
    let started = ms("2026-11-29T23:00:00Z");
    let clocks = SlaClocks::start("org", "cv", &policy(Some(60), Some(3600)), None, started, started);
    assert_eq!(clocks.first_response.as_ref().unwrap().breach_at_ms, started + 60_000);
    assert_eq!(clocks.resolution.as_ref().unwrap().warn_at_ms, started + 2_880_000);
}

#[test]
fn the_first_reply_in_time_is_a_hit_and_later_replies_change_nothing() {
    let started = ms("2026-12-01T10:00:00Z");
    let mut clocks = SlaClocks::start("org", "cv", &policy(Some(600), Some(3600)), None, started, started);
    assert_eq!(clocks.replied(started + 120_000).first_response_met, 1);
    assert_eq!(clocks.replied(started + 200_000), Tally::default());
    let frt = clocks.first_response.as_ref().unwrap();
    assert_eq!(frt.status(started + 10_000_000), ClockStatus::Met);
    assert_eq!(frt.elapsed_secs(started + 10_000_000, None), 120);
    assert_eq!(
        clocks.next_due_ms(),
        Some(started + 2_880_000),
        "the resolution clock runs on"
    );
}

#[test]
fn a_reply_after_the_target_but_before_the_checker_is_still_a_breach() {
    let started = ms("2026-12-01T10:00:00Z");
    let mut clocks = SlaClocks::start("org", "cv", &policy(Some(60), None), None, started, started);
    assert_eq!(clocks.replied(started + 70_000), Tally::default(), "late: no hit");
    assert_eq!(
        clocks.next_due_ms(),
        Some(started + 48_000),
        "the missed warning is still due"
    );
    let (fired, tally) = clocks.fire(started + 90_000);
    assert_eq!(
        kinds(&fired),
        vec![(SlaKind::FirstResponse, false, 0), (SlaKind::FirstResponse, true, 0)]
    );
    assert_eq!(tally.first_response_breached, 1);
    assert_eq!(
        clocks.first_response.as_ref().unwrap().status(started + 90_000),
        ClockStatus::Breached
    );
}

#[test]
fn resolve_freezes_the_clocks_and_reopen_rearms_resolution_only() {
    let started = ms("2026-12-01T10:00:00Z");
    let mut clocks = SlaClocks::start("org", "cv", &policy(Some(600), Some(3600)), None, started, started);
    let (warned, _) = clocks.fire(started + 500_000);
    assert_eq!(kinds(&warned), vec![(SlaKind::FirstResponse, false, 0)]);
    let tally = clocks.resolved(started + 550_000);
    assert_eq!(tally.resolution_met, 1, "resolved in time");
    assert_eq!(tally.first_response_met, 0, "nobody answered");
    assert_eq!(clocks.next_due_ms(), None, "frozen: nothing left to fire");
    assert!(clocks.fire(started + 86_400_000).0.is_empty());
    let frt_status = |c: &SlaClocks, at| c.first_response.as_ref().unwrap().status(at);
    assert_eq!(frt_status(&clocks, started + 86_400_000), ClockStatus::Stopped);
    assert_eq!(
        clocks
            .resolution
            .as_ref()
            .unwrap()
            .elapsed_secs(started + 86_400_000, None),
        550,
        "elapsed frozen at the resolve"
    );

    let reopened_at = started + 7_200_000;
    clocks.reopened(reopened_at);
    assert_eq!(clocks.cycle, 1);
    let resolution = clocks.resolution.as_ref().unwrap();
    assert_eq!((resolution.started_ms, resolution.stopped_ms), (reopened_at, None));
    assert_eq!(
        frt_status(&clocks, reopened_at + 1),
        ClockStatus::Stopped,
        "first response kept"
    );
    let (fired, tally) = clocks.fire(reopened_at + 3_600_000);
    assert_eq!(
        kinds(&fired),
        vec![(SlaKind::Resolution, false, 1), (SlaKind::Resolution, true, 1)],
        "only the fresh resolution clock fires, in its own cycle"
    );
    assert_eq!(tally.resolution_breached, 1);
}

#[test]
fn a_policy_change_retargets_running_clocks_from_their_start() {
    let started = ms("2026-12-01T10:00:00Z");
    let mut clocks = SlaClocks::start("org", "cv", &policy(Some(600), None), None, started, started);
    let mut urgent = policy(Some(60), Some(600));
    urgent.policy_id = "sla_urgent".into();
    clocks.change_policy(&urgent, started + 30_000);
    assert_eq!(clocks.policy_id, "sla_urgent");
    assert_eq!(clocks.first_response.as_ref().unwrap().breach_at_ms, started + 60_000);
    assert_eq!(
        clocks.resolution.as_ref().unwrap().started_ms,
        started + 30_000,
        "a clock the old policy lacked starts at the change"
    );
}

#[test]
fn unannounced_notices_keep_the_item_due_now() {
    let started = ms("2026-12-01T10:00:00Z");
    let mut clocks = SlaClocks::start("org", "cv", &policy(Some(60), None), None, started, started);
    assert_eq!(clocks.due_at_ms(started), Some(started + 48_000));
    clocks.fire(started + 50_000);
    assert_eq!(clocks.due_at_ms(started + 50_000), Some(started + 50_000));
    clocks.unannounced.clear();
    assert_eq!(clocks.due_at_ms(started + 50_000), Some(started + 60_000));
    assert_eq!(
        clocks.due_at_ms(started + 70_000),
        Some(started + 70_000),
        "never a past minute"
    );
}
