//! The sender's figures: sends per second at a number's rate (against moto or dynalite), AWS
//! requests per send, and moto's own ceiling.

use super::*;
use std::sync::Arc;

/// Where the sender's DynamoDB requests go: moto (the whole stack), or dynalite (a faster local
/// DynamoDB without transactions, enough for the sender's GetItem/UpdateItem path).
#[derive(Clone, Copy)]
pub(crate) enum Backend<'a> {
    Moto,
    Dynalite(&'a str),
}

pub(crate) async fn sender_figures(mps: u32, messages: usize, invocations: usize, backend: Backend<'_>) {
    let mut stack = TestStack::new().await;
    let graph = stack.fake_graph().await;
    graph.set_mps_limit(mps);
    let table = stack.name_of("Table");
    let aws = match backend {
        Backend::Moto => stack.aws.clone(),
        Backend::Dynalite(endpoint) => {
            // Set on the loader, the endpoint outranks AWS_ENDPOINT_URL from the environment.
            let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(endpoint)
                .load()
                .await;
            let dynamo = aws_sdk_dynamodb::Client::new(&config);
            let _ = dynamo
                .create_table()
                .table_name(&table)
                .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
                .key_schema(
                    aws_sdk_dynamodb::types::KeySchemaElement::builder()
                        .attribute_name("pk")
                        .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    aws_sdk_dynamodb::types::KeySchemaElement::builder()
                        .attribute_name("sk")
                        .key_type(aws_sdk_dynamodb::types::KeyType::Range)
                        .build()
                        .unwrap(),
                )
                .attribute_definitions(
                    aws_sdk_dynamodb::types::AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .attribute_definitions(
                    aws_sdk_dynamodb::types::AttributeDefinition::builder()
                        .attribute_name("sk")
                        .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .send()
                .await;
            tokio::time::sleep(std::time::Duration::from_millis(600)).await;
            // The sender's clients all point at dynalite: its SQS client is only used to delay a
            // retry (none happen while the pacer keeps up), and presigning makes no request.
            config
        }
    };
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let now = shared::platform::items::now_rfc3339();
    let (org_id, account_id) = (
        shared::platform::ids::new_id("org"),
        shared::platform::ids::new_id("acc"),
    );
    let keeper = stack.keeper();
    let mut sealed = Vec::new();
    for (field, clear) in [
        ("verify_token", "bench-verify-token"),
        ("app_secret", "bench-secret"),
        ("access_token", ACCESS_TOKEN),
    ] {
        let context = shared::platform::sealed_secret::SecretContext {
            org_id: &org_id,
            account_id: &account_id,
            field,
        };
        let secret = keeper
            .seal(&shared::platform::secret::Secret::new(clear), &context)
            .await
            .unwrap();
        sealed.push(shared::platform::sealed_secret::StoredSecret::Sealed(secret));
    }
    let [verify_token, app_secret, access_token]: [shared::platform::sealed_secret::StoredSecret; 3] =
        sealed.try_into().unwrap();
    let account = shared::access::tenancy::WhatsAppAccount {
        messaging_limit: None,
        out_of_hours_reply: None,
        csat_enabled: false,
        csat_template_name: None,
        org_id,
        account_id,
        phone_number_id: unique_phone_number_id(),
        waba_id: "102290129340398".into(),
        display_phone_number: "15550783881".into(),
        verify_token,
        app_secret,
        access_token,
        throughput_mps: mps,
        division_id: None,
        created_at: now.clone(),
        updated_at: now,
    };
    dynamo
        .put_item()
        .table_name(&table)
        .set_item(Some(
            shared::platform::items::record_item(
                &account,
                &shared::platform::table::whatsapp_account(&account.org_id, &account.account_id),
                "WhatsAppAccount",
            )
            .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    let inbox = integration_tests::inbox::Inbox::new(dynamo.clone(), &table);
    let mut jobs = Vec::new();
    for i in 0..messages {
        let id = format!("msg_bench{i:06}");
        let key = shared::platform::table::message(&account.org_id, "cv_bench", 1_795_262_400_000 + i as i64, &id);
        let message = queued_message(&account.org_id, "cv_bench", &id, text_content());
        inbox.put_message(&key, &message).await.unwrap();
        jobs.push(shared::inbox::outbound::OutboundJob {
            org_id: account.org_id.clone(),
            account_id: account.account_id.clone(),
            message_pk: key.pk,
            message_sk: key.sk,
            to: format!("1650555{:04}", i % 10_000),
            reply_to: None,
        });
    }
    let config = sender::SenderConfig::from_env(&stack.env_of("SenderFunction")).unwrap();
    let batches: Vec<Vec<shared::inbox::outbound::OutboundJob>> = jobs.chunks(10).map(|c| c.to_vec()).collect();
    let queue = Arc::new(tokio::sync::Mutex::new(batches.into_iter()));
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let mut tasks = Vec::new();
    for _ in 0..invocations {
        let queue = queue.clone();
        // Accounts from the bench's table, their tokens opened by the stack's KMS (moto).
        let service = sender::SenderService::from_aws(&config, &aws).with_accounts(
            shared::access::account_cache::AccountCache::opening_tokens(
                shared::access::tenancy_store::TenancyStore::new(dynamo.clone(), &table),
                stack.keeper(),
            ),
        );
        tasks.push(tokio::spawn(async move {
            let mut sent = 0u32;
            loop {
                let Some(batch) = queue.lock().await.next() else { break };
                let records: Vec<Value> = batch
                    .iter()
                    .enumerate()
                    .map(|(i, job)| json!({"messageId": format!("{}-{i}", job.message_sk), "receiptHandle": "h", "body": job.body(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
                    .collect();
                let (_, summary) = service.process(serde_json::from_value(json!({"Records": records})).unwrap()).await;
                sent += summary.sent;
            }
            sent
        }));
    }
    let mut sent = 0;
    for task in tasks {
        sent += task.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_per_send = (cpu_seconds() - cpu_before) / f64::from(sent.max(1));
    // Sends per calendar second as the fake counted them; the first and last seconds are partial.
    let mut per_second: std::collections::BTreeMap<u64, u32> = std::collections::BTreeMap::new();
    for message in graph.sent() {
        *per_second.entry(message.second).or_default() += 1;
    }
    let counts: Vec<u32> = per_second.values().copied().collect();
    let full: Vec<u32> = counts
        .iter()
        .copied()
        .skip(1)
        .take(counts.len().saturating_sub(2))
        .collect();
    let mut sorted = full.clone();
    sorted.sort_unstable();
    println!(
        "      per second: {counts:?}; full seconds: median {}, max {} (limit {mps})",
        sorted.get(sorted.len() / 2).copied().unwrap_or_default(),
        sorted.last().copied().unwrap_or_default()
    );
    println!(
        "  {:<9} {mps:>5} mps setting: {sent}/{messages} sent by {invocations} concurrent invocations in {elapsed:.1} s = {:.0} sends/s; fake answered 130429 {} times; Graph requests {}; sender CPU {:.0} µs per send",
        match backend {
            Backend::Moto => "moto",
            Backend::Dynalite(_) => "dynalite",
        },
        sent as f64 / elapsed,
        graph.rate_limited(),
        graph.sent().len() + graph.rate_limited(),
        cpu_per_send * 1e6,
    );
}

/// AWS requests one send makes (steady state: account cached, a pacing slot free).
pub(crate) async fn sender_requests_per_send() {
    let mut stack = TestStack::new().await;
    let _graph = stack.fake_graph().await;
    let account = stack
        .tenant(&unique_phone_number_id(), "bench-secret", "bench-verify-token")
        .await;
    let inbox = stack.inbox();
    let service = sender::SenderService::from_aws(
        &sender::SenderConfig::from_env(&stack.env_of("SenderFunction")).unwrap(),
        &stack.aws,
    );
    let mut events = Vec::new();
    for i in 0..21 {
        let id = format!("msg_count{i:03}");
        let key = shared::platform::table::message(&account.org_id, "cv_count", 1_795_262_400_000 + i, &id);
        let message = queued_message(&account.org_id, "cv_count", &id, text_content());
        inbox.put_message(&key, &message).await.unwrap();
        let job = shared::inbox::outbound::OutboundJob {
            org_id: account.org_id.clone(),
            account_id: account.account_id.clone(),
            message_pk: key.pk,
            message_sk: key.sk,
            to: "16505551234".into(),
            reply_to: None,
        };
        events.push(json!({"Records": [{"messageId": id, "receiptHandle": "h", "body": job.body(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}]}));
    }
    // The first send warms the account cache; the next 20 are counted.
    service.process(serde_json::from_value(events.remove(0)).unwrap()).await;
    let counts = count_requests(async {
        for event in events {
            service.process(serde_json::from_value(event).unwrap()).await;
        }
    })
    .await;
    let per_send: Vec<String> = counts
        .iter()
        .map(|(op, n)| format!("{op} {:.2}", *n as f64 / 20.0))
        .collect();
    println!("  requests per send (account cached): {}", per_send.join(", "));
}

/// The DynamoDB requests per second this moto serves (trivial UpdateItems, 16 at a time): the
/// ceiling any local send-rate figure runs into.
pub(crate) async fn moto_ceiling() {
    let stack = TestStack::new().await;
    let records =
        shared::platform::records::Records::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
    let org = shared::platform::table::org_counters("org_ceiling");
    let client = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    client
        .put_item()
        .table_name(&table)
        .item("pk", aws_sdk_dynamodb::types::AttributeValue::S(org.pk.clone()))
        .item("sk", aws_sdk_dynamodb::types::AttributeValue::S(org.sk.clone()))
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    let total = 800;
    let records = Arc::new(records);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let records = records.clone();
        let org = org.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..total / 16 {
                records.add(&org, "n", 1).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    println!(
        "  moto ceiling: {:.0} DynamoDB UpdateItem/s (16 concurrent clients)",
        f64::from(total) / started.elapsed().as_secs_f64()
    );
}
