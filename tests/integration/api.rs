//! The agent API's real handler against moto: auth, tenancy, conversations, messages and sends.

use integration_tests::outreach::OutreachFixture;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::json;

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn requests_without_a_valid_key_are_401() {
    let f = Fixture::new().await;
    for key in [None, Some("sbk_not-a-key"), Some("")] {
        let (status, body) = f.call("GET", "/v1/conversations", key, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
}

#[tokio::test]
async fn another_organizations_conversation_is_404_on_every_route() {
    let f = Fixture::new().await;
    f.inbound(&f.a, "wamid.t1", now()).await;
    let id = f.conversation_id(&f.a).await;
    let (status, body) = f
        .call("GET", &format!("/v1/conversations/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["contact"]["name"], "Sheena Nelson");
    for (method, path, payload) in [
        ("GET", format!("/v1/conversations/{id}"), None),
        ("GET", format!("/v1/conversations/{id}/messages"), None),
        ("POST", format!("/v1/conversations/{id}/read"), None),
        (
            "POST",
            format!("/v1/conversations/{id}/messages"),
            Some(r#"{"type":"text","content":{"text":"hi"}}"#),
        ),
    ] {
        let (status, body) = f.call(method, &path, Some(&f.b.key), payload).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (_, list) = f.call("GET", "/v1/conversations", Some(&f.b.key), None).await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        0,
        "B sees none of A's conversations"
    );
}

#[tokio::test]
async fn a_reply_is_queued_for_the_sender_and_mark_read_clears_unread() {
    let f = Fixture::new().await;
    f.inbound(&f.a, "wamid.r1", now()).await;
    let id = f.conversation_id(&f.a).await;
    let (status, sent) = f
        .call(
            "POST",
            &format!("/v1/conversations/{id}/messages"),
            Some(&f.a.key),
            Some(r#"{"type":"text","content":{"text":"We have it in navy"}}"#),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    assert_eq!(sent["status"], "queued");
    assert_eq!(sent["direction"], "outbound");
    let jobs = f.stack.drain("OutboundQueue").await;
    assert_eq!(jobs.len(), 1);
    let job: shared::inbox::outbound::OutboundJob = serde_json::from_str(jobs[0].body().unwrap()).unwrap();
    assert_eq!(
        (job.to.as_str(), job.account_id.as_str()),
        ("16505551234", f.a.account.account_id.as_str())
    );

    let (_, messages) = f
        .call("GET", &format!("/v1/conversations/{id}/messages"), Some(&f.a.key), None)
        .await;
    assert_eq!(
        messages["data"][0]["content"]["body"], "We have it in navy",
        "newest first"
    );
    let (status, read) = f
        .call("POST", &format!("/v1/conversations/{id}/read"), Some(&f.a.key), None)
        .await;
    assert_eq!((status, read["unread_count"].as_i64()), (StatusCode::OK, Some(0)));
}

#[tokio::test]
async fn free_form_is_409_when_the_window_is_closed_but_templates_go() {
    let f = Fixture::new().await;
    let two_days_ago = now() - 2 * 86_400;
    f.inbound(&f.a, "wamid.old", two_days_ago).await;
    let id = f.conversation_id(&f.a).await;
    let (status, body) = f
        .call(
            "POST",
            &format!("/v1/conversations/{id}/messages"),
            Some(&f.a.key),
            Some(r#"{"type":"text","content":{"text":"hello?"}}"#),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "window_closed");
    assert_eq!(
        body["error"]["window_expires_at"],
        shared::inbox::rfc3339_seconds(two_days_ago + 86_400)
    );
    f.approved_template(
        &f.a,
        "order_update",
        "UTILITY",
        json!([{"type": "BODY", "text": "Hi {{1}}, it shipped", "example": {"body_text": [["Ada"]]}}]),
    )
    .await;
    let template = r#"{"type":"template","content":{"name":"order_update","language":"en_US","components":[{"type":"body","parameters":[{"type":"text","text":"Ada"}]}]}}"#;
    let (status, _) = f
        .call(
            "POST",
            &format!("/v1/conversations/{id}/messages"),
            Some(&f.a.key),
            Some(template),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn bad_sends_get_clear_errors() {
    let f = Fixture::new().await;
    f.inbound(&f.a, "wamid.v1", now()).await;
    let id = f.conversation_id(&f.a).await;
    let path = format!("/v1/conversations/{id}/messages");
    let long = format!(r#"{{"type":"text","content":{{"text":"{}"}}}}"#, "a".repeat(5000));
    let cases: Vec<(&str, StatusCode, &str)> = vec![
        ("not json", StatusCode::BAD_REQUEST, "invalid_json"),
        (
            r#"{"type":"sticker","content":{}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            r#"{"type":"text","content":{}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (&long, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (
            r#"{"type":"image","content":{"media_id":"m1","caption":"ok"}}"#,
            StatusCode::ACCEPTED,
            "",
        ),
    ];
    for (payload, expected, code) in cases {
        let (status, body) = f.call("POST", &path, Some(&f.a.key), Some(payload)).await;
        assert_eq!(status, expected, "{}", &payload[..payload.len().min(40)]);
        if !code.is_empty() {
            assert_eq!(body["error"]["code"], code);
        }
    }
    let (_, body) = f
        .call("POST", &path, Some(&f.a.key), Some(r#"{"type":"text","content":{}}"#))
        .await;
    assert!(
        body["error"]["message"].as_str().unwrap().contains("content.text"),
        "names the field"
    );
    let (status, body) = f
        .call("GET", "/v1/conversations?cursor=forged", Some(&f.a.key), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_cursor")),
        "a cursor this API did not issue names no page"
    );
    let (status, _) = f
        .call("GET", "/v1/conversations?limit=1000", Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn message_pages_neither_skip_nor_repeat_when_messages_arrive_between_pages() {
    let f = Fixture::new().await;
    let base = now() - 600;
    for i in 0..5 {
        f.inbound(&f.a, &format!("wamid.p{i}"), base + i).await;
    }
    let id = f.conversation_id(&f.a).await;
    let (_, first) = f
        .call(
            "GET",
            &format!("/v1/conversations/{id}/messages?limit=2"),
            Some(&f.a.key),
            None,
        )
        .await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    f.inbound(&f.a, "wamid.p-new", base + 100).await;
    let mut seen: Vec<String> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["wamid"].as_str().unwrap().to_string())
        .collect();
    let mut next = Some(cursor);
    while let Some(cursor) = next {
        let (_, page) = f
            .call(
                "GET",
                &format!("/v1/conversations/{id}/messages?limit=2&cursor={cursor}"),
                Some(&f.a.key),
                None,
            )
            .await;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["wamid"].as_str().unwrap().to_string()),
        );
        next = page["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen, vec!["wamid.p4", "wamid.p3", "wamid.p2", "wamid.p1", "wamid.p0"]);
}

#[tokio::test]
async fn a_page_of_the_largest_messages_stays_under_lambdas_answer_limit_and_continues() {
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.large-page", chrono::Utc::now().timestamp())
        .await;
    let conversation = fx.conversation_id(&fx.a).await;
    let org = fx.a.account.org_id.clone();
    // Twenty messages near DynamoDB's item limit (an often-edited message keeps every earlier
    // content): about 7 MB in all, more than Lambda may answer.
    for n in 0..20i64 {
        let id = format!("msg_large{n:02}");
        let mut message = queued_message(
            &org,
            &conversation,
            &id,
            shared::meta::Content::Text { body: "now".into() },
        );
        message.previous_contents = (0..9)
            .map(|_| shared::meta::Content::Text {
                body: "é".repeat(20_000),
            })
            .collect();
        let key = shared::platform::table::message(&org, &conversation, 1_795_262_400_000 + n * 1000, &id);
        fx.stack.inbox().put_message(&key, &message).await.unwrap();
    }
    let path = format!("/v1/conversations/{conversation}/messages?limit=100");
    let first = fx
        .api
        .handle(api_request("GET", &path, Some(&fx.a.key), None))
        .await
        .unwrap();
    let first_bytes = first.body().len();
    assert!(first_bytes < 6_000_000, "{first_bytes} bytes");
    let first = json_body(&first);
    assert_eq!(first["has_more"], true);
    let mut seen: Vec<String> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    assert!(seen.len() < 21, "cut short: {}", seen.len());
    let mut cursor = first["next_cursor"].as_str().unwrap().to_string();
    loop {
        let (status, page) = fx
            .call("GET", &format!("{path}&cursor={cursor}"), Some(&fx.a.key), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (21, 21), "every message once: {seen:?}");
}
