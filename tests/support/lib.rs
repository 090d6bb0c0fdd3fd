//! Test support: a private stack per test on the moto server `make test` started, tenants with
//! known secrets, and Lambda events in the shapes AWS sends (built from the samples in `events/`).

pub mod costs;
pub mod event_tap;
mod fixture;
pub mod inbox;
pub mod live_rig;
pub mod outreach;
pub mod receiver;
pub mod recorder;
pub mod stream_tap;

pub use fixture::{Fixture, Tenant};

use aws_config::SdkConfig;
use devstack::stack::Stack;
use devstack::template::Template;
use serde_json::Value;
use shared::access::tenancy::{NewWhatsAppAccount, WhatsAppAccount};
use shared::access::tenancy_store::{NewOrganization, TenancyStore};
use shared::platform::secret::Secret;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Midnight (UTC, epoch seconds) of a Monday at least a week ahead: business-hours tests do not
/// depend on today's date, and their messages are never in the past.
pub fn a_monday_ahead() -> i64 {
    let mut day = chrono::Utc::now().date_naive() + chrono::Days::new(7);
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Mon {
        day = day.succ_opt().expect("a next day");
    }
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

pub fn template() -> Template {
    Template::load(&repo_root().join("template.yaml")).expect("template.yaml loads")
}

pub fn read_event(name: &str) -> Value {
    let path = repo_root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .expect("event is JSON")
}

pub async fn aws() -> SdkConfig {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "AWS_ENDPOINT_URL is not set: run the integration tests with `make test`, which starts moto for them"
    );
    // moto serves on one core beside the build and clippy: a connection may wait for its accept
    // longer than the SDK's default connect timeout (3.1 s) on a loaded machine.
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(30))
        .build();
    shared::platform::load_aws_config()
        .await
        .into_builder()
        .timeout_config(timeouts)
        .build()
}

/// A stack of its own for one test, so tests run in parallel and "the queue is empty" means it.
pub struct TestStack {
    pub template: Template,
    pub stack: Stack,
    pub aws: SdkConfig,
}

/// The access token of every account [`TestStack::tenant`] registers.
pub const ACCESS_TOKEN: &str = "access-token";

static STACK_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestStack {
    pub async fn new() -> Self {
        shared::platform::telemetry::init_tracing();
        let aws = aws().await;
        let template = template();
        let unique = format!(
            "t{}{}",
            &ulid::Ulid::new().to_string().to_lowercase()[20..],
            STACK_COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let mut stack = Stack::provision(&template, &unique, &aws)
            .await
            .expect("stack provisions on moto");
        // The tests' webhook receivers listen on loopback, as make dev's do.
        stack.parameters.insert("WebhooksAllowLoopback".into(), "true".into());
        Self { template, stack, aws }
    }

    /// The resolved environment of a function, as Lambda would give it.
    pub fn env_of(&self, logical_id: &str) -> HashMap<String, String> {
        let spec = self
            .template
            .functions()
            .expect("functions parse")
            .into_iter()
            .find(|f| f.logical_id == logical_id)
            .unwrap_or_else(|| panic!("no function {logical_id}"));
        self.stack
            .environment_of(&spec)
            .expect("environment resolves")
            .into_iter()
            .collect()
    }

    pub fn queue_url(&self, logical_id: &str) -> String {
        self.stack
            .queue(logical_id)
            .unwrap_or_else(|| panic!("no queue {logical_id}"))
            .0
            .to_string()
    }

    pub fn name_of(&self, logical_id: &str) -> String {
        self.stack
            .resolve(&serde_yaml::Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
                tag: serde_yaml::value::Tag::new("Ref"),
                value: serde_yaml::Value::String(logical_id.into()),
            })))
            .expect("resource exists")
    }

    pub fn contacts(&self) -> shared::inbox::contact_store::ContactStore {
        shared::inbox::contact_store::ContactStore::new(aws_sdk_dynamodb::Client::new(&self.aws), self.name_of("Table"))
    }

    pub fn tenancy(&self) -> TenancyStore {
        TenancyStore::new(aws_sdk_dynamodb::Client::new(&self.aws), self.name_of("Table"))
    }

    /// Seals and opens secrets with the stack's key, as the functions do.
    pub fn keeper(&self) -> std::sync::Arc<dyn shared::platform::secret_keeper::SecretKeeper> {
        shared::platform::secret_keeper::KmsSecretKeeper::shared(&self.aws, &self.name_of("SecretsKey"))
    }

    pub fn account_secrets(&self) -> shared::access::account_store::AccountStore {
        shared::access::account_store::AccountStore::new(
            aws_sdk_dynamodb::Client::new(&self.aws),
            self.name_of("Table"),
            self.keeper(),
        )
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.aws)
    }

    /// Creates an organization with one account whose secrets are `app_secret` / `verify_token`.
    pub async fn tenant(&self, phone_number_id: &str, app_secret: &str, verify_token: &str) -> WhatsAppAccount {
        self.tenant_with_key(phone_number_id, app_secret, verify_token).await.0
    }

    /// Like [`TestStack::tenant`], also returning the organization's first API key in clear.
    pub async fn tenant_with_key(
        &self,
        phone_number_id: &str,
        app_secret: &str,
        verify_token: &str,
    ) -> (WhatsAppAccount, String) {
        let org = self
            .tenancy()
            .create_organization(NewOrganization {
                org_id: None,
                name: format!("Org of {phone_number_id}"),
                owner_email: format!("owner-{phone_number_id}@example.com"),
                owner_name: "Owner".into(),
            })
            .await
            .expect("organization created");
        let account = self
            .tenancy()
            .register_account(
                &org.organization.org_id,
                None,
                NewWhatsAppAccount {
                    phone_number_id: phone_number_id.into(),
                    waba_id: "102290129340398".into(),
                    display_phone_number: "15550783881".into(),
                    verify_token: Secret::new(verify_token),
                    app_secret: Secret::new(app_secret),
                    access_token: Secret::new(ACCESS_TOKEN),
                    throughput_mps: 80,
                },
                self.keeper().as_ref(),
            )
            .await
            .expect("account registered");
        (account, org.api_key_plaintext)
    }

    pub fn inbox(&self) -> inbox::Inbox {
        inbox::Inbox::new(aws_sdk_dynamodb::Client::new(&self.aws), &self.name_of("Table"))
    }

    /// Starts a fake Graph API that accepts the tenants' token and points the functions at it.
    pub async fn fake_graph(&mut self) -> fake_graph::FakeGraph {
        let graph = fake_graph::FakeGraph::start(vec![ACCESS_TOKEN.to_string()]).await;
        self.stack
            .parameters
            .insert("GraphApiBaseUrl".into(), graph.base_url().to_string());
        graph
    }

    /// Every message on a queue, received until a receive comes back empty (moto may answer a
    /// receive empty while a publish is still landing).
    pub async fn drain_settled(&self, logical_id: &str) -> Vec<aws_sdk_sqs::types::Message> {
        let mut all = Vec::new();
        loop {
            let more = self.drain(logical_id).await;
            if more.is_empty() {
                return all;
            }
            all.extend(more);
        }
    }

    /// Every message on a queue (received and hidden, so none is counted twice).
    pub async fn drain(&self, logical_id: &str) -> Vec<aws_sdk_sqs::types::Message> {
        let url = self.queue_url(logical_id);
        let mut messages = Vec::new();
        loop {
            let received = self
                .sqs()
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .visibility_timeout(300)
                .wait_time_seconds(0)
                .message_attribute_names("All")
                .send()
                .await
                .expect("receive");
            let batch = received.messages.unwrap_or_default();
            if batch.is_empty() {
                return messages;
            }
            messages.extend(batch);
        }
    }
}

/// A POST as API Gateway (HTTP API, payload 2.0) delivers it, based on `events/webhook-post-text.json`.
pub fn webhook_post(
    account_id: &str,
    body: &[u8],
    signature: Option<&str>,
    base64_encoded: bool,
) -> lambda_http::Request {
    let mut event = read_event("webhook-post-text.json");
    event["rawPath"] = Value::String(format!("/webhooks/whatsapp/{account_id}"));
    event["requestContext"]["http"]["path"] = event["rawPath"].clone();
    event["pathParameters"]["account"] = Value::String(account_id.into());
    event["requestContext"]["requestId"] = Value::String(ulid::Ulid::new().to_string());
    let headers = event["headers"].as_object_mut().expect("headers");
    headers.insert("content-length".into(), Value::String(body.len().to_string()));
    match signature {
        Some(signature) => headers.insert("x-hub-signature-256".into(), Value::String(signature.into())),
        None => headers.remove("x-hub-signature-256"),
    };
    if base64_encoded {
        event["body"] = Value::String(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, body));
        event["isBase64Encoded"] = Value::Bool(true);
    } else {
        event["body"] = Value::String(String::from_utf8(body.to_vec()).expect("text body"));
        event["isBase64Encoded"] = Value::Bool(false);
    }
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway v2 event")
}

/// Meta's verification GET, based on `events/webhook-get-verify.json`.
pub fn webhook_get(account_id: &str, query: &[(&str, &str)]) -> lambda_http::Request {
    let mut event = read_event("webhook-get-verify.json");
    event["rawPath"] = Value::String(format!("/webhooks/whatsapp/{account_id}"));
    event["requestContext"]["http"]["path"] = event["rawPath"].clone();
    event["pathParameters"]["account"] = Value::String(account_id.into());
    event["rawQueryString"] = Value::String(
        query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
    );
    event["queryStringParameters"] = Value::Object(
        query
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    );
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway v2 event")
}

pub fn sign(secret: &str, body: &[u8]) -> String {
    shared::access::webhook_auth::sign(secret.as_bytes(), body)
}

pub fn body_text(response: &lambda_http::Response<lambda_http::Body>) -> String {
    String::from_utf8_lossy(response.body().as_ref()).into_owned()
}

pub fn error_code(response: &lambda_http::Response<lambda_http::Body>) -> String {
    let v: Value = serde_json::from_str(&body_text(response)).expect("error body is JSON");
    v["error"]["code"].as_str().expect("error.code").to_string()
}

/// A phone number id no other test uses (the claim on it is global).
pub fn unique_phone_number_id() -> String {
    let n = ulid::Ulid::new().0 % 1_000_000_000_000;
    format!("9{n:012}")
}

/// The receive time `ingest_event` stamps on deliveries: when the test binary started.
pub fn received_at_ms() -> u64 {
    static AT: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| chrono::Utc::now().timestamp_millis() as u64);
    *AT
}

/// The SQS event Lambda delivers for webhook deliveries, as the webhook function enqueues them.
pub fn ingest_event(
    deliveries: &[(&str, &shared::access::tenancy::WhatsAppAccount, &[u8])],
) -> aws_lambda_events::event::sqs::SqsEvent {
    let records: Vec<Value> = deliveries
        .iter()
        .map(|(message_id, account, body)| {
            serde_json::json!({
                "messageId": message_id,
                "receiptHandle": format!("handle-{message_id}"),
                "body": String::from_utf8(body.to_vec()).expect("text body"),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000", "SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1700000000000"},
                "messageAttributes": {
                    "sb-org-id": {"stringValue": account.org_id, "dataType": "String", "stringListValues": [], "binaryListValues": []},
                    "sb-account-id": {"stringValue": account.account_id, "dataType": "String", "stringListValues": [], "binaryListValues": []},
                    "sb-received-at-ms": {"stringValue": received_at_ms().to_string(), "dataType": "Number", "stringListValues": [], "binaryListValues": []},
                    "sb-payload-location": {"stringValue": "inline", "dataType": "String", "stringListValues": [], "binaryListValues": []},
                },
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:IngestQueue",
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({"Records": records})).expect("SQS event")
}

/// A `messages` notification for `phone_number_id` with these contacts, messages and statuses.
pub fn notification(phone_number_id: &str, contacts: Value, messages: Value, statuses: Value) -> Vec<u8> {
    let mut value = serde_json::json!({"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id}});
    if !contacts.is_null() {
        value["contacts"] = contacts;
    }
    if !messages.is_null() {
        value["messages"] = messages;
    }
    if !statuses.is_null() {
        value["statuses"] = statuses;
    }
    serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]})
        .to_string()
        .into_bytes()
}

/// An agent API request as API Gateway (HTTP API, payload 2.0) delivers it.
pub fn api_request(
    method: &str,
    path_and_query: &str,
    api_key: Option<&str>,
    body: Option<&str>,
) -> lambda_http::Request {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut headers = serde_json::json!({"accept": "application/json", "content-type": "application/json", "host": "api.example.com"});
    if let Some(key) = api_key {
        headers["authorization"] = Value::String(format!("Bearer {key}"));
    }
    let mut query_parameters = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query_parameters.insert(k.to_string(), Value::String(v.to_string()));
    }
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "api.example.com", "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "tests"},
            "requestId": ulid::Ulid::new().to_string(), "routeKey": format!("{method} {path}"), "stage": "$default", "time": "21/Nov/2026:12:00:00 +0000", "timeEpoch": 0},
        "isBase64Encoded": false,
    });
    if !query_parameters.is_empty() {
        event["queryStringParameters"] = Value::Object(query_parameters);
    }
    if let Some(body) = body {
        event["body"] = Value::String(body.to_string());
    }
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway v2 event")
}

/// An agent API request with a binary body (`isBase64Encoded`), as API Gateway delivers uploads.
pub fn api_binary_request(
    path_and_query: &str,
    api_key: &str,
    body: &[u8],
    content_type: &str,
) -> lambda_http::Request {
    use base64::Engine;
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut query_parameters = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query_parameters.insert(k.to_string(), Value::String(v.to_string()));
    }
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "ANY /v1/{proxy+}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"content-type": content_type, "host": "api.example.com", "authorization": format!("Bearer {api_key}")},
        "queryStringParameters": query_parameters,
        "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "api.example.com", "domainPrefix": "api",
            "http": {"method": "POST", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "tests"},
            "requestId": ulid::Ulid::new().to_string(), "routeKey": "ANY /v1/{proxy+}", "stage": "$default", "time": "21/Nov/2026:12:00:00 +0000", "timeEpoch": 0},
        "body": base64::engine::general_purpose::STANDARD.encode(body),
        "isBase64Encoded": true,
    });
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway v2 event")
}

pub fn json_body(response: &lambda_http::Response<lambda_http::Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null)
}

/// An outbound message as the API stores it before the sender takes it (`queued`).
pub fn queued_message(
    org_id: &str,
    conversation_id: &str,
    message_id: &str,
    content: shared::meta::Content,
) -> shared::inbox::Message {
    shared::inbox::Message {
        org_id: org_id.into(),
        conversation_id: conversation_id.into(),
        message_id: message_id.into(),
        wamid: None,
        direction: shared::inbox::Direction::Outbound,
        message_type: "text".into(),
        content,
        status: "queued".into(),
        status_rank: 0,
        meta_timestamp: 1_795_262_400,
        received_at_ms: 1_795_262_400_000,
        context: None,
        referral: None,
        errors: vec![],
        status_errors: vec![],
        media: None,
        pricing: None,
        created_at: "2026-11-21T12:00:00.000Z".into(),
        edited_at: None,
        revoked_at: None,
        previous_contents: vec![],
        origin: None,
    }
}
