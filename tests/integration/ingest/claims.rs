//! The wamid claim, written before the message's transaction: a delivery that stopped between the
//! two is finished by the next under the claimed key, and a claim whose conversation closed in
//! between moves with the message. Neither stores the message twice.

use super::IngestFixture;
use integration_tests::*;
use shared::inbox::store::inbound_plan::{InboundSlot, wamid_claim};
use shared::platform::plan::Plan;
use shared::platform::table::{self, Key};

const CUSTOMER: &str = "4915112345699";

/// Puts the claim a stopped delivery would have left, naming `key`.
async fn stopped_claim(f: &Fixture, wamid: &str, key: &Key, conversation_id: &str, contact_id: &str) {
    let org_id = &f.a.account.org_id;
    let plan = Plan::new().with(
        InboundSlot::Claim,
        wamid_claim(org_id, wamid, key, conversation_id, contact_id),
    );
    shared::platform::transact::run(
        &aws_sdk_dynamodb::Client::new(&f.stack.aws),
        &f.stack.name_of("Table"),
        &plan,
        "PutItem(test claim)",
    )
    .await
    .expect("the claim is put");
}

async fn claimed_key(f: &Fixture, wamid: &str) -> Key {
    shared::inbox::store::MessageStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"))
        .key_of_wamid(&f.a.account.org_id, wamid)
        .await
        .unwrap()
        .expect("a claim")
}

#[tokio::test]
async fn a_delivery_that_stopped_after_its_claim_is_finished_once_under_the_claimed_key() {
    let f = Fixture::new().await;
    let t = chrono::Utc::now().timestamp() - 60;
    f.inbound_from(&f.a, CUSTOMER, "Ana", "wamid.opens", t).await;
    let conversation = f.only_conversation().await;
    let org_id = &f.a.account.org_id;
    let key = table::message(
        org_id,
        &conversation.conversation_id,
        (t + 1) * 1000,
        "msg_claimedbefore",
    );
    stopped_claim(
        &f,
        "wamid.stopped",
        &key,
        &conversation.conversation_id,
        &conversation.contact_id,
    )
    .await;
    for _ in 0..2 {
        f.inbound_from(&f.a, CUSTOMER, "Ana", "wamid.stopped", t + 1).await;
    }
    let messages = f
        .inbox()
        .list_messages(org_id, &conversation.conversation_id, false, 10)
        .await
        .unwrap();
    let stopped: Vec<_> = messages
        .iter()
        .filter(|m| m.wamid.as_deref() == Some("wamid.stopped"))
        .collect();
    assert_eq!(stopped.len(), 1, "stored once");
    assert_eq!(
        stopped[0].message_id, "msg_claimedbefore",
        "under the key its claim named"
    );
    assert_eq!(f.only_conversation().await.message_count, 2);
}

#[tokio::test]
async fn a_claim_whose_conversation_closed_moves_with_the_message() {
    let f = Fixture::new().await;
    let t = chrono::Utc::now().timestamp() - 60;
    f.inbound_from(&f.a, CUSTOMER, "Ana", "wamid.opens", t).await;
    let conversation = f.only_conversation().await;
    let org_id = &f.a.account.org_id;
    // The claim names a conversation that is not the open one (resolved since, say).
    let gone = table::message(org_id, "cv_resolved_since", (t + 1) * 1000, "msg_never_stored");
    stopped_claim(&f, "wamid.moved", &gone, "cv_resolved_since", &conversation.contact_id).await;
    f.inbound_from(&f.a, CUSTOMER, "Ana", "wamid.moved", t + 1).await;
    let moved = claimed_key(&f, "wamid.moved").await;
    assert_ne!(moved, gone, "the claim names where the message is now");
    assert_eq!(
        table::conversation_partition(org_id, &conversation.conversation_id),
        moved.pk
    );
    f.inbound_from(&f.a, CUSTOMER, "Ana", "wamid.moved", t + 1).await;
    assert_eq!(f.only_conversation().await.message_count, 2, "once");
}
