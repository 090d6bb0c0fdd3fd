//! `outbound`'s unit tests: content limits, Meta's request shapes, and what each Graph error
//! comes to.

use super::*;

fn text(body: &str) -> Content {
    Content::Text { body: body.into() }
}

#[test]
fn text_requests_have_metas_shape() {
    let body = graph_request("16505551234", &text("Hi"), Some("wamid.in"), None, "msg_1");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["recipient_type"], "individual");
    assert_eq!(body["type"], "text");
    assert_eq!(body["text"]["body"], "Hi");
    assert_eq!(body["text"]["preview_url"], false);
    assert_eq!(body["context"]["message_id"], "wamid.in");
    assert_eq!(body["biz_opaque_callback_data"], "msg_1");
}

#[test]
fn media_by_id_or_link_and_templates() {
    let image = Content::Media {
        media_kind: MediaKind::Image,
        media_id: "m1".into(),
        mime_type: None,
        sha256: None,
        caption: Some("blue".into()),
        filename: None,
        voice: None,
        animated: None,
    };
    let by_id = graph_request("1", &image, None, None, "x");
    assert_eq!(
        (
            by_id["type"].as_str(),
            by_id["image"]["id"].as_str(),
            by_id["image"]["caption"].as_str()
        ),
        (Some("image"), Some("m1"), Some("blue"))
    );
    let by_link = graph_request("1", &image, None, Some("https://s3/presigned"), "x");
    assert_eq!(by_link["image"]["link"], "https://s3/presigned");
    assert!(by_link["image"].get("id").is_none());
    let template = Content::Template {
        name: "order_update".into(),
        language: "en_US".into(),
        components: json!([{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]}]),
    };
    let body = graph_request("1", &template, None, None, "x");
    assert_eq!(body["template"]["language"]["code"], "en_US");
    assert_eq!(body["template"]["components"][0]["parameters"][0]["text"], "Ada");
}

#[test]
fn validation_names_the_field() {
    assert_eq!(validate(&text("")).unwrap_err().field, "content.text");
    assert_eq!(
        validate(&text(&"a".repeat(MAX_TEXT_CHARS + 1))).unwrap_err().field,
        "content.text"
    );
    let long_caption = Content::Media {
        media_kind: MediaKind::Image,
        media_id: "m".into(),
        mime_type: None,
        sha256: None,
        caption: Some("c".repeat(MAX_CAPTION_CHARS + 1)),
        filename: None,
        voice: None,
        animated: None,
    };
    assert_eq!(validate(&long_caption).unwrap_err().field, "content.caption");
    let media = |media_id: String, filename: Option<String>| Content::Media {
        media_kind: MediaKind::Document,
        media_id,
        mime_type: None,
        sha256: None,
        caption: None,
        filename,
        voice: None,
        animated: None,
    };
    assert_eq!(
        validate(&media("m".repeat(250_000), None)).unwrap_err().field,
        "content.media_id"
    );
    let long_name = media("m".repeat(MAX_MEDIA_ID_CHARS), Some("f".repeat(MAX_FILENAME_CHARS + 1)));
    assert_eq!(validate(&long_name).unwrap_err().field, "content.filename");
    assert!(
        validate(&media(
            "m".repeat(MAX_MEDIA_ID_CHARS),
            Some("f".repeat(MAX_FILENAME_CHARS))
        ))
        .is_ok()
    );
    let big_parameters = Content::Template {
        name: "t".into(),
        language: "en".into(),
        components: json!([{"type": "body", "parameters": (0..20).map(|_| json!({"type": "text", "text": "x".repeat(1_000)})).collect::<Vec<_>>()}]),
    };
    assert_eq!(validate(&big_parameters).unwrap_err().field, "content.components");
    let bad_template = Content::Template {
        name: "Order Update".into(),
        language: "en_US".into(),
        components: json!([]),
    };
    assert_eq!(validate(&bad_template).unwrap_err().field, "content.name");
    let empty_param = Content::Template {
        name: "t".into(),
        language: "en".into(),
        components: json!([{"type": "body", "parameters": [{"type": "text", "text": ""}]}]),
    };
    assert_eq!(validate(&empty_param).unwrap_err().field, "content.components");
    assert!(validate(&text("fine")).is_ok());
    assert!(!needs_open_window(&bad_template) && needs_open_window(&text("x")));
}

#[test]
fn a_lost_answer_is_never_retried_and_an_unmade_connection_always_is() {
    assert_eq!(
        after_error(&GraphError::NoAnswer("reset".into()), 1),
        AfterError::Unknown
    );
    assert_eq!(
        after_error(&GraphError::Unexpected("no id".into()), 1),
        AfterError::Unknown
    );
    assert!(matches!(
        after_error(&GraphError::Unreachable("refused".into()), 3),
        AfterError::Retry(8)
    ));
    for status in [500, 502, 503, 504] {
        let edge = GraphError::Http {
            status,
            code: None,
            message: "no error message".into(),
        };
        assert_eq!(
            after_error(&edge, 1),
            AfterError::Unknown,
            "{status} without Meta's JSON"
        );
    }
    let meta_5xx = GraphError::Http {
        status: 503,
        code: Some(2),
        message: "Service temporarily unavailable".into(),
    };
    assert!(
        matches!(after_error(&meta_5xx, 1), AfterError::Retry(_)),
        "Meta's own refusal"
    );
    let refused = |code| GraphError::Http {
        status: 400,
        code: Some(code),
        message: "no".into(),
    };
    assert_eq!(after_error(&refused(190), 1), AfterError::RetryWithFreshAccount);
    assert_eq!(
        after_error(&refused(190), 4),
        AfterError::RetryWithFreshAccount,
        "on any attempt"
    );
    assert!(matches!(
        after_error(&refused(190), u32::MAX),
        AfterError::Fail(MetaError { code: 190, .. })
    ));
    assert!(matches!(
        after_error(&refused(131047), 1),
        AfterError::Fail(MetaError { code: 131047, .. })
    ));
    assert!(matches!(after_error(&refused(130429), 1), AfterError::Retry(_)));
}

#[test]
fn errors_are_classified_as_meta_documents_them() {
    assert_eq!(classify(Some(400), Some(131056), 1), SendFailure::RetryAfter(4));
    assert_eq!(classify(Some(400), Some(131056), 3), SendFailure::RetryAfter(64));
    assert!(matches!(
        classify(Some(400), Some(130429), 1),
        SendFailure::RetryAfter(_)
    ));
    assert!(matches!(classify(Some(503), None, 1), SendFailure::RetryAfter(_)));
    assert!(
        matches!(classify(None, None, 1), SendFailure::RetryAfter(_)),
        "timeouts retry"
    );
    for permanent in [131047, 131026, 131051, 132000, 132001, 190, 100] {
        assert_eq!(
            classify(Some(400), Some(permanent), 1),
            SendFailure::Permanent,
            "{permanent}"
        );
    }
}
