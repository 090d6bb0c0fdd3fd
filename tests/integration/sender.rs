//! The sender function's real handler against moto and the fake Graph API.

use fake_graph::{Failure, Route};
use integration_tests::*;
use lambda_http::http::StatusCode;
use sender::SenderService;
use serde_json::json;
use shared::inbox::outbound::OutboundJob;
use shared::meta::Content;
use shared::platform::table::{self, Key};

/// What these tests ask of the shared fixture.
trait SenderFixture {
    /// Stores a queued outbound message and returns its key and the job that sends it.
    async fn queued(&self, id: &str, content: Content) -> (Key, OutboundJob);
}

impl SenderFixture for Fixture {
    /// Stores a queued outbound message and returns its key and the job that sends it.
    async fn queued(&self, id: &str, content: Content) -> (Key, OutboundJob) {
        let key = table::message(&self.a.account.org_id, "cv_send", 1_795_262_400_000, id);
        let message = queued_message(&self.a.account.org_id, "cv_send", id, content);
        self.inbox().put_message(&key, &message).await.unwrap();
        let job = OutboundJob {
            org_id: self.a.account.org_id.clone(),
            account_id: self.a.account.account_id.clone(),
            message_pk: key.pk.clone(),
            message_sk: key.sk.clone(),
            to: "16505551234".into(),
            reply_to: Some("wamid.inbound".into()),
        };
        (key, job)
    }
}

fn event(jobs: &[(&str, &OutboundJob)]) -> aws_lambda_events::event::sqs::SqsEvent {
    let records: Vec<serde_json::Value> = jobs
        .iter()
        .map(|(id, job)| serde_json::json!({"messageId": id, "receiptHandle": format!("h-{id}"), "body": job.body(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
        .collect();
    serde_json::from_value(serde_json::json!({"Records": records})).unwrap()
}

#[tokio::test]
async fn a_text_reply_reaches_meta_once_with_metas_shape_and_records_its_wamid() {
    let f = Fixture::new().await;
    let (key, job) = f
        .queued(
            "msg_a",
            Content::Text {
                body: "We have it in navy".into(),
            },
        )
        .await;
    let (response, summary) = f.sender().process(event(&[("r1", &job)])).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.sent, 1);
    let sent = f.graph.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].phone_number_id, f.a.account.phone_number_id);
    assert_eq!(sent[0].body["text"]["body"], "We have it in navy");
    assert_eq!(sent[0].body["context"]["message_id"], "wamid.inbound");
    let stored = f.inbox().message(&key).await.unwrap().unwrap();
    assert_eq!(stored.status, "sent");
    assert_eq!(stored.wamid.as_deref(), Some(sent[0].wamid.as_str()));
    // The wamid now leads to the message: a later status applies to it.
    assert_eq!(
        f.inbox()
            .message_key_of(&f.a.account.org_id, &sent[0].wamid)
            .await
            .unwrap(),
        Some(key)
    );

    // Redelivery of the same job (SQS at-least-once), also by another sandbox: no second send.
    let (_, again) = f.sender().process(event(&[("r1", &job), ("r1b", &job)])).await;
    assert_eq!(again.skipped, 2);
    assert_eq!(f.graph.sends_of("msg_a"), 1);
}

#[tokio::test]
async fn concurrent_senders_of_one_message_send_it_once() {
    let f = Fixture::new().await;
    let (_, job) = f.queued("msg_b", Content::Text { body: "hello".into() }).await;
    let services: Vec<SenderService> = (0..4).map(|_| f.sender()).collect();
    let runs = services.iter().enumerate().map(|(i, s)| {
        let job = job.clone();
        async move { s.process(event(&[(&format!("c{i}"), &job)])).await.1 }
    });
    let summaries = futures::future::join_all(runs).await;
    assert_eq!(summaries.iter().map(|s| s.sent).sum::<u32>(), 1);
    assert_eq!(f.graph.sends_of("msg_b"), 1);
}

#[tokio::test]
async fn transient_refusals_are_retried_without_a_double_send() {
    let f = Fixture::new().await;
    let (key, job) = f
        .queued(
            "msg_c",
            Content::Text {
                body: "retry me".into(),
            },
        )
        .await;
    f.graph.fail_next(
        Route::SendMessage,
        Failure::Status {
            http: 500,
            graph_code: 1,
        },
        1,
    );
    f.graph.fail_next(
        Route::SendMessage,
        Failure::Status {
            http: 400,
            graph_code: 131056,
        },
        1,
    );
    let service = f.sender();
    for attempt in 0..3 {
        let (response, summary) = service.process(event(&[("t1", &job)])).await;
        if attempt < 2 {
            assert_eq!(
                (summary.retrying, response.batch_item_failures.len()),
                (1, 1),
                "attempt {attempt} is retried"
            );
            assert_eq!(
                f.inbox().message(&key).await.unwrap().unwrap().status,
                "queued",
                "claim given back"
            );
        } else {
            assert_eq!(summary.sent, 1);
        }
    }
    assert_eq!(f.graph.requests(Route::SendMessage), 3);
    assert_eq!(f.graph.sends_of("msg_c"), 1);
}

#[tokio::test]
async fn permanent_refusals_fail_the_message_with_metas_error_and_are_not_retried() {
    let f = Fixture::new().await;
    let (key, job) = f
        .queued(
            "msg_d",
            Content::Text {
                body: "too late".into(),
            },
        )
        .await;
    f.graph.fail_next(
        Route::SendMessage,
        Failure::Status {
            http: 400,
            graph_code: 131047,
        },
        1,
    );
    let (response, summary) = f.sender().process(event(&[("p1", &job)])).await;
    assert!(response.batch_item_failures.is_empty(), "not retried");
    assert_eq!(summary.failed, 1);
    let stored = f.inbox().message(&key).await.unwrap().unwrap();
    assert_eq!(stored.status, "failed");
    let (_, again) = f.sender().process(event(&[("p1", &job)])).await;
    assert_eq!(again.skipped, 1);
    assert_eq!(f.graph.requests(Route::SendMessage), 1);
}

#[tokio::test]
async fn a_refused_token_is_retried_on_any_attempt_only_when_it_was_replaced() {
    let f = Fixture::new().await;
    let service = f.sender();
    let refused = Failure::Status {
        http: 401,
        graph_code: 190,
    };
    // The first attempt is refused for now (the account and its token are cached meanwhile).
    let (key, job) = f.queued("msg_token1", Content::Text { body: "hi".into() }).await;
    f.graph.fail_next(
        Route::SendMessage,
        Failure::Status {
            http: 503,
            graph_code: 2,
        },
        1,
    );
    let (_, summary) = service.process(event(&[("t1", &job)])).await;
    assert_eq!(summary.retrying, 1);
    // The token is replaced; the second attempt still uses the cached one and is refused (190):
    // the account is read again, the token differs, so the job is retried, and then sent.
    f.graph.accept_token("access-token-2");
    let body = json!({"access_token": "access-token-2"}).to_string();
    let (status, _) = f
        .call(
            "PATCH",
            &format!("/v1/accounts/{}", f.a.account.account_id),
            Some(&f.a.key),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    f.graph.fail_next(Route::SendMessage, refused.clone(), 1);
    let (response, summary) = service.process(event(&[("t1", &job)])).await;
    assert_eq!(
        (response.batch_item_failures.len(), summary.retrying),
        (1, 1),
        "retried on attempt 2"
    );
    let (_, summary) = service.process(event(&[("t1", &job)])).await;
    assert_eq!(summary.sent, 1);
    assert_eq!(f.inbox().message(&key).await.unwrap().unwrap().status, "sent");
    // A token refused though it is the stored one really is bad: failed at once, no second request.
    let (key, job) = f.queued("msg_token2", Content::Text { body: "hi".into() }).await;
    let before = f.graph.requests(Route::SendMessage);
    f.graph.fail_next(Route::SendMessage, refused, 1);
    let (response, summary) = service.process(event(&[("t2", &job)])).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.failed, 1);
    assert_eq!(f.graph.requests(Route::SendMessage), before + 1);
    let stored = f.inbox().message(&key).await.unwrap().unwrap();
    assert_eq!((stored.status.as_str(), stored.status_errors[0].code), ("failed", 190));
}

#[tokio::test]
async fn pacing_holds_the_numbers_rate_across_concurrent_senders() {
    let f = Fixture::new().await;
    // A low rate so that the test sees several seconds' budgets: 5 messages per second.
    let tenancy = aws_sdk_dynamodb::Client::new(&f.stack.aws);
    tenancy
        .update_item()
        .table_name(f.stack.name_of("Table"))
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ORG#{}", f.a.account.org_id)),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ACCOUNT#{}", f.a.account.account_id)),
        )
        .update_expression("SET throughput_mps = :five")
        .expression_attribute_values(":five", aws_sdk_dynamodb::types::AttributeValue::N("5".into()))
        .send()
        .await
        .unwrap();
    // The fake counts what reaches it in each second and refuses nothing: the spread is the pacer's.
    f.graph.set_mps_limit(1_000);
    let mut jobs = Vec::new();
    for i in 0..15 {
        jobs.push(
            f.queued(&format!("msg_p{i}"), Content::Text { body: format!("n{i}") })
                .await
                .1,
        );
    }
    let services: Vec<SenderService> = (0..3).map(|_| f.sender()).collect();
    let runs = services.iter().enumerate().map(|(s, service)| {
        let batch: Vec<OutboundJob> = jobs.iter().skip(s * 5).take(5).cloned().collect();
        async move {
            let ids: Vec<String> = (0..batch.len()).map(|i| format!("s{s}-{i}")).collect();
            let mut records: Vec<(&str, &OutboundJob)> = ids.iter().map(String::as_str).zip(batch.iter()).collect();
            // A job that found no slot within the pacing wait (a loaded machine) is retried, as
            // SQS would redeliver it; the rate still holds across every round.
            let mut sent = 0;
            for _ in 0..5 {
                let (response, summary) = service.process(event(&records)).await;
                sent += summary.sent;
                let retried: Vec<&str> = response
                    .batch_item_failures
                    .iter()
                    .map(|f| f.item_identifier.as_str())
                    .collect();
                records.retain(|(id, _)| retried.contains(id));
                if records.is_empty() {
                    break;
                }
            }
            sent
        }
    });
    let started = std::time::Instant::now();
    let sent = futures::future::join_all(runs).await;
    assert_eq!(sent.iter().sum::<u32>(), 15, "each message sent once");
    let mut per_second: std::collections::BTreeMap<u64, usize> = std::collections::BTreeMap::new();
    for sent in f.graph.sent() {
        *per_second.entry(sent.second).or_default() += 1;
    }
    // The pacer reserves at most 5 sends a second; a send reserved in one second can reach the
    // fake in the next when the machine is loaded (make test runs clippy beside the tests), and a
    // sender sends its batch's records at once, so a second may also see the previous second's
    // late ones: at most 5 + 5. Without pacing all 15 arrive within one second.
    assert!(
        per_second.values().all(|n| *n <= 5 + 5),
        "at most 5 a second, plus the previous second's late ones: {per_second:?}"
    );
    assert!(
        per_second.len() >= 3,
        "15 sends at 5/s arrive over at least three seconds: {per_second:?}"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "15 sends at 5/s need at least three seconds' budgets"
    );
}
