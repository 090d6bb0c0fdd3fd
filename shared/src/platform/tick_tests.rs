use super::*;

#[test]
fn a_run_budget_is_spent_per_shard_and_ends_with_its_time() {
    let mut budget = RunBudget::new(2, 150, std::time::Duration::from_secs(60));
    budget.spend(0, 100);
    assert!(budget.may_read(0));
    budget.spend(0, 100);
    assert!(!budget.may_read(0), "shard 0 spent its items");
    assert!(budget.may_read(1), "shard 1 keeps its own");
    assert!(!budget.may_read(7), "no such shard");
    let over = RunBudget::new(2, 150, std::time::Duration::ZERO);
    assert!(over.out_of_time() && !over.may_read(1));
}

#[test]
fn a_run_takes_now_from_its_event() {
    let event = serde_json::json!({"time": "2026-11-21T12:00:00Z"});
    assert_eq!(event_time_ms(&event), Some(1_795_262_400_000));
    assert_eq!(event_time_ms(&serde_json::json!({"time": "noon"})), None);
    assert_eq!(event_time_ms(&serde_json::json!({})), None);
}

#[test]
fn minutes_run_from_the_oldest_with_work_through_now() {
    let t = 1_764_547_200_000; // 2025-12-01T00:00:00Z
    let minutes = minutes_to_read(t - 90_000, t + 30_000);
    let names: Vec<&str> = minutes.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(names, ["2025-11-30T23:58", "2025-11-30T23:59", "2025-12-01T00:00"]);
    assert_eq!(minutes_to_read(t, t).len(), 1);
    assert_eq!(minutes_to_read(t - 10 * 24 * 3600 * 1000, t).len(), MAX_MINUTES_PER_RUN);
    let mut walk = CursorWalk::default();
    assert_eq!(walk.passed(t - 120_000, t, false), Some(t - 60_000));
    assert_eq!(walk.passed(t - 60_000, t, true), None, "work left: the cursor stays");
    assert_eq!(walk.passed(t, t + 120_000, false), None, "and never passes it this run");
    assert_eq!(
        CursorWalk::default().passed(t, t + 30_000, false),
        None,
        "a minute not over"
    );
    // A cursor ahead of now (a clock step back) still reads now's minute.
    assert_eq!(minutes_to_read(t + 600_000, t)[0].1, "2025-12-01T00:00");
}
