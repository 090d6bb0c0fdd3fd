//! Security against moto: what a key may hand out, secrets at rest, what the template grants.

use crate::agent_api::{Walk, agent, key_for};
use integration_tests::Fixture;
use lambda_http::http::StatusCode;
use serde_json::json;

/// Creates a key with `creator` asking for `scopes` (and optionally for another agent).
async fn mint(
    w: &Walk<'_>,
    creator: &str,
    scopes: Option<serde_json::Value>,
    agent_id: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut body = json!({"name": "minted"});
    if let Some(scopes) = scopes {
        body["scopes"] = scopes;
    }
    if let Some(agent_id) = agent_id {
        body["agent_id"] = json!(agent_id);
    }
    w.call("POST", "/v1/api-keys", creator, Some(body)).await
}

#[tokio::test]
async fn no_key_mints_a_key_holding_more_than_it_holds() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let admin = f.a.key.as_str();
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", admin, None).await;
    let admin_id = me["agent"]["id"].as_str().unwrap().to_string();
    let plain = agent(&w, admin, "plain@example.com", "agent").await;

    // An admin's key that may only manage its own keys.
    let own_only = key_for(&w, admin, &admin_id, json!(["api_keys.own"])).await;
    for scopes in [
        json!(["*"]),
        json!(["api_keys.*"]),
        json!(["conversations.read"]),
        json!(["api_keys.own", "agents.manage"]),
    ] {
        let (status, body) = mint(&w, &own_only, Some(scopes.clone()), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{scopes}: {body}");
        assert_eq!(body["error"]["code"], "scope_not_held");
        assert!(
            body["error"]["message"].as_str().unwrap().starts_with("scopes"),
            "{body}"
        );
    }
    // What it holds it may pass on; without scopes the new key copies the creator's.
    let (status, body) = mint(&w, &own_only, Some(json!(["api_keys.own"])), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = mint(&w, &own_only, None, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["scopes"], json!(["api_keys.own"]));
    let copied = body["plaintext_key"].as_str().unwrap();
    let (status, _) = w.call("GET", "/v1/conversations", copied, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the copy holds no more than its creator");

    // A key that may manage every agent's keys still cannot mint `*` for another agent.
    let manager = key_for(
        &w,
        admin,
        &admin_id,
        json!(["api_keys.own", "api_keys.manage", "conversations.read"]),
    )
    .await;
    let (status, body) = mint(&w, &manager, Some(json!(["*"])), Some(&plain)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_not_held"))
    );
    let (status, body) = mint(&w, &manager, Some(json!(["conversations.reply"])), Some(&plain)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = mint(&w, &manager, Some(json!(["conversations.read"])), Some(&plain)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // An agent's `*` key may pass `*` on, but not name what its role lacks.
    let agent_star = key_for(&w, admin, &plain, json!(["*"])).await;
    let (status, body) = mint(&w, &agent_star, Some(json!(["*"])), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = mint(&w, &agent_star, Some(json!(["agents.manage"])), None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_not_held"))
    );
    // The admin's `*` key may grant anything.
    let (status, body) = mint(&w, admin, Some(json!(["*"])), Some(&plain)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// The account's item as stored, and what the lookup index holds for it.
async fn raw_account(stack: &integration_tests::TestStack, org_id: &str, account_id: &str) -> (String, String) {
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let key = shared::platform::table::whatsapp_account(org_id, account_id);
    let item = dynamo
        .get_item()
        .table_name(&table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(key.pk))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(key.sk))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    let (gsi1pk, _) = shared::platform::table::webhook_lookup(account_id);
    let indexed = dynamo
        .query()
        .table_name(&table)
        .index_name(shared::platform::table::index::LOOKUP)
        .key_condition_expression("gsi1pk = :pk")
        .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(gsi1pk))
        .send()
        .await
        .unwrap();
    (format!("{item:?}"), format!("{:?}", indexed.items()))
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_and_never_copied_into_an_index() {
    let f = Fixture::new().await;
    let registered = f
        .call(
            "POST",
            "/v1/accounts",
            Some(&f.a.key),
            Some(
                &json!({"phone_number_id": integration_tests::unique_phone_number_id(), "waba_id": "102290129340398",
                    "display_phone_number": "+15550001111", "app_secret": "app-secret-in-clear-0001",
                    "access_token": "EAAG-access-token-in-clear-0002", "verify_token": "verify-token-in-clear-0003"})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(registered.0, StatusCode::CREATED, "{}", registered.1);
    assert_eq!(
        registered.1["verify_token"], "verify-token-in-clear-0003",
        "shown once, at registration"
    );
    assert_eq!(registered.1["access_token"], "****0002");
    let account_id = registered.1["id"].as_str().unwrap();
    let (item, indexed) = raw_account(&f.stack, &f.a.account.org_id, account_id).await;
    for clear in [
        "app-secret-in-clear",
        "EAAG-access-token-in-clear",
        "verify-token-in-clear",
    ] {
        assert!(!item.contains(clear), "{clear} stored in clear: {item}");
    }
    assert!(item.contains("wrapped_key") && item.contains("ciphertext"), "{item}");
    assert!(
        !indexed.contains("wrapped_key") && !indexed.contains("app_secret"),
        "the index holds keys only: {indexed}"
    );
    assert!(indexed.contains("pk"), "the lookup finds the item: {indexed}");

    // Reading it back shows masks; replacing a secret stores a new sealed value.
    let (status, shown) = f
        .call("GET", &format!("/v1/accounts/{account_id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["verify_token"], "****0003");
    assert!(!shown.to_string().contains("in-clear"));
}

#[tokio::test]
async fn clear_secrets_from_before_sealing_are_refused_until_admin_seals_them() {
    let stack = integration_tests::TestStack::new().await;
    let app_secret = "legacy-app-secret-0001";
    let account = stack
        .tenant(
            &integration_tests::unique_phone_number_id(),
            app_secret,
            "legacy-verify-token-01",
        )
        .await;
    // Rewrite the secrets as an older version stored them: plain strings.
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let key = shared::platform::table::whatsapp_account(&account.org_id, &account.account_id);
    dynamo
        .update_item()
        .table_name(stack.name_of("Table"))
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(key.pk.clone()))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(key.sk.clone()))
        .update_expression("SET app_secret = :a, verify_token = :v, access_token = :t")
        .expression_attribute_values(":a", aws_sdk_dynamodb::types::AttributeValue::S(app_secret.into()))
        .expression_attribute_values(
            ":v",
            aws_sdk_dynamodb::types::AttributeValue::S("legacy-verify-token-01".into()),
        )
        .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::S("legacy-token".into()))
        .send()
        .await
        .unwrap();
    let config = webhook::WebhookConfig::from_env(&stack.env_of("WebhookFunction")).unwrap();
    let body = std::fs::read(integration_tests::repo_root().join("events/meta/inbound-text.json")).unwrap();
    let request = || {
        integration_tests::webhook_post(
            &account.account_id,
            &body,
            Some(&integration_tests::sign(app_secret, &body)),
            false,
        )
    };
    let refused = webhook::WebhookService::from_aws(&config, &stack.aws)
        .handle(request())
        .await
        .unwrap();
    assert!(
        refused.status().is_server_error(),
        "a clear secret is not used: {}",
        refused.status()
    );
    assert!(
        stack.drain("IngestQueue").await.is_empty(),
        "nothing accepted on a clear secret"
    );

    let report = stack.account_secrets().seal_clear(&account.org_id).await.unwrap();
    assert_eq!((report.accounts, report.sealed_fields), (1, 3));
    let again = stack.account_secrets().seal_clear(&account.org_id).await.unwrap();
    assert_eq!(again.sealed_fields, 0, "running it twice seals nothing more");
    let (item, _) = raw_account(&stack, &account.org_id, &account.account_id).await;
    assert!(!item.contains("legacy-app-secret"), "{item}");

    let accepted = webhook::WebhookService::from_aws(&config, &stack.aws)
        .handle(request())
        .await
        .unwrap();
    assert_eq!(
        accepted.status(),
        StatusCode::OK,
        "sealed, the same secret verifies again"
    );
    assert_eq!(stack.drain("IngestQueue").await.len(), 1);
}

#[tokio::test]
async fn a_key_cannot_revoke_itself() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", &f.a.key, None).await;
    let own_id = me["key_id"].as_str().unwrap().to_string();
    let (status, body) = w
        .call("DELETE", &format!("/v1/api-keys/{own_id}"), &f.a.key, None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("refers_to_caller")),
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().starts_with("key_id"),
        "{body}"
    );
    w.expect(StatusCode::OK, "GET", "/v1/me", &f.a.key, None).await;
    // Another key of the same agent may revoke it.
    let second = crate::agent_api::key_for(&w, &f.a.key, me["agent"]["id"].as_str().unwrap(), json!(["*"])).await;
    w.expect(
        StatusCode::OK,
        "DELETE",
        &format!("/v1/api-keys/{own_id}"),
        &second,
        None,
    )
    .await;
    let (status, _) = w.call("GET", "/v1/me", &f.a.key, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_contract_edges_answer_as_documented() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    // 405 says which methods the path takes.
    let response = f
        .api
        .handle(integration_tests::api_request(
            "PUT",
            "/v1/conversations",
            Some(&f.a.key),
            None,
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET");
    // An empty cursor is the first page.
    w.expect(
        StatusCode::OK,
        "GET",
        "/v1/conversations?cursor=&limit=5",
        &f.a.key,
        None,
    )
    .await;
    // Filters narrow together instead of refusing each other.
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/contacts",
            &f.a.key,
            Some(json!({"phone_number": "+4915112345678", "name": "Zelda Zed", "tags": ["vip"]})),
        )
        .await;
    let both = w
        .expect(StatusCode::OK, "GET", "/v1/contacts?q=zel&tag=vip", &f.a.key, None)
        .await;
    assert_eq!(both["data"].as_array().unwrap().len(), 1, "{both}");
    assert_eq!(both["data"][0]["id"], created["id"]);
    let neither = w
        .expect(StatusCode::OK, "GET", "/v1/contacts?q=zel&tag=lead", &f.a.key, None)
        .await;
    assert!(neither["data"].as_array().unwrap().is_empty(), "{neither}");
    let by_phone = w
        .expect(
            StatusCode::OK,
            "GET",
            "/v1/contacts?phone=4915112345678&q=nobody",
            &f.a.key,
            None,
        )
        .await;
    assert!(by_phone["data"].as_array().unwrap().is_empty(), "{by_phone}");
    // A type WhatsApp does not send is 415, naming the header.
    let upload = f
        .api
        .handle(integration_tests::api_binary_request(
            "/v1/media",
            &f.a.key,
            b"PK\x03\x04",
            "application/zip",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(integration_tests::body_text(&upload).contains("content-type"));
}

/// The contact names the conversation list shows, newest conversation first.
async fn listed_names(w: &Walk<'_>, key: &str) -> Vec<String> {
    let list = w.expect(StatusCode::OK, "GET", "/v1/conversations", key, None).await;
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["contact_name"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn the_conversation_list_names_the_contact_and_follows_a_rename() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let now = crate::api::now();
    f.inbound_from(&f.a, "4915100000001", "Ana", "wamid.list-1", now - 100)
        .await;
    let list = w
        .expect(StatusCode::OK, "GET", "/v1/conversations", &f.a.key, None)
        .await;
    let first = &list["data"][0];
    assert_eq!(
        (
            first["contact_name"].as_str(),
            first["contact_phone"].as_str(),
            first["contact_channel"].as_str()
        ),
        (Some("Ana"), Some("4915100000001"), Some("whatsapp"))
    );
    let conversation = first["id"].as_str().unwrap().to_string();
    let contact = first["contact_id"].as_str().unwrap().to_string();
    // A second conversation of the same contact (after resolve), then a new profile name.
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{conversation}/resolve"),
        &f.a.key,
        None,
    )
    .await;
    f.inbound_from(&f.a, "4915100000001", "Ana P.", "wamid.list-2", now - 50)
        .await;
    let names = listed_names(&w, &f.a.key).await;
    assert_eq!(
        names,
        vec!["Ana P.", "Ana"],
        "the open one follows the newest profile name"
    );

    // An agent renames the contact: every conversation of it shows the new name.
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/contacts/{contact}"),
        &f.a.key,
        Some(json!({"name": "Ana Pereira"})),
    )
    .await;
    let names = listed_names(&w, &f.a.key).await;
    assert_eq!(names, vec!["Ana Pereira", "Ana Pereira"]);
    let got = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conversation}"),
            &f.a.key,
            None,
        )
        .await;
    assert_eq!(got["contact_name"], "Ana Pereira");
    // The rename costs one write per conversation of the contact.
    let written = f
        .stack
        .contacts()
        .rename_in_conversations(&f.a.account.org_id, &contact, Some("Ana Pereira"))
        .await
        .unwrap();
    assert_eq!(written, 2);
    // Clearing the name falls back to the profile name.
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/contacts/{contact}"),
        &f.a.key,
        Some(json!({"name": ""})),
    )
    .await;
    let list = w
        .expect(StatusCode::OK, "GET", "/v1/conversations", &f.a.key, None)
        .await;
    assert_eq!(list["data"][0]["contact_name"], "Ana P.");
}
