//! The out-of-hours auto-reply: once per conversation and closed period, through the outbound path.

use integration_tests::*;
use serde_json::{Value, json};

async fn replies(fx: &Fixture, conversation: &str) -> Vec<Value> {
    fx.messages(&fx.a, conversation)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "outbound")
        .collect()
}

#[tokio::test]
async fn a_customer_writing_after_hours_gets_the_reply_once_per_closed_period() {
    let fx = Fixture::new().await;
    let days: Vec<Value> = (1..=5)
        .map(|d| json!({"day_of_week": d, "start_time": "09:00", "end_time": "18:00"}))
        .collect();
    let hours = json!({"time_zone": "UTC", "days": days}).to_string();
    let (status, _) = fx.call("PUT", "/v1/working-hours", Some(&fx.a.key), Some(&hours)).await;
    assert!(status.is_success());
    let text = "Thanks! We are closed now and answer from 9:00.";
    let (status, account) = fx
        .call(
            "PATCH",
            &format!("/v1/accounts/{}", fx.a.account.account_id),
            Some(&fx.a.key),
            Some(&json!({"out_of_hours_reply": text}).to_string()),
        )
        .await;
    assert!(status.is_success(), "{account}");
    assert_eq!(account["out_of_hours_reply"], text);

    let monday = a_monday_ahead();
    let hour = 3600;
    fx.inbound(&fx.a, "wamid.ooh-1", monday + 20 * hour).await;
    let conversation = fx.conversation_id(&fx.a).await;
    let first = replies(&fx, &conversation).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["content"]["body"], text);
    assert_eq!(first[0]["status"], "queued");
    assert_eq!(fx.stack.drain("OutboundQueue").await.len(), 1, "handed to the sender");

    // The same night, and a redelivery: nothing more.
    fx.inbound(&fx.a, "wamid.ooh-2", monday + 23 * hour).await;
    fx.inbound(&fx.a, "wamid.ooh-1", monday + 20 * hour).await;
    // In working hours: nothing.
    fx.inbound(&fx.a, "wamid.ooh-3", monday + 34 * hour).await;
    assert_eq!(replies(&fx, &conversation).await.len(), 1);
    // The next evening is another closed period.
    fx.inbound(&fx.a, "wamid.ooh-4", monday + 43 * hour).await;
    assert_eq!(replies(&fx, &conversation).await.len(), 2);

    // Turned off: nothing.
    let (status, account) = fx
        .call(
            "PATCH",
            &format!("/v1/accounts/{}", fx.a.account.account_id),
            Some(&fx.a.key),
            Some(&json!({"out_of_hours_reply": ""}).to_string()),
        )
        .await;
    assert!(status.is_success());
    assert_eq!(account["out_of_hours_reply"], Value::Null);
    fx.inbound(&fx.a, "wamid.ooh-5", monday + 67 * hour).await;
    assert_eq!(replies(&fx, &conversation).await.len(), 2);
}
