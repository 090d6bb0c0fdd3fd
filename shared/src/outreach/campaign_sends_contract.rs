//! The campaign sends' and replies' contracts: what the sender and ingest rely on, asserted alike
//! of `CampaignStore` (on moto, `tests/integration/contracts.rs`) and `MemoryCampaignSends` (below).

use crate::outreach::campaign::{Campaign, CampaignStatus, Reach, Recipient, rank};
use crate::outreach::campaign_replies::CampaignReplies;
use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_store::Claim;

/// A running campaign of three recipients, as the contract expects it stored.
pub fn running_campaign(org_id: &str, campaign_id: &str) -> Campaign {
    serde_json::from_value(serde_json::json!({
        "campaign_id": campaign_id, "org_id": org_id, "name": "Contract",
        "account_id": "acc_contract", "template_id": "tpl_contract", "template_name": "restock",
        "template_language": "en", "status": "in_progress", "total_recipients": 3,
        "created_by": "ag_contract", "created_at": "2026-12-05T00:00:00Z",
        "updated_at": "2026-12-05T00:00:00Z"
    }))
    .expect("a campaign")
}

/// A pending recipient of the campaign.
pub fn pending_recipient(org_id: &str, campaign_id: &str, phone: &str) -> Recipient {
    Recipient::pending(
        org_id,
        campaign_id,
        phone.into(),
        None,
        Default::default(),
        "2026-12-05T00:00:00Z",
    )
}

async fn claimed(port: &dyn CampaignSends, org_id: &str, campaign_id: &str, phone: &str) -> Recipient {
    match port.claim(org_id, campaign_id, phone).await.expect("claim") {
        Claim::Claimed(recipient) => recipient,
        other => panic!("a pending recipient is claimed, not {other:?}"),
    }
}

async fn read(port: &dyn CampaignSends, org_id: &str, campaign_id: &str, phone: &str) -> Recipient {
    port.recipient(org_id, campaign_id, phone)
        .await
        .expect("read")
        .expect("the recipient exists")
}

/// `phones`: the three pending recipients of `running_campaign(org_id, campaign_id)`, stored.
pub async fn campaign_sends_contract(port: &dyn CampaignSends, org_id: &str, campaign_id: &str, phones: [&str; 3]) {
    let [first, second, third] = phones;
    assert_eq!(
        port.status(org_id, campaign_id).await.unwrap(),
        Some(CampaignStatus::InProgress)
    );
    assert_eq!(port.status(org_id, "cmp_none").await.unwrap(), None);
    assert_eq!(
        port.claim(org_id, campaign_id, "10000000000").await.unwrap(),
        Claim::Missing
    );

    // One claim wins, and counts an attempt.
    let claim = claimed(port, org_id, campaign_id, first).await;
    assert_eq!(
        (claim.status.as_str(), claim.status_rank, claim.send_attempts),
        ("sending", rank::SENDING, 1)
    );
    assert!(claim.send_claimed_ms.is_some());
    assert!(matches!(
        port.claim(org_id, campaign_id, first).await.unwrap(),
        Claim::NotPending(r) if r.status == "sending"
    ));

    // Only the claim's holder gives it back.
    // A claim at a time no real claim has (one a millisecond later could be the next real one).
    let mut other = claim.clone();
    other.send_claimed_ms = Some(1);
    assert!(!port.release(&other).await.unwrap());
    assert!(port.release(&claim).await.unwrap());
    let released = read(port, org_id, campaign_id, first).await;
    assert_eq!((released.status.as_str(), released.send_claimed_ms), ("pending", None));

    // Sent: counted once, however often it is recorded.
    let claim = claimed(port, org_id, campaign_id, first).await;
    assert_eq!(claim.send_attempts, 2);
    port.record_sent(&claim, "wamid.campaign-contract").await.unwrap();
    port.record_sent(&claim, "wamid.campaign-contract").await.unwrap();
    let sent = read(port, org_id, campaign_id, first).await;
    assert_eq!((sent.status.as_str(), sent.status_rank), ("sent", rank::SENT));
    assert_eq!(sent.wamid.as_deref(), Some("wamid.campaign-contract"));
    assert!(
        port.record_sent(&other, "wamid.other").await.is_err(),
        "another claim records nothing"
    );

    // No answer: unknown by the holder only; then failed with Meta's reason, counted once.
    let claim = claimed(port, org_id, campaign_id, second).await;
    let mut other = claim.clone();
    other.send_claimed_ms = claim.send_claimed_ms.map(|ms| ms - 1);
    assert!(!port.mark_unknown(&other).await.unwrap());
    assert!(port.mark_unknown(&claim).await.unwrap());
    assert_eq!(read(port, org_id, campaign_id, second).await.status, "unknown");
    assert!(
        port.settle_unsent(&claim, "failed", Some(131026), "undeliverable", true)
            .await
            .unwrap()
    );
    assert!(
        !port
            .settle_unsent(&claim, "failed", Some(131026), "undeliverable", true)
            .await
            .unwrap()
    );
    let failed = read(port, org_id, campaign_id, second).await;
    assert_eq!((failed.status.as_str(), failed.status_rank), ("failed", rank::FAILED));
    assert_eq!(
        (failed.error_code, failed.error_message.as_deref()),
        (Some(131026), Some("undeliverable"))
    );

    // Skipped before any claim: from pending only, counted once.
    let pending = read(port, org_id, campaign_id, third).await;
    assert!(
        port.settle_unsent(&pending, "skipped", None, "opted out", false)
            .await
            .unwrap()
    );
    assert!(
        !port
            .settle_unsent(&pending, "skipped", None, "opted out", false)
            .await
            .unwrap()
    );
    assert!(matches!(
        port.claim(org_id, campaign_id, third).await.unwrap(),
        Claim::NotPending(_)
    ));

    let counters = port.counters(org_id, campaign_id).await.unwrap();
    assert_eq!(
        (counters.total, counters.sent, counters.failed, counters.skipped),
        (3, 1, 1, 1)
    );

    // The reach a reply is attributed by, and an opt-out.
    let reach = Reach {
        campaign_id: campaign_id.into(),
        account_id: "acc_contract".into(),
        phone: first.into(),
        responding_agent_id: Some("ag_contract".into()),
        responding_division_id: None,
    };
    assert_eq!(port.reach(org_id, first).await.unwrap(), None);
    port.remember_reach(org_id, &reach).await.unwrap();
    assert_eq!(port.reach(org_id, first).await.unwrap(), Some(reach));
    assert!(!port.opted_out(org_id, second).await.unwrap());
    port.opt_out(org_id, second, "Meta 131050").await.unwrap();
    assert!(port.opted_out(org_id, second).await.unwrap());
    assert!(!port.opted_out(org_id, third).await.unwrap());
}

/// What ingest relies on of campaigns: `phone` is a pending recipient of the running campaign,
/// never sent, whose phone no reach or opt-out names.
pub async fn campaign_replies_contract(
    port: &dyn CampaignReplies,
    sends: &dyn CampaignSends,
    org_id: &str,
    campaign_id: &str,
    phone: &str,
) {
    assert_eq!(
        port.campaign(org_id, campaign_id).await.unwrap().map(|c| c.status),
        Some(CampaignStatus::InProgress)
    );
    assert_eq!(port.campaign("org_someone_else", campaign_id).await.unwrap(), None);
    let apply = |status: &'static str| async move {
        port.apply_status(org_id, campaign_id, phone, status, "wamid.contract-campaign", None)
            .await
            .unwrap()
    };
    // Up only; each level counted once, a read that overtakes delivered counts both.
    assert!(apply("sent").await);
    assert!(!apply("sent").await, "once");
    assert!(apply("read").await);
    assert!(!apply("delivered").await, "never down");
    assert!(!apply("what").await, "not a status");
    let recipient = port
        .recipient(org_id, campaign_id, phone)
        .await
        .unwrap()
        .expect("recipient");
    assert_eq!(
        (recipient.status.as_str(), recipient.wamid.as_deref()),
        ("read", Some("wamid.contract-campaign"))
    );
    assert!(
        !port
            .apply_status(org_id, campaign_id, "15559999999", "sent", "wamid.x", None)
            .await
            .unwrap(),
        "no such recipient"
    );
    // The first reply is counted, with its conversation.
    assert!(port.record_reply(org_id, campaign_id, phone, "cv_reply").await.unwrap());
    assert!(!port.record_reply(org_id, campaign_id, phone, "cv_other").await.unwrap());
    let recipient = port.recipient(org_id, campaign_id, phone).await.unwrap().unwrap();
    assert_eq!(recipient.conversation_id.as_deref(), Some("cv_reply"));
    let counters = sends.counters(org_id, campaign_id).await.unwrap();
    assert_eq!(
        (counters.sent, counters.delivered, counters.read, counters.replied),
        (1, 1, 1, 1)
    );
    // A reach is forgotten once attributed; an opt-out is withdrawn.
    let reach = Reach {
        campaign_id: campaign_id.into(),
        account_id: "acc_contract".into(),
        phone: phone.into(),
        responding_agent_id: None,
        responding_division_id: Some("div_contract".into()),
    };
    sends.remember_reach(org_id, &reach).await.unwrap();
    assert_eq!(port.reach(org_id, phone).await.unwrap(), Some(reach));
    port.forget_reach(org_id, phone).await.unwrap();
    assert_eq!(port.reach(org_id, phone).await.unwrap(), None);
    port.set_opt_out(org_id, phone, true, "stopped").await.unwrap();
    assert!(sends.opted_out(org_id, phone).await.unwrap());
    port.set_opt_out(org_id, phone, false, "resumed").await.unwrap();
    assert!(!sends.opted_out(org_id, phone).await.unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::campaign_sends_memory::MemoryCampaignSends;
    use crate::platform::clock::Clock;

    #[tokio::test]
    async fn the_memory_campaign_sends_keep_the_contract() {
        let port = MemoryCampaignSends::new(Clock::system());
        port.put_campaign(running_campaign("org_c", "cmp_c"));
        let phones = ["15550000001", "15550000002", "15550000003"];
        for phone in phones {
            port.put_recipient(pending_recipient("org_c", "cmp_c", phone));
        }
        campaign_sends_contract(&port, "org_c", "cmp_c", phones).await;
    }

    #[tokio::test]
    async fn the_memory_campaign_replies_keep_the_contract() {
        let port = MemoryCampaignSends::new(Clock::system());
        port.put_campaign(running_campaign("org_c", "cmp_r"));
        port.put_recipient(pending_recipient("org_c", "cmp_r", "15550000009"));
        campaign_replies_contract(&port, &port, "org_c", "cmp_r", "15550000009").await;
    }
}
