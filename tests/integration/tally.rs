//! The inbound counters from the table's stream: the tally function over moto's stream, from the
//! sample event and from messages ingest stored (duplicates and a redelivered stream included).

use integration_tests::*;

#[tokio::test]
async fn the_sample_stream_event_is_counted_once_however_often_it_comes() {
    let stack = TestStack::new().await;
    let service = tally::TallyService::from_aws(
        &tally::TallyConfig::from_env(&stack.env_of("TallyFunction")).expect("template gives the tally its config"),
        &stack.aws,
    );
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_value(read_event("tally-inbound-messages.json")).expect("Lambda's stream event");
    for _ in 0..2 {
        let (response, _) = service.process(event.clone()).await;
        assert!(response.batch_item_failures.is_empty());
    }
    let counters = stack.inbox().counters_with_day("org_demo", "2026-12-05").await.unwrap();
    assert_eq!(counters.get("messages_received"), Some(&2));
    assert_eq!(counters.get("conversations_created"), Some(&1));
    assert_eq!(counters.get("contacts_created"), Some(&1));
    assert_eq!(counters.get("day.messages_received"), Some(&2));
}

#[tokio::test]
async fn stored_messages_are_counted_from_the_stream_once_each() {
    let f = Fixture::new().await;
    let org_id = &f.a.account.org_id;
    let t = 1_796_464_800; // 2026-12-05T08:00:00Z
    f.inbound_from(&f.a, "4915112345601", "Ana", "wamid.tally-1", t).await;
    f.inbound_from(&f.a, "4915112345601", "Ana", "wamid.tally-1", t).await;
    f.inbound_from(&f.a, "4915112345601", "Ana", "wamid.tally-2", t + 5)
        .await;
    f.inbound_from(&f.a, "4915112345602", "Ben", "wamid.tally-3", t + 9)
        .await;
    let before = f.inbox().counters(org_id).await.unwrap();
    assert_eq!(
        before.get("messages_received"),
        None,
        "not counted in the message's transaction"
    );
    let read = f.stack.tally().await;
    assert!(read.handed >= 3, "{read:?}");
    // A new reader from the stream's start, as after a lost checkpoint: nothing counted twice.
    f.stack.tally().await;
    let counters = f.inbox().counters_with_day(org_id, "2026-12-05").await.unwrap();
    assert_eq!(counters.get("messages_received"), Some(&3));
    assert_eq!(counters.get("conversations_created"), Some(&2));
    assert_eq!(counters.get("open_conversations"), Some(&2));
    assert_eq!(counters.get("contacts_created"), Some(&2));
    assert_eq!(counters.get("day.messages_received"), Some(&3));
    assert_eq!(
        f.inbox()
            .counters(&f.b.account.org_id)
            .await
            .unwrap()
            .get("messages_received"),
        None,
        "another organization's counters are its own"
    );
}

#[tokio::test]
async fn an_agents_send_is_counted_as_sent_from_the_stream() {
    let f = Fixture::new().await;
    let t = chrono::Utc::now().timestamp() - 60;
    f.inbound_from(&f.a, "4915112345611", "Cem", "wamid.tally-asks", t)
        .await;
    let conversation_id = f.conversation_id(&f.a).await;
    let (status, _) = f
        .call(
            "POST",
            &format!("/v1/conversations/{conversation_id}/messages"),
            Some(&f.a.key),
            Some(&serde_json::json!({"type": "text", "content": {"text": "Yes, in red"}}).to_string()),
        )
        .await;
    assert_eq!(status.as_u16(), 202);
    f.stack.tally().await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let counters = f.inbox().counters_with_day(&f.a.account.org_id, &today).await.unwrap();
    assert_eq!(counters.get("messages_sent"), Some(&1));
    assert_eq!(counters.get("day.messages_sent"), Some(&1));
    assert_eq!(counters.get("messages_received"), Some(&1));
}
