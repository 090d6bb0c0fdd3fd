//! The ports' contract suites (in `shared`, next to each port) run against DynamoDB on moto; the
//! same suites run against the in-memory ports in `shared`'s unit tests, so a fake that drifted
//! from the store fails one of the two.

use integration_tests::*;

#[tokio::test]
async fn the_dynamodb_scheduled_messages_keep_the_contract() {
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-scheduled", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let store = shared::outreach::scheduled_store::ScheduledStore::new(
        aws_sdk_dynamodb::Client::new(&fx.stack.aws),
        fx.stack.name_of("Table"),
    );
    shared::outreach::scheduled_contract::scheduled_messages_contract(
        &store,
        &fx.a.account.org_id,
        &conversation_id,
        1_796_378_400_000,
    )
    .await;
}

#[tokio::test]
async fn the_dynamodb_clock_cursors_keep_the_contract() {
    let stack = TestStack::new().await;
    let due =
        shared::platform::due_index::DueIndex::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
    let function = format!("contract-{}", ulid::Ulid::new());
    shared::platform::memory::clock_cursors_contract(&due, &function).await;
}

#[tokio::test]
async fn the_dynamodb_inbox_reads_keep_the_contract() {
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-reads", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&fx.stack.aws);
    let table = fx.stack.name_of("Table");
    let conversations = shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table);
    let contacts = shared::inbox::contact_store::ContactStore::new(dynamo, &table);
    let org = &fx.a.account.org_id;
    let stored = conversations
        .conversation(org, &conversation_id)
        .await
        .unwrap()
        .unwrap();
    let contact = contacts.contact(org, &stored.contact_id).await.unwrap().unwrap();
    shared::inbox::reads::inbox_reads_contract(&conversations, &contacts, &stored, &contact).await;
}

#[tokio::test]
async fn the_dynamodb_send_ledger_keeps_the_contract() {
    use shared::inbox::send_contract::{queued_text, send_ledger_contract};
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-ledger", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let store = shared::inbox::outbound_store::OutboundStore::new(
        aws_sdk_dynamodb::Client::new(&fx.stack.aws),
        fx.stack.name_of("Table"),
    );
    let account = &fx.a.account;
    let mut keys = vec![];
    for _ in 0..2 {
        let (key, message, job) = queued_text(&account.org_id, &conversation_id, &account.account_id, "4915550001");
        store.create(&key, &message, "preview", &job, None).await.unwrap();
        keys.push(key);
    }
    let missing = shared::platform::table::message(&account.org_id, &conversation_id, 1, "msg_none");
    send_ledger_contract(&store, &account.org_id, &keys[0], &keys[1], &missing).await;
}

#[tokio::test]
async fn the_dynamodb_campaign_sends_keep_the_contract() {
    use shared::outreach::campaign_sends_contract::{campaign_sends_contract, pending_recipient, running_campaign};
    let stack = TestStack::new().await;
    let store = shared::outreach::campaign_store::CampaignStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        stack.name_of("Table"),
    );
    let org_id = format!("org_{}", ulid::Ulid::new());
    store.create(&running_campaign(&org_id, "cmp_c"), None).await.unwrap();
    let phones = ["15550000001", "15550000002", "15550000003"];
    for phone in phones {
        assert!(
            store
                .add_recipient(&org_id, &pending_recipient(&org_id, "cmp_c", phone))
                .await
                .unwrap()
        );
    }
    campaign_sends_contract(&store, &org_id, "cmp_c", phones).await;
}
