//! The media function's real handler, driven from the media queue, against moto and the fake Graph API.

use fake_graph::{Failure, Route};
use ingest::{IngestConfig, IngestService};
use integration_tests::*;
use media::{MediaConfig, MediaService};
use serde_json::{Value, json};
use shared::inbox::MediaState;
use shared::meta::Content;
use std::sync::Arc;

/// What these tests ask of the shared fixture.
trait MediaFixture {
    /// Ingests an image message that refers to `media_id` with `bytes`' SHA-256.
    async fn ingest_image(&self, wamid: &str, media_id: &str, bytes: &[u8]);
    /// Runs the media function from its queue until the queue is empty (or `max_polls`).
    async fn run_media_function(&self, max_polls: usize);
    async fn image_message(&self, wamid: &str) -> shared::inbox::Message;
    async fn object(&self, key: &str) -> (Vec<u8>, Option<String>);
}

impl MediaFixture for Fixture {
    /// Ingests an image message that refers to `media_id` with `bytes`' SHA-256.
    async fn ingest_image(&self, wamid: &str, media_id: &str, bytes: &[u8]) {
        use base64::Engine;
        use sha2::Digest;
        let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes));
        let message = json!({"from": "16505551234", "id": wamid, "timestamp": "1749416450", "type": "image",
            "image": {"id": media_id, "mime_type": "image/png", "sha256": sha, "caption": "navy, like this?"}});
        let body = notification(
            &self.a.account.phone_number_id,
            json!([{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}]),
            json!([message]),
            Value::Null,
        );
        let ingest = IngestService::from_aws(
            &IngestConfig::from_env(&self.stack.env_of("IngestFunction")).unwrap(),
            &self.stack.aws,
        );
        let (response, summary) = ingest.process(ingest_event(&[("i1", &self.a.account, &body)])).await;
        assert!(response.batch_item_failures.is_empty());
        assert_eq!(summary.messages_stored, 1);
    }

    /// Runs the media function from its queue until the queue is empty (or `max_polls`).
    async fn run_media_function(&self, max_polls: usize) {
        let service = Arc::new(MediaService::from_aws(
            &MediaConfig::from_env(&self.stack.env_of("MediaFunction")).expect("template gives media its config"),
            &self.stack.aws,
        ));
        let handler: devstack::functions::SqsHandler = Arc::new(move |event| {
            let service = service.clone();
            Box::pin(async move { Ok(service.process(event).await.0) })
        });
        let (url, arn) = self.stack.stack.queue("MediaQueue").unwrap();
        let poller = devstack::sqs_poller::SqsPoller {
            client: self.stack.sqs(),
            function: "MediaFunction".into(),
            queue_url: url.to_string(),
            queue_arn: arn.to_string(),
            region: self.stack.stack.region.clone(),
            batch_size: 5,
            report_batch_item_failures: true,
            failed_visibility_seconds: Some(0),
            handler,
        };
        for _ in 0..max_polls {
            let outcome = poller.poll_once(0).await.unwrap();
            if outcome.received == 0 {
                return;
            }
        }
    }

    async fn image_message(&self, wamid: &str) -> shared::inbox::Message {
        let inbox = self.inbox();
        let key = inbox
            .message_key_of(&self.a.account.org_id, wamid)
            .await
            .unwrap()
            .expect("message stored");
        inbox.message(&key).await.unwrap().unwrap()
    }

    async fn object(&self, key: &str) -> (Vec<u8>, Option<String>) {
        let object = aws_sdk_s3::Client::new(&self.stack.aws)
            .get_object()
            .bucket(self.stack.name_of("MediaBucket"))
            .key(key)
            .send()
            .await
            .unwrap();
        let content_type = object.content_type().map(str::to_string);
        (object.body.collect().await.unwrap().into_bytes().to_vec(), content_type)
    }
}

fn photo() -> Vec<u8> {
    std::fs::read(repo_root().join("events/media/demo-photo.png")).unwrap()
}

#[tokio::test]
async fn media_is_copied_to_s3_and_recorded_on_the_message() {
    let f = Fixture::new().await;
    f.graph.add_media("media-1", photo(), "image/png");
    f.ingest_image("wamid.img1", "media-1", &photo()).await;
    f.run_media_function(5).await;

    let message = f.image_message("wamid.img1").await;
    let media = message.media.expect("media reference");
    assert_eq!(media.state, MediaState::Stored);
    let key = media.s3_key.expect("S3 key recorded");
    assert!(key.starts_with(&format!("media/{}/", f.a.account.org_id)), "{key}");
    assert_eq!(media.size, Some(photo().len() as u64));
    let (bytes, content_type) = f.object(&key).await;
    assert_eq!(bytes, photo());
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert_eq!(f.graph.requests(Route::MediaDownload), 1);
}

#[tokio::test]
async fn an_expired_download_url_is_renewed_once() {
    let f = Fixture::new().await;
    f.graph.add_media("media-2", photo(), "image/png");
    f.graph.expire_next_urls(1);
    f.ingest_image("wamid.img2", "media-2", &photo()).await;
    f.run_media_function(5).await;
    assert_eq!(
        f.image_message("wamid.img2").await.media.unwrap().state,
        MediaState::Stored
    );
    assert_eq!(f.graph.requests(Route::MediaMetadata), 2, "a fresh URL was asked for");
    assert_eq!(f.graph.requests(Route::MediaDownload), 2);
}

#[tokio::test]
async fn graph_5xx_is_retried_until_it_succeeds() {
    let f = Fixture::new().await;
    f.graph.add_media("media-3", photo(), "image/png");
    f.graph.fail_next(
        Route::MediaMetadata,
        Failure::Status {
            http: 500,
            graph_code: 1,
        },
        2,
    );
    f.ingest_image("wamid.img3", "media-3", &photo()).await;
    f.run_media_function(10).await;
    assert_eq!(
        f.image_message("wamid.img3").await.media.unwrap().state,
        MediaState::Stored
    );
    assert_eq!(f.graph.requests(Route::MediaMetadata), 3);
    assert!(f.stack.drain("MediaDeadLetterQueue").await.is_empty());
}

#[tokio::test]
async fn a_permanent_failure_goes_to_the_dlq_and_leaves_the_message_intact() {
    let f = Fixture::new().await;
    // Meta does not know this media id (expired or never existed): 404, code 100.
    f.ingest_image("wamid.img4", "media-unknown", &photo()).await;
    f.run_media_function(5).await;
    let message = f.image_message("wamid.img4").await;
    let media = message.media.clone().unwrap();
    assert_eq!(media.state, MediaState::Failed);
    assert!(media.failure.unwrap().contains("404"));
    assert!(
        matches!(message.content, Content::Media { ref caption, .. } if caption.as_deref() == Some("navy, like this?")),
        "text intact"
    );
    let dead = f.stack.drain("MediaDeadLetterQueue").await;
    assert_eq!(dead.len(), 1);
    let job: Value = serde_json::from_str(dead[0].body().unwrap()).unwrap();
    assert_eq!(job["media_id"], "media-unknown");
    assert!(f.stack.drain("MediaQueue").await.is_empty());
}

#[tokio::test]
async fn bytes_that_do_not_match_metas_sha256_are_not_stored() {
    let f = Fixture::new().await;
    f.graph.add_media("media-5", b"not the photo".to_vec(), "image/png");
    f.ingest_image("wamid.img5", "media-5", &photo()).await;
    f.run_media_function(3).await;
    let media = f.image_message("wamid.img5").await.media.unwrap();
    assert_ne!(media.state, MediaState::Stored);
    assert!(media.s3_key.is_none());
}

#[tokio::test]
async fn a_job_whose_last_receive_fails_marks_its_media_failed_and_is_dead_lettered() {
    let f = Fixture::new().await;
    f.graph.add_media("media-6", photo(), "image/png");
    f.graph.fail_next(
        Route::MediaMetadata,
        Failure::Status {
            http: 503,
            graph_code: 2,
        },
        1,
    );
    f.ingest_image("wamid.img6", "media-6", &photo()).await;
    // The job's last allowed receive (the queue's maxReceiveCount), as Lambda would hand it over.
    let max = f.stack.env_of("MediaFunction")["MAX_RECEIVE_COUNT"].clone();
    let jobs = f.stack.drain("MediaQueue").await;
    let records: Vec<Value> = jobs
        .iter()
        .map(|m| {
            json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
            "attributes": {"ApproximateReceiveCount": max}, "messageAttributes": {}, "eventSource": "aws:sqs"})
        })
        .collect();
    let service = MediaService::from_aws(
        &MediaConfig::from_env(&f.stack.env_of("MediaFunction")).unwrap(),
        &f.stack.aws,
    );
    let (response, summary) = service
        .process(serde_json::from_value(json!({"Records": records})).unwrap())
        .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.dead_lettered, 1);
    let media = f.image_message("wamid.img6").await.media.unwrap();
    assert_eq!(media.state, MediaState::Failed);
    assert!(
        media
            .failure
            .unwrap()
            .contains(&format!("gave up after {max} receives"))
    );
    let dead = f.stack.drain("MediaDeadLetterQueue").await;
    let reason = dead[0].message_attributes().unwrap()[shared::platform::sqs_batch::FAILURE_REASON_ATTRIBUTE]
        .string_value()
        .unwrap()
        .to_string();
    assert!(reason.contains("503"), "{reason}");
}
