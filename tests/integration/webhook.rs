//! The webhook function's real handler, fed API Gateway v2 events, against moto.

use integration_tests::*;
use lambda_http::http::StatusCode;
use shared::inbox::delivery::{PayloadPointer, attribute};
use shared::platform::secret::Secret;
use webhook::MAX_BODY_BYTES;

const SECRET: &str = "a-secret";
const OTHER_SECRET: &str = "b-secret";
const TOKEN: &str = "a-verify-token-0123";

fn sample() -> Vec<u8> {
    std::fs::read(repo_root().join("events/meta/inbound-text.json")).unwrap()
}

/// What these tests ask of the shared fixture.
trait WebhookFixture {
    async fn post(
        &self,
        account_id: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> lambda_http::Response<lambda_http::Body>;
    async fn assert_queue_empty(&self);
}

impl WebhookFixture for Fixture {
    async fn post(
        &self,
        account_id: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> lambda_http::Response<lambda_http::Body> {
        self.webhook
            .handle(webhook_post(account_id, body, signature, false))
            .await
            .unwrap()
    }

    async fn assert_queue_empty(&self) {
        let messages = self.stack.drain("IngestQueue").await;
        assert!(
            messages.is_empty(),
            "expected nothing enqueued, found {}",
            messages.len()
        );
    }
}

fn attribute_of<'a>(message: &'a aws_sdk_sqs::types::Message, name: &str) -> &'a str {
    message
        .message_attributes()
        .and_then(|a| a.get(name))
        .and_then(|v| v.string_value())
        .unwrap_or_default()
}

#[tokio::test]
async fn signed_post_enqueues_exactly_one_message_with_the_raw_body() {
    let f = Fixture::new().await;
    let before = chrono::Utc::now().timestamp_millis() as u64;
    let body = sample();
    let response = f.post(&f.a.account.account_id, &body, Some(&sign(SECRET, &body))).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", body_text(&response));

    let messages = f.stack.drain("IngestQueue").await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.body().unwrap().as_bytes(), &body[..], "body byte for byte");
    assert_eq!(attribute_of(message, attribute::ORG_ID), f.a.account.org_id);
    assert_eq!(attribute_of(message, attribute::ACCOUNT_ID), f.a.account.account_id);
    assert_eq!(attribute_of(message, attribute::PAYLOAD_LOCATION), "inline");
    let received_at: u64 = attribute_of(message, attribute::RECEIVED_AT_MS).parse().unwrap();
    assert!(received_at >= before && received_at <= chrono::Utc::now().timestamp_millis() as u64);
}

#[tokio::test]
async fn escaped_unicode_and_whitespace_survive_byte_for_byte() {
    let f = Fixture::new().await;
    // Meta signs the escaped form; a re-serialisation would turn \u00e9 into é and drop spaces.
    let body = "{\"object\": \"whatsapp_business_account\", \"entry\": [{\"id\":\"1\",\"name\":\"Ren\\u00e9 \\ud83d\\ude00\", \"raw\":\"é😀\"}]}\n".as_bytes();
    let response = f.post(&f.a.account.account_id, body, Some(&sign(SECRET, body))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let messages = f.stack.drain("IngestQueue").await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body().unwrap().as_bytes(), body);
}

#[tokio::test]
async fn base64_encoded_body_is_decoded_before_the_signature_check() {
    let f = Fixture::new().await;
    let body = sample();
    let request = webhook_post(&f.a.account.account_id, &body, Some(&sign(SECRET, &body)), true);
    let response = f.webhook.handle(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let messages = f.stack.drain("IngestQueue").await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].body().unwrap().as_bytes(), &body[..]);
}

#[tokio::test]
async fn wrong_signatures_are_401_and_enqueue_nothing() {
    let f = Fixture::new().await;
    let body = sample();
    let mut flipped = sign(SECRET, &body);
    let last = flipped.pop().unwrap();
    flipped.push(if last == '0' { '1' } else { '0' });
    let cases = [
        ("flipped digit", Some(flipped)),
        ("another account's secret", Some(sign(OTHER_SECRET, &body))),
        ("missing header", None),
        ("malformed header", Some("sha1=abc".to_string())),
        ("signature of other bytes", Some(sign(SECRET, b"{}"))),
    ];
    for (case, signature) in cases {
        let response = f.post(&f.a.account.account_id, &body, signature.as_deref()).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(error_code(&response), "invalid_signature", "{case}");
    }
    // The other account's own secret still works for the other account only.
    let response = f
        .post(&f.b.account.account_id, &body, Some(&sign(OTHER_SECRET, &body)))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let messages = f.stack.drain("IngestQueue").await;
    assert_eq!(messages.len(), 1, "only the other account's valid delivery");
    assert_eq!(
        attribute_of(&messages[0], attribute::ACCOUNT_ID),
        f.b.account.account_id
    );
}

#[tokio::test]
async fn unknown_account_is_404_and_enqueues_nothing() {
    let f = Fixture::new().await;
    let body = sample();
    for account in ["acc_doesnotexist", "ACC_BAD", "acc%20x", "../etc"] {
        let response = f.post(account, &body, Some(&sign(SECRET, &body))).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{account}");
        assert_eq!(error_code(&response), "not_found");
    }
    f.assert_queue_empty().await;
}

#[tokio::test]
async fn oversize_body_is_413_and_enqueues_nothing() {
    let f = Fixture::new().await;
    let mut body = b"{\"pad\":\"".to_vec();
    body.resize(MAX_BODY_BYTES + 1 - 2, b'a');
    body.extend_from_slice(b"\"}");
    assert_eq!(body.len(), MAX_BODY_BYTES + 1);
    let response = f.post(&f.a.account.account_id, &body, Some(&sign(SECRET, &body))).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&response), "payload_too_large");
    f.assert_queue_empty().await;
}

#[tokio::test]
async fn signed_non_json_is_400_and_enqueues_nothing() {
    let f = Fixture::new().await;
    for body in [&b"hello"[..], b"[1,2,3]", b"{\"truncated\":", b""] {
        let response = f.post(&f.a.account.account_id, body, Some(&sign(SECRET, body))).await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(error_code(&response), "invalid_json");
    }
    f.assert_queue_empty().await;
}

#[tokio::test]
async fn a_payload_too_large_for_sqs_travels_through_s3() {
    let f = Fixture::new().await;
    let mut body = b"{\"object\":\"whatsapp_business_account\",\"pad\":\"".to_vec();
    body.resize(1024 * 1024 - 2, b'x');
    body.extend_from_slice(b"\"}");
    let response = f.post(&f.a.account.account_id, &body, Some(&sign(SECRET, &body))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let messages = f.stack.drain("IngestQueue").await;
    assert_eq!(messages.len(), 1);
    assert_eq!(attribute_of(&messages[0], attribute::PAYLOAD_LOCATION), "s3");
    let pointer: PayloadPointer = serde_json::from_str(messages[0].body().unwrap()).unwrap();
    assert_eq!(pointer.size, body.len());
    assert!(pointer.key.starts_with(&format!(
        "webhook-payloads/{}/{}/",
        f.a.account.org_id, f.a.account.account_id
    )));
    let object = aws_sdk_s3::Client::new(&f.stack.aws)
        .get_object()
        .bucket(&pointer.bucket)
        .key(&pointer.key)
        .send()
        .await
        .unwrap();
    let stored = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(&stored[..], &body[..], "S3 holds the raw body byte for byte");
}

#[tokio::test]
async fn handshake_echoes_the_challenge_only_for_the_right_token() {
    let f = Fixture::new().await;
    let id = f.a.account.account_id.clone();
    let ok = f
        .webhook
        .handle(webhook_get(
            &id,
            &[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", TOKEN),
                ("hub.challenge", "1158201444"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(body_text(&ok), "1158201444");
    assert!(ok.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));

    let wrong = f
        .webhook
        .handle(webhook_get(
            &id,
            &[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", "second-account-verify-token"),
                ("hub.challenge", "1"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        error_code(&wrong),
        "verification_failed",
        "an error, not the echoed challenge"
    );
    let no_mode = f
        .webhook
        .handle(webhook_get(&id, &[("hub.verify_token", TOKEN), ("hub.challenge", "1")]))
        .await
        .unwrap();
    assert_eq!(no_mode.status(), StatusCode::FORBIDDEN);
    let unknown = f
        .webhook
        .handle(webhook_get(
            "acc_unknown",
            &[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", TOKEN),
                ("hub.challenge", "1"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    f.assert_queue_empty().await;
}

#[tokio::test]
async fn a_rotated_app_secret_is_used_from_the_first_delivery_signed_with_it() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let f = Fixture::new().await;
    let now = std::sync::Arc::new(AtomicI64::new(chrono::Utc::now().timestamp_millis()));
    let read = now.clone();
    let service = webhook::WebhookService::from_aws(
        &webhook::WebhookConfig::from_env(&f.stack.env_of("WebhookFunction")).unwrap(),
        &f.stack.aws,
    )
    .with_clock(shared::platform::clock::Clock::new(move || read.load(Ordering::SeqCst)));
    let post = |signature: String| {
        let request = webhook_post(&f.a.account.account_id, &sample(), Some(&signature), false);
        let service = &service;
        async move { service.handle(request).await.unwrap() }
    };
    let body = sample();
    let id = &f.a.account.account_id;
    assert_eq!(
        post(sign(SECRET, &body)).await.status(),
        StatusCode::OK,
        "warms the cache"
    );

    let rotated = "rotated-app-secret";
    f.stack
        .account_secrets()
        .replace(&f.a.account.org_id, id, &[("app_secret", Secret::new(rotated))])
        .await
        .unwrap();
    // The cache entry is fresh, but a mismatch may re-read once it is older than the refresh
    // floor: inside it, the new signature is refused; past it, accepted.
    assert_eq!(
        post(sign(rotated, &body)).await.status(),
        StatusCode::UNAUTHORIZED,
        "within the refresh floor the cached secret stands"
    );
    let floor = webhook::account_cache::MISMATCH_REFRESH_INTERVAL.as_millis() as i64;
    now.fetch_add(floor + 100, Ordering::SeqCst);
    assert_eq!(
        post(sign(rotated, &body)).await.status(),
        StatusCode::OK,
        "new secret accepted"
    );
    assert_eq!(
        post(sign(SECRET, &body)).await.status(),
        StatusCode::UNAUTHORIZED,
        "old secret refused"
    );
    assert_eq!(f.stack.drain("IngestQueue").await.len(), 2);
}
