use super::*;

/// Agents and keys: created, listed (keys never in clear), revoked, deactivated.
#[tokio::test]
async fn an_admin_manages_agents_and_keys_and_a_revoked_key_stops_at_once() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let doc = w.expect(StatusCode::OK, "GET", "/v1/openapi.json", "", None).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", key, None).await;
    assert_eq!(me["agent"]["role"], "admin");
    assert!(me["permissions"].as_array().unwrap().contains(&json!("agents.manage")));

    // Agents and keys.
    let ada = agent(&w, key, "ada@example.com", "agent").await;
    let (status, duplicate) = w
        .call(
            "POST",
            "/v1/agents",
            key,
            Some(json!({"email": "ADA@example.com", "full_name": "Ada again"})),
        )
        .await;
    assert_eq!(
        (status, duplicate["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let agents = w.expect(StatusCode::OK, "GET", "/v1/agents", key, None).await;
    assert_eq!(agents["data"].as_array().unwrap().len(), 2);
    w.expect(StatusCode::OK, "GET", &format!("/v1/agents/{ada}"), key, None)
        .await;
    let online = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/agents/{ada}"),
            key,
            Some(json!({"is_online": true})),
        )
        .await;
    assert_eq!(online["is_online"], true);
    let ada_key = key_for(&w, key, &ada, json!(["*"])).await;
    let keys = w.expect(StatusCode::OK, "GET", "/v1/api-keys", key, None).await;
    let listed = keys.to_string();
    assert_eq!(keys["data"].as_array().unwrap().len(), 2);
    assert!(!listed.contains(&ada_key), "keys are never listed in clear");
    assert!(!listed.contains("key_hash") && !listed.contains(&shared::access::api_key::hash(&ada_key)));
    let keys = w.expect(StatusCode::OK, "GET", "/v1/api-keys", key, None).await;
    let ada_key_id = keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["agent_id"] == ada.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = w
        .expect(
            StatusCode::OK,
            "DELETE",
            &format!("/v1/api-keys/{ada_key_id}"),
            key,
            None,
        )
        .await;
    assert_eq!(revoked["is_active"], false);
    let (status, _) = w.call("GET", "/v1/me", &ada_key, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a revoked key stops at once on this Lambda"
    );
    let gone = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/agents/{ada}/deactivate"),
            key,
            None,
        )
        .await;
    assert_eq!(gone["is_active"], false);

    w.done();
}

/// Accounts: secrets masked everywhere but the registration's verify token; a rotated secret
/// is stored sealed.
#[tokio::test]
async fn accounts_show_secrets_masked_and_rotate_them_sealed() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let div = division(&w, key, "Sales").await;
    // Accounts: secrets masked everywhere but the registration's verify token.
    let acc = f.a.account.account_id.as_str();
    let accounts = w.expect(StatusCode::OK, "GET", "/v1/accounts", key, None).await;
    assert_eq!(accounts["data"][0]["id"], acc);
    let shown = w
        .expect(StatusCode::OK, "GET", &format!("/v1/accounts/{acc}"), key, None)
        .await;
    assert!(!shown.to_string().contains("a-secret") && !shown.to_string().contains(ACCESS_TOKEN));
    assert!(shown["app_secret"].as_str().unwrap().starts_with("****"));
    assert!(
        shown["webhook_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/webhooks/whatsapp/{acc}"))
    );
    let registered = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/accounts",
            key,
            Some(json!({"phone_number_id": unique_phone_number_id(), "waba_id": "102290129340398", "display_phone_number": "+15550001111", "app_secret": "new-app-secret", "access_token": "new-access-token"})),
        )
        .await;
    assert_eq!(
        registered["verify_token"].as_str().unwrap().len(),
        32,
        "shown once to paste into Meta"
    );
    let updated = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/accounts/{acc}"),
            key,
            Some(json!({"division_id": div, "throughput_mps": 1000, "app_secret": "rotated-app-secret"})),
        )
        .await;
    assert_eq!(
        (updated["division_id"].as_str(), updated["throughput_mps"].as_u64()),
        (Some(div.as_str()), Some(1000))
    );
    assert!(!updated.to_string().contains("rotated-app-secret"));
    let stored = f
        .stack
        .tenancy()
        .get_account(&f.a.account.org_id, acc)
        .await
        .unwrap()
        .unwrap();
    let opened = shared::platform::secret_keeper::open(
        f.stack.keeper().as_ref(),
        &stored.app_secret,
        &stored.secret_context("app_secret"),
    )
    .await
    .unwrap();
    assert_eq!(
        opened.expose(),
        "rotated-app-secret",
        "stored sealed, opens to the new value"
    );
    assert!(stored.app_secret.is_sealed());

    w.done();
}

/// Sessions: sign-in, a password change, an admin's reset (ending the session), sign-out;
/// registration is off by default.
#[tokio::test]
async fn agents_sign_in_change_and_reset_passwords_and_sign_out() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let walker = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/agents",
            key,
            Some(json!({"email": "walker@example.com", "full_name": "Walker", "password": "a walk in the park"})),
        )
        .await;
    let session = w
        .expect(
            StatusCode::OK,
            "POST",
            "/v1/auth/login",
            key,
            Some(json!({"email": "walker@example.com", "password": "a walk in the park"})),
        )
        .await;
    let token = session["token"].as_str().unwrap().to_string();
    w.expect(
        StatusCode::NO_CONTENT,
        "POST",
        "/v1/me/password",
        &token,
        Some(json!({"current_password": "a walk in the park", "new_password": "a run in the park"})),
    )
    .await;
    let reset = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("/v1/agents/{}/password-reset", walker["id"].as_str().unwrap()),
            key,
            None,
        )
        .await;
    w.expect(
        StatusCode::NO_CONTENT,
        "POST",
        "/v1/auth/password-reset",
        key,
        Some(json!({"token": reset["reset_token"], "new_password": "a walk in the park"})),
    )
    .await;
    let (status, _) = w.call("GET", "/v1/me", &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the reset ended the session");
    let session = w
        .expect(
            StatusCode::OK,
            "POST",
            "/v1/auth/login",
            key,
            Some(json!({"email": "walker@example.com", "password": "a walk in the park"})),
        )
        .await;
    let token = session["token"].as_str().unwrap().to_string();
    w.expect(StatusCode::NO_CONTENT, "POST", "/v1/auth/logout", &token, None)
        .await;
    w.expect(
        StatusCode::NOT_FOUND,
        "POST",
        "/v1/register",
        key,
        Some(json!({"org_name": "Walk", "admin_email": "new@example.com", "admin_password": "long enough secret"})),
    )
    .await;
    w.done();
}

#[tokio::test]
async fn roles_and_scopes_limit_what_a_key_may_do() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let admin = f.a.key.as_str();
    let plain = agent(&w, admin, "plain@example.com", "agent").await;
    let other = agent(&w, admin, "other@example.com", "agent").await;
    let agent_key = key_for(&w, admin, &plain, json!(["*"])).await;
    let read_only = key_for(&w, admin, &plain, json!(["conversations.read"])).await;
    f.inbound(&f.a, "wamid.roles", now()).await;
    let conv = f.conversation_id(&f.a).await;

    for (method, path, body) in [
        (
            "POST",
            "/v1/agents".to_string(),
            Some(json!({"email": "x@example.com", "full_name": "X"})),
        ),
        ("POST", format!("/v1/agents/{other}/deactivate"), None),
        (
            "PATCH",
            format!("/v1/agents/{other}"),
            Some(json!({"full_name": "Renamed"})),
        ),
        ("PATCH", format!("/v1/agents/{plain}"), Some(json!({"role": "admin"}))),
        ("POST", "/v1/divisions".to_string(), Some(json!({"name": "D"}))),
        (
            "PATCH",
            format!("/v1/accounts/{}", f.a.account.account_id),
            Some(json!({"throughput_mps": 5})),
        ),
        (
            "POST",
            "/v1/api-keys".to_string(),
            Some(json!({"name": "k", "agent_id": other})),
        ),
    ] {
        let (status, body) = w.call(method, &path, &agent_key, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // What an agent may do.
    w.expect(StatusCode::OK, "GET", "/v1/conversations", &agent_key, None)
        .await;
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/agents/{plain}"),
        &agent_key,
        Some(json!({"is_online": true})),
    )
    .await;
    let own = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/api-keys",
            &agent_key,
            Some(json!({"name": "laptop"})),
        )
        .await;
    let listed = w.expect(StatusCode::OK, "GET", "/v1/api-keys", &agent_key, None).await;
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["agent_id"] == plain.as_str()),
        "only own keys"
    );
    let admin_keys = w.expect(StatusCode::OK, "GET", "/v1/api-keys", admin, None).await;
    let admins_key = admin_keys["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["agent_id"] != plain.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    w.expect(
        StatusCode::NOT_FOUND,
        "DELETE",
        &format!("/v1/api-keys/{admins_key}"),
        &agent_key,
        None,
    )
    .await;
    w.expect(
        StatusCode::OK,
        "DELETE",
        &format!("/v1/api-keys/{}", own["id"].as_str().unwrap()),
        &agent_key,
        None,
    )
    .await;
    // Scopes narrow a key below its role.
    w.expect(
        StatusCode::OK,
        "GET",
        &format!("/v1/conversations/{conv}"),
        &read_only,
        None,
    )
    .await;
    let (status, _) = w
        .call(
            "POST",
            &format!("/v1/conversations/{conv}/messages"),
            &read_only,
            Some(json!({"type": "text", "content": {"text": "hi"}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = w
        .call(
            "POST",
            "/v1/api-keys",
            admin,
            Some(json!({"name": "bad", "scopes": ["everything"]})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["message"].as_str().unwrap().starts_with("scopes")),
        (StatusCode::UNPROCESSABLE_ENTITY, true)
    );
    // A deactivated agent's keys stop working.
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/agents/{plain}/deactivate"),
        admin,
        None,
    )
    .await;
    let (status, body) = w.call("GET", "/v1/me", &agent_key, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
}

/// Key lifecycle: an integration key is an admin's to make; expired and revoked keys answer 401
/// with codes saying which.
#[tokio::test]
async fn integration_keys_and_expired_or_revoked_keys_answer_by_name() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let admin = f.a.key.as_str();
    let in_an_hour = in_an_hour();
    let made = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/api-keys",
            admin,
            Some(json!({"name": "warehouse sync", "key_type": "integration", "scopes": ["conversations.read"], "expires_at": in_an_hour})),
        )
        .await;
    assert_eq!(made["key_type"], "integration");
    assert_eq!(made["key_prefix"].as_str().unwrap().len(), 12);
    let plaintext = made["plaintext_key"].as_str().unwrap().to_string();
    assert!(plaintext.starts_with(made["key_prefix"].as_str().unwrap()));
    let (status, body) = w
        .call(
            "POST",
            "/v1/api-keys",
            admin,
            Some(json!({"name": "x", "key_type": "robot"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("key_type"));

    // An agent holds api_keys.own only: personal keys yes, integration keys no.
    let ada = agent(&w, admin, "keys-ada@example.com", "agent").await;
    let ada_key = key_for(&w, admin, &ada, json!(["*"])).await;
    let (status, body) = w
        .call(
            "POST",
            "/v1/api-keys",
            &ada_key,
            Some(json!({"name": "mine", "key_type": "integration"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let own = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/api-keys",
            &ada_key,
            Some(json!({"name": "mine"})),
        )
        .await;
    assert_eq!(own["key_type"], "personal");

    // Two hours on, the integration key has expired: 401 key_expired (its listing says inactive).
    let later = chrono::Utc::now().timestamp_millis() + 2 * 3_600_000;
    let api = api::ApiService::from_aws(
        &api::ApiConfig::from_env(&f.stack.env_of("ApiFunction")).unwrap(),
        &f.stack.aws,
    )
    .with_clock(shared::platform::clock::Clock::fixed(later));
    let response = api
        .handle(api_request("GET", "/v1/conversations", Some(&plaintext), None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_body(&response)["error"]["code"], "key_expired");

    let (status, body) = w.call("GET", "/v1/conversations", &plaintext, None).await;
    assert_eq!(status, StatusCode::OK, "still valid now: {body}");
    w.expect(
        StatusCode::OK,
        "DELETE",
        &format!("/v1/api-keys/{}", made["id"].as_str().unwrap()),
        admin,
        None,
    )
    .await;
    let (status, body) = w.call("GET", "/v1/conversations", &plaintext, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("key_revoked"))
    );
}
