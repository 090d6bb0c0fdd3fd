//! The keyword bot's row: one automated reply (a customer's keyword answered with a text), from the
//! bus rule's delivery to the automation queue to the reply sent to Meta. The customer's own
//! message is the inbound row's.

use super::{AUTOMATION, event_source_mapping, inbound, sent, signed, text_from};
use integration_tests::costs::{Row, measure};
use integration_tests::outreach::sqs_event_of;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::json;

/// Customers who each say the keyword once.
const REPLIES: usize = 100;

pub(crate) async fn bot_row(rows: &mut Vec<Row>) {
    let f = Fixture::new().await;
    let body = json!({"title": "Colors", "keywords": ["another color"], "start_item_id": "colors",
        "items": [{"id": "colors", "kind": "text", "label": "It comes in navy, black and sand."}]});
    let (status, created) = f
        .call("POST", "/v1/scenarios", Some(&f.a.key), Some(&body.to_string()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let phone = f.a.account.phone_number_id.clone();
    let start = chrono::Utc::now().timestamp() - 600;
    // One customer first: the automation function's sandbox is warm (its caches filled).
    let warm = f.automation();
    inbound(&f, &signed(vec![text_from(&phone, 0, "wamid.bot.warm", start)])).await;
    f.automate_queued(&warm).await;
    f.stack.drain("OutboundQueue").await;
    let messages = signed(
        (1..=REPLIES)
            .map(|i| text_from(&phone, i, &format!("wamid.bot.{i}"), start + i as i64))
            .collect(),
    );
    inbound(&f, &messages).await;
    let queued = f.stack.drain_settled("AutomationQueue").await;
    let automation = measure(async {
        for chunk in queued.chunks(10) {
            let (response, _) = warm.process(sqs_event_of(chunk)).await;
            assert!(response.batch_item_failures.is_empty());
        }
    })
    .await;
    let automation = event_source_mapping(automation, queued.len())
        .modelled("sqs:SendMessage (bus rule)", queued.len() as f64)
        .invoked(AUTOMATION, queued.len().div_ceil(10) as f64);
    let jobs = f.stack.drain("OutboundQueue").await;
    assert_eq!(jobs.len(), REPLIES, "one reply per customer");
    let mut usage = sent(&f, &jobs).await;
    usage.add(&automation);
    rows.push(Row {
        name: "keyword bot reply (bus rule, automation, queue, sender)".into(),
        usage: usage.per(REPLIES as f64),
    });
}
