//! Chunking, claims and the tally of retried batches, without a table.

use super::*;
use crate::inbox::tally_contract::claim_record;
use crate::inbox::tally_memory::MemoryTally;

fn image(json: serde_json::Value) -> ImageFields {
    let item: serde_dynamo::Item = serde_json::from_value::<serde_dynamo::Item>(json).expect("an image");
    ImageFields::from_stream_image(item)
}

#[test]
fn only_counted_messages_count() {
    let inbound = image(serde_json::json!({
        "entity": {"S": "Message"}, "tally": {"S": "received"}, "org_id": {"S": "org_1"},
        "day": {"S": "2026-12-05"}, "opened_conversation": {"BOOL": true}, "new_contact": {"BOOL": false}
    }));
    assert_eq!(
        Counted::of_image(inbound),
        Some(Counted {
            org_id: "org_1".into(),
            sent: false,
            day: "2026-12-05".into(),
            opened_conversation: true,
            new_contact: false,
        })
    );
    let outbound = image(
        serde_json::json!({"entity": {"S": "WamidClaim"}, "direction": {"S": "outbound"},
        "org_id": {"S": "org_1"}, "day": {"S": "2026-12-05"}}),
    );
    assert_eq!(Counted::of_image(outbound), None);
    let older_claim = image(serde_json::json!({"entity": {"S": "WamidClaim"}, "direction": {"S": "inbound"}}));
    assert_eq!(
        Counted::of_image(older_claim),
        None,
        "a claim from before the tally names no day"
    );
    let message = image(serde_json::json!({"entity": {"S": "Message"}, "org_id": {"S": "org_1"}}));
    assert_eq!(Counted::of_image(message), None);
}

#[test]
fn chunks_follow_the_stream_order_and_fit_a_transaction() {
    let records: Vec<StreamedRecord> = (0..120u128)
        .rev()
        .map(|i| claim_record(&format!("org_{i}"), 500 + i, false))
        .collect();
    let split = chunks(&records, Some(509));
    assert_eq!(split[0].first, 510, "records counted before are dropped");
    assert!(
        split.iter().all(|c| c.counter_writes() < MAX_WRITES),
        "the claim fits beside"
    );
    assert_eq!(split.iter().map(|c| c.daily.len()).sum::<usize>(), 110);
    assert!(split.windows(2).all(|w| w[0].last < w[1].first), "in order, apart");
    // One organization's records share their counter items: one chunk however many.
    let one_org: Vec<StreamedRecord> = (0..500u128).map(|i| claim_record("org_1", i, i == 0)).collect();
    let one = chunks(&one_org, None);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].totals["org_1"]["messages_received"], 500);
    assert_eq!(one[0].totals["org_1"]["conversations_created"], 1);
    assert_eq!(one[0].counter_writes(), 2);
}

#[test]
fn a_chunks_plan_is_its_claim_and_its_counters() {
    let chunk = &chunks(&[claim_record("org_1", 7, true), claim_record("org_1", 9, false)], None)[0];
    let plan = tally_plan(chunk, 3, 1_000);
    assert_eq!(
        plan.slots().collect::<Vec<_>>(),
        [TallySlot::Claim, TallySlot::Counter, TallySlot::Counter]
    );
    let WriteOp::Put { item, condition, .. } = plan.get(TallySlot::Claim).unwrap() else {
        panic!("the claim is put");
    };
    assert_eq!(condition.as_deref(), Some("attribute_not_exists(pk)"));
    assert_eq!(claimed_through(item), Some(9));
    assert_eq!(
        crate::platform::items::number_of(item, table::attr::EXPIRES_AT),
        Some(1_000 + CLAIM_SECONDS)
    );
}

#[tokio::test]
async fn a_retried_batch_is_counted_once_even_when_it_grew() {
    let book = MemoryTally::default();
    let batch = |n: u128| -> Vec<StreamedRecord> { (1..=n).map(|i| claim_record("org_1", 100 + i, i == 1)).collect() };
    tally(&book, &batch(3)).await.unwrap();
    // Lambda re-reads the shard from the same record (the first answer was lost): more arrived.
    let report = tally(&book, &batch(5)).await.unwrap();
    assert_eq!((report.repeated, report.chunks, report.messages), (1, 1, 2));
    tally(&book, &batch(5)).await.unwrap();
    assert_eq!(book.counter("org_1", "messages_received"), 5);
    assert_eq!(book.counter("org_1", "open_conversations"), 1);
}

#[tokio::test]
async fn a_failed_commit_names_where_to_retry_from() {
    let book = MemoryTally::default();
    let records: Vec<StreamedRecord> = (0..60u128)
        .map(|i| claim_record(&format!("org_{i}"), 1_000 + i, false))
        .collect();
    let split = chunks(&records, None);
    assert!(split.len() >= 2);
    book.fail_next(1);
    assert_eq!(tally(&book, &records).await.unwrap_err().0, split[0].first);
    tally(&book, &records).await.unwrap();
    tally(&book, &records).await.unwrap();
    let total: i64 = (0..60)
        .map(|i| book.counter(&format!("org_{i}"), "messages_received"))
        .sum();
    assert_eq!(total, 60, "each record once");
}
