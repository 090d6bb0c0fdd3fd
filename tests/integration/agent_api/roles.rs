//! Custom roles from creation to deletion, what they grant taking effect on the keys of their
//! holders, and conversation visibility: a division-limited agent walks every conversation route
//! and meets a foreign division's conversation as 404.

use super::*;

async fn role(w: &Walk<'_>, admin: &str, name: &str, permissions: Value) -> Value {
    w.expect(
        StatusCode::CREATED,
        "POST",
        "/v1/roles",
        admin,
        Some(json!({"name": name, "permissions": permissions})),
    )
    .await
}

#[tokio::test]
async fn custom_roles_from_creation_to_deletion() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    let catalogue = w.expect(StatusCode::OK, "GET", "/v1/permissions", a, None).await;
    assert!(
        catalogue["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "conversations.view_divisions" && p["category"] == "conversations")
    );
    let listed = w.expect(StatusCode::OK, "GET", "/v1/roles", a, None).await;
    let names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "agent"], "the built-in roles come first");
    assert_eq!(listed["data"][0]["is_system"], true);
    assert_eq!(listed["data"][1]["visibility"], "all");

    let leads = role(
        &w,
        a,
        "  Team   LEADS ",
        json!(["contacts.read", "conversations.read", "contacts.read"]),
    )
    .await;
    let leads_id = leads["id"].as_str().unwrap().to_string();
    assert_eq!(leads["name"], "team leads", "lower-cased, spaces collapsed");
    assert_eq!(leads["permissions"], json!(["conversations.read", "contacts.read"]));
    assert_eq!(
        leads["visibility"], "assigned",
        "no visibility code: only what is assigned to them"
    );
    assert_eq!(leads["agent_count"], 0);
    let got = w
        .expect(StatusCode::OK, "GET", &format!("/v1/roles/{leads_id}"), a, None)
        .await;
    assert_eq!(got["id"], leads_id.as_str());

    // Bad input, each naming its field, nothing stored.
    for (body, status, code, field) in [
        (
            json!({"name": "TEAM leads", "permissions": []}),
            409,
            "name_taken",
            "name",
        ),
        (json!({"name": "Admin", "permissions": []}), 409, "name_taken", "name"),
        (
            json!({"name": "x".repeat(51), "permissions": []}),
            422,
            "validation_failed",
            "name",
        ),
        (
            json!({"name": "a<b>", "permissions": []}),
            422,
            "validation_failed",
            "name",
        ),
        (
            json!({"name": "ok", "permissions": ["contacts.*", "nope.read"]}),
            422,
            "validation_failed",
            "permissions",
        ),
        (json!({"name": "ok"}), 422, "validation_failed", "permissions"),
        (
            json!({"name": "ok", "permissions": [], "description": "d".repeat(501)}),
            422,
            "validation_failed",
            "description",
        ),
    ] {
        let (got, value) = w.call("POST", "/v1/roles", a, Some(body.clone())).await;
        assert_eq!(
            (got.as_u16(), value["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}: {value}"
        );
        assert!(
            value["error"]["message"].as_str().unwrap().starts_with(field),
            "{body}: {value}"
        );
    }
    // A caller grants only what it holds: a key limited to roles and contacts cannot hand out
    // conversations.read, nor change a role that grants it.
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", a, None).await;
    let narrow = key_for(
        &w,
        a,
        me["agent"]["id"].as_str().unwrap(),
        json!(["roles.*", "contacts.read"]),
    )
    .await;
    let (status, value) = w
        .call(
            "POST",
            "/v1/roles",
            &narrow,
            Some(json!({"name": "grab", "permissions": ["conversations.read"]})),
        )
        .await;
    assert_eq!(
        (status, value["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission_not_held"))
    );
    assert!(
        value["error"]["message"].as_str().unwrap().starts_with("permissions:"),
        "{value}"
    );
    let (status, _) = w
        .call(
            "PATCH",
            &format!("/v1/roles/{leads_id}"),
            &narrow,
            Some(json!({"permissions": ["contacts.read"]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "taking away is as strong as giving");
    // Built-in roles are read-only: the error names the field given.
    let (status, value) = w
        .call("PATCH", "/v1/roles/agent", a, Some(json!({"name": "helpers"})))
        .await;
    assert_eq!(
        (status, value["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("system_role"))
    );
    assert!(
        value["error"]["message"].as_str().unwrap().starts_with("name:"),
        "{value}"
    );
    let (status, _) = w.call("DELETE", "/v1/roles/admin", a, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = w.call("GET", "/v1/roles/rol_nothere", a, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed = w.expect(StatusCode::OK, "GET", "/v1/roles", a, None).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        3,
        "only the one role was stored"
    );

    // An agent gets the role by id; their key holds what it grants, and a change of the role
    // reaches that key (at once on this Lambda, within the role cache's 30 s on others).
    let holder = agent(&w, a, "lead@example.com", &leads_id).await;
    let holder_key = key_for(&w, a, &holder, json!(["*"])).await;
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", &holder_key, None).await;
    assert_eq!(me["agent"]["role"], leads_id.as_str());
    assert!(
        me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "contacts.read")
    );
    let (status, _) = w.call("GET", "/v1/quick-replies", &holder_key, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let renamed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/roles/{leads_id}"),
            a,
            Some(json!({"name": "Leads", "description": "the leads", "permissions": ["quick_replies.read", "conversations.read"]})),
        )
        .await;
    assert_eq!(renamed["name"], "leads");
    assert_eq!(renamed["agent_count"], 1);
    w.expect(StatusCode::OK, "GET", "/v1/quick-replies", &holder_key, None)
        .await;
    let (status, _) = w.call("GET", "/v1/contacts", &holder_key, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the list was replaced whole");
    // The old name is free again, the new one taken.
    role(&w, a, "team leads", json!([])).await;
    let (status, _) = w
        .call(
            "POST",
            "/v1/roles",
            a,
            Some(json!({"name": "LEADS", "permissions": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // An unknown role id for an agent is 404 naming it; a malformed one 422.
    let (status, value) = w
        .call(
            "POST",
            "/v1/agents",
            a,
            Some(json!({"email": "x@example.com", "full_name": "X", "role": "rol_nothere"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{value}");
    assert!(
        value["error"]["message"].as_str().unwrap().starts_with("role:"),
        "{value}"
    );

    // A role in use is not deleted; once nobody holds it, it is.
    let (status, value) = w.call("DELETE", &format!("/v1/roles/{leads_id}"), a, None).await;
    assert_eq!(
        (status, value["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("role_in_use"))
    );
    assert!(
        value["error"]["message"].as_str().unwrap().contains("held by 1"),
        "{value}"
    );
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/agents/{holder}"),
        a,
        Some(json!({"role": "agent"})),
    )
    .await;
    let emptied = w
        .expect(StatusCode::OK, "GET", &format!("/v1/roles/{leads_id}"), a, None)
        .await;
    assert_eq!(emptied["agent_count"], 0);
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/roles/{leads_id}"),
        a,
        None,
    )
    .await;
    let (status, _) = w.call("GET", &format!("/v1/roles/{leads_id}"), a, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    w.done();
}

/// Every route naming a conversation, walked by a division-limited agent: a foreign division's
/// conversation is 404 everywhere, their own division's is not; the list shows only theirs.
#[tokio::test]
async fn a_division_limited_agent_meets_other_divisions_conversations_as_404() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    let now = crate::api::now();
    f.inbound_from(&f.a, "16505550001", "Own", "wamid.vis.own", now).await;
    let own = f.conversation_id(&f.a).await;
    f.inbound_from(&f.a, "16505550002", "Foreign", "wamid.vis.foreign", now)
        .await;
    let foreign = f.conversation_id(&f.a).await;
    assert_ne!(own, foreign);
    let mine = division(&w, a, "Mine").await;
    let theirs = division(&w, a, "Theirs").await;
    for (conversation, division_id) in [(&own, &mine), (&foreign, &theirs)] {
        w.expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conversation}/assign"),
            a,
            Some(json!({"division_id": division_id})),
        )
        .await;
    }
    let desk = role(
        &w,
        a,
        "division desk",
        json!([
            "conversations.read",
            "conversations.reply",
            "conversations.assign",
            "conversations.resolve",
            "conversations.view_divisions",
            "notes.write"
        ]),
    )
    .await;
    assert_eq!(desk["visibility"], "divisions");
    let limited = agent(&w, a, "limited@example.com", desk["id"].as_str().unwrap()).await;
    w.expect(
        StatusCode::OK,
        "PUT",
        &format!("/v1/divisions/{mine}/members/{limited}"),
        a,
        None,
    )
    .await;
    let key = key_for(&w, a, &limited, json!(["*"])).await;

    let listed = w.expect(StatusCode::OK, "GET", "/v1/conversations", &key, None).await;
    let seen: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        seen.contains(&own.as_str()) && !seen.contains(&foreign.as_str()),
        "{seen:?}"
    );
    let filtered = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations?division={theirs}"),
            &key,
            None,
        )
        .await;
    assert!(
        filtered["data"].as_array().unwrap().is_empty(),
        "a filter does not widen what they see"
    );

    let scheduled_id = "sch_nothere";
    let ids: BTreeMap<&str, String> = [
        ("agent_id", limited.clone()),
        ("division_id", mine.clone()),
        ("sla_policy_id", "sla_nothere".to_string()),
    ]
    .into_iter()
    .collect();
    let mut walked = 0;
    for route in ROUTES.iter().filter(|r| r.path.contains("{conversation_id}")) {
        let path = |conversation: &str| {
            route
                .path
                .replace("{conversation_id}", conversation)
                .replace("{scheduled_message_id}", scheduled_id)
        };
        let body = super::tenancy::valid_body(route.operation, &ids);
        let (status, value) = w.call(route.method, &path(&foreign), &key, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{} {}: {value}",
            route.method,
            route.path
        );
        assert!(
            value["error"]["message"].as_str().unwrap().contains("conversation"),
            "{} {}: the conversation is what is not found: {value}",
            route.method,
            route.path
        );
        assert!(!value.to_string().contains("Foreign"), "nothing of it shows");
        // Their own division's conversation: the reads answer, and no route hides it.
        if route.method == "GET" && !route.path.contains("{scheduled_message_id}") {
            let (status, value) = w.call(route.method, &path(&own), &key, None).await;
            assert_eq!(status, StatusCode::OK, "{} {}: {value}", route.method, route.path);
        }
        walked += 1;
    }
    assert!(walked >= 16, "every conversation route was walked: {walked}");

    // Assigned to them elsewhere, a conversation is theirs to see; an assigned-only agent sees
    // only that.
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{foreign}/assign"),
        a,
        Some(json!({"agent_id": limited})),
    )
    .await;
    w.expect(
        StatusCode::OK,
        "GET",
        &format!("/v1/conversations/{foreign}"),
        &key,
        None,
    )
    .await;
    let solo = role(
        &w,
        a,
        "solo",
        json!(["conversations.read", "conversations.view_assigned"]),
    )
    .await;
    let solo_agent = agent(&w, a, "solo@example.com", solo["id"].as_str().unwrap()).await;
    w.expect(
        StatusCode::OK,
        "PUT",
        &format!("/v1/divisions/{mine}/members/{solo_agent}"),
        a,
        None,
    )
    .await;
    let solo_key = key_for(&w, a, &solo_agent, json!(["*"])).await;
    let (status, _) = w
        .call("GET", &format!("/v1/conversations/{own}"), &solo_key, None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "membership alone shows nothing to an assigned-only agent"
    );
    let listed = w
        .expect(StatusCode::OK, "GET", "/v1/conversations", &solo_key, None)
        .await;
    assert!(listed["data"].as_array().unwrap().is_empty());

    // Leaving the division takes its conversations away (this Lambda forgets the key at once).
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/divisions/{mine}/members/{limited}"),
        a,
        None,
    )
    .await;
    let (status, _) = w.call("GET", &format!("/v1/conversations/{own}"), &key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The admin still sees both.
    w.expect(StatusCode::OK, "GET", &format!("/v1/conversations/{own}"), a, None)
        .await;
}
