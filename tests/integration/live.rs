//! Live updates end to end on the local runtime: a session opens a WebSocket connection, domain
//! events travel bus -> rule -> queue -> notifier -> `@connections` to the organization's
//! connections only, a Gone connection is deleted, and a disconnect forgets the connection.

use devstack::{LocalRuntime, RuntimeOptions};
use futures::StreamExt;
use integration_tests::*;
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use shared::live::connection_store::ConnectionStore;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn session(fx: &Fixture, key: &str, email: &str) -> String {
    session_as(fx, key, email, "agent").await
}

/// A signed-in agent of `role`: their session token.
async fn session_as(fx: &Fixture, key: &str, email: &str, role: &str) -> String {
    let body =
        json!({"email": email, "full_name": "Live Agent", "role": role, "password": "live updates please"}).to_string();
    let (status, agent) = fx.call("POST", "/v1/agents", Some(key), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{agent}");
    let body = json!({"email": email, "password": "live updates please"}).to_string();
    let (status, session) = fx.call("POST", "/v1/auth/login", None, Some(&body)).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    session["token"].as_str().unwrap().to_string()
}

/// Opens `ws://.../live?token=...`; the HTTP status when the handshake is refused.
async fn connect(port: u16, token: Option<&str>) -> Result<Socket, u16> {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let url = match token {
        Some(token) => format!("ws://127.0.0.1:{port}/live?token={token}"),
        None => format!("ws://127.0.0.1:{port}/live"),
    };
    match tokio_tungstenite::client_async(url, stream).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("handshake failed: {other}"),
    }
}

/// Notices received within `wait`.
/// The notices `socket` receives within `wait`, or until what came satisfies `enough`.
async fn notices_until(socket: &mut Socket, wait: Duration, enough: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Message::Text(text) = message {
            received.push(serde_json::from_str(text.as_str()).unwrap());
            if enough(&received) {
                break;
            }
        }
    }
    received
}

/// Whether a notice of each of `kinds` came.
fn all_of<'a>(kinds: &'a [&'a str]) -> impl Fn(&[Value]) -> bool + 'a {
    move |received| kinds.iter().all(|kind| received.iter().any(|n| n["type"] == *kind))
}

/// The local runtime serving `fx`'s stack, its WebSocket API on a free port: that port, and how
/// to stop it.
async fn serve(fx: &mut Fixture) -> (u16, tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let websocket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_port = websocket.local_addr().unwrap().port();
    fx.stack
        .stack
        .serve_websocket_apis_at(&format!("ws://127.0.0.1:{ws_port}"));
    let runtime = LocalRuntime::build(
        &fx.stack.template,
        &fx.stack.stack,
        &fx.stack.aws,
        &RuntimeOptions::default(),
    )
    .unwrap()
    .serve_websocket_on(websocket);
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let stack = fx.stack.stack.clone();
    let server = tokio::spawn(async move {
        let _ = runtime.run(http, &stack, shutdown).await;
    });
    (ws_port, stop, server)
}

#[tokio::test]
async fn notices_reach_only_their_organizations_connections_and_gone_ones_are_forgotten() {
    let mut fx = Fixture::new().await;
    let (ws_port, stop, server) = serve(&mut fx).await;

    let token_a = session(&fx, &fx.a.key, "live-a@example.com").await;
    let token_b = session(&fx, &fx.b.key, "live-b@example.com").await;

    // Refused before a connection exists: no token, a made-up one, a revoked one.
    assert_eq!(connect(ws_port, None).await.err(), Some(401));
    let made_up = format!("sbs_{}", "A".repeat(43));
    assert_eq!(connect(ws_port, Some(&made_up)).await.err(), Some(401));
    let revoked = session(&fx, &fx.a.key, "live-revoked@example.com").await;
    let (status, _) = fx.call("POST", "/v1/auth/logout", Some(&revoked), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(connect(ws_port, Some(&revoked)).await.err(), Some(401));

    let mut socket_a = connect(ws_port, Some(&token_a)).await.expect("a live session connects");
    let mut socket_b = connect(ws_port, Some(&token_b)).await.expect("a live session connects");
    let connections = ConnectionStore::new(aws_sdk_dynamodb::Client::new(&fx.stack.aws), fx.stack.name_of("Table"));
    let now = chrono::Utc::now().timestamp_millis();
    let org_a = fx.a.account.org_id.clone();
    assert_eq!(connections.of_organization(&org_a, now).await.unwrap().len(), 1);
    // A connection whose client went away without a disconnect: API Gateway answers 410 for it.
    connections
        .open(
            &shared::live::connection_store::Opened {
                org_id: &org_a,
                agent_id: "agent-gone",
                session_id: "gone",
                role_id: "agent",
                visibility: shared::access::roles::Visibility::All,
                division_ids: &[],
            },
            "GONECONNECTION",
            now + 60_000,
        )
        .await
        .unwrap();

    let timestamp = chrono::Utc::now().timestamp();
    fx.inbound(&fx.a, "wamid.live.1", timestamp).await;
    let received = notices_until(
        &mut socket_a,
        Duration::from_secs(8),
        all_of(&["message.received", "conversation.created"]),
    )
    .await;
    let kinds: Vec<&str> = received.iter().filter_map(|n| n["type"].as_str()).collect();
    assert!(kinds.contains(&"message.received"), "{received:?}");
    assert!(kinds.contains(&"conversation.created"), "{received:?}");
    let message_notice = received.iter().find(|n| n["type"] == "message.received").unwrap();
    assert!(
        message_notice["conversation_id"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert!(
        message_notice.get("body").is_none() && !message_notice.to_string().contains("hello"),
        "notices carry ids, never content: {message_notice}"
    );
    // By now the notifier has sent this event to every connection it chose.
    assert!(
        notices_until(&mut socket_b, Duration::from_millis(500), |_| false)
            .await
            .is_empty(),
        "another organization's connection hears nothing"
    );
    let left: Vec<String> = connections
        .of_organization(&org_a, chrono::Utc::now().timestamp_millis())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.connection_id)
        .collect();
    assert_eq!(left.len(), 1, "the gone connection was deleted: {left:?}");
    assert!(connections.owner_of("GONECONNECTION").await.unwrap().is_none());

    // An agent's change reaches the other agents' pages.
    let conversation_id = message_notice["conversation_id"].as_str().unwrap().to_string();
    let (status, _) = fx
        .call(
            "POST",
            &format!("/v1/conversations/{conversation_id}/resolve"),
            Some(&fx.a.key),
            Some("{}"),
        )
        .await;
    assert!(status.is_success(), "{status}");
    let resolved = |n: &Value| {
        n["type"] == "conversation.changed"
            && n["change"] == "resolve"
            && n["conversation_id"] == conversation_id.as_str()
    };
    let received = notices_until(&mut socket_a, Duration::from_secs(8), |r| r.iter().any(resolved)).await;
    assert!(
        received.iter().any(|n| n["type"] == "conversation.changed"
            && n["change"] == "resolve"
            && n["conversation_id"] == conversation_id.as_str()),
        "{received:?}"
    );

    // Ending an agent's sessions (here a deactivation) closes their live connections, only theirs.
    let token_c = session(&fx, &fx.a.key, "live-c@example.com").await;
    let mut socket_c = connect(ws_port, Some(&token_c)).await.expect("a live session connects");
    let (_, me_c) = fx.call("GET", "/v1/me", Some(&token_c), None).await;
    let agent_c = me_c["agent"]["id"].as_str().unwrap().to_string();
    let (status, _) = fx
        .call(
            "POST",
            &format!("/v1/agents/{agent_c}/deactivate"),
            Some(&fx.a.key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        closed_within(&mut socket_c, Duration::from_secs(10)).await,
        "the deactivated agent's connection was closed"
    );
    let (status, _) = fx
        .call(
            "POST",
            &format!("/v1/conversations/{conversation_id}/reopen"),
            Some(&fx.a.key),
            Some("{}"),
        )
        .await;
    assert!(status.is_success(), "{status}");
    assert!(
        notices_until(&mut socket_a, Duration::from_secs(8), all_of(&["conversation.changed"]))
            .await
            .iter()
            .any(|n| n["type"] == "conversation.changed"),
        "the other agent's connection stays open"
    );

    // Disconnect: the connection's records go.
    socket_a.close(None).await.unwrap();
    let mut forgotten = false;
    for _ in 0..50 {
        let now = chrono::Utc::now().timestamp_millis();
        if connections.of_organization(&org_a, now).await.unwrap().is_empty() {
            forgotten = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(forgotten, "$disconnect deleted the connection");
    drop(socket_b);
    stop.send(true).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
}

/// Whether `socket` is closed by the server within `wait`.
async fn closed_within(socket: &mut Socket, wait: Duration) -> bool {
    tokio::time::timeout(wait, async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_division_limited_agent_is_told_only_about_their_divisions_conversations() {
    let mut fx = Fixture::new().await;
    let (ws_port, stop, server) = serve(&mut fx).await;
    let admin = fx.a.key.clone();
    let call = |method: &'static str, path: String, body: Value| {
        let fx = &fx;
        let admin = admin.clone();
        async move {
            let (status, value) = fx.call(method, &path, Some(&admin), Some(&body.to_string())).await;
            assert!(status.is_success(), "{method} {path}: {value}");
            value
        }
    };
    let desk = call(
        "POST",
        "/v1/roles".into(),
        json!({"name": "desk", "permissions": ["conversations.read", "conversations.view_divisions"]}),
    )
    .await;
    let division = call("POST", "/v1/divisions".into(), json!({"name": "Mine"})).await;
    let division_id = division["id"].as_str().unwrap().to_string();
    let limited_token = session_as(&fx, &admin, "live-limited@example.com", desk["id"].as_str().unwrap()).await;
    let (_, me) = fx.call("GET", "/v1/me", Some(&limited_token), None).await;
    let limited = me["agent"]["id"].as_str().unwrap().to_string();
    call(
        "PUT",
        format!("/v1/divisions/{division_id}/members/{limited}"),
        json!({}),
    )
    .await;
    let all_token = session(&fx, &admin, "live-all@example.com").await;
    let mut limited_socket = connect(ws_port, Some(&limited_token)).await.expect("connects");
    let mut all_socket = connect(ws_port, Some(&all_token)).await.expect("connects");

    // A new conversation belongs to no division: only the agent who sees all is told.
    fx.inbound(&fx.a, "wamid.live.limited", chrono::Utc::now().timestamp())
        .await;
    let received = notices_until(&mut all_socket, Duration::from_secs(8), all_of(&["message.received"])).await;
    let notice = received.iter().find(|n| n["type"] == "message.received").expect("told");
    let conversation_id = notice["conversation_id"].as_str().unwrap().to_string();
    assert!(
        notices_until(&mut limited_socket, Duration::from_millis(500), |_| false)
            .await
            .is_empty(),
        "the limited agent hears nothing of a conversation they may not see"
    );
    // Moved into their division, it is theirs: the move's notice reaches them.
    call(
        "POST",
        format!("/v1/conversations/{conversation_id}/assign"),
        json!({"division_id": division_id}),
    )
    .await;
    let received = notices_until(
        &mut limited_socket,
        Duration::from_secs(8),
        all_of(&["conversation.changed"]),
    )
    .await;
    assert!(
        received
            .iter()
            .any(|n| n["type"] == "conversation.changed" && n["conversation_id"] == conversation_id.as_str()),
        "{received:?}"
    );
    // Leaving the division closes their connection (the page reconnects with what they see now).
    call(
        "DELETE",
        format!("/v1/divisions/{division_id}/members/{limited}"),
        json!({}),
    )
    .await;
    assert!(closed_within(&mut limited_socket, Duration::from_secs(10)).await);
    let mut limited_socket = connect(ws_port, Some(&limited_token)).await.expect("reconnects");
    // A change of the role closes its holders' connections too.
    call(
        "PATCH",
        format!("/v1/roles/{}", desk["id"].as_str().unwrap()),
        json!({"permissions": ["conversations.read", "conversations.view_all"]}),
    )
    .await;
    assert!(closed_within(&mut limited_socket, Duration::from_secs(10)).await);
    drop(all_socket);
    stop.send(true).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
}

#[test]
fn sample_events_of_the_live_functions_are_what_they_handle() {
    for (file, route) in [
        ("live-connect.json", "$connect"),
        ("live-disconnect.json", "$disconnect"),
    ] {
        let event: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
            serde_json::from_value(read_event(file)).unwrap();
        assert_eq!(event.request_context.route_key.as_deref(), Some(route), "{file}");
        assert!(event.request_context.connection_id.is_some(), "{file}");
    }
    let connect: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
        serde_json::from_value(read_event("live-connect.json")).unwrap();
    assert!(shared::access::session::is_session_token(
        connect.query_string_parameters.first("token").unwrap()
    ));
    let sqs: aws_lambda_events::event::sqs::SqsEvent =
        serde_json::from_value(read_event("notifier-message-received.json")).unwrap();
    let notice = shared::live::notice_of(sqs.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        (notice.kind.as_str(), notice.org_id.as_str()),
        ("message.received", "org_demo")
    );
}

#[tokio::test]
async fn an_organizations_connections_are_capped_and_a_closed_one_frees_its_place() {
    let fx = Fixture::new().await;
    let mut env = fx.stack.env_of("LiveFunction");
    assert_eq!(
        live::LiveConfig::from_env(&env).unwrap().connections_per_org,
        500,
        "the template's default"
    );
    env.insert("LIVE_CONNECTIONS_PER_ORG".into(), "2".into());
    let service = live::LiveService::from_aws(&live::LiveConfig::from_env(&env).unwrap(), &fx.stack.aws);
    let token = session(&fx, &fx.a.key, "capped@example.com").await;
    let other_org = session(&fx, &fx.b.key, "uncapped@example.com").await;
    let event = |route: &str, connection: &str, token: &str| {
        let mut event = read_event("live-connect.json");
        event["requestContext"]["routeKey"] = json!(route);
        event["requestContext"]["connectionId"] = json!(connection);
        event["queryStringParameters"]["token"] = json!(token);
        event["multiValueQueryStringParameters"]["token"] = json!([token]);
        serde_json::from_value::<aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest>(event).unwrap()
    };
    let mut statuses = Vec::new();
    for n in 0..3 {
        let answer = service
            .respond(event("$connect", &format!("CAP{n}"), &token))
            .await
            .unwrap();
        statuses.push(answer.status_code);
    }
    assert_eq!(statuses, vec![200, 200, 429]);
    let elsewhere = service
        .respond(event("$connect", "OTHERORG", &other_org))
        .await
        .unwrap();
    assert_eq!(elsewhere.status_code, 200, "another organization has its own cap");
    let closed = service.respond(event("$disconnect", "CAP0", &token)).await.unwrap();
    assert_eq!(closed.status_code, 200);
    let again = service.respond(event("$connect", "CAP3", &token)).await.unwrap();
    assert_eq!(again.status_code, 200, "a closed connection frees its place");
}
