//! The campaign's next step as data: what an agent's command writes, and what the minute tick
//! does with a campaign whose due time came. The API and the campaigns function only execute these
//! (one conditional write, then the job), so the rules are tested here without a table.

use super::{Campaign, CampaignChange, CampaignJob, CampaignStatus, Command};

/// A preparing or running campaign whose jobs all went missing is looked at again after this (the
/// watchdog: every step moves it on).
pub const WATCHDOG_MS: i64 = 120_000;

/// What `command` writes on `campaign`, moving it to `next` (from [`super::after`]) at `now_ms`.
pub fn command_change(campaign: &Campaign, command: Command, next: CampaignStatus, now_ms: i64) -> CampaignChange {
    let change = CampaignChange::default().status(next);
    let watchdog = Some(now_ms + WATCHDOG_MS);
    match command {
        // The fan-out reads from the start: recipients dropped by a pause are still pending.
        Command::Start => change.started_now().feed_cursor(None).due(watchdog),
        // Jobs dropped while paused are of the last steps: feed again from where they began.
        Command::Resume => change
            .pause_reason(None)
            .feed_cursor(campaign.feed_rewind.clone())
            .due(watchdog),
        Command::Pause => change.pause_reason(Some("manual")).due(None),
        Command::Cancel => change.completed_now().due(None),
        Command::Edit => change,
    }
}

/// What the tick does with a campaign that came due.
#[derive(Debug, Clone, PartialEq)]
pub enum DueStep {
    /// It starts (scheduled) or resumes (paused by the messaging limit): write, then the job.
    Start(CampaignChange, CampaignJob),
    /// Its job went missing: watched again, and the job again.
    Requeue(CampaignChange, CampaignJob),
    /// Nothing to do when it comes due: out of the index.
    Drop(CampaignChange),
}

pub fn due_step(campaign: &Campaign, now_ms: i64) -> DueStep {
    let (org_id, campaign_id) = (campaign.org_id.clone(), campaign.campaign_id.clone());
    let feed = CampaignJob::Feed {
        org_id: org_id.clone(),
        campaign_id: campaign_id.clone(),
    };
    let watched = CampaignChange::default().due(Some(now_ms + WATCHDOG_MS));
    match campaign.status {
        // Left scheduled (an agent adds recipients, then it is due again).
        CampaignStatus::Scheduled if campaign.total_recipients == 0 => {
            DueStep::Drop(CampaignChange::default().due(None))
        }
        CampaignStatus::Scheduled => DueStep::Start(
            watched
                .status(CampaignStatus::InProgress)
                .feed_cursor(None)
                .started_now(),
            feed,
        ),
        CampaignStatus::Preparing => DueStep::Requeue(watched, CampaignJob::Expand { org_id, campaign_id }),
        CampaignStatus::InProgress => DueStep::Requeue(watched, feed),
        // From where the last steps began (their jobs were dropped while paused).
        CampaignStatus::Paused if campaign.pause_reason.as_deref() == Some("messaging_limit") => DueStep::Start(
            watched
                .status(CampaignStatus::InProgress)
                .pause_reason(None)
                .feed_cursor(campaign.feed_rewind.clone()),
            feed,
        ),
        _ => DueStep::Drop(CampaignChange::default().due(None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::campaign_sends_contract::running_campaign;

    const NOW: i64 = 1_796_464_800_000;

    fn with(status: CampaignStatus, edit: impl FnOnce(&mut Campaign)) -> Campaign {
        let mut campaign = running_campaign("org_c", "cmp_c");
        campaign.status = status;
        edit(&mut campaign);
        campaign
    }

    #[test]
    fn a_start_feeds_from_the_first_recipient_and_a_resume_from_the_last_steps() {
        let paused = with(CampaignStatus::Paused, |c| c.feed_rewind = Some("1555".into()));
        let start = command_change(&paused, Command::Start, CampaignStatus::InProgress, NOW);
        assert_eq!((start.feed_cursor.clone(), start.started_now), (Some(None), true));
        assert_eq!(start.due_ms, Some(Some(NOW + WATCHDOG_MS)), "watched");
        let resume = command_change(&paused, Command::Resume, CampaignStatus::InProgress, NOW);
        assert_eq!(resume.feed_cursor, Some(Some("1555".into())));
        assert_eq!(resume.pause_reason, Some(None));
        let pause = command_change(&paused, Command::Pause, CampaignStatus::Paused, NOW);
        assert_eq!(
            (pause.pause_reason, pause.due_ms),
            (Some(Some("manual".into())), Some(None))
        );
        let cancel = command_change(&paused, Command::Cancel, CampaignStatus::Cancelled, NOW);
        assert!(cancel.completed_now);
        assert_eq!(cancel.status, Some(CampaignStatus::Cancelled));
    }

    #[test]
    fn the_tick_starts_resumes_requeues_or_drops_by_status() {
        let feed = |c: &Campaign| CampaignJob::Feed {
            org_id: c.org_id.clone(),
            campaign_id: c.campaign_id.clone(),
        };
        let scheduled = with(CampaignStatus::Scheduled, |_| {});
        match due_step(&scheduled, NOW) {
            DueStep::Start(change, job) => {
                assert_eq!(change.status, Some(CampaignStatus::InProgress));
                assert!(change.started_now);
                assert_eq!(job, feed(&scheduled));
            }
            other => panic!("a scheduled campaign starts, not {other:?}"),
        }
        let empty = with(CampaignStatus::Scheduled, |c| c.total_recipients = 0);
        assert_eq!(
            due_step(&empty, NOW),
            DueStep::Drop(CampaignChange::default().due(None))
        );
        let limited = with(CampaignStatus::Paused, |c| {
            c.pause_reason = Some("messaging_limit".into());
            c.feed_rewind = Some("1555".into());
        });
        match due_step(&limited, NOW) {
            DueStep::Start(change, _) => assert_eq!(change.feed_cursor, Some(Some("1555".into()))),
            other => panic!("a limit's pause resumes, not {other:?}"),
        }
        let manual = with(CampaignStatus::Paused, |c| c.pause_reason = Some("manual".into()));
        assert!(
            matches!(due_step(&manual, NOW), DueStep::Drop(_)),
            "an agent resumes it"
        );
        let preparing = with(CampaignStatus::Preparing, |_| {});
        assert!(matches!(
            due_step(&preparing, NOW),
            DueStep::Requeue(_, CampaignJob::Expand { .. })
        ));
        let running = with(CampaignStatus::InProgress, |_| {});
        match due_step(&running, NOW) {
            DueStep::Requeue(change, job) => {
                assert_eq!(change.due_ms, Some(Some(NOW + WATCHDOG_MS)));
                assert_eq!(job, feed(&running));
            }
            other => panic!("a running campaign gets its job again, not {other:?}"),
        }
    }
}
