//! Agents connected to the live WebSocket API of a local runtime (the devstack's), for the
//! notifier's benchmarks: sessions opened directly, notices counted as the clients receive them.

use crate::{TestStack, api_request, json_body, unique_phone_number_id};
use devstack::{LocalRuntime, RuntimeOptions};
use futures::StreamExt;
use serde_json::json;
use shared::access::login_store::LoginStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct LiveRig {
    pub stack: TestStack,
    pub notifier: notifier::NotifierService,
    api: api::ApiService,
    logins: LoginStore,
    port: u16,
    agents: usize,
}

/// One organization's connected agents, and the notices they received.
pub struct LiveOrg {
    pub org_id: String,
    key: String,
    pub received: Arc<AtomicUsize>,
}

impl LiveRig {
    /// A stack whose WebSocket API is served by the local runtime on a free port.
    pub async fn new() -> Self {
        let mut stack = TestStack::new().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        stack.stack.serve_websocket_apis_at(&format!("ws://127.0.0.1:{port}"));
        let runtime =
            LocalRuntime::build(&stack.template, &stack.stack, &stack.aws, &RuntimeOptions::default()).unwrap();
        tokio::spawn(runtime.websocket.clone().serve(listener, std::future::pending()));
        let api = api::ApiService::from_aws(
            &api::ApiConfig::from_env(&stack.env_of("ApiFunction")).unwrap(),
            &stack.aws,
        );
        let logins = LoginStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
        let notifier = notifier::NotifierService::from_aws(
            &notifier::NotifierConfig::from_env(&stack.env_of("NotifierFunction")).unwrap(),
            &stack.aws,
        );
        Self {
            stack,
            notifier,
            api,
            logins,
            port,
            agents: 0,
        }
    }

    /// A new organization with no one connected.
    pub async fn organization(&self) -> LiveOrg {
        let (account, key) = self.stack.tenant_with_key(&unique_phone_number_id(), "s", "v").await;
        LiveOrg {
            org_id: account.org_id,
            key,
            received: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Connects `count` more agents of `org` (each a new agent with a session opened directly).
    pub async fn connect(&mut self, org: &LiveOrg, count: usize) {
        for _ in 0..count {
            self.agents += 1;
            let n = self.agents;
            let body =
                json!({"email": format!("live-{n}@example.com"), "full_name": format!("Agent {n}"), "role": "agent"})
                    .to_string();
            let response = self
                .api
                .handle(api_request("POST", "/v1/agents", Some(&org.key), Some(&body)))
                .await
                .unwrap();
            let agent_id = json_body(&response)["id"].as_str().unwrap().to_string();
            let now = chrono::Utc::now().timestamp_millis();
            let (token, _) = self.logins.open_session(&org.org_id, &agent_id, now).await.unwrap();
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
            let url = format!("ws://127.0.0.1:{}/live?token={}", self.port, token.plaintext);
            let (mut socket, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
            let received = org.received.clone();
            tokio::spawn(async move {
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_text() {
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    }
}

/// The EventBridge envelope of a `message.received` event of `org`, as the notifier receives it.
pub fn message_received(org: &str, i: usize) -> String {
    json!({"version": "0", "id": format!("bench-{i}"), "detail-type": "message.received", "source": "switchboard",
        "detail": {"org_id": org, "event_id": format!("message.received:wamid.bench.{i}"), "conversation_id": "cv_bench",
            "wamid": format!("wamid.bench.{i}"), "type": "text"}})
    .to_string()
}
