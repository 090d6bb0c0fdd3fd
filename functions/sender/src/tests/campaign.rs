//! Campaign sends on the fakes: once per recipient, counted once, dropped while paused, and what
//! each of Meta's refusals comes to.

use super::*;
use shared::inbox::ingest_port::InboundMessages;
use shared::outreach::campaign::{CampaignSend, CampaignStatus, rank};
use shared::outreach::campaign_sends_contract::{pending_recipient, running_campaign};

/// A running campaign of three recipients.
fn start_campaign(d: &Desk) {
    d.campaigns.put_campaign(running_campaign(ORG, "cmp_s"));
    for phone in ["15550000001", "15550000002", "15550000003"] {
        d.campaigns.put_recipient(pending_recipient(ORG, "cmp_s", phone));
    }
}

/// The job of one recipient's send.
fn campaign_job(phone: &str) -> String {
    SenderJob::CampaignSend(CampaignSend {
        org_id: ORG.into(),
        account_id: ACCOUNT.into(),
        campaign_id: "cmp_s".into(),
        phone: phone.into(),
        template_name: "restock".into(),
        language: "en".into(),
        components: serde_json::json!([]),
        responding_agent_id: Some("ag_s".into()),
        responding_division_id: None,
    })
    .body()
}

async fn recipient(d: &Desk, phone: &str) -> shared::outreach::campaign::Recipient {
    d.campaigns.recipient(ORG, "cmp_s", phone).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_campaign_send_goes_once_is_counted_once_and_remembers_its_reach() {
    let d = desk();
    start_campaign(&d);
    let customer_writes = |wamid: &str| {
        let message = shared::inbox::ingest_contract::text(wamid, "15550000001", 1_796_400_000, "hi");
        let inbox = d.inbox.clone();
        async move {
            let delivery = shared::inbox::store::DeliveryContext {
                org_id: ORG,
                account_id: ACCOUNT,
                received_at_ms: 1_796_400_000_000,
            };
            let identity = shared::inbox::CustomerIdentity {
                user_id: None,
                wa_id: Some("15550000001".into()),
            };
            match inbox.store_inbound(&delivery, &identity, None, &message).await.unwrap() {
                shared::inbox::store::InboundOutcome::Stored { check_reach, .. } => check_reach,
                other => panic!("{other:?}"),
            }
        }
    };
    assert!(
        customer_writes("wamid.open").await,
        "an opening message looks for a campaign"
    );
    assert!(!customer_writes("wamid.joins").await, "a joining one does not");
    let body = campaign_job("15550000001");
    let (_, summary) = d.send(&body, 1).await;
    assert_eq!(summary.sent, 1);
    let request = d.graph.requests().remove(0);
    assert_eq!(request.body["type"], "template");
    assert_eq!(request.body["template"]["name"], "restock");
    assert_eq!(request.body["biz_opaque_callback_data"], callback("15550000001"));
    let sent = recipient(&d, "15550000001").await;
    assert_eq!(
        (sent.status.as_str(), sent.status_rank, sent.wamid.as_deref()),
        ("sent", rank::SENT, Some("wamid.scripted1"))
    );
    let reach = d.campaigns.reach(ORG, "15550000001").await.unwrap().unwrap();
    assert_eq!(
        (reach.campaign_id.as_str(), reach.responding_agent_id.as_deref()),
        ("cmp_s", Some("ag_s"))
    );
    assert!(
        customer_writes("wamid.reply").await,
        "the customer's open conversation was marked: the reply looks for the campaign"
    );
    // A duplicate job sends nothing and counts nothing.
    let (_, summary) = d.send(&body, 2).await;
    assert_eq!((summary.skipped, d.sends()), (1, 1));
    assert_eq!(d.campaigns.counters(ORG, "cmp_s").await.unwrap().sent, 1);
}

fn callback(phone: &str) -> String {
    shared::outreach::campaign::callback_data("cmp_s", phone)
}

#[tokio::test]
async fn a_paused_campaigns_jobs_are_dropped_and_their_recipients_stay_pending() {
    let d = desk();
    start_campaign(&d);
    let body = campaign_job("15550000002");
    d.campaigns.set_status(ORG, "cmp_s", CampaignStatus::Paused);
    let (response, summary) = d.send(&body, 1).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((summary.skipped, d.sends()), (1, 0));
    assert_eq!(
        recipient(&d, "15550000002").await.status,
        "pending",
        "a resume feeds it again"
    );
}

#[tokio::test]
async fn campaign_refusals_fail_for_good_or_give_the_recipient_back() {
    let d = desk();
    start_campaign(&d);
    // Opted out at Meta (131050): failed, and the opt-out recorded.
    let body = campaign_job("15550000001");
    d.graph.answer([Err(ScriptedGraph::refusal(400, 131050))]);
    assert_eq!(d.send(&body, 1).await.1.failed, 1);
    let failed = recipient(&d, "15550000001").await;
    assert_eq!((failed.status.as_str(), failed.error_code), ("failed", Some(131050)));
    assert!(d.campaigns.opted_out(ORG, "15550000001").await.unwrap());

    // Throttled (130429): given back, retried, sent once.
    let body = campaign_job("15550000002");
    d.graph.answer([Err(ScriptedGraph::refusal(429, 130429))]);
    let (response, _) = d.send(&body, 1).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(recipient(&d, "15550000002").await.status, "pending");
    assert_eq!(d.send(&body, 2).await.1.sent, 1);
    assert_eq!(recipient(&d, "15550000002").await.send_attempts, 2);

    // No answer: unknown, not resent.
    let body = campaign_job("15550000003");
    d.graph.answer([Err(GraphError::NoAnswer("reset".into()))]);
    assert_eq!(d.send(&body, 1).await.1.unknown, 1);
    assert_eq!(recipient(&d, "15550000003").await.status_rank, rank::UNKNOWN);
    d.send(&body, 2).await;
    let counters = d.campaigns.counters(ORG, "cmp_s").await.unwrap();
    assert_eq!((counters.sent, counters.failed, d.sends()), (1, 1, 4));
}

#[tokio::test]
async fn a_campaign_whose_account_is_gone_fails_its_recipient_without_a_send() {
    let d = desk();
    start_campaign(&d);
    let body = campaign_job("15550000001");
    d.accounts.remove(ORG, ACCOUNT);
    assert_eq!(d.send(&body, 1).await.1.failed, 1);
    let failed = recipient(&d, "15550000001").await;
    assert_eq!(
        (failed.status.as_str(), failed.error_message.as_deref()),
        ("failed", Some("the campaign's account no longer exists"))
    );
    assert_eq!(d.sends(), 0);
}
