//! The local runtime (`make dev`): routes from template.yaml over real HTTP, and the SQS event
//! source mapping's batch semantics against moto.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use devstack::functions::SqsHandler;
use devstack::sqs_poller::SqsPoller;
use devstack::{LocalRuntime, RuntimeOptions};
use integration_tests::*;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn http(port: u16, request: String) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_local_gateway_serves_template_routes_with_the_real_handler() {
    let stack = TestStack::new().await;
    let account = stack
        .tenant(&unique_phone_number_id(), "gateway-secret", "gateway-verify-token")
        .await;
    let runtime = LocalRuntime::build(&stack.template, &stack.stack, &stack.aws, &RuntimeOptions::default()).unwrap();
    let routes: BTreeSet<String> = runtime
        .gateway
        .routes()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    for expected in [
        "GET /webhooks/whatsapp/{account}",
        "POST /webhooks/whatsapp/{account}",
        "ANY /v1/{proxy+}",
    ] {
        assert!(routes.contains(expected), "{expected} is routed: {routes:?}");
    }
    // Every path of the API's route table reaches the API function through the template's routes.
    for route in api::routes::ROUTES.iter() {
        let concrete = route.path.replace('{', "x_").replace('}', "");
        assert!(
            runtime.gateway.find(route.method, &concrete).is_some(),
            "{} {} is not routed by template.yaml",
            route.method,
            route.path
        );
    }

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stack_for_run = stack.stack.clone();
    let server = tokio::spawn(async move { runtime.run(listener, &stack_for_run, shutdown).await });

    let path = format!("/webhooks/whatsapp/{}", account.account_id);
    let (status, body) = http(port, format!("GET {path}?hub.mode=subscribe&hub.verify_token=gateway-verify-token&hub.challenge=77 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).await;
    assert_eq!((status, body.as_str()), (200, "77"));

    let payload = notification(
        &account.phone_number_id,
        serde_json::json!([{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}]),
        serde_json::json!([{"from": "16505551234", "id": "wamid.gateway", "timestamp": "1749416420", "type": "text", "text": {"body": "via the gateway"}}]),
        serde_json::Value::Null,
    );
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Hub-Signature-256: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        sign("gateway-secret", &payload),
        payload.len()
    );
    let (status, _) = http(port, head + std::str::from_utf8(&payload).unwrap()).await;
    assert_eq!(status, 200);
    let (status, _) = http(
        port,
        "DELETE /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = http(
        port,
        "GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
    )
    .await;
    assert_eq!(status, 200);
    let document: serde_json::Value = serde_json::from_str(&body).expect("the OpenAPI document is JSON");
    assert_eq!(document["openapi"], "3.1.0");

    // The runtime's ingest poller takes the delivery off the queue and stores it.
    let inbox = stack.inbox();
    let mut conversations = Vec::new();
    for _ in 0..50 {
        conversations = inbox.list_conversations(&account.org_id, 10).await.unwrap();
        if !conversations.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(conversations.len(), 1, "the delivery was ingested by the local runtime");
    assert_eq!(conversations[0].last_message_preview, "via the gateway");
    assert!(stack.drain("IngestQueue").await.is_empty());
    stop.send(true).unwrap();
    server.await.unwrap();
}

/// A worker that fails every record whose body contains "poison", and remembers what it saw.
fn poison_rejecting_worker(seen: Arc<Mutex<Vec<String>>>) -> SqsHandler {
    Arc::new(move |event: SqsEvent| {
        let seen = seen.clone();
        Box::pin(async move {
            let mut failures = Vec::new();
            for record in event.records {
                let body = record.body.unwrap_or_default();
                assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
                seen.lock().unwrap().push(body.clone());
                if body.contains("poison") {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = record.message_id.unwrap_or_default();
                    failures.push(failure);
                }
            }
            let mut response = SqsBatchResponse::default();
            response.batch_item_failures = failures;
            Ok(response)
        })
    })
}

#[tokio::test]
async fn only_failed_records_are_retried_and_a_poison_record_reaches_the_dlq() {
    let stack = TestStack::new().await;
    let url = stack.queue_url("IngestQueue");
    for body in ["{\"n\":1}", "{\"poison\":true}", "{\"n\":2}"] {
        stack
            .sqs()
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (_, arn) = stack.stack.queue("IngestQueue").unwrap();
    let poller = SqsPoller {
        client: stack.sqs(),
        function: "TestWorker".into(),
        queue_url: url.clone(),
        queue_arn: arn.to_string(),
        region: stack.stack.region.clone(),
        batch_size: 10,
        report_batch_item_failures: true,
        failed_visibility_seconds: Some(0),
        handler: poison_rejecting_worker(seen.clone()),
    };
    let max_receive: usize = 5; // template.yaml: IngestQueue RedrivePolicy maxReceiveCount
    let mut polls = 0;
    while polls < 20 {
        poller.poll_once(0).await.unwrap();
        polls += 1;
        if stack.drain("IngestDeadLetterQueue").await.len() == 1 {
            break;
        }
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.iter().filter(|b| b.contains("\"n\":1")).count(),
        1,
        "a successful record is processed once"
    );
    assert_eq!(seen.iter().filter(|b| b.contains("\"n\":2")).count(), 1);
    assert_eq!(
        seen.iter().filter(|b| b.contains("poison")).count(),
        max_receive,
        "poison retried up to maxReceiveCount"
    );
    assert!(
        stack.drain("IngestQueue").await.is_empty(),
        "nothing left on the source queue"
    );
}

#[tokio::test]
async fn an_invocation_error_returns_the_whole_batch() {
    let stack = TestStack::new().await;
    let url = stack.queue_url("IngestQueue");
    stack
        .sqs()
        .send_message()
        .queue_url(&url)
        .message_body("{}")
        .send()
        .await
        .unwrap();
    let failing: SqsHandler = Arc::new(|_| Box::pin(async { Err("boom".to_string()) }));
    let (_, arn) = stack.stack.queue("IngestQueue").unwrap();
    let poller = SqsPoller {
        client: stack.sqs(),
        function: "Failing".into(),
        queue_url: url,
        queue_arn: arn.to_string(),
        region: stack.stack.region.clone(),
        batch_size: 10,
        report_batch_item_failures: true,
        failed_visibility_seconds: Some(0),
        handler: failing,
    };
    let outcome = poller.poll_once(0).await.unwrap();
    assert_eq!((outcome.received, outcome.deleted, outcome.failed), (1, 0, 1));
    assert_eq!(stack.drain("IngestQueue").await.len(), 1, "the message is still there");
}

/// The whole loop on the local runtime: an inbound message, an agent's reply through the API, the
/// sender, the fake Graph API, and its status webhooks coming back through webhook and ingest.
#[tokio::test]
async fn a_reply_reaches_meta_once_and_comes_back_read() {
    let mut stack = TestStack::new().await;
    let graph = stack.fake_graph().await;
    let (account, api_key) = stack
        .tenant_with_key(&unique_phone_number_id(), "e2e-secret", "e2e-verify-token")
        .await;
    let runtime = LocalRuntime::build(&stack.template, &stack.stack, &stack.aws, &RuntimeOptions::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    graph.report_statuses_to(fake_graph::StatusWebhooks {
        url: format!("http://127.0.0.1:{port}/webhooks/whatsapp/{}", account.account_id),
        app_secret: "e2e-secret".into(),
        waba_id: "102290129340398".into(),
        display_phone_number: "15550783881".into(),
        step: std::time::Duration::from_millis(50),
    });
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stack_for_run = stack.stack.clone();
    let server = tokio::spawn(async move { runtime.run(listener, &stack_for_run, shutdown).await });

    let inbound = notification(
        &account.phone_number_id,
        serde_json::json!([{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}]),
        serde_json::json!([{"from": "16505551234", "id": "wamid.e2e-in", "timestamp": chrono::Utc::now().timestamp().to_string(), "type": "text", "text": {"body": "navy?"}}]),
        serde_json::Value::Null,
    );
    let post = |path: String, headers: String, body: String| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let signature = format!("X-Hub-Signature-256: {}\r\n", sign("e2e-secret", &inbound));
    let (status, _) = http(
        port,
        post(
            format!("/webhooks/whatsapp/{}", account.account_id),
            signature,
            String::from_utf8(inbound).unwrap(),
        ),
    )
    .await;
    assert_eq!(status, 200);

    let auth = format!("Authorization: Bearer {api_key}\r\n");
    let get = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n");
    let mut conversation_id = String::new();
    for _ in 0..50 {
        let (_, body) = http(port, get("/v1/conversations")).await;
        if let Some(id) = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["data"][0]["id"].as_str().map(str::to_string))
        {
            conversation_id = id;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(!conversation_id.is_empty(), "the inbound message opened a conversation");
    let (status, sent) = http(
        port,
        post(
            format!("/v1/conversations/{conversation_id}/messages"),
            auth.clone(),
            r#"{"type":"text","content":{"text":"Yes, navy in M."}}"#.into(),
        ),
    )
    .await;
    assert_eq!(status, 202, "{sent}");
    let message_id = serde_json::from_str::<serde_json::Value>(&sent).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let mut last_status = String::new();
    for _ in 0..100 {
        let (_, body) = http(port, get(&format!("/v1/conversations/{conversation_id}/messages"))).await;
        let page: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        last_status = page["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["id"] == message_id.as_str())
            .and_then(|m| m["status"].as_str())
            .unwrap_or_default()
            .to_string();
        if last_status == "read" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(last_status, "read", "statuses came back through webhook and ingest");
    assert_eq!(graph.sends_of(&message_id), 1, "sent to Meta exactly once");
    stop.send(true).unwrap();
    server.await.unwrap();
}
