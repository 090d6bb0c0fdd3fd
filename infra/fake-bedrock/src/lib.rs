//! A local stand-in for Amazon Bedrock Runtime, reached by the real SDK through its endpoint
//! override: `POST /model/{modelId}/converse` (Converse: messages, system, tools, inference
//! config, guardrail config; answers content blocks, `stopReason` and token `usage`) and
//! `POST /model/{modelId}/invoke` (InvokeModel for Titan text embeddings:
//! `{"inputText", "dimensions", "normalize"}` → `{"embedding", "inputTextTokenCount"}`).
//! What it answers follows [`script`]. Faults for tests: the next calls throttled (429
//! `ThrottlingException`), failed (500 `InternalServerException`) or slow. Every request is kept.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

pub mod script;

/// Largest request body it reads (Bedrock's own limits are far above what the fake needs).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// One request as it came: the operation (`converse`, `invoke`), the model id and the body.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    pub model_id: String,
    pub body: Value,
}

#[derive(Default)]
struct State {
    throttle_next: usize,
    fail_next: usize,
    delay: Duration,
    calls: Vec<Call>,
}

#[derive(Clone)]
pub struct FakeBedrock {
    state: Arc<Mutex<State>>,
    base_url: String,
}

fn respond(status: u16, body: Value, error_type: Option<&str>) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(kind) = error_type {
        response = response.header("x-amzn-errortype", kind);
    }
    response
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}

fn error(status: u16, kind: &str, message: &str) -> hyper::Response<Full<Bytes>> {
    respond(status, json!({"message": message}), Some(kind))
}

/// A path segment with its `%XX` escapes decoded (model ids carry `:`).
fn decoded(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

impl FakeBedrock {
    /// Serves on `listener` until the process ends.
    pub fn serve(listener: TcpListener) -> Self {
        let address = listener.local_addr().expect("bound listener");
        let fake = Self {
            state: Arc::new(Mutex::new(State::default())),
            base_url: format!("http://{address}"),
        };
        let server = fake.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let fake = server.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let fake = fake.clone();
                        async move { Ok::<_, std::convert::Infallible>(fake.answer(request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        fake
    }

    /// Binds a free local port and serves there.
    pub async fn start() -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").await.expect("a free port"))
    }

    /// The endpoint to give the SDK (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
    pub fn url(&self) -> &str {
        &self.base_url
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next `n` calls answer 429 `ThrottlingException`.
    pub fn throttle_next(&self, n: usize) {
        self.state().throttle_next = n;
    }

    /// The next `n` calls answer 500 `InternalServerException`.
    pub fn fail_next(&self, n: usize) {
        self.state().fail_next = n;
    }

    /// Every answer waits this long first.
    pub fn slow(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Every request so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    async fn answer(&self, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
        let path = request.uri().path().to_string();
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let (model_id, operation) = match (request.method().as_str(), segments.as_slice()) {
            ("POST", ["model", model, operation @ ("converse" | "invoke")]) => (decoded(model), operation.to_string()),
            _ => return error(404, "ResourceNotFoundException", &format!("no route {path}")),
        };
        let Ok(collected) = http_body_util::Limited::new(request.into_body(), MAX_BODY)
            .collect()
            .await
        else {
            return error(400, "ValidationException", "the body could not be read");
        };
        let Ok(body) = serde_json::from_slice::<Value>(&collected.to_bytes()) else {
            return error(400, "ValidationException", "the body is not JSON");
        };
        let delay = {
            let mut state = self.state();
            state.calls.push(Call {
                operation: operation.clone(),
                model_id: model_id.clone(),
                body: body.clone(),
            });
            if state.throttle_next > 0 {
                state.throttle_next -= 1;
                return error(
                    429,
                    "ThrottlingException",
                    "Too many requests, please wait before trying again.",
                );
            }
            if state.fail_next > 0 {
                state.fail_next -= 1;
                return error(500, "InternalServerException", "The model failed (a scripted fault).");
            }
            state.delay
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match operation.as_str() {
            "converse" => converse(&body),
            _ => invoke(&model_id, &body),
        }
    }
}

fn converse(body: &Value) -> hyper::Response<Full<Bytes>> {
    if body
        .get("messages")
        .and_then(Value::as_array)
        .is_none_or(|m| m.is_empty())
    {
        return error(400, "ValidationException", "messages: at least one message is required");
    }
    let (content, stop) = script::converse(body);
    let input = script::input_tokens(body);
    let output = script::tokens(&Value::Array(content.clone()).to_string());
    respond(
        200,
        json!({"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
            "usage": {"inputTokens": input, "outputTokens": output, "totalTokens": input + output},
            "metrics": {"latencyMs": 1}}),
        None,
    )
}

fn invoke(model_id: &str, body: &Value) -> hyper::Response<Full<Bytes>> {
    if !model_id.starts_with("amazon.titan-embed-text") {
        return error(
            400,
            "ValidationException",
            &format!("the fake embeds only with Titan text embeddings, not {model_id}"),
        );
    }
    let Some(text) = body.get("inputText").and_then(Value::as_str) else {
        return error(400, "ValidationException", "inputText is required");
    };
    let dimensions = body.get("dimensions").and_then(Value::as_u64).unwrap_or(1024);
    if ![256, 512, 1024].contains(&dimensions) {
        return error(400, "ValidationException", "dimensions must be 256, 512 or 1024");
    }
    respond(
        200,
        json!({"embedding": script::embedding(text, dimensions as usize), "inputTextTokenCount": script::tokens(text)}),
        None,
    )
}
