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
