//! The API's request decoding (route, path ids, limit and cursor, JSON body into its schema, send
//! validation) on arbitrary requests: every one ends in an answer, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let method = METHODS[usize::from(data.first().copied().unwrap_or(0)) % METHODS.len()];
    let _ = parts.next();
    let path = parts.next().unwrap_or("/v1/conversations");
    let query = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let path = if path.starts_with('/') { path.to_string() } else { format!("/v1/{path}") };
    let Ok(request) = lambda_http::http::Request::builder()
        .method(method)
        .uri("https://api.example")
        .body(lambda_http::Body::from(body.to_string()))
    else {
        return;
    };
    let (mut head, body) = request.into_parts();
    let Ok(uri) = lambda_http::http::Uri::builder().path_and_query(path.as_str()).build() else {
        return;
    };
    head.uri = uri;
    let request = lambda_http::http::Request::from_parts(head, body);
    let pairs: std::collections::HashMap<String, Vec<String>> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
        .collect();
    let request = lambda_http::RequestExt::with_query_string_parameters(request, pairs);
    if let Err(error) = api::decode::decode_request(&request) {
        assert!(error.status.is_client_error(), "decoding answers 4xx: {} {}", error.status, error.message);
    }
});
