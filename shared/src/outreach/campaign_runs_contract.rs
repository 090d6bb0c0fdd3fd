//! The campaign runs' contract: what the campaigns function relies on, asserted alike of
//! `CampaignStore` (on moto, `tests/integration/contracts.rs`) and `MemoryCampaignSends` (below).

use crate::outreach::campaign::limit::Reservation;
use crate::outreach::campaign::{CampaignChange, CampaignStatus, Recipient};
use crate::outreach::campaign_runs::CampaignRuns;
use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_store::Claim;

/// `phones` (in order): the three pending recipients of `running_campaign(org_id, campaign_id)`
/// (in progress, checkpoint 0, not due), stored.
pub async fn campaign_runs_contract(
    port: &dyn CampaignRuns,
    sends: &dyn CampaignSends,
    org_id: &str,
    campaign_id: &str,
    phones: [&str; 3],
) {
    let [first, second, third] = phones;
    // A change holds only in the status it was decided from, and at the checkpoint it read.
    let paused = CampaignChange::default().status(CampaignStatus::Paused);
    assert_eq!(
        port.change(org_id, campaign_id, CampaignStatus::Draft, paused)
            .await
            .unwrap(),
        None
    );
    let due_at = 1_796_400_000_000;
    let moved = port
        .change(
            org_id,
            campaign_id,
            CampaignStatus::InProgress,
            CampaignChange::default()
                .after_checkpoint(0)
                .feed_cursor(Some(first.into()))
                .due(Some(due_at)),
        )
        .await
        .unwrap()
        .expect("moved");
    assert_eq!((moved.feed_cursor.as_deref(), moved.checkpoint), (Some(first), 1));
    let stale = CampaignChange::default().after_checkpoint(0).feed_cursor(None);
    assert_eq!(
        port.change(org_id, campaign_id, CampaignStatus::InProgress, stale)
            .await
            .unwrap(),
        None,
        "another worker moved past that checkpoint"
    );
    let mine = |due: Vec<crate::outreach::campaign_store::DueCampaign>| {
        due.iter().any(|d| d.org_id == org_id && d.campaign_id == campaign_id)
    };
    assert!(mine(port.due(due_at, 100).await.unwrap()));
    assert!(!mine(port.due(due_at - 1, 100).await.unwrap()), "not yet");
    let out = CampaignChange::default().due(None);
    port.change(org_id, campaign_id, CampaignStatus::InProgress, out)
        .await
        .unwrap();
    assert!(!mine(port.due(due_at, 100).await.unwrap()), "out of the index");

    // Pages by phone: a page that reached its limit may have more.
    let page = port.pending_after(org_id, campaign_id, None, 2).await.unwrap();
    let phones_of = |rs: &[Recipient]| rs.iter().map(|r| r.phone.clone()).collect::<Vec<_>>();
    assert_eq!(phones_of(&page.pending), [first, second]);
    assert_eq!((page.last_read.as_deref(), page.more), (Some(second), true));
    let page = port.pending_after(org_id, campaign_id, Some(second), 2).await.unwrap();
    assert_eq!(phones_of(&page.pending), [third]);
    assert_eq!((page.last_read.as_deref(), page.more), (Some(third), false));

    // Settled recipients leave the pending and unsettled pages; the opted out are known.
    sends.opt_out(org_id, first, "stopped").await.unwrap();
    let opted = port
        .opted_out_of(org_id, &[first.to_string(), second.to_string()])
        .await
        .unwrap();
    assert_eq!(opted.into_iter().collect::<Vec<_>>(), [first]);
    let recipient = sends.recipient(org_id, campaign_id, first).await.unwrap().unwrap();
    assert!(
        port.settle_unsent(&recipient, "skipped", None, "opted out", false)
            .await
            .unwrap()
    );
    assert!(
        !port
            .settle_unsent(&recipient, "skipped", None, "opted out", false)
            .await
            .unwrap()
    );
    let Claim::Claimed(claimed) = sends.claim(org_id, campaign_id, second).await.unwrap() else {
        panic!("a pending recipient is claimed");
    };
    assert!(port.mark_unknown(&claimed).await.unwrap());
    let unsettled = port.unsettled_after(org_id, campaign_id, None, 10).await.unwrap();
    assert_eq!(phones_of(&unsettled.pending), [second, third], "unknown is not settled");
    assert!(port.fail_unconfirmed(&claimed, "no answer").await.unwrap());
    assert!(!port.fail_unconfirmed(&claimed, "no answer").await.unwrap(), "once");
    let unsettled = port.unsettled_after(org_id, campaign_id, None, 10).await.unwrap();
    assert_eq!(phones_of(&unsettled.pending), [third]);
    let counters = sends.counters(org_id, campaign_id).await.unwrap();
    assert_eq!((counters.skipped, counters.failed), (1, 1));

    // Written recipients are found with the step that wrote them.
    let mut added = crate::outreach::campaign_sends_contract::pending_recipient(org_id, campaign_id, "15550000777");
    added.contact_id = Some("ct_added".into());
    port.write_recipients(org_id, std::slice::from_ref(&added), "vip@")
        .await
        .unwrap();
    let existing = port
        .existing(
            org_id,
            campaign_id,
            &[third.into(), "15550000777".into(), "15550000888".into()],
        )
        .await
        .unwrap();
    assert_eq!(existing.len(), 2);
    assert_eq!(existing.get(third), Some(&None));
    assert_eq!(existing.get("15550000777"), Some(&Some("vip@".to_string())));

    // The messaging limit: a conditional add per hour, and what was not queued given back.
    let hours = ["2026120509".to_string(), "2026120510".to_string()];
    let account = "acc_limit";
    let usage = port.limit_usage(org_id, account, &hours).await.unwrap();
    assert_eq!(usage, [(hours[0].clone(), 0), (hours[1].clone(), 0)]);
    let take = |sends, current_at_most| Reservation { sends, current_at_most };
    assert!(
        port.reserve_limit(org_id, account, &hours[1], take(3, 7))
            .await
            .unwrap()
    );
    assert!(
        !port
            .reserve_limit(org_id, account, &hours[1], take(5, 2))
            .await
            .unwrap(),
        "room taken"
    );
    port.release_limit(org_id, account, &hours[1], 1).await.unwrap();
    let usage = port.limit_usage(org_id, account, &hours).await.unwrap();
    assert_eq!(usage[1], (hours[1].clone(), 2));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::campaign_sends_contract::{pending_recipient, running_campaign};
    use crate::outreach::campaign_sends_memory::MemoryCampaignSends;
    use crate::platform::clock::Clock;

    #[tokio::test]
    async fn the_memory_campaign_runs_keep_the_contract() {
        let port = MemoryCampaignSends::new(Clock::system());
        port.put_campaign(running_campaign("org_c", "cmp_runs"));
        let phones = ["15550000001", "15550000002", "15550000003"];
        for phone in phones {
            port.put_recipient(pending_recipient("org_c", "cmp_runs", phone));
        }
        campaign_runs_contract(&port, &port, "org_c", "cmp_runs", phones).await;
    }
}
