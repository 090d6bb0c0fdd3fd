//! What ingest does for campaigns: statuses of campaign sends move their recipient up only, each
//! counter once; a customer's message after a campaign reached them is its reply (counted once,
//! the send shown in the conversation, the conversation given to the campaign's responder); and
//! `user_preferences` record marketing opt-outs and their withdrawal.

use super::*;
use shared::inbox::Direction;
use shared::outreach::campaign::{Reach, callback_data};
use shared::outreach::campaign_sends::CampaignSends;
use shared::outreach::campaign_sends_contract::{pending_recipient, running_campaign};

const CAMPAIGN: &str = "cmp_restock";

fn campaign_status(status: &str, ts: i64) -> Value {
    json!({"id": "wamid.campaign", "status": status, "timestamp": ts.to_string(), "recipient_id": CUSTOMER,
        "biz_opaque_callback_data": callback_data(CAMPAIGN, CUSTOMER)})
}

async fn sent_recipient(rig: &Rig) {
    let mut campaign = running_campaign(ORG, CAMPAIGN);
    campaign.account_id = ACCOUNT.into();
    rig.campaigns.put_campaign(campaign);
    rig.campaigns.put_recipient(pending_recipient(ORG, CAMPAIGN, CUSTOMER));
    let (_, summary) = rig
        .deliver(&notification(Value::Null, json!([campaign_status("sent", 10)])))
        .await;
    assert_eq!(summary.statuses_applied, 1);
}

#[tokio::test]
async fn statuses_of_a_campaign_send_move_its_recipient_up_and_count_once() {
    let rig = rig();
    sent_recipient(&rig).await;
    let later = notification(
        Value::Null,
        json!([campaign_status("read", 30), campaign_status("delivered", 20)]),
    );
    for _ in 0..2 {
        rig.deliver(&later).await;
    }
    let recipient = CampaignSends::recipient(&*rig.campaigns, ORG, CAMPAIGN, CUSTOMER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recipient.status, "read");
    let counters = rig.campaigns.counters(ORG, CAMPAIGN).await.unwrap();
    assert_eq!(
        (counters.sent, counters.delivered, counters.read),
        (1, 1, 1),
        "a read that overtakes delivered counts both, once"
    );
    assert!(
        rig.outbound.linked(ORG, "wamid.campaign").is_none(),
        "not taken for an agent's send"
    );
}

#[tokio::test]
async fn a_reply_after_a_campaign_is_counted_once_and_goes_to_the_campaigns_responder() {
    let rig = rig();
    sent_recipient(&rig).await;
    rig.templates.put(
        serde_json::from_value(
            json!({"template_id": "tpl_contract", "org_id": ORG, "waba_id": "2065550009",
            "name": "restock", "language": "en", "category": "MARKETING", "status": "APPROVED",
            "components": "[{\"type\":\"BODY\",\"text\":\"The blue one is back\"}]"}),
        )
        .expect("a template"),
    );
    rig.allocator.picks(ORG, DIVISION, "ag_account_default");
    rig.campaigns
        .remember_reach(
            ORG,
            &Reach {
                campaign_id: CAMPAIGN.into(),
                account_id: ACCOUNT.into(),
                phone: CUSTOMER.into(),
                responding_agent_id: Some("ag_responder".into()),
                responding_division_id: Some("div_campaigns".into()),
            },
        )
        .await
        .unwrap();
    let now = rig.now_s();
    rig.deliver(&text("wamid.reply", now, "Yes please!")).await;
    assert!(
        rig.allocator.asked().is_empty(),
        "the account's own allocation is skipped"
    );
    // A redelivery finds the reach forgotten and asks the allocator, which finds it taken.
    rig.deliver(&text("wamid.reply", now, "Yes please!")).await;
    rig.deliver(&text("wamid.after", now + 5, "And the red one?")).await;

    let conversation = rig.only_conversation();
    assert_eq!(conversation.assigned_agent_id.as_deref(), Some("ag_responder"));
    assert_eq!(conversation.division_id.as_deref(), Some("div_campaigns"));
    assert_eq!(conversation.campaign_id.as_deref(), Some(CAMPAIGN));
    let counters = rig.campaigns.counters(ORG, CAMPAIGN).await.unwrap();
    assert_eq!(counters.replied, 1, "counted once");
    assert!(
        CampaignSends::reach(&*rig.campaigns, ORG, CUSTOMER)
            .await
            .unwrap()
            .is_none(),
        "forgotten: later messages are not looked up"
    );
    let shown: Vec<_> = rig
        .inbox
        .messages(ORG)
        .into_iter()
        .filter(|m| m.direction == Direction::Outbound)
        .collect();
    assert_eq!(shown.len(), 1, "the campaign send is shown once beside its reply");
    assert_eq!(
        shown[0].origin.as_deref(),
        Some(format!("campaign:{CAMPAIGN}").as_str())
    );
    assert_eq!(shown[0].conversation_id, conversation.conversation_id);
}

#[tokio::test]
async fn a_reply_in_an_open_conversation_is_looked_up_only_when_the_send_marked_it() {
    let rig = rig();
    sent_recipient(&rig).await;
    let now = rig.now_s();
    rig.deliver(&text("wamid.before", now - 60, "Where is my order?")).await;
    let reach = Reach {
        campaign_id: CAMPAIGN.into(),
        account_id: ACCOUNT.into(),
        phone: CUSTOMER.into(),
        responding_agent_id: None,
        responding_division_id: None,
    };
    // A reach without the send's mark (the mark failed): the open conversation does not look.
    rig.campaigns.remember_reach(ORG, &reach).await.unwrap();
    rig.deliver(&text("wamid.unmarked", now - 30, "Hello?")).await;
    assert_eq!(rig.only_conversation().campaign_id, None, "no read per message");
    // With the mark, as the sender leaves it, the next message is the campaign's reply.
    use shared::inbox::ingest_port::ReplyWatch;
    assert!(rig.inbox.mark_reached(ORG, ACCOUNT, CUSTOMER).await.unwrap());
    rig.deliver(&text("wamid.reply", now, "Yes please!")).await;
    assert_eq!(rig.only_conversation().campaign_id.as_deref(), Some(CAMPAIGN));
    assert_eq!(rig.campaigns.counters(ORG, CAMPAIGN).await.unwrap().replied, 1);
}

#[tokio::test]
async fn a_reach_through_another_account_is_not_this_reply() {
    let rig = rig();
    rig.campaigns
        .remember_reach(
            ORG,
            &Reach {
                campaign_id: CAMPAIGN.into(),
                account_id: "acc_other".into(),
                phone: CUSTOMER.into(),
                responding_agent_id: Some("ag_responder".into()),
                responding_division_id: None,
            },
        )
        .await
        .unwrap();
    rig.deliver(&text("wamid.reply", rig.now_s(), "hi")).await;
    assert_eq!(rig.only_conversation().campaign_id, None);
    assert_eq!(rig.allocator.asked().len(), 1, "allocated as any new conversation");
}

#[tokio::test]
async fn marketing_preferences_record_an_opt_out_and_its_withdrawal() {
    let rig = rig();
    let preference = |value: &str| {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "2065550009", "changes": [{"field": "user_preferences",
            "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                "user_preferences": [{"wa_id": CUSTOMER, "detail": "User requested to stop marketing messages",
                    "category": "marketing_messages", "value": value, "timestamp": 1}]}}]}]})
        .to_string()
        .into_bytes()
    };
    rig.deliver(&preference("stop")).await;
    assert!(rig.campaigns.opted_out(ORG, CUSTOMER).await.unwrap());
    rig.deliver(&preference("resume")).await;
    assert!(!rig.campaigns.opted_out(ORG, CUSTOMER).await.unwrap());
    assert_eq!(
        rig.inbox.account_events(ORG),
        ["user_preferences", "user_preferences"],
        "kept for operators too"
    );
}
