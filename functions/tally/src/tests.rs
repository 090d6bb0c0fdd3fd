//! The tally on the in-memory book, from Lambda's own stream event shape.

use super::*;
use aws_lambda_events::event::dynamodb::Event;
use shared::inbox::tally_memory::MemoryTally;

/// A stream record of an inbound message of `org_id` (or, `entity` other, of another item).
fn record(sequence: u128, org_id: &str, entity: &str, opened: bool) -> serde_json::Value {
    serde_json::json!({
        "eventID": format!("e{sequence}"), "eventName": "INSERT", "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-12-05T00:00:00.000",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_796_400_000,
            "Keys": {"pk": {"S": format!("ORG#{org_id}")}, "sk": {"S": format!("WAMID#wamid.{sequence}")}},
            "NewImage": {"pk": {"S": format!("ORG#{org_id}")}, "sk": {"S": format!("WAMID#wamid.{sequence}")},
                "entity": {"S": entity}, "tally": {"S": "received"}, "org_id": {"S": org_id},
                "day": {"S": "2026-12-05"}, "opened_conversation": {"BOOL": opened}, "new_contact": {"BOOL": opened}},
            "SequenceNumber": sequence.to_string(), "SizeBytes": 200, "StreamViewType": "NEW_IMAGE"
        }
    })
}

fn event(records: Vec<serde_json::Value>) -> Event {
    serde_json::from_value(serde_json::json!({ "Records": records })).expect("a stream event")
}

#[tokio::test]
async fn a_batch_counts_each_organizations_messages_once_however_often_it_comes() {
    let book = Arc::new(MemoryTally::default());
    let service = TallyService::new(book.clone());
    let batch = event(vec![
        record(300000000000000000001, "org_a", "Message", true),
        record(300000000000000000002, "org_a", "Message", false),
        record(300000000000000000003, "org_b", "Message", true),
        record(300000000000000000004, "org_b", "WamidClaim", false),
    ]);
    for _ in 0..3 {
        let (response, _) = service.process(batch.clone()).await;
        assert!(response.batch_item_failures.is_empty());
    }
    assert_eq!(book.counter("org_a", "messages_received"), 2);
    assert_eq!(book.counter("org_a", "conversations_created"), 1);
    assert_eq!(book.counter("org_a", "contacts_created"), 1);
    assert_eq!(
        book.counter("org_b", "messages_received"),
        1,
        "only inbound messages count"
    );
    assert_eq!(book.counter("org_b", "day.2026-12-05.messages_received"), 1);
}

#[tokio::test]
async fn a_failed_chunk_is_reported_as_the_record_to_retry_from() {
    let book = Arc::new(MemoryTally::default());
    let service = TallyService::new(book.clone());
    let batch = event(vec![
        record(300000000000000000011, "org_a", "Message", false),
        record(300000000000000000012, "org_a", "Message", false),
    ]);
    book.fail_next(1);
    let (response, _) = service.process(batch.clone()).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, [Some("300000000000000000011".to_string())]);
    assert_eq!(book.counter("org_a", "messages_received"), 0);
    let (response, _) = service.process(batch).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(book.counter("org_a", "messages_received"), 2);
}
