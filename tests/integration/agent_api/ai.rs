//! An admin's walk through the AI agents' routes: agents, assignments, handoff rules, usage; each
//! refusal naming its field, the allow-list, limits and references checked.

use super::*;

pub(crate) async fn refused(
    w: &Walk<'_>,
    method: &str,
    path: &str,
    key: &str,
    body: Value,
    status: StatusCode,
    field: &str,
) {
    let (got, answer) = w.call(method, path, key, Some(body)).await;
    assert_eq!(got, status, "{method} {path}: {answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with(field),
        "{field}: {answer}"
    );
}

#[tokio::test]
async fn ai_agents_with_assignments_and_handoff_rules_from_creation_to_deletion() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    let good =
        json!({"name": "Front desk", "system_prompt": "You answer for Acme Shoes.", "model": "amazon.nova-lite-v1:0"});
    for (change, status, field) in [
        (json!({"name": null}), StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (
            json!({"model": "openai.gpt-9"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "model",
        ),
        (
            json!({"temperature": 1.5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "temperature",
        ),
        (
            json!({"max_tokens": 5000}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "max_tokens",
        ),
        (
            json!({"system_prompt": " \n "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "system_prompt",
        ),
        (json!({"memory": [1, 2]}), StatusCode::UNPROCESSABLE_ENTITY, "memory"),
        (
            json!({"memory": {"k": "v".repeat(9_000)}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "memory",
        ),
        (
            json!({"parent_agent_id": "aia_nobody"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "parent_agent_id",
        ),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        refused(&w, "POST", "/v1/ai-agents", a, body, status, field).await;
    }
    let mut with_memory = good.clone();
    with_memory["memory"] = json!({"season": "winter sale"});
    with_memory["daily_token_limit"] = json!(50_000);
    let front = w
        .expect(StatusCode::CREATED, "POST", "/v1/ai-agents", a, Some(with_memory))
        .await;
    let front_id = front["id"].as_str().unwrap().to_string();
    assert_eq!(
        (front["temperature"].as_f64(), front["max_tokens"].as_u64()),
        (Some(0.3), Some(512))
    );
    let mut child_body = good.clone();
    child_body["name"] = json!("Billing");
    child_body["parent_agent_id"] = json!(front_id);
    let child = w
        .expect(StatusCode::CREATED, "POST", "/v1/ai-agents", a, Some(child_body))
        .await;
    let child_id = child["id"].as_str().unwrap().to_string();
    let front_path = format!("/v1/ai-agents/{front_id}");
    // One level of orchestration: the parent cannot become a child.
    refused(
        &w,
        "PATCH",
        &front_path,
        a,
        json!({"parent_agent_id": child_id}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "parent_agent_id",
    )
    .await;
    let changed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &front_path,
            a,
            Some(json!({"welcome_message": "Hi! I am Acme's assistant.", "daily_token_limit": null})),
        )
        .await;
    assert_eq!(changed["welcome_message"], "Hi! I am Acme's assistant.");
    assert!(changed["daily_token_limit"].is_null());
    assert_eq!(changed["memory"]["season"], "winter sale", "untouched fields stay");

    // Assignments.
    let assignments = format!("{front_path}/assignments");
    refused(
        &w,
        "POST",
        &assignments,
        a,
        json!({"channel": "telegram"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "channel",
    )
    .await;
    refused(
        &w,
        "POST",
        &assignments,
        a,
        json!({"priority": 5000}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "priority",
    )
    .await;
    refused(
        &w,
        "POST",
        &assignments,
        a,
        json!({"division_id": "div_nobody"}),
        StatusCode::NOT_FOUND,
        "division_id",
    )
    .await;
    refused(
        &w,
        "POST",
        &assignments,
        a,
        json!({"contact_tags": ["no spaces allowed"]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "contact_tags",
    )
    .await;
    let assignment = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &assignments,
            a,
            Some(json!({"account_id": f.a.account.account_id, "priority": 10, "contact_tags": ["VIP"]})),
        )
        .await;
    assert_eq!(assignment["contact_tags"], json!(["vip"]));
    let assignment_path = format!("{assignments}/{}", assignment["id"].as_str().unwrap());
    let paused = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &assignment_path,
            a,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(paused["is_active"], false);
    let listed = w.expect(StatusCode::OK, "GET", &assignments, a, None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    // Handoff rules.
    let rules = format!("{front_path}/handoff-rules");
    refused(
        &w,
        "POST",
        &rules,
        a,
        json!({"rule_type": "moon_phase"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule_type",
    )
    .await;
    refused(
        &w,
        "POST",
        &rules,
        a,
        json!({"rule_type": "keywords", "config": {"keywords": []}}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "config.keywords",
    )
    .await;
    refused(
        &w,
        "POST",
        &rules,
        a,
        json!({"rule_type": "max_turns", "config": {"turns": 0}}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "config.turns",
    )
    .await;
    refused(
        &w,
        "POST",
        &rules,
        a,
        json!({"config": {}}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule_type",
    )
    .await;
    let rule = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &rules,
            a,
            Some(json!({"rule_type": "keywords", "config": {"keywords": ["refund"]}})),
        )
        .await;
    assert_eq!(
        (
            rule["stop_ai_after_handoff"].as_bool(),
            rule["config"]["keywords"][0].as_str()
        ),
        (Some(true), Some("refund"))
    );
    let rule_path = format!("{rules}/{}", rule["id"].as_str().unwrap());
    let turned = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &rule_path,
            a,
            Some(json!({"rule_type": "max_turns", "config": {"turns": 8}, "stop_ai_after_handoff": false})),
        )
        .await;
    assert_eq!(
        (turned["rule_type"].as_str(), turned["config"]["turns"].as_u64()),
        (Some("max_turns"), Some(8))
    );
    assert_eq!(
        w.expect(StatusCode::OK, "GET", &rules, a, None).await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let got = w.expect(StatusCode::OK, "GET", &front_path, a, None).await;
    assert_eq!(
        (
            got["assignments"].as_array().unwrap().len(),
            got["handoff_rules"].as_array().unwrap().len()
        ),
        (1, 1)
    );

    // Products: prices are decimal strings; metadata an object.
    let products = format!("{front_path}/products");
    refused(
        &w,
        "POST",
        &products,
        a,
        json!({"price": "1.00"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "name",
    )
    .await;
    refused(
        &w,
        "POST",
        &products,
        a,
        json!({"name": "Trail runner", "price": "89,90"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "price",
    )
    .await;
    refused(
        &w,
        "POST",
        &products,
        a,
        json!({"name": "Trail runner", "metadata": "TR-1"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "metadata",
    )
    .await;
    let product = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &products,
            a,
            Some(json!({"name": "Trail runner", "price": "89.90", "metadata": {"sku": "TR-1"}})),
        )
        .await;
    let product_path = format!("{products}/{}", product["id"].as_str().unwrap());
    let repriced = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &product_path,
            a,
            Some(json!({"price": "79.90", "weight": null})),
        )
        .await;
    assert_eq!(
        (repriced["price"].as_str(), repriced["metadata"]["sku"].as_str()),
        (Some("79.90"), Some("TR-1"))
    );
    assert_eq!(
        w.expect(StatusCode::OK, "GET", &products, a, None).await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    w.expect(StatusCode::NO_CONTENT, "DELETE", &product_path, a, None).await;
    w.expect(
        StatusCode::NOT_FOUND,
        "PATCH",
        &product_path,
        a,
        Some(json!({"price": "1"})),
    )
    .await;

    // Orchestration: only a child is a target.
    let routing = format!("{front_path}/orchestration-rules");
    refused(
        &w,
        "POST",
        &routing,
        a,
        json!({"target_agent_id": front_id, "condition_prompt": "x"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "target_agent_id",
    )
    .await;
    refused(
        &w,
        "POST",
        &routing,
        a,
        json!({"target_agent_id": child_id}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "condition_prompt",
    )
    .await;
    let rule = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &routing,
            a,
            Some(json!({"target_agent_id": child_id, "condition_prompt": "invoices and refunds", "priority": 5})),
        )
        .await;
    let routing_path = format!("{routing}/{}", rule["id"].as_str().unwrap());
    refused(
        &w,
        "PATCH",
        &routing_path,
        a,
        json!({"condition_prompt": " "}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "condition_prompt",
    )
    .await;
    let moved = w
        .expect(StatusCode::OK, "PATCH", &routing_path, a, Some(json!({"priority": 7})))
        .await;
    assert_eq!(moved["priority"], 7);
    assert_eq!(
        w.expect(StatusCode::OK, "GET", &routing, a, None).await["data"][0]["condition_prompt"],
        "invoices and refunds"
    );
    w.expect(StatusCode::NO_CONTENT, "DELETE", &routing_path, a, None).await;

    // The test chat checks its messages before the AI agents function is asked.
    refused(
        &w,
        "POST",
        &format!("{front_path}/test-chat"),
        a,
        json!({"messages": [{"role": "user", "content": " "}]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "messages[0].content",
    )
    .await;

    // An agent (built-in role) reads but does not manage.
    let agent_id = agent(&w, a, "ai-reader@example.com", "agent").await;
    let reader = key_for(&w, a, &agent_id, json!(["*"])).await;
    w.expect(StatusCode::OK, "GET", "/v1/ai-agents", &reader, None).await;
    w.expect(
        StatusCode::FORBIDDEN,
        "PATCH",
        &front_path,
        &reader,
        Some(json!({"name": "Mine"})),
    )
    .await;

    // Usage: an empty range reads empty; a range past 92 days or backwards is refused.
    let usage = w
        .expect(
            StatusCode::OK,
            "GET",
            "/v1/ai-usage?from=2026-01-01&to=2026-01-31",
            a,
            None,
        )
        .await;
    assert_eq!(
        (usage["data"].as_array().unwrap().len(), usage["total_tokens"].as_u64()),
        (0, Some(0))
    );
    refused(
        &w,
        "GET",
        "/v1/ai-usage?from=2026-01-01&to=2026-12-31",
        a,
        Value::Null,
        StatusCode::UNPROCESSABLE_ENTITY,
        "to",
    )
    .await;
    refused(
        &w,
        "GET",
        "/v1/ai-usage?from=2026-02-01&to=2026-01-01",
        a,
        Value::Null,
        StatusCode::UNPROCESSABLE_ENTITY,
        "from",
    )
    .await;
    refused(
        &w,
        "GET",
        "/v1/ai-usage?from=yesterday",
        a,
        Value::Null,
        StatusCode::UNPROCESSABLE_ENTITY,
        "from",
    )
    .await;

    // Deleting: not a parent with children; the parts go with their agent.
    w.expect(StatusCode::NO_CONTENT, "DELETE", &rule_path, a, None).await;
    w.expect(StatusCode::NOT_FOUND, "DELETE", &rule_path, a, None).await;
    w.expect(StatusCode::NO_CONTENT, "DELETE", &assignment_path, a, None)
        .await;
    w.expect(StatusCode::CONFLICT, "DELETE", &front_path, a, None).await;
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/ai-agents/{child_id}"),
        a,
        None,
    )
    .await;
    w.expect(StatusCode::NO_CONTENT, "DELETE", &front_path, a, None).await;
    w.expect(StatusCode::NOT_FOUND, "GET", &front_path, a, None).await;
    assert!(
        w.expect(StatusCode::OK, "GET", "/v1/ai-agents", a, None).await["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    w.done();
}
