//! What ingest does not store: a poison record (failed alone, dead-lettered through SQS with its
//! reason). A change for a phone number the account does not own is refused in ingest's unit tests.

use super::*;

#[tokio::test]
async fn only_the_poison_record_fails_and_other_fields_are_recorded() {
    let f = Fixture::new().await;
    let good = f.notification(json!([text("wamid.good", 1_700_000_900, "fine")]), Value::Null);
    let template = std::fs::read(repo_root().join("events/meta/template-status-approved.json")).unwrap();
    let (response, summary) = f
        .ingest()
        .process(ingest_event(&[
            ("ok", &f.a.account, &good),
            ("bad", &f.a.account, b"{\"not\":\"a notification\"}"),
            ("tpl", &f.a.account, &template),
        ]))
        .await;
    assert!(response.batch_item_failures.is_empty(), "nothing is retried");
    assert_eq!(
        (summary.messages_stored, summary.other_changes, summary.failed_records),
        (1, 1, 1)
    );
    // A body that can never be read goes to the DLQ at once, whole, with its reason.
    let dead = f.stack.drain("IngestDeadLetterQueue").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body(), Some("{\"not\":\"a notification\"}"));
    let reason = dead[0]
        .message_attributes()
        .and_then(|a| a.get(shared::platform::sqs_batch::FAILURE_REASON_ATTRIBUTE))
        .and_then(|a| a.string_value())
        .unwrap_or_default();
    assert!(reason.contains("not a WhatsApp notification"), "{reason}");
    assert!(
        dead[0]
            .message_attributes()
            .is_some_and(|a| a.contains_key("sb-org-id")),
        "the delivery's attributes travel with it"
    );
    let template_item = aws_sdk_dynamodb::Client::new(&f.stack.aws)
        .get_item()
        .table_name(f.stack.name_of("Table"))
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ORG#{}", f.a.account.org_id)),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!(
                "TEMPLATE#{}",
                shared::outreach::template::template_id("102290129340398", "order_update", "en_US")
            )),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("template status recorded");
    assert_eq!(template_item["status"].as_s().unwrap(), "APPROVED");
}

#[tokio::test]
async fn through_sqs_a_poison_delivery_reaches_the_dlq_and_the_rest_is_stored() {
    let f = Fixture::new().await;
    let url = f.stack.queue_url("IngestQueue");
    let sqs = f.stack.sqs();
    let send = |body: Vec<u8>| {
        let (sqs, url, account) = (sqs.clone(), url.clone(), f.a.account.clone());
        async move {
            let attribute = |v: &str, t: &str| {
                aws_sdk_sqs::types::MessageAttributeValue::builder()
                    .data_type(t)
                    .string_value(v)
                    .build()
                    .unwrap()
            };
            sqs.send_message()
                .queue_url(url)
                .message_body(String::from_utf8(body).unwrap())
                .message_attributes("sb-org-id", attribute(&account.org_id, "String"))
                .message_attributes("sb-account-id", attribute(&account.account_id, "String"))
                .message_attributes("sb-received-at-ms", attribute("1700000000000", "Number"))
                .message_attributes("sb-payload-location", attribute("inline", "String"))
                .send()
                .await
                .unwrap();
        }
    };
    send(f.notification(json!([text("wamid.q1", 1_700_000_901, "one")]), Value::Null)).await;
    send(b"{\"object\":\"whatsapp_business_account\"}".to_vec()).await;
    send(f.notification(json!([text("wamid.q2", 1_700_000_902, "two")]), Value::Null)).await;

    let service = std::sync::Arc::new(f.ingest());
    let handler: devstack::functions::SqsHandler = std::sync::Arc::new(move |event| {
        let service = service.clone();
        Box::pin(async move { Ok(service.process(event).await.0) })
    });
    let (_, arn) = f.stack.stack.queue("IngestQueue").unwrap();
    let poller = devstack::sqs_poller::SqsPoller {
        client: sqs.clone(),
        function: "IngestFunction".into(),
        queue_url: url.clone(),
        queue_arn: arn.to_string(),
        region: f.stack.stack.region.clone(),
        batch_size: 10,
        report_batch_item_failures: true,
        failed_visibility_seconds: Some(0),
        handler,
    };
    let mut dead = Vec::new();
    for _ in 0..20 {
        poller.poll_once(0).await.unwrap();
        dead = f.stack.drain("IngestDeadLetterQueue").await;
        if !dead.is_empty() {
            break;
        }
    }
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body(), Some("{\"object\":\"whatsapp_business_account\"}"));
    let conversation = f.only_conversation().await;
    assert_eq!(conversation.message_count, 2, "both good deliveries stored once");
    assert!(f.stack.drain("IngestQueue").await.is_empty());
}
