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
    for odd in [String::new(), "x".repeat(3000), "\u{0}@\u{1}".into()] {
        let (status, odd_answer) = login(&fx, &odd, "correct horse battery").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{odd_answer}");
    }

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
    for n in 0..4 {
        let (status, _) = register(body(&format!("owner{n}@acme.example"))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = register(body("owner9@acme.example")).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "five organizations per address and window"
    );
}
