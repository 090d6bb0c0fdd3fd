use super::*;

#[tokio::test]
async fn bad_input_gets_the_documented_errors() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    // method, path, body, status, error code, what the message names
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, StatusCode, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/v1/agents",
            Some("{not json"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "",
        ),
        (
            "POST",
            "/v1/agents",
            Some(""),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":"nope","full_name":"X"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "email",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":"a@b.co","full_name":"X","role":"Root X"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "role",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":"a@b.co","full_name":"X","admin":true}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "unknown field `admin`",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":1}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "invalid type",
        ),
        (
            "POST",
            "/v1/divisions",
            Some(r#"{"name":"D","allocation_method":"random"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "allocation_method",
        ),
        (
            "POST",
            "/v1/contacts",
            Some(r#"{"phone_number":"12ab"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "phone_number",
        ),
        (
            "POST",
            "/v1/contacts",
            Some(r#"{"phone_number":"15550001","tags":["has space"]}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "tags",
        ),
        (
            "POST",
            "/v1/quick-replies",
            Some(r#"{"title":"t","content":"c","shortcut":"Has Space"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "shortcut",
        ),
        (
            "POST",
            "/v1/api-keys",
            Some(r#"{"name":"k","expires_at":"2001-01-01T00:00:00Z"}"#),
            StatusCode::CONFLICT,
            "expires_in_past",
            "expires_at",
        ),
        (
            "GET",
            "/v1/conversations?status=closed",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "status",
        ),
        (
            "GET",
            "/v1/conversations?limit=0",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "limit",
        ),
        (
            "GET",
            "/v1/conversations?cursor=forged",
            None,
            StatusCode::NOT_FOUND,
            "unknown_cursor",
            "cursor",
        ),
        (
            "GET",
            "/v1/contacts?q=a&tag=a!b",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "tag",
        ),
        (
            "PUT",
            "/v1/conversations",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "",
        ),
        (
            "GET",
            "/v1/agents/AGT%20X",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
            "",
        ),
        ("GET", "/v1/nowhere", None, StatusCode::NOT_FOUND, "not_found", ""),
    ];
    for (method, path, body, status, code, mentions) in cases {
        let (got, value) = f.call(method, path, Some(key), body).await;
        assert_eq!(
            (got, value["error"]["code"].as_str()),
            (status, Some(code)),
            "{method} {path} {body:?}: {value}"
        );
        assert!(
            value["error"]["message"].as_str().unwrap().contains(mentions),
            "{method} {path}: {value}"
        );
    }
    let huge = json!({"content": "x".repeat(300 * 1024)}).to_string();
    let (got, value) = f.call("POST", "/v1/quick-replies", Some(key), Some(&huge)).await;
    assert_eq!(
        (got, value["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media",
            key,
            b"MZ\x90\x00",
            "application/x-msdownload",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media",
            key,
            &vec![0u8; 600 * 1024],
            "image/webp",
        ))
        .await
        .unwrap();
    assert_eq!(
        upload.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "over Meta's 500 KB sticker/webp limit"
    );
    let _ = w;
}
