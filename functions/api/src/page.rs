//! The agents' page, compiled into the API function and served under `/app` from the same origin
//! as `/v1`: one deployment, no CORS, and a strict Content-Security-Policy (scripts only from this
//! origin, no inline script), so a customer's text can never run as code even if it reached HTML.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_str!(concat!("../page/", $name)),
        }
    };
}

/// Every file of the page; `index.html` answers `/app` itself.
pub const ASSETS: &[Asset] = &[
    asset!("index.html", HTML),
    asset!("app.css", CSS),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("live.js", JS),
    asset!("conversation.js", JS),
    asset!("reply.js", JS),
    asset!("render.js", JS),
];

/// The asset a GET path names (`/app`, `/app/`, `/app/<file>`).
pub fn asset(path: &str) -> Option<&'static Asset> {
    let name = match path.strip_prefix("/app")? {
        "" | "/" => "index.html",
        rest => rest.strip_prefix('/')?,
    };
    ASSETS.iter().find(|asset| asset.name == name)
}

/// A strong validator per asset, so a reload costs a 304.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("\"{}\"", &hex::encode(Sha256::digest(asset.body.as_bytes()))[..16]))
        .collect()
});

/// The origin (scheme and host) of a URL, for the CSP's connect-src.
fn origin_of(url: &str) -> &str {
    match url.split_once("://") {
        Some((scheme, rest)) => &url[..scheme.len() + 3 + rest.find('/').unwrap_or(rest.len())],
        None => url,
    }
}

fn attribute_escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `media_origin`: where the API's signed media links point (the bucket), the only other place
/// images, audio and video may come from.
pub fn respond(asset: &'static Asset, request: &Request, live_url: &str, media_origin: Option<&str>) -> Response<Body> {
    let index = ASSETS.iter().position(|a| a.name == asset.name).unwrap_or(0);
    let etag = &ETAGS[index];
    // The page learns its WebSocket URL from the deployment, so the ETag covers it too.
    let body = match asset.name {
        "index.html" => asset.body.replace("{{LIVE_URL}}", &attribute_escaped(live_url)),
        _ => asset.body.to_string(),
    };
    let etag = format!(
        "{}{}\"",
        etag.trim_end_matches('"'),
        &hex::encode(Sha256::digest(live_url.as_bytes()))[..4]
    );
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    let mut response = Response::new(if fresh { Body::Empty } else { Body::Text(body) });
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let media = media_origin.map(origin_of).unwrap_or_default();
    let policy = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' {media} data: blob:; \
         media-src 'self' {media} blob:; connect-src 'self' {}; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        origin_of(live_url)
    );
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, asset.content_type.to_string()),
        (header::CACHE_CONTROL, "no-cache".to_string()),
        (header::ETAG, etag),
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        (header::REFERRER_POLICY, "no-referrer".to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_assets_and_nothing_else() {
        assert_eq!(asset("/app").unwrap().name, "index.html");
        assert_eq!(asset("/app/").unwrap().name, "index.html");
        assert_eq!(asset("/app/app.js").unwrap().name, "app.js");
        assert!(asset("/app/../Cargo.toml").is_none());
        assert!(asset("/application").is_none());
        assert!(asset("/v1/app").is_none());
    }

    #[test]
    fn every_file_of_the_page_is_served() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("page");
        for entry in std::fs::read_dir(directory).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(ASSETS.iter().any(|a| a.name == name), "page/{name} is not in ASSETS");
        }
    }

    #[test]
    fn the_live_origin_is_scheme_and_host() {
        assert_eq!(
            origin_of("wss://x.execute-api.eu-west-1.amazonaws.com/live"),
            "wss://x.execute-api.eu-west-1.amazonaws.com"
        );
        assert_eq!(origin_of("ws://127.0.0.1:3002/live"), "ws://127.0.0.1:3002");
    }
}
