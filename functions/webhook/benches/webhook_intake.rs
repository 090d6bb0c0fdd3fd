//! CPU per webhook POST: signature check, JSON validation and enqueue preparation, for a 2 KB and a
//! 1 MB payload. The stores are in memory so only the handler's own work is measured; the cost of
//! decoding the API Gateway event (done by lambda_http before the handler runs) is measured apart.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use shared::access::accounts::AccountDirectory;
use shared::access::tenancy::WebhookAccount;
use shared::platform::StoreError;
use shared::platform::ingest_queue::{DeliveryAttributes, IngestQueue};
use shared::platform::payload_store::PayloadStore;
use shared::platform::secret::Secret;
use std::hint::black_box;
use std::time::Duration;
use webhook::WebhookService;

const SECRET: &str = "bench-app-secret";

struct OneAccount;

#[async_trait::async_trait]
impl AccountDirectory for OneAccount {
    async fn webhook_account(&self, account_id: &str) -> Result<Option<WebhookAccount>, StoreError> {
        Ok(Some(WebhookAccount {
            org_id: "org_bench".into(),
            account_id: account_id.into(),
            phone_number_id: "106540352242922".into(),
            verify_token: Secret::new("token"),
            app_secret: Secret::new(SECRET),
        }))
    }
}

struct DiscardQueue;

#[async_trait::async_trait]
impl IngestQueue for DiscardQueue {
    async fn send(&self, attributes: &DeliveryAttributes<'_>, body: &str) -> Result<(), StoreError> {
        black_box((attributes, body.len()));
        Ok(())
    }
}

struct DiscardPayloads;

#[async_trait::async_trait]
impl PayloadStore for DiscardPayloads {
    fn bucket(&self) -> &str {
        "bench"
    }
    async fn put(&self, _key: &str, body: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        black_box(body.len());
        Ok(())
    }
    async fn get(&self, _key: &str) -> Result<Vec<u8>, StoreError> {
        Ok(Vec::new())
    }
}

/// A Meta-shaped payload of about `size` bytes: a text message batch padded with more messages.
fn payload(size: usize) -> String {
    let message = r#"{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Does it come in another color? \u00e9"}}"#;
    let mut messages = vec![message];
    let envelope = |messages: &[&str]| {
        format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"15550783881","phone_number_id":"106540352242922"}},"contacts":[{{"profile":{{"name":"Sheena Nelson"}},"wa_id":"16505551234"}}],"messages":[{}]}},"field":"messages"}}]}}]}}"#,
            messages.join(",")
        )
    };
    while envelope(&messages).len() < size {
        messages.push(message);
    }
    envelope(&messages)
}

fn event(body: &str) -> String {
    serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /webhooks/whatsapp/{account}",
        "rawPath": "/webhooks/whatsapp/acc_bench",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "x-hub-signature-256": shared::access::webhook_auth::sign(SECRET.as_bytes(), body.as_bytes())},
        "pathParameters": {"account": "acc_bench"},
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": "bench", "domainPrefix": "bench",
            "http": {"method": "POST", "path": "/webhooks/whatsapp/acc_bench", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "requestId": "bench", "routeKey": "POST /webhooks/whatsapp/{account}", "stage": "$default", "time": "21/Nov/2026:12:00:00 +0000", "timeEpoch": 0},
        "body": body,
        "isBase64Encoded": false,
    })
    .to_string()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let service = WebhookService::new(
        Box::new(OneAccount),
        Box::new(DiscardQueue),
        Box::new(DiscardPayloads),
        Duration::from_secs(3600),
    );
    for (label, size) in [("2KB", 2 * 1024), ("1MB", 1024 * 1024)] {
        let body = payload(size);
        let event = event(&body);
        // Warm the account cache, as on a warm Lambda.
        let response = runtime
            .block_on(service.handle(lambda_http::request::from_str(&event).unwrap()))
            .unwrap();
        assert_eq!(response.status(), 200);

        let mut group = c.benchmark_group(format!("webhook_post_{label}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("handler", |b| {
            b.iter_batched(
                || lambda_http::request::from_str(&event).unwrap(),
                |request| runtime.block_on(service.handle(request)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.bench_function("decode_api_gateway_event", |b| {
            b.iter(|| lambda_http::request::from_str(black_box(&event)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
