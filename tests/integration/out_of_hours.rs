//! The out-of-hours auto-reply as an admin sets it: the account's reply text and the working
//! hours, through the API. What ingest does with them (once per conversation and closed period,
//! through the outbound path, nothing without a text) is in ingest's unit tests, and the reply's
//! claim in the inbox's ingest contract (`contracts.rs`).

use integration_tests::*;
use serde_json::{Value, json};

#[tokio::test]
async fn an_admin_sets_and_clears_the_out_of_hours_reply() {
    let fx = Fixture::new().await;
    let days: Vec<Value> = (1..=5)
        .map(|d| json!({"day_of_week": d, "start_time": "09:00", "end_time": "18:00"}))
        .collect();
    let hours = json!({"time_zone": "UTC", "days": days}).to_string();
    let (status, _) = fx.call("PUT", "/v1/working-hours", Some(&fx.a.key), Some(&hours)).await;
    assert!(status.is_success());
    let text = "Thanks! We are closed now and answer from 9:00.";
    let path = format!("/v1/accounts/{}", fx.a.account.account_id);
    let (status, account) = fx
        .call(
            "PATCH",
            &path,
            Some(&fx.a.key),
            Some(&json!({"out_of_hours_reply": text}).to_string()),
        )
        .await;
    assert!(status.is_success(), "{account}");
    assert_eq!(account["out_of_hours_reply"], text);
    // Turned off with an empty text.
    let (status, account) = fx
        .call(
            "PATCH",
            &path,
            Some(&fx.a.key),
            Some(&json!({"out_of_hours_reply": ""}).to_string()),
        )
        .await;
    assert!(status.is_success());
    assert_eq!(account["out_of_hours_reply"], Value::Null);
}
