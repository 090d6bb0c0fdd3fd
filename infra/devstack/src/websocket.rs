//! A local API Gateway WebSocket API: `ws://host:port/{stage}` runs the template's `$connect` /
//! `$disconnect` routes with the events API Gateway sends (a refused `$connect` refuses the
//! handshake with its status), and `http://host:port/{stage}/@connections/{id}` is the connection
//! management API (POST sends, DELETE closes, GET describes; an unknown id answers 410 Gone), so
//! the notifier's SDK calls run unchanged against it.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tracing::{info, warn};

pub type WebSocketHandler = Arc<
    dyn Fn(ApiGatewayWebsocketProxyRequest) -> BoxFuture<'static, Result<ApiGatewayProxyResponse, String>>
        + Send
        + Sync,
>;

/// API Gateway's largest message: 128 KB.
const MAX_MESSAGE_BYTES: usize = 128 * 1024;

struct Connection {
    outbox: mpsc::UnboundedSender<Message>,
    connected_at_ms: i64,
    source_ip: String,
}

pub struct WebSocketGateway {
    stage: String,
    /// Route key (`$connect`, `$disconnect`, `$default`) to the function behind it.
    routes: BTreeMap<String, WebSocketHandler>,
    connections: Mutex<HashMap<String, Connection>>,
}

type HttpResponse = hyper::Response<Full<Bytes>>;

fn respond(status: u16, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = hyper::Response::new(Full::new(body.into()));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

fn gone() -> HttpResponse {
    let mut response = respond(410, r#"{"message":"Gone"}"#);
    // What the SDK reads to raise GoneException.
    response
        .headers_mut()
        .insert("x-amzn-errortype", http::HeaderValue::from_static("GoneException"));
    response
}

impl WebSocketGateway {
    pub fn new(stage: &str, routes: BTreeMap<String, WebSocketHandler>) -> Self {
        Self {
            stage: stage.to_string(),
            routes,
            connections: Mutex::new(HashMap::new()),
        }
    }

    pub fn connection_count(&self) -> usize {
        self.connections.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: impl std::future::Future<Output = ()>) {
        crate::http_server::serve(listener, shutdown, move |request, source_ip| {
            let gateway = self.clone();
            async move { gateway.dispatch(request, source_ip).await }
        })
        .await
    }

    async fn dispatch(self: Arc<Self>, request: hyper::Request<Incoming>, source_ip: String) -> HttpResponse {
        let path = request.uri().path().to_string();
        let stage_path = format!("/{}", self.stage);
        if path.trim_end_matches('/') == stage_path {
            return self.connect(request, source_ip).await;
        }
        if let Some(id) = path.strip_prefix(&format!("{stage_path}/@connections/")) {
            let id = id.to_string();
            return self.manage(request, &id).await;
        }
        respond(404, r#"{"message":"Not Found"}"#)
    }

    fn event(
        &self,
        route_key: &str,
        connection_id: &str,
        source_ip: &str,
        request: Option<&http::request::Parts>,
    ) -> Value {
        let now = chrono::Utc::now();
        let mut headers = serde_json::Map::new();
        let mut query = serde_json::Map::new();
        if let Some(parts) = request {
            for (name, value) in &parts.headers {
                headers.insert(
                    name.to_string(),
                    Value::String(String::from_utf8_lossy(value.as_bytes()).into()),
                );
            }
            for pair in parts
                .uri
                .query()
                .unwrap_or_default()
                .split('&')
                .filter(|p| !p.is_empty())
            {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                query.insert(percent_decoded(key), Value::String(percent_decoded(value)));
            }
        }
        let event_type = match route_key {
            "$connect" => "CONNECT",
            "$disconnect" => "DISCONNECT",
            _ => "MESSAGE",
        };
        let mut event = json!({
            "headers": headers,
            "requestContext": {
                "routeKey": route_key,
                "eventType": event_type,
                "messageDirection": "IN",
                "stage": self.stage,
                "connectedAt": now.timestamp_millis(),
                "requestTimeEpoch": now.timestamp_millis(),
                "requestTime": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
                "identity": {"sourceIp": source_ip},
                "requestId": ulid::Ulid::new().to_string(),
                "domainName": "127.0.0.1",
                "connectionId": connection_id,
                "apiId": "local",
            },
            "isBase64Encoded": false,
        });
        if !query.is_empty() {
            event["queryStringParameters"] = Value::Object(query);
        }
        event
    }

    async fn invoke(&self, route_key: &str, event: Value) -> Result<ApiGatewayProxyResponse, String> {
        let handler = self
            .routes
            .get(route_key)
            .ok_or_else(|| format!("no {route_key} route"))?;
        let request: ApiGatewayWebsocketProxyRequest =
            serde_json::from_value(event).map_err(|e| format!("event not accepted: {e}"))?;
        handler(request).await
    }

    async fn connect(self: Arc<Self>, mut request: hyper::Request<Incoming>, source_ip: String) -> HttpResponse {
        let Some(key) = request
            .headers()
            .get("sec-websocket-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
        else {
            return respond(426, r#"{"message":"Upgrade Required"}"#);
        };
        let connection_id = ulid::Ulid::new().to_string();
        let upgrade = hyper::upgrade::on(&mut request);
        let (parts, _) = request.into_parts();
        let event = self.event("$connect", &connection_id, &source_ip, Some(&parts));
        let answer = match self.invoke("$connect", event).await {
            Ok(answer) => answer,
            Err(err) => {
                warn!("$connect failed: {err}");
                return respond(500, r#"{"message":"Internal server error"}"#);
            }
        };
        if answer.status_code != 200 {
            info!(connection = %connection_id, status = answer.status_code, "websocket refused");
            return respond(answer.status_code as u16, r#"{"message":"Forbidden"}"#);
        }
        let (outbox, inbox) = mpsc::unbounded_channel();
        if let Ok(mut connections) = self.connections.lock() {
            connections.insert(
                connection_id.clone(),
                Connection {
                    outbox,
                    connected_at_ms: chrono::Utc::now().timestamp_millis(),
                    source_ip: source_ip.clone(),
                },
            );
        }
        info!(connection = %connection_id, "websocket connected");
        let gateway = self.clone();
        tokio::spawn(async move {
            match upgrade.await {
                Ok(upgraded) => {
                    let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
                    gateway.pump(socket, inbox, &connection_id).await;
                }
                Err(err) => warn!("upgrade failed: {err}"),
            }
            gateway.disconnect(&connection_id, &source_ip).await;
        });
        let mut response = respond(101, Bytes::new());
        let headers = response.headers_mut();
        headers.insert(http::header::CONNECTION, http::HeaderValue::from_static("Upgrade"));
        headers.insert(http::header::UPGRADE, http::HeaderValue::from_static("websocket"));
        if let Ok(accept) = http::HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            headers.insert("sec-websocket-accept", accept);
        }
        response
    }

    /// Moves messages between the management API and the client until either side closes.
    async fn pump(
        &self,
        mut socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
        mut inbox: mpsc::UnboundedReceiver<Message>,
        connection_id: &str,
    ) {
        loop {
            tokio::select! {
                outgoing = inbox.recv() => match outgoing {
                    Some(message) => {
                        let closing = matches!(message, Message::Close(_));
                        if socket.send(message).await.is_err() || closing {
                            return;
                        }
                    }
                    None => return,
                },
                incoming = socket.next() => match incoming {
                    Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                        // No route but the connection ones: what API Gateway answers then.
                        let _ = socket
                            .send(Message::text(r#"{"message": "Forbidden", "connectionId":""#.to_string() + connection_id + r#""}"#))
                            .await;
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    async fn disconnect(&self, connection_id: &str, source_ip: &str) {
        if let Ok(mut connections) = self.connections.lock() {
            connections.remove(connection_id);
        }
        let event = self.event("$disconnect", connection_id, source_ip, None);
        match self.invoke("$disconnect", event).await {
            Ok(_) => info!(connection = %connection_id, "websocket disconnected"),
            Err(err) => warn!(connection = %connection_id, "$disconnect failed: {err}"),
        }
    }

    async fn manage(&self, request: hyper::Request<Incoming>, connection_id: &str) -> HttpResponse {
        let connection_id = percent_decoded(connection_id);
        let method = request.method().clone();
        let body = match Limited::new(request.into_body(), MAX_MESSAGE_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return respond(413, r#"{"message":"Payload Too Large"}"#),
        };
        let Ok(mut connections) = self.connections.lock() else {
            return respond(500, Bytes::new());
        };
        let Some(connection) = connections.get(&connection_id) else {
            return gone();
        };
        match method {
            http::Method::POST => {
                let message = match std::str::from_utf8(&body) {
                    Ok(text) => Message::text(text.to_string()),
                    Err(_) => Message::binary(body),
                };
                match connection.outbox.send(message) {
                    Ok(()) => respond(200, Bytes::new()),
                    Err(_) => {
                        connections.remove(&connection_id);
                        gone()
                    }
                }
            }
            http::Method::DELETE => {
                let _ = connection.outbox.send(Message::Close(None));
                connections.remove(&connection_id);
                respond(204, Bytes::new())
            }
            http::Method::GET => {
                let connected_at = chrono::DateTime::from_timestamp_millis(connection.connected_at_ms)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                respond(
                    200,
                    json!({"connectedAt": connected_at, "lastActiveAt": connected_at, "identity": {"sourceIp": connection.source_ip}})
                        .to_string(),
                )
            }
            _ => respond(405, Bytes::new()),
        }
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
