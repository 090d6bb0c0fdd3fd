//! A local API Gateway (HTTP API, payload format 2.0): matches template.yaml's routes, turns each
//! HTTP request into the event API Gateway would send, and calls the function's handler with it.

use crate::functions::HttpHandler;
use crate::template::Route;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::net::TcpListener;
use tracing::info;

/// API Gateway's own request payload limit.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

pub struct Gateway {
    routes: Vec<(Route, HttpHandler)>,
    /// Functions other functions invoke synchronously, by function name: Lambda's Invoke API
    /// (`POST /2015-03-31/functions/{name}/invocations`) is served on the same port.
    invokers: BTreeMap<String, crate::functions::InvokeHandler>,
}

/// What API Gateway would do with one request.
pub struct RouteMatch<'a> {
    pub route: &'a Route,
    pub handler: &'a HttpHandler,
    pub path_parameters: BTreeMap<String, String>,
}

impl Gateway {
    pub fn new(routes: Vec<(Route, HttpHandler)>) -> Self {
        Self {
            routes,
            invokers: BTreeMap::new(),
        }
    }

    pub fn with_invokers(mut self, invokers: BTreeMap<String, crate::functions::InvokeHandler>) -> Self {
        self.invokers = invokers;
        self
    }

    /// Lambda's Invoke (RequestResponse): the function's result as the body; its error with
    /// `X-Amz-Function-Error`, as Lambda answers them.
    async fn invoke(&self, name: &str, payload: &[u8]) -> hyper::Response<Full<Bytes>> {
        let Some(handler) = self.invokers.get(name) else {
            let mut response = plain(404, r#"{"Type":"User","message":"Function not found"}"#);
            response.headers_mut().insert(
                "x-amzn-errortype",
                http::HeaderValue::from_static("ResourceNotFoundException"),
            );
            return response;
        };
        let event: Value = match serde_json::from_slice(payload) {
            Ok(event) => event,
            Err(err) => {
                return plain(
                    400,
                    &json!({"Type": "User", "message": format!("bad payload: {err}")}).to_string(),
                );
            }
        };
        match handler(event).await {
            Ok(result) => plain(200, &result.to_string()),
            Err(err) => {
                let mut response = plain(200, &json!({"errorMessage": err, "errorType": "Unhandled"}).to_string());
                response
                    .headers_mut()
                    .insert("x-amz-function-error", http::HeaderValue::from_static("Unhandled"));
                response
            }
        }
    }

    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter().map(|(route, _)| route)
    }

    pub fn find(&self, method: &str, path: &str) -> Option<RouteMatch<'_>> {
        self.routes.iter().find_map(|(route, handler)| {
            if route.method != "ANY" && route.method != method {
                return None;
            }
            match_path(&route.path, path).map(|path_parameters| RouteMatch {
                route,
                handler,
                path_parameters,
            })
        })
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(self: Arc<Self>, listener: TcpListener, shutdown: impl std::future::Future<Output = ()>) {
        crate::http_server::serve(listener, shutdown, move |request, source_ip| {
            let gateway = self.clone();
            async move { gateway.dispatch(request, source_ip).await }
        })
        .await
    }

    async fn dispatch(&self, request: hyper::Request<Incoming>, source_ip: String) -> hyper::Response<Full<Bytes>> {
        let started = std::time::Instant::now();
        let (parts, body) = request.into_parts();
        let method = parts.method.to_string();
        let path = parts.uri.path().to_string();
        let response = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
            Err(_) => plain(413, r#"{"message":"Request Entity Too Large"}"#),
            Ok(collected) => match self.find(&method, &path) {
                None if method == "POST" && path.starts_with("/2015-03-31/functions/") => {
                    let name = path
                        .trim_start_matches("/2015-03-31/functions/")
                        .trim_end_matches("/invocations");
                    self.invoke(&form_urlencoded_component(name), &collected.to_bytes())
                        .await
                }
                None => plain(404, r#"{"message":"Not Found"}"#),
                Some(found) => {
                    let event = api_gateway_v2_event(
                        &parts,
                        &collected.to_bytes(),
                        found.route,
                        &found.path_parameters,
                        &source_ip,
                    );
                    match lambda_http::request::from_str(&event.to_string()) {
                        Ok(lambda_request) => to_hyper((found.handler)(lambda_request).await),
                        Err(err) => plain(
                            500,
                            &json!({"message": format!("event not accepted by lambda_http: {err}")}).to_string(),
                        ),
                    }
                }
            },
        };
        info!(%method, %path, status = response.status().as_u16(), ms = started.elapsed().as_millis() as u64, "http");
        response
    }
}

/// Matches `/a/{b}/c` and greedy `{proxy+}` templates; returns the path parameters.
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut parameters = BTreeMap::new();
    let mut template_segments = template.trim_matches('/').split('/');
    let mut path_segments = path.trim_matches('/').split('/');
    loop {
        match (template_segments.next(), path_segments.next()) {
            (None, None) => return Some(parameters),
            (Some(t), Some(p)) if t.starts_with('{') && t.ends_with("+}") => {
                let rest: Vec<&str> = std::iter::once(p).chain(path_segments).collect();
                parameters.insert(t[1..t.len() - 2].to_string(), rest.join("/"));
                return template_segments.next().is_none().then_some(parameters);
            }
            (Some(t), Some(p)) if t.starts_with('{') && t.ends_with('}') && !p.is_empty() => {
                parameters.insert(t[1..t.len() - 1].to_string(), form_urlencoded_component(p));
            }
            (Some(t), Some(p)) if t == p => {}
            _ => return None,
        }
    }
}

fn form_urlencoded_component(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_textual(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("json")
        || essence.ends_with("+json")
        || essence.ends_with("xml")
        || essence == "application/x-www-form-urlencoded"
        || essence.ends_with("javascript")
}

/// The API Gateway HTTP API (payload format 2.0) event for one request.
pub fn api_gateway_v2_event(
    parts: &http::request::Parts,
    body: &[u8],
    route: &Route,
    path_parameters: &BTreeMap<String, String>,
    source_ip: &str,
) -> Value {
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(value.split(';').map(|c| Value::String(c.trim().to_string())));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_string(), Value::String(value));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query = Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = form_urlencoded_component(&key.replace('+', " "));
        let value = form_urlencoded_component(&value.replace('+', " "));
        match query.get_mut(&key) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                query.insert(key, Value::String(value));
            }
        }
    }
    let content_type = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) if is_textual(content_type) => (text.to_string(), false),
        _ => (
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, body),
            true,
        ),
    };
    let now = chrono::Utc::now();
    let route_key = format!("{} {}", route.method, route.path);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": parts.headers.get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": parts.headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
            "requestId": ulid::Ulid::new().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": is_base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !path_parameters.is_empty() {
        event["pathParameters"] = json!(path_parameters);
    }
    if !body.is_empty() {
        event["body"] = Value::String(body);
    }
    event
}

fn to_hyper(response: lambda_http::Response<lambda_http::Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(text) => Bytes::from(text),
        lambda_http::Body::Binary(binary) => Bytes::from(binary),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

fn plain(status: u16, body: &str) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates_match_and_extract_parameters() {
        let found = match_path("/webhooks/whatsapp/{account}", "/webhooks/whatsapp/acc_1").unwrap();
        assert_eq!(found["account"], "acc_1");
        assert!(match_path("/webhooks/whatsapp/{account}", "/webhooks/whatsapp/").is_none());
        assert!(match_path("/webhooks/whatsapp/{account}", "/webhooks/whatsapp/a/b").is_none());
        assert!(match_path("/webhooks/whatsapp/{account}", "/webhooks/other/a").is_none());
        assert_eq!(match_path("/v1/{proxy+}", "/v1/a/b/c").unwrap()["proxy"], "a/b/c");
        assert_eq!(match_path("/x/{id}", "/x/a%20b").unwrap()["id"], "a b");
    }
}
