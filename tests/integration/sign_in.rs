//! Signing in with a password: a session token that works like a key until logout or expiry,
//! the same answer for a wrong e-mail and a wrong password, and the attempt limit.

use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};

async fn login(fx: &Fixture, email: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({"email": email, "password": password}).to_string();
    fx.call("POST", "/v1/auth/login", None, Some(&body)).await
}

async fn agent_with_password(fx: &Fixture, key: &str, email: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({"email": email, "full_name": "Ada", "role": "agent", "password": password}).to_string();
    fx.call("POST", "/v1/agents", Some(key), Some(&body)).await
}

#[tokio::test]
async fn an_agent_signs_in_uses_the_session_and_signs_out() {
    let fx = Fixture::new().await;
    let (status, agent) = agent_with_password(&fx, &fx.a.key, "Ada@Example.com", "correct horse battery").await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    assert!(
        agent.get("password").is_none() && agent.get("password_hash").is_none(),
        "{agent}"
    );

    let (status, session) = login(&fx, "ada@example.com", "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let token = session["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("sbs_"));
    assert_eq!(session["agent"]["id"], agent["id"]);
    let (status, me) = fx.call("GET", "/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["agent"]["id"], agent["id"]);
    assert!(me["key_id"].as_str().unwrap().starts_with("session:"));
    let (status, _) = fx.call("GET", "/v1/conversations", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "the agent's permissions through the session");
    let (status, _) = fx
        .call(
            "POST",
            "/v1/sla-policies",
            Some(&token),
            Some("{\"name\":\"x\",\"first_response_time_secs\":60}"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "and no more than the agent's role");

    let (status, _) = fx.call("POST", "/v1/auth/logout", Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, ended) = fx.call("GET", "/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{ended}");

    // Wrong password and unknown e-mail: one answer.
    let (status, wrong) = login(&fx, "ada@example.com", "wrong horse battery").await;
    let (unknown_status, unknown) = login(&fx, "nobody@example.com", "correct horse battery").await;
    assert_eq!(
        (status, unknown_status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(wrong, unknown);
    assert_eq!(wrong["error"]["code"], "invalid_credentials");
    // Whatever the e-mail field holds, the answer is the same refusal (nothing is looked up).
    for odd in [String::new(), "x".repeat(254), "\u{0}@\u{1}".into()] {
        let (status, odd_answer) = login(&fx, &odd, "correct horse battery").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{odd_answer}");
    }
    // Past the documented maximum, the field is named.
    let (status, long) = login(&fx, &"x".repeat(3000), "correct horse battery").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{long}");
    assert!(long["error"]["message"].as_str().unwrap().starts_with("email"));

    // A deactivated agent's session ends with them.
    let (_, again) = login(&fx, "ada@example.com", "correct horse battery").await;
    let token = again["token"].as_str().unwrap().to_string();
    let id = agent["id"].as_str().unwrap();
    let (status, _) = fx
        .call("POST", &format!("/v1/agents/{id}/deactivate"), Some(&fx.a.key), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = fx.call("GET", "/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = login(&fx, "ada@example.com", "correct horse battery").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "nor can they sign in again");
}

#[tokio::test]
async fn a_wall_of_wrong_passwords_gets_429_not_an_answer() {
    let fx = Fixture::new().await;
    agent_with_password(&fx, &fx.a.key, "grace@example.com", "the right password").await;
    for attempt in 0..5 {
        let (status, _) = login(&fx, "grace@example.com", &format!("guess number {attempt}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, limited) = login(&fx, "grace@example.com", "the right password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{limited}");
    assert_eq!(limited["error"]["code"], "too_many_attempts");
}

#[tokio::test]
async fn passwords_are_checked_and_an_email_signs_in_to_one_organization() {
    let fx = Fixture::new().await;
    let (status, short) = agent_with_password(&fx, &fx.a.key, "lin@example.com", "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{short}");
    assert!(short["error"]["message"].as_str().unwrap().contains("password"));
    let (status, lin) = agent_with_password(&fx, &fx.a.key, "lin@example.com", "long enough secret").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, taken) = agent_with_password(&fx, &fx.b.key, "lin@example.com", "another secret!").await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(taken["error"]["code"], "email_signs_in_elsewhere");
    let (status, session) = login(&fx, "lin@example.com", "long enough secret").await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = fx
        .call("GET", "/v1/me", Some(session["token"].as_str().unwrap()), None)
        .await;
    assert_eq!(me["agent"]["id"], lin["id"], "A's agent, whom the e-mail signs in as");
}

#[tokio::test]
async fn self_registration_creates_a_signed_in_organization_only_when_enabled() {
    let fx = Fixture::new().await;
    let body = |email: &str| {
        json!({"org_name": "Acme Outfitters", "admin_email": email, "admin_password": "correct horse battery"})
            .to_string()
    };
    let (status, _) = fx
        .call("POST", "/v1/register", None, Some(&body("owner@acme.example")))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "disabled by default");

    let mut env = fx.stack.env_of("ApiFunction");
    env.insert("SELF_REGISTRATION".into(), "enabled".into());
    let open = api::ApiService::from_aws(&api::ApiConfig::from_env(&env).unwrap(), &fx.stack.aws);
    let register = |body: String| {
        let open = &open;
        async move {
            let response = open
                .handle(api_request("POST", "/v1/register", None, Some(&body)))
                .await
                .unwrap();
            (response.status(), json_body(&response))
        }
    };
    let (status, registered) = register(body("Owner@Acme.example")).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let token = registered["session"]["token"].as_str().unwrap();
    let (status, me) = fx.call("GET", "/v1/me", Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["agent"]["role"], "admin");
    let (status, _) = fx.call("GET", "/v1/agents", registered["api_key"].as_str(), None).await;
    assert_eq!(status, StatusCode::OK, "the integration key works too");
    let (status, session) = login(&fx, "owner@acme.example", "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{session}");
    assert_eq!(session["agent"]["id"], me["agent"]["id"]);

    let (status, taken) = register(body("owner@acme.example")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    let weak = json!({"org_name": "Weak", "admin_email": "weak@acme.example", "admin_password": "123"}).to_string();
    let (status, refused) = register(weak).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("admin_password"),
        "{refused}"
    );
    for n in 0..3 {
        let (status, _) = register(body(&format!("owner{n}@acme.example"))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = register(body("owner9@acme.example")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "five registrations per address and window, the taken address's among them (counted before the look-up)"
    );
    let (status, _) = register(body("owner@acme.example")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "past the limit, a taken address gets the same 429 as a free one"
    );
}

/// A key for `agent_id` with `scopes`, made with the admin key `admin`.
async fn key_with(fx: &Fixture, admin: &str, agent_id: &str, scopes: Value) -> String {
    let body = json!({"name": "narrow", "agent_id": agent_id, "scopes": scopes}).to_string();
    let (status, key) = fx.call("POST", "/v1/api-keys", Some(admin), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    key["plaintext_key"].as_str().unwrap().to_string()
}

async fn token_of(fx: &Fixture, email: &str, password: &str) -> String {
    let (status, session) = login(fx, email, password).await;
    assert_eq!(status, StatusCode::OK, "{email}: {session}");
    session["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_narrow_key_never_becomes_a_full_session() {
    let fx = Fixture::new().await;
    let admin = fx.a.key.as_str();
    let (_, ada) = agent_with_password(&fx, admin, "ada@audit.example", "ada's first password").await;
    let ada_id = ada["id"].as_str().unwrap().to_string();
    let presence_only = key_with(&fx, admin, &ada_id, json!(["agents.presence"])).await;
    let (_, me) = fx.call("GET", "/v1/me", Some(admin), None).await;
    let admin_id = me["agent"]["id"].as_str().unwrap().to_string();
    let manage_only = key_with(&fx, admin, &admin_id, json!(["agents.manage"])).await;

    // 1. A presence key sets no password, its own or anyone's (the field is gone: 422).
    let body = json!({"password": "ada's stolen password"}).to_string();
    let (status, refused) = fx
        .call(
            "PATCH",
            &format!("/v1/agents/{ada_id}"),
            Some(&presence_only),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("password"));
    // 2. Nor through the own-password route: a key is not a session.
    let body = json!({"current_password": "ada's first password", "new_password": "ada's stolen password"}).to_string();
    let (status, refused) = fx
        .call("POST", "/v1/me/password", Some(&presence_only), Some(&body))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "session_required");
    // 3. An agents.manage key sets no other agent's password, issues no reset for them, creates
    //    no agent it could sign in as, and promotes nobody.
    let body = json!({"password": "ada's stolen password"}).to_string();
    let (status, _) = fx
        .call(
            "PATCH",
            &format!("/v1/agents/{ada_id}"),
            Some(&manage_only),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "PATCH needs agents.presence too");
    let (status, _) = fx
        .call("PATCH", &format!("/v1/agents/{ada_id}"), Some(admin), Some(&body))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not even a full admin key sets it"
    );
    let (status, refused) = fx
        .call(
            "POST",
            &format!("/v1/agents/{ada_id}/password-reset"),
            Some(&manage_only),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["code"], "role_not_held");
    let body = json!({"email": "puppet@audit.example", "full_name": "Puppet", "role": "admin", "password": "a password I chose"})
        .to_string();
    let (status, refused) = fx.call("POST", "/v1/agents", Some(&manage_only), Some(&body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, _) = login(&fx, "puppet@audit.example", "a password I chose").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no such agent was made");
    let body = json!({"role": "admin"}).to_string();
    let (status, _) = fx
        .call(
            "PATCH",
            &format!("/v1/agents/{ada_id}"),
            Some(&manage_only),
            Some(&body),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, unchanged) = fx.call("GET", &format!("/v1/agents/{ada_id}"), Some(admin), None).await;
    assert_eq!(unchanged["role"], "agent");
    // Nothing changed: the first password still signs in, the attacker's does not.
    let (status, _) = login(&fx, "ada@audit.example", "ada's stolen password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let session = token_of(&fx, "ada@audit.example", "ada's first password").await;
    // 4. A session holds its agent's role's permissions, never `*`.
    let (_, me) = fx.call("GET", "/v1/me", Some(&session), None).await;
    let scopes: Vec<&str> = me["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!scopes.contains(&"*"), "{scopes:?}");
    assert!(
        scopes.contains(&"agents.presence") && !scopes.contains(&"agents.manage"),
        "{scopes:?}"
    );
}

#[tokio::test]
async fn password_changes_resets_and_role_changes_end_the_other_sessions() {
    let fx = Fixture::new().await;
    let admin = fx.a.key.as_str();
    let (_, ada) = agent_with_password(&fx, admin, "ada@sessions.example", "ada's first password").await;
    let ada_id = ada["id"].as_str().unwrap().to_string();
    let here = token_of(&fx, "ada@sessions.example", "ada's first password").await;
    let elsewhere = token_of(&fx, "ada@sessions.example", "ada's first password").await;

    // Own change: the current password is required and checked.
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new}).to_string();
    let (status, wrong) = fx
        .call(
            "POST",
            "/v1/me/password",
            Some(&here),
            Some(&change("a wrong guess!", "ada's second password")),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
    let (status, _) = login(&fx, "ada@sessions.example", "ada's second password").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a wrong current password changes nothing"
    );
    let (status, _) = fx
        .call(
            "POST",
            "/v1/me/password",
            Some(&here),
            Some(&change("ada's first password", "ada's second password")),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        fx.call("GET", "/v1/me", Some(&here), None).await.0,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        fx.call("GET", "/v1/me", Some(&elsewhere), None).await.0,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
    assert_eq!(
        login(&fx, "ada@sessions.example", "ada's first password").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A reset: issued by a full admin, used once, ends every session.
    let (status, issued) = fx
        .call(
            "POST",
            &format!("/v1/agents/{ada_id}/password-reset"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let reset_token = issued["reset_token"].as_str().unwrap().to_string();
    assert!(reset_token.starts_with("sbr_"));
    let (status, _) = fx
        .call("POST", "/v1/agents/agt_01nobody/password-reset", Some(admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let complete = |token: &str, new: &str| json!({"token": token, "new_password": new}).to_string();
    let (status, _) = fx
        .call(
            "POST",
            "/v1/auth/password-reset",
            None,
            Some(&complete(&reset_token, "ada's third password")),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, again) = fx
        .call(
            "POST",
            "/v1/auth/password-reset",
            None,
            Some(&complete(&reset_token, "someone else's password")),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "single use: {again}");
    for made_up in [format!("sbr_{}", "A".repeat(43)), "x".repeat(60), String::new()] {
        let (status, _) = fx
            .call(
                "POST",
                "/v1/auth/password-reset",
                None,
                Some(&complete(&made_up, "someone else's password")),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{made_up}");
    }
    assert_eq!(
        fx.call("GET", "/v1/me", Some(&here), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&fx, "ada@sessions.example", "someone else's password").await.0,
        StatusCode::UNAUTHORIZED
    );

    // A role change ends the sessions too.
    let current = token_of(&fx, "ada@sessions.example", "ada's third password").await;
    let (status, _) = fx
        .call(
            "PATCH",
            &format!("/v1/agents/{ada_id}"),
            Some(admin),
            Some(&json!({"role": "admin"}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        fx.call("GET", "/v1/me", Some(&current), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn fifty_concurrent_wrong_passwords_verify_at_most_five() {
    let fx = Fixture::new().await;
    agent_with_password(&fx, &fx.a.key, "rush@example.com", "the right password").await;
    let attempts = (0..50).map(|n| {
        let fx = &fx;
        async move { login(fx, "rush@example.com", &format!("wrong guess {n}")).await.0 }
    });
    let statuses = futures::future::join_all(attempts).await;
    let verified = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(verified <= 5, "{verified} passwords checked: {statuses:?}");
    assert_eq!(verified + limited, 50, "{statuses:?}");
    // A success is not counted against the limit.
    agent_with_password(&fx, &fx.a.key, "steady@example.com", "the right password").await;
    for _ in 0..8 {
        assert_eq!(
            login(&fx, "steady@example.com", "the right password").await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn an_organization_learns_of_few_addresses_that_sign_in_elsewhere() {
    let fx = Fixture::new().await;
    for n in 0..11 {
        let (status, _) = agent_with_password(
            &fx,
            &fx.b.key,
            &format!("taken{n}@elsewhere.example"),
            "b's own password",
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    // Free addresses cost nothing: an organization onboards as many agents as it likes.
    for n in 0..12 {
        let (status, _) = agent_with_password(&fx, &fx.a.key, &format!("new{n}@a.example"), "a's own password").await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut statuses = Vec::new();
    for n in 0..11 {
        let (status, _) =
            agent_with_password(&fx, &fx.a.key, &format!("taken{n}@elsewhere.example"), "a guess!!").await;
        statuses.push(status.as_u16());
    }
    assert_eq!(
        statuses,
        [[409; 10].as_slice(), &[429]].concat(),
        "ten taken addresses, then no answer"
    );
    let (status, _) = agent_with_password(&fx, &fx.a.key, "free@a.example", "a's own password").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "past the limit, a free address gets the same 429"
    );
}
