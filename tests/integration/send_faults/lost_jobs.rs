//! Jobs that never send: dead-lettered on their last receive, lost before the queue or after it
//! (the sweeper queues them again), repeated with an idempotency key.

use super::*;

#[tokio::test]
async fn a_job_on_its_last_receive_fails_its_message_and_is_dead_lettered_with_the_reason() {
    let f = Fx::new().await;
    let id = f.reply("never accepted").await;
    f.graph.fail_next(
        Route::SendMessage,
        Failure::Status {
            http: 500,
            graph_code: 1,
        },
        1,
    );
    let max: u32 = f.stack.env_of("SenderFunction")["MAX_RECEIVE_COUNT"].parse().unwrap();
    let (response, summary) = f.sender().process(f.jobs(max).await).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.retrying, 1);
    let message = f.message(&id).await;
    assert_eq!(message.status, "failed");
    let reason = message.status_errors[0].title.clone().unwrap();
    assert!(reason.contains(&format!("gave up after {max} receives")), "{reason}");
    let dead = f.stack.drain("OutboundDeadLetterQueue").await;
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0].message_attributes().unwrap()[FAILURE_REASON_ATTRIBUTE]
            .string_value()
            .unwrap()
            .contains("500")
    );
    assert_eq!(f.graph.sends_of(&id), 0);
    assert_eq!(
        f.sweep_at(QUEUED_GRACE_MS + 1_000).await.requeued,
        0,
        "nothing left pending"
    );
}

#[tokio::test]
async fn a_job_dead_lettered_without_its_hook_is_queued_again_by_the_sweeper() {
    let f = Fx::new().await;
    let id = f.reply("lost job").await;
    // SQS dead-letters the job by itself (the last invocation died): the message is still queued.
    let lost = f.jobs(1).await;
    assert_eq!(lost.records.len(), 1);
    assert_eq!(
        f.sweep_at(QUEUED_GRACE_MS - 1_000).await.requeued,
        0,
        "not before the grace period"
    );
    assert_eq!(f.sweep_at(QUEUED_GRACE_MS + 1_000).await.requeued, 1);
    let (_, summary) = f.sender().process(f.jobs(1).await).await;
    assert_eq!(summary.sent, 1);
    assert_eq!(
        (f.message(&id).await.status.as_str(), f.graph.sends_of(&id)),
        ("sent", 1)
    );
}

#[tokio::test]
async fn a_reply_the_api_could_not_queue_is_queued_by_the_sweeper_and_sent_once() {
    let f = Fx::new().await;
    let mut env = f.stack.env_of("ApiFunction");
    env.insert(
        "OUTBOUND_QUEUE_URL".into(),
        format!("{}-gone", f.stack.queue_url("OutboundQueue")),
    );
    let cut_off = ApiService::from_aws(&ApiConfig::from_env(&env).unwrap(), &f.stack.aws);
    let path = format!("/v1/conversations/{}/messages", f.conversation);
    let body = json!({"type": "text", "content": {"text": "orphan?"}}).to_string();
    let response = cut_off
        .handle(api_request("POST", &path, Some(&f.key), Some(&body)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED, "stored: it will be sent");
    let id = json_body(&response)["id"].as_str().unwrap().to_string();
    assert!(f.jobs(1).await.records.is_empty(), "no job reached the queue");
    assert_eq!(f.message(&id).await.status, "queued");
    assert_eq!(f.sweep_at(QUEUED_GRACE_MS + 1_000).await.requeued, 1);
    f.sender().process(f.jobs(1).await).await;
    assert_eq!(
        (f.message(&id).await.status.as_str(), f.graph.sends_of(&id)),
        ("sent", 1)
    );
}

#[tokio::test]
async fn an_idempotency_key_answers_the_same_message_sent_once() {
    let f = Fx::new().await;
    let path = format!("/v1/conversations/{}/messages", f.conversation);
    let body = json!({"type": "text", "content": {"text": "once only"}});
    let (status, first) = f.call("POST", &path, Some(body.clone()), Some("order-42-reply")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, again) = f.call("POST", &path, Some(body.clone()), Some("order-42-reply")).await;
    assert_eq!((status, &again["id"]), (StatusCode::ACCEPTED, &first["id"]));
    let id = first["id"].as_str().unwrap();
    f.sender().process(f.jobs(1).await).await;
    f.sender().process(f.jobs(1).await).await;
    assert_eq!(f.graph.sends_of(id), 1);
    // After the send, a replay answers the message as it is now.
    let (_, replay) = f.call("POST", &path, Some(body.clone()), Some("order-42-reply")).await;
    assert_eq!(
        (replay["id"].as_str(), replay["status"].as_str()),
        (Some(id), Some("sent"))
    );

    let (status, other) = f
        .call(
            "POST",
            &path,
            Some(json!({"type": "text", "content": {"text": "different"}})),
            Some("order-42-reply"),
        )
        .await;
    assert_eq!(
        (status, other["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("idempotency_key_reused"))
    );
    for bad in ["k".repeat(256), " ".into(), "tab\there".into()] {
        let (status, error) = f.call("POST", &path, Some(body.clone()), Some(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(error["error"]["message"].as_str().unwrap().contains("Idempotency-Key"));
    }
    let (status, _) = f.call("POST", &path, Some(body), Some(&"k".repeat(255))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let sends_before = f.graph.sent().len();
    assert_eq!(sends_before, 1);
}
