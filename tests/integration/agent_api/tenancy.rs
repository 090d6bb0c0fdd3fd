use super::*;

/// A valid body for each operation that reads one, so a foreign id fails on its lookup (404) and
/// not on validation.
pub(crate) fn valid_body(operation: Operation, ids: &BTreeMap<&str, String>) -> Option<Value> {
    use Operation::*;
    Some(match operation {
        Assign => json!({"agent_id": ids["agent_id"]}),
        Transfer => json!({"to_agent_id": ids["agent_id"], "note": "n"}),
        SendMessage => json!({"type": "text", "content": {"text": "hi"}}),
        AddNote => json!({"content": "n"}),
        CreateAgent => {
            json!({"email": format!("iso-{}@example.com", ulid::Ulid::new().to_string().to_lowercase()), "full_name": "Iso"})
        }
        UpdateAgent => json!({"full_name": "Renamed"}),
        CreateApiKey => json!({"name": "k", "agent_id": ids["agent_id"]}),
        CreateDivision => json!({"name": "D"}),
        UpdateDivision => json!({"name": "Renamed"}),
        CreateRole => {
            json!({"name": format!("iso {}", ulid::Ulid::new().to_string().to_lowercase()), "permissions": ["contacts.read"]})
        }
        UpdateRole => json!({"description": "renamed"}),
        CreateAutomationRule => json!({"name": "iso", "trigger": "message_received", "actions": [{"type": "resolve"}]}),
        UpdateAutomationRule => json!({"name": "Renamed"}),
        TestAutomationRule => json!({}),
        SetAutomationControl => json!({"is_paused": false}),
        CreateScenario => json!({"title": "iso", "keywords": ["iso"], "start_item_id": "a",
            "items": [{"id": "a", "kind": "text", "label": "Hi"}]}),
        UpdateScenario => json!({"title": "Renamed"}),
        CreateScenarioTemplate => json!({"name": "iso", "catalog_id": "1"}),
        UpdateScenarioTemplate => json!({"name": "Renamed"}),
        SetBlockedScenarios => json!({"scenario_ids": []}),
        SetConversationBot => json!({"paused": true}),
        UpdateConversation => json!({"priority": "high"}),
        RegisterAccount => {
            json!({"phone_number_id": unique_phone_number_id(), "waba_id": "1", "display_phone_number": "15550001111", "app_secret": "s", "access_token": "t", "division_id": ids["division_id"]})
        }
        UpdateAccount => json!({"throughput_mps": 5}),
        CreateContact => json!({"phone_number": format!("1650{}", &unique_phone_number_id()[..7])}),
        UpdateContact => json!({"name": "Renamed"}),
        CreateQuickReply => json!({"title": "t", "content": "c"}),
        UpdateQuickReply => json!({"title": "Renamed"}),
        CreateTemplate => {
            json!({"account_id": ids["account_id"], "name": "iso", "category": "UTILITY", "language": "en",
            "components": [{"type": "BODY", "text": "x"}]})
        }
        SyncTemplates => json!({"account_id": ids["account_id"]}),
        CreateCampaign => json!({"name": "iso", "template_id": ids["template_id"]}),
        UpdateCampaign => json!({"name": "Renamed"}),
        AddRecipients => json!({"phone_numbers": ["+16505550123"]}),
        ScheduleMessage => json!({"type": "text", "content": {"text": "later"}, "scheduled_at": in_an_hour()}),
        CreateSlaPolicy => json!({"name": "iso", "first_response_time_secs": 60}),
        UpdateSlaPolicy => json!({"name": "Renamed"}),
        ApplySlaPolicy => json!({"sla_policy_id": ids["sla_policy_id"]}),
        Login => json!({"email": "nobody@example.com", "password": "not a password"}),
        CompletePasswordReset => {
            json!({"token": "sbr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "new_password": "not a password"})
        }
        ChangeOwnPassword => json!({"current_password": "not a password", "new_password": "not a password"}),
        Register => {
            json!({"org_name": "Iso", "admin_email": "iso-owner@example.com", "admin_password": "long enough secret"})
        }
        SetChatExpirationRule => json!({"window_hours": 24, "auto_resolve": true}),
        CreateWebhook => {
            json!({"name": "iso", "url": "http://127.0.0.1:9/hook", "events": ["message.received"], "account_id": ids["account_id"]})
        }
        UpdateWebhook => json!({"name": "Renamed"}),
        RedeliverFailedWebhookDeliveries => json!({}),
        CreateAiAgent => json!({"name": "iso", "system_prompt": "Answer.", "model": "amazon.nova-lite-v1:0"}),
        UpdateAiAgent => json!({"name": "Renamed"}),
        CreateAiAssignment | UpdateAiAssignment => json!({"priority": 1}),
        CreateAiHandoffRule | UpdateAiHandoffRule => json!({"rule_type": "human_request"}),
        CreateAiProduct | UpdateAiProduct => json!({"name": "Iso product", "price": "1.00"}),
        CreateAiOrchestrationRule | UpdateAiOrchestrationRule => json!({"condition_prompt": "iso"}),
        TestAiAgent => json!({"messages": [{"role": "user", "content": "hi"}]}),
        CreateAiEvaluation => {
            json!({"conversation_id": ids["conversation_id"], "message_id": "msg_iso", "corrected_response": "iso"})
        }
        SetWorkingHours | SetDivisionWorkingHours => {
            json!({"time_zone": "UTC", "days": [{"day_of_week": 1, "start_time": "09:00", "end_time": "17:00"}]})
        }
        _ => return None,
    })
}

#[tokio::test]
async fn another_organizations_ids_answer_404_on_every_route() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    // Everything org A has, one of each.
    f.inbound(&f.a, "wamid.iso", now()).await;
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    ids.insert("conversation_id", f.conversation_id(&f.a).await);
    ids.insert("account_id", f.a.account.account_id.clone());
    ids.insert("agent_id", agent(&w, a, "iso@example.com", "agent").await);
    let division = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/divisions",
            a,
            Some(json!({"name": "A team"})),
        )
        .await;
    ids.insert("division_id", division["id"].as_str().unwrap().into());
    w.expect(
        StatusCode::OK,
        "PUT",
        &format!("/v1/divisions/{}/members/{}", ids["division_id"], ids["agent_id"]),
        a,
        None,
    )
    .await;
    let contacts = w.expect(StatusCode::OK, "GET", "/v1/contacts", a, None).await;
    ids.insert("contact_id", contacts["data"][0]["id"].as_str().unwrap().into());
    let keys = w.expect(StatusCode::OK, "GET", "/v1/api-keys", a, None).await;
    ids.insert("key_id", keys["data"][0]["id"].as_str().unwrap().into());
    let reply = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/quick-replies",
            a,
            Some(json!({"title": "t", "content": "c"})),
        )
        .await;
    ids.insert("quick_reply_id", reply["id"].as_str().unwrap().into());
    let template = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/templates",
            a,
            valid_body(Operation::CreateTemplate, &ids),
        )
        .await;
    ids.insert("template_id", template["id"].as_str().unwrap().into());
    let approved = f
        .approved_template(
            &f.a,
            "iso_campaign",
            "UTILITY",
            json!([{"type": "BODY", "text": "Hello"}]),
        )
        .await;
    let campaign = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/campaigns",
            a,
            Some(json!({"name": "A's", "template_id": approved})),
        )
        .await;
    ids.insert("campaign_id", campaign["id"].as_str().unwrap().into());
    let scheduled = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("/v1/conversations/{}/scheduled-messages", ids["conversation_id"]),
            a,
            valid_body(Operation::ScheduleMessage, &ids),
        )
        .await;
    ids.insert("scheduled_message_id", scheduled["id"].as_str().unwrap().into());
    let policy = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/sla-policies",
            a,
            valid_body(Operation::CreateSlaPolicy, &ids),
        )
        .await;
    ids.insert("sla_policy_id", policy["id"].as_str().unwrap().into());
    let webhook = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/webhooks",
            a,
            Some(json!({"name": "A's", "url": "http://127.0.0.1:9/hook", "events": ["message.received"]})),
        )
        .await;
    ids.insert("webhook_id", webhook["id"].as_str().unwrap().into());
    let role = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/roles",
            a,
            Some(json!({"name": "A leads", "permissions": ["conversations.read"]})),
        )
        .await;
    ids.insert("role_id", role["id"].as_str().unwrap().into());
    let rule = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/automation-rules",
            a,
            valid_body(Operation::CreateAutomationRule, &ids),
        )
        .await;
    ids.insert("rule_id", rule["id"].as_str().unwrap().into());
    for (path, operation, name) in [
        ("/v1/scenarios", Operation::CreateScenario, "scenario_id"),
        (
            "/v1/scenario-templates",
            Operation::CreateScenarioTemplate,
            "scenario_template_id",
        ),
    ] {
        let created = w
            .expect(StatusCode::CREATED, "POST", path, a, valid_body(operation, &ids))
            .await;
        ids.insert(name, created["id"].as_str().unwrap().into());
    }
    let ai_agent = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/ai-agents",
            a,
            valid_body(Operation::CreateAiAgent, &ids),
        )
        .await;
    ids.insert("ai_agent_id", ai_agent["id"].as_str().unwrap().into());
    let ai_parts = format!("/v1/ai-agents/{}", ids["ai_agent_id"]);
    let assignment = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("{ai_parts}/assignments"),
            a,
            Some(json!({"priority": 1})),
        )
        .await;
    ids.insert("assignment_id", assignment["id"].as_str().unwrap().into());
    let handoff = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("{ai_parts}/handoff-rules"),
            a,
            Some(json!({"rule_type": "token_limit"})),
        )
        .await;
    ids.insert("handoff_rule_id", handoff["id"].as_str().unwrap().into());
    let product = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("{ai_parts}/products"),
            a,
            valid_body(Operation::CreateAiProduct, &ids),
        )
        .await;
    ids.insert("product_id", product["id"].as_str().unwrap().into());
    let child = w
        .expect(StatusCode::CREATED, "POST", "/v1/ai-agents", a,
            Some(json!({"name": "iso child", "system_prompt": "Answer.", "model": "amazon.nova-lite-v1:0", "parent_agent_id": ids["ai_agent_id"]})))
        .await;
    let routing = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("{ai_parts}/orchestration-rules"),
            a,
            Some(json!({"target_agent_id": child["id"], "condition_prompt": "iso"})),
        )
        .await;
    ids.insert("orchestration_rule_id", routing["id"].as_str().unwrap().into());
    let evaluation = shared::ai::evaluation::Evaluation {
        org_id: f.a.account.org_id.clone(),
        evaluation_id: shared::platform::ids::new_id("aev"),
        ai_agent_id: ids["ai_agent_id"].clone(),
        conversation_id: ids["conversation_id"].clone(),
        message_id: "msg_iso".into(),
        customer_message: None,
        original_response: "iso".into(),
        corrected_response: "iso".into(),
        context_message_ids: vec![],
        evaluated_by: ids["agent_id"].clone(),
        created_at: "2026-12-06T00:00:00Z".into(),
    };
    shared::ai::ports::EvaluationBook::add_evaluation(
        &shared::ai::evaluation_store::EvaluationStore::new(
            aws_sdk_dynamodb::Client::new(&f.stack.aws),
            f.stack.name_of("Table"),
        ),
        &evaluation,
    )
    .await
    .unwrap();
    ids.insert("evaluation_id", evaluation.evaluation_id);
    let test = w
        .expect(
            StatusCode::ACCEPTED,
            "POST",
            &format!("/v1/webhooks/{}/test", ids["webhook_id"]),
            a,
            None,
        )
        .await;
    ids.insert("delivery_id", test["id"].as_str().unwrap().into());
    let before = f
        .stack
        .tenancy()
        .get_account(&f.a.account.org_id, &ids["account_id"])
        .await
        .unwrap()
        .unwrap();

    let b = f.b.key.as_str();
    let a_ids: Vec<&String> = ids.values().collect();
    for route in ROUTES.iter() {
        let mut path = route.path.to_string();
        for (name, value) in &ids {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        // A channel is a name every organization has: those routes act on B's own rule.
        let path = path.replace("{channel}", "whatsapp");
        assert!(!path.contains('{'), "no id of A for {path}");
        let (status, body) = if route.body == RouteBody::Binary {
            let response = f
                .api
                .handle(api_binary_request(&path, b, b"%PDF-1.4", "application/pdf"))
                .await
                .unwrap();
            (response.status(), json_body(&response))
        } else {
            w.call(route.method, &path, b, valid_body(route.operation, &ids)).await
        };
        let text = body.to_string();
        if route.path.contains('{') && !route.path.ends_with("{channel}") {
            assert_eq!(status, StatusCode::NOT_FOUND, "{} {}: {text}", route.method, route.path);
            assert_eq!(body["error"]["code"], "not_found", "{} {}", route.method, route.path);
        } else if route.operation == Operation::ChangeOwnPassword {
            assert_eq!(status, StatusCode::FORBIDDEN, "an API key changes no password: {text}");
        } else if matches!(
            route.operation,
            Operation::Login | Operation::Register | Operation::CompletePasswordReset
        ) {
            // Public: nobody's e-mail and password (401); registration off in this stack (404).
            assert!(
                [StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND].contains(&status),
                "{} {}: {status} {text}",
                route.method,
                route.path
            );
        } else if [
            "CreateApiKey",
            "RegisterAccount",
            "CreateTemplate",
            "SyncTemplates",
            "CreateCampaign",
            "CreateWebhook",
            "CreateAiEvaluation",
        ]
        .iter()
        .any(|schema| route.body == RouteBody::Json(schema))
        {
            // These name an A id in their body: B must not reach it.
            assert_eq!(status, StatusCode::NOT_FOUND, "{} {}: {text}", route.method, route.path);
        } else {
            assert!(status.is_success(), "{} {}: {status} {text}", route.method, route.path);
        }
        for id in &a_ids {
            assert!(
                !text.contains(id.as_str()),
                "{} {} shows A's {id}: {text}",
                route.method,
                route.path
            );
        }
    }
    // Nothing of A changed.
    let after = f
        .stack
        .tenancy()
        .get_account(&f.a.account.org_id, &ids["account_id"])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.throughput_mps, after.throughput_mps);
    let conversation = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{}", ids["conversation_id"]),
            a,
            None,
        )
        .await;
    assert_eq!(
        (
            conversation["status"].as_str(),
            conversation["assigned_agent_id"].as_str()
        ),
        (Some("open"), None)
    );
    let messages = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{}/messages", ids["conversation_id"]),
            a,
            None,
        )
        .await;
    assert_eq!(
        messages["data"].as_array().unwrap().len(),
        1,
        "B sent nothing into A's conversation"
    );
    let reply = w.expect(StatusCode::OK, "GET", "/v1/quick-replies", a, None).await;
    assert_eq!(reply["data"][0]["title"], "t");
}
