use super::*;

/// A conversation: the account's division allocates it to its only online member; read,
/// replied to, assigned, transferred, noted, scheduled, put under an SLA, resolved (counted in
/// the overview) and reopened; and a media upload.
#[tokio::test]
async fn a_conversation_from_allocation_through_its_desk_work_to_resolve_and_reopen() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", key, None).await;
    let ada = agent(&w, key, "ada@example.com", "agent").await;
    let div = division(&w, key, "Sales").await;
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/agents/{ada}"),
        key,
        Some(json!({"is_online": true})),
    )
    .await;
    w.expect(
        StatusCode::OK,
        "PUT",
        &format!("/v1/divisions/{div}/members/{ada}"),
        key,
        None,
    )
    .await;
    let acc = f.a.account.account_id.as_str();
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/accounts/{acc}"),
        key,
        Some(json!({"division_id": div})),
    )
    .await;
    let contact = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/contacts",
            key,
            Some(json!({"phone_number": "+1 650 555 9000", "name": "Grace Hopper"})),
        )
        .await;
    let ct = contact["id"].as_str().unwrap().to_string();
    // Conversations: the account's division allocates the new one to its only online member.
    f.inbound_from(&f.a, "16505559000", "Grace", "wamid.walk1", now()).await;
    let list = w
        .expect(
            StatusCode::OK,
            "GET",
            "/v1/conversations?status=open&unread=true",
            key,
            None,
        )
        .await;
    let conv = list["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        list["data"][0]["contact_id"],
        ct.as_str(),
        "the message lands on the contact created by phone"
    );
    assert_eq!(list["data"][0]["assigned_agent_id"], ada.as_str());
    assert_eq!(list["data"][0]["division_id"], div.as_str());
    let got = w
        .expect(StatusCode::OK, "GET", &format!("/v1/conversations/{conv}"), key, None)
        .await;
    assert_eq!(got["contact"]["name"], "Grace Hopper");
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{conv}/read"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::OK,
        "GET",
        &format!("/v1/conversations/{conv}/messages"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::ACCEPTED,
        "POST",
        &format!("/v1/conversations/{conv}/messages"),
        key,
        Some(json!({"type": "text", "content": {"text": "Hello Grace"}})),
    )
    .await;
    let owner = me["agent"]["id"].as_str().unwrap();
    let assigned = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conv}/assign"),
            key,
            Some(json!({"agent_id": owner})),
        )
        .await;
    assert_eq!(assigned["assigned_agent_id"], owner);
    let transfer = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("/v1/conversations/{conv}/transfer"),
            key,
            Some(json!({"to_agent_id": ada, "note": "pricing question"})),
        )
        .await;
    assert_eq!(transfer["from_agent_name"], "Owner");
    assert_eq!(transfer["to_agent_name"], "Agent ada@example.com");
    let log = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conv}/transfers"),
            key,
            None,
        )
        .await;
    assert_eq!(log["data"][0]["note"], "pricing question");
    let note = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("/v1/conversations/{conv}/notes"),
            key,
            Some(json!({"content": "Wants the navy one"})),
        )
        .await;
    assert_eq!(note["agent_name"], "Owner");
    let notes = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conv}/notes"),
            key,
            None,
        )
        .await;
    assert_eq!(notes["data"][0]["content"], "Wants the navy one");
    let scheduled_path = format!("/v1/conversations/{conv}/scheduled-messages");
    let scheduled = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &scheduled_path,
            key,
            Some(json!({"type": "text", "content": {"text": "Still interested?"}, "scheduled_at": in_an_hour()})),
        )
        .await;
    assert_eq!(scheduled["agent_name"], "Owner");
    let listed = w.expect(StatusCode::OK, "GET", &scheduled_path, key, None).await;
    assert_eq!(listed["data"][0]["id"], scheduled["id"]);
    let one = format!("{scheduled_path}/{}", scheduled["id"].as_str().unwrap());
    let got = w.expect(StatusCode::OK, "GET", &one, key, None).await;
    assert_eq!(got["status"], "pending");
    let cancelled = w
        .expect(StatusCode::OK, "POST", &format!("{one}/cancel"), key, None)
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    let sla_path = format!("/v1/conversations/{conv}/sla");
    let before = w.expect(StatusCode::OK, "GET", &sla_path, key, None).await;
    assert_eq!(before["conversation_id"], conv.as_str());
    let policy = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/sla-policies",
            key,
            Some(json!({"name": "Walk", "first_response_time_secs": 3600})),
        )
        .await;
    let applied = w
        .expect(
            StatusCode::OK,
            "PUT",
            &sla_path,
            key,
            Some(json!({"sla_policy_id": policy["id"]})),
        )
        .await;
    assert_eq!(
        (applied["policy_name"].as_str(), applied["frt_threshold_secs"].as_i64()),
        (Some("Walk"), Some(3600))
    );
    let surveys = w.expect(StatusCode::OK, "GET", "/v1/csat-surveys", key, None).await;
    assert_eq!(surveys["data"], json!([]), "no account or division asked for surveys");
    let resolved = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conv}/resolve"),
            key,
            None,
        )
        .await;
    assert_eq!(resolved["status"], "resolved");
    // The inbound counts come from the table's stream: the tally catches up first.
    f.stack.tally().await;
    let overview = w
        .expect(StatusCode::OK, "GET", "/v1/analytics/overview", key, None)
        .await;
    assert_eq!(overview["resolved_conversations"], 1);
    assert_eq!(overview["resolution_rate"], 100.0);
    let reopened = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conv}/reopen"),
            key,
            None,
        )
        .await;
    assert_eq!(reopened["status"], "open");

    // Media upload.
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media?filename=photo.png",
            key,
            b"\x89PNG\r\n\x1a\nbytes",
            "image/png",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    w.seen.lock().unwrap().insert("UploadMedia".into());

    w.done();
}

#[tokio::test]
async fn the_overview_follows_resolve_reopen_and_a_new_conversation_after_resolve() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    f.inbound(&f.a, "wamid.life1", now()).await;
    let first = f.conversation_id(&f.a).await;
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{first}/resolve"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{first}/resolve"),
        key,
        None,
    )
    .await;
    // The customer writes again: a new conversation opens; the old one cannot be reopened beside it.
    f.inbound(&f.a, "wamid.life2", now()).await;
    let open = w
        .expect(StatusCode::OK, "GET", "/v1/conversations?status=open", key, None)
        .await;
    assert_eq!(open["data"].as_array().unwrap().len(), 1);
    assert_ne!(open["data"][0]["id"], first.as_str());
    let (status, body) = w
        .call("POST", &format!("/v1/conversations/{first}/reopen"), key, None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("another_conversation_open"))
    );
    // The inbound counts come from the table's stream: the tally catches up first.
    f.stack.tally().await;
    let overview = w
        .expect(StatusCode::OK, "GET", "/v1/analytics/overview", key, None)
        .await;
    assert_eq!(
        json!([
            overview["total_conversations"],
            overview["open_conversations"],
            overview["resolved_conversations"],
            overview["total_contacts"],
            overview["total_agents"],
            overview["messages_today"],
            overview["resolution_rate"]
        ]),
        json!([2, 1, 1, 1, 1, 2, 50.0])
    );
    let resolved = w
        .expect(StatusCode::OK, "GET", "/v1/conversations?status=resolved", key, None)
        .await;
    assert_eq!(resolved["data"][0]["id"], first.as_str());
}

#[tokio::test]
async fn an_uploaded_file_is_sent_to_meta_as_a_presigned_link() {
    let mut f = Fixture::new().await;
    let graph = f.stack.fake_graph().await;
    let key = f.a.key.clone();
    f.inbound(&f.a, "wamid.media", now()).await;
    let conv = f.conversation_id(&f.a).await;
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media?filename=catalog.pdf",
            &key,
            b"%PDF-1.4 catalog",
            "application/pdf",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let media = json_body(&upload);
    assert_eq!(
        (media["file_size"].as_u64(), media["mime_type"].as_str()),
        (Some(16), Some("application/pdf"))
    );
    let media_id = media["media_id"].as_str().unwrap();
    let (status, _) = f
        .call(
            "POST",
            &format!("/v1/conversations/{conv}/messages"),
            Some(&key),
            Some(&json!({"type": "document", "content": {"media_id": media_id, "filename": "catalog.pdf", "caption": "Our catalog"}}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = f
        .call(
            "POST",
            &format!("/v1/conversations/{conv}/messages"),
            Some(&f.b.key),
            Some(&json!({"type": "document", "content": {"media_id": media_id}}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let jobs = f.stack.drain("OutboundQueue").await;
    let records: Vec<Value> = jobs
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"messageId": format!("m{i}"), "receiptHandle": "h", "body": m.body().unwrap(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
        .collect();
    let sender = sender::SenderService::from_aws(
        &sender::SenderConfig::from_env(&f.stack.env_of("SenderFunction")).unwrap(),
        &f.stack.aws,
    );
    let (response, summary) = sender
        .process(serde_json::from_value(json!({"Records": records})).unwrap())
        .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.sent, 1);
    let sent = graph.sent();
    let link = sent[0].body["document"]["link"].as_str().expect("sent by link");
    assert!(link.contains("X-Amz-Signature=") && link.contains(&format!("uploads/{}/{media_id}", f.a.account.org_id)));
    assert_eq!(sent[0].body["document"]["caption"], "Our catalog");
    // The link really serves the file (moto checks the signature).
    let fetched = reqwest::get(link).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.4 catalog");
    // The agents' page shows the sent file from the same upload.
    let (_, listed) = f
        .call("GET", &format!("/v1/conversations/{conv}/messages"), Some(&key), None)
        .await;
    let shown = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["direction"] == "outbound")
        .expect("the sent document");
    let url = shown["media_url"].as_str().expect("a link to the upload");
    let fetched = reqwest::get(url).await.unwrap();
    // A document is a download of its checked type, never rendered by the browser.
    assert_eq!(
        fetched
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some("attachment")
    );
    assert_eq!(
        fetched.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.4 catalog");
    // The page may load media from the API and the bucket links' origin only; every answer
    // carries HSTS.
    let page = f.api.handle(api_request("GET", "/app", None, None)).await.unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    let bucket_origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
    assert!(
        policy.contains(&format!("img-src 'self' {bucket_origin} data: blob:;")),
        "{policy}"
    );
    assert!(!policy.contains(" https: ") && !policy.contains(" http: "), "{policy}");
    assert!(
        page.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let answer = f
        .api
        .handle(api_request("GET", "/v1/me", Some(&key), None))
        .await
        .unwrap();
    assert!(answer.headers().contains_key("strict-transport-security"));
}
