//! A feed step: what it queues for the sender, what it skips, when it pauses the campaign, how the
//! messaging limit cuts it short, and how the end's sweep completes the campaign.

use super::*;
use shared::inbox::sender_job::SenderJob;

impl Rig {
    /// The phones of the campaign sends queued for the sender since the last look.
    fn queued_phones(&self) -> Vec<String> {
        self.outbound
            .taken()
            .iter()
            .map(|body| match SenderJob::parse(body) {
                Ok(SenderJob::CampaignSend(send)) => send.phone,
                other => panic!("a campaign send, not {other:?}"),
            })
            .collect()
    }
}

#[tokio::test]
async fn a_feed_step_queues_the_pending_recipients_and_moves_its_checkpoint() {
    let rig = rig();
    let phones = rig.put_campaign(CampaignStatus::InProgress, &["pending", "sent", "pending"]);
    rig.feed().await;
    assert_eq!(rig.queued_phones(), [phones[0].clone(), phones[2].clone()]);
    let campaign = rig.campaign();
    assert_eq!(campaign.checkpoint, 2, "the feed's checkpoint, then the end's");
    assert_eq!(
        campaign.feed_last_start, None,
        "this step started from the first recipient"
    );
    // Everyone was fed: the end's sweep finds the two still pending (their jobs on their way)
    // and looks again later from just before the first of them.
    assert_eq!(campaign.feed_cursor.as_deref(), Some("1555000000"));
    assert_eq!(rig.follow_ups(), [feed_job()]);
    assert_eq!(campaign.status, CampaignStatus::InProgress);
}

#[tokio::test]
async fn a_marketing_campaign_skips_the_opted_out_and_counts_them() {
    let rig = rig();
    rig.put_template("APPROVED", "MARKETING");
    let phones = rig.put_campaign(CampaignStatus::InProgress, &["pending", "pending"]);
    use shared::outreach::campaign_sends::CampaignSends;
    rig.campaigns.opt_out(ORG, &phones[0], "stop").await.unwrap();
    rig.feed().await;
    assert_eq!(rig.queued_phones(), [phones[1].clone()]);
    assert_eq!(rig.recipient(&phones[0]).status, "skipped");
    assert_eq!(rig.campaigns.counters(ORG, CAMPAIGN).await.unwrap().skipped, 1);
}

#[tokio::test]
async fn a_template_meta_paused_or_a_missing_account_pauses_the_campaign() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::InProgress, &["pending"]);
    rig.put_template("PAUSED", "UTILITY");
    rig.feed().await;
    let campaign = rig.campaign();
    assert_eq!(
        (campaign.status, campaign.pause_reason.as_deref()),
        (CampaignStatus::Paused, Some("template_paused"))
    );
    assert_eq!(rig.campaigns.due_at(ORG, CAMPAIGN), None, "an agent resumes it");
    assert!(rig.queued_phones().is_empty());

    let rig = rig_without_account();
    rig.put_campaign(CampaignStatus::InProgress, &["pending"]);
    rig.feed().await;
    assert_eq!(rig.campaign().pause_reason.as_deref(), Some("account_missing"));
    assert!(rig.queued_phones().is_empty());
}

fn rig_without_account() -> Rig {
    let rig = rig();
    rig.accounts.remove(ORG, ACCOUNT);
    rig
}

#[tokio::test]
async fn the_messaging_limit_cuts_a_step_short_then_pauses_until_the_window_frees() {
    let rig = rig();
    rig.accounts.put(account(Some(2)), "token");
    let phones = rig.put_campaign(CampaignStatus::InProgress, &["pending", "pending", "pending"]);
    rig.feed().await;
    assert_eq!(rig.queued_phones(), phones[..2], "two of the limit's two");
    let hour = shared::outreach::campaign::limit::current_hour(NOW_MS);
    assert_eq!(rig.campaigns.limit_taken(ORG, ACCOUNT, &hour), 2);
    let campaign = rig.campaign();
    assert_eq!(
        campaign.feed_cursor.as_deref(),
        Some(phones[1].as_str()),
        "read on after the last kept"
    );
    assert_eq!(rig.follow_ups(), [feed_job()]);
    // The window is full: paused, due when it frees.
    rig.feed().await;
    let campaign = rig.campaign();
    assert_eq!(
        (campaign.status, campaign.pause_reason.as_deref()),
        (CampaignStatus::Paused, Some("messaging_limit"))
    );
    assert!(rig.campaigns.due_at(ORG, CAMPAIGN).is_some_and(|at| at > NOW_MS));
    assert!(rig.queued_phones().is_empty());
    assert_eq!(rig.recipient(&phones[2]).status, "pending", "left for the resume");
}

#[tokio::test]
async fn the_end_completes_a_campaign_whose_recipients_all_settled() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::InProgress, &["sent", "delivered", "failed"]);
    rig.feed().await;
    let campaign = rig.campaign();
    assert_eq!(campaign.status, CampaignStatus::Completed);
    assert!(campaign.completed_at.is_some());
    assert_eq!(rig.campaigns.due_at(ORG, CAMPAIGN), None);
    assert!(rig.queued_phones().is_empty());
    assert!(rig.follow_ups().is_empty());
}

#[tokio::test]
async fn the_end_marks_a_claim_whose_holder_died_unknown_and_sweeps_again() {
    let rig = rig();
    let phones = rig.put_campaign(CampaignStatus::InProgress, &["sent", "sending"]);
    rig.edit(|c| c.feed_cursor = Some(phones[1].clone()));
    // Claimed long ago, never answered.
    let mut stuck = rig.recipient(&phones[1]);
    stuck.send_claimed_ms = Some(NOW_MS - 3_600_000);
    rig.campaigns.put_recipient(stuck);
    rig.feed().await;
    assert_eq!(rig.recipient(&phones[1]).status, "unknown");
    let campaign = rig.campaign();
    assert_eq!(
        campaign.status,
        CampaignStatus::InProgress,
        "not complete while one is open"
    );
    assert_eq!(rig.follow_ups(), [feed_job()]);
}
