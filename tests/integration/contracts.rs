//! The ports' contract suites (in `shared`, next to each port) run against DynamoDB on moto; the
//! same suites run against the in-memory ports in `shared`'s unit tests, so a fake that drifted
//! from the store fails one of the two.

use integration_tests::*;

#[tokio::test]
async fn the_dynamodb_scheduled_messages_keep_the_contract() {
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-scheduled", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let store = shared::outreach::scheduled_store::ScheduledStore::new(
        aws_sdk_dynamodb::Client::new(&fx.stack.aws),
        fx.stack.name_of("Table"),
    );
    shared::outreach::scheduled_contract::scheduled_messages_contract(
        &store,
        &fx.a.account.org_id,
        &conversation_id,
        1_796_378_400_000,
    )
    .await;
}

#[tokio::test]
async fn the_dynamodb_clock_cursors_keep_the_contract() {
    let stack = TestStack::new().await;
    let due =
        shared::platform::due_index::DueIndex::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
    let function = format!("contract-{}", ulid::Ulid::new());
    shared::platform::memory::clock_cursors_contract(&due, &function).await;
}

#[tokio::test]
async fn the_dynamodb_inbox_reads_keep_the_contract() {
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-reads", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&fx.stack.aws);
    let table = fx.stack.name_of("Table");
    let conversations = shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table);
    let contacts = shared::inbox::contact_store::ContactStore::new(dynamo, &table);
    let org = &fx.a.account.org_id;
    let stored = conversations
        .conversation(org, &conversation_id)
        .await
        .unwrap()
        .unwrap();
    let contact = contacts.contact(org, &stored.contact_id).await.unwrap().unwrap();
    shared::inbox::reads::inbox_reads_contract(&conversations, &contacts, &stored, &contact).await;
}

#[tokio::test]
async fn the_dynamodb_send_ledger_and_send_creation_keep_the_contract() {
    use shared::inbox::send_contract::{queued_text, send_ledger_contract};
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-ledger", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let store = shared::inbox::outbound_store::OutboundStore::new(
        aws_sdk_dynamodb::Client::new(&fx.stack.aws),
        fx.stack.name_of("Table"),
    );
    let account = &fx.a.account;
    let mut keys = vec![];
    for _ in 0..2 {
        let (key, message, job) = queued_text(&account.org_id, &conversation_id, &account.account_id, "4915550001");
        store.create(&key, &message, "preview", &job, None).await.unwrap();
        keys.push(key);
    }
    let missing = shared::platform::table::message(&account.org_id, &conversation_id, 1, "msg_none");
    send_ledger_contract(&store, &account.org_id, &keys[0], &keys[1], &missing).await;
    let (third, message, job) = queued_text(&account.org_id, &conversation_id, &account.account_id, "4915550001");
    store.create(&third, &message, "preview", &job, None).await.unwrap();
    shared::inbox::send_contract::pending_sweeps_contract(&store, &account.org_id, &third).await;

    // And the API's side of the same store: a send created once, its Idempotency-Key's claim.
    use shared::inbox::send_creation::contract::{send_creation_contract, send_references_contract};
    let dynamo = aws_sdk_dynamodb::Client::new(&fx.stack.aws);
    let table = fx.stack.name_of("Table");
    let conversation = shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table)
        .conversation(&account.org_id, &conversation_id)
        .await
        .unwrap()
        .unwrap();
    let now_ms = chrono::Utc::now().timestamp_millis();
    send_creation_contract(&store, &conversation, "4915550001", now_ms).await;

    let upload: shared::desk::UploadedMedia = serde_json::from_value(serde_json::json!({
        "org_id": account.org_id, "media_id": "med_contract", "mime_type": "image/png", "file_size": 3,
        "filename": null, "sha256": "00", "s3_key": "k", "uploaded_by": "ag_contract",
        "created_at": "2026-12-01T00:00:00Z"}))
    .unwrap();
    shared::inbox::upload_store::UploadStore::new(dynamo.clone(), &table)
        .record_upload(&upload)
        .await
        .unwrap();
    let template: shared::outreach::template::Template = serde_json::from_value(serde_json::json!({
        "template_id": shared::outreach::template::template_id(&account.waba_id, "contract", "en_US"),
        "org_id": account.org_id, "waba_id": account.waba_id, "name": "contract", "language": "en_US",
        "status": "APPROVED"}))
    .unwrap();
    shared::outreach::template_store::TemplateStore::new(dynamo.clone(), &table)
        .create(&template)
        .await
        .unwrap();
    let references = shared::inbox::send_creation::StoredReferences::new(dynamo, &table);
    send_references_contract(&references, &account.account_id, "med_contract", &template).await;
}

#[tokio::test]
async fn the_dynamodb_campaign_sends_keep_the_contract() {
    use shared::outreach::campaign_sends_contract::{campaign_sends_contract, pending_recipient, running_campaign};
    let stack = TestStack::new().await;
    let store = shared::outreach::campaign_store::CampaignStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        stack.name_of("Table"),
    );
    let org_id = format!("org_{}", ulid::Ulid::new());
    store.create(&running_campaign(&org_id, "cmp_c"), None).await.unwrap();
    let phones = ["15550000001", "15550000002", "15550000003"];
    for phone in phones {
        assert!(
            store
                .add_recipient(&org_id, &pending_recipient(&org_id, "cmp_c", phone))
                .await
                .unwrap()
        );
    }
    campaign_sends_contract(&store, &org_id, "cmp_c", phones).await;
}

#[tokio::test]
async fn the_dynamodb_inbox_keeps_the_ingest_contract() {
    use shared::inbox::ingest_contract::{InboxIngest, inbox_ingest_contract};
    use shared::inbox::ingest_port::StoredOutOfHoursReplies;
    let stack = TestStack::new().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let messages = shared::inbox::store::InboundLedger::new(dynamo.clone(), &table);
    let changes = shared::inbox::store::MessageStore::new(dynamo.clone(), &table);
    let conversations = shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table);
    let out_of_hours = StoredOutOfHoursReplies {
        sends: shared::inbox::outbound_store::OutboundStore::new(dynamo.clone(), &table),
        conversations: shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table),
    };
    let org_id = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    let ports = InboxIngest {
        messages: &messages,
        changes: &changes,
        conversations: &conversations,
        out_of_hours: &out_of_hours,
        // The sender's own ledger marks, as in Lambda: not the one that stores.
        watch: &shared::inbox::store::InboundLedger::new(dynamo.clone(), &table),
    };
    let orphan = inbox_ingest_contract(ports, &org_id, "acc_contract").await;
    // The orphan change is kept for operators, naming its original.
    let key = shared::platform::table::orphan_change(&org_id, &orphan);
    let item = dynamo
        .get_item()
        .table_name(&table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(key.pk))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S(key.sk))
        .send()
        .await
        .unwrap()
        .item
        .expect("the orphan change");
    assert_eq!(item["original_wamid"].as_s().unwrap(), "wamid.never-stored");
}

#[tokio::test]
async fn the_dynamodb_status_ledger_keeps_the_contract() {
    use shared::inbox::send_contract::queued_text;
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-statuses", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&fx.stack.aws);
    let table = fx.stack.name_of("Table");
    let sends = shared::inbox::outbound_store::OutboundStore::new(dynamo.clone(), &table);
    let statuses = shared::inbox::store::StatusLedger::new(dynamo, &table);
    let (org_id, account_id) = (&fx.a.account.org_id, &fx.a.account.account_id);
    let mut keys = vec![];
    for _ in 0..2 {
        let (key, message, job) = queued_text(org_id, &conversation_id, account_id, "4915550001");
        sends.create(&key, &message, "preview", &job, None).await.unwrap();
        keys.push(key);
    }
    shared::inbox::ingest_contract::status_updates_contract(&statuses, &statuses, &sends, org_id, &keys[0], &keys[1])
        .await;
}

#[tokio::test]
async fn the_dynamodb_campaign_replies_keep_the_contract() {
    use shared::outreach::campaign_sends_contract::{campaign_replies_contract, pending_recipient, running_campaign};
    let stack = TestStack::new().await;
    let store = shared::outreach::campaign_store::CampaignStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        stack.name_of("Table"),
    );
    let org_id = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    store.create(&running_campaign(&org_id, "cmp_r"), None).await.unwrap();
    let recipient = pending_recipient(&org_id, "cmp_r", "15550000009");
    assert!(store.add_recipient(&org_id, &recipient).await.unwrap());
    campaign_replies_contract(&store, &store, &org_id, "cmp_r", "15550000009").await;
}

#[tokio::test]
async fn the_dynamodb_care_stores_keep_the_ingest_and_sla_checks_contracts() {
    use shared::care::contract::{Care, care_contract, default_policy, idle_rule, office_hours, sent_survey};
    let fx = Fixture::new().await;
    fx.inbound(&fx.a, "wamid.contract-care", chrono::Utc::now().timestamp())
        .await;
    let conversation_id = fx.conversation_id(&fx.a).await;
    let dynamo = aws_sdk_dynamodb::Client::new(&fx.stack.aws);
    let table = fx.stack.name_of("Table");
    let org = &fx.a.account.org_id;
    let conversation = shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table)
        .conversation(org, &conversation_id)
        .await
        .unwrap()
        .unwrap();
    shared::care::sla_policy_store::SlaPolicyStore::new(dynamo.clone(), &table)
        .save(&default_policy(org), true)
        .await
        .unwrap();
    let expiry = shared::care::chat_expiry_store::ChatExpiryStore::new(dynamo.clone(), &table);
    expiry.put_rule(&idle_rule(org)).await.unwrap();
    let hours = shared::care::working_hours_store::WorkingHoursStore::new(dynamo.clone(), &table);
    hours.put(&office_hours(org)).await.unwrap();
    let surveys = shared::care::csat_store::CsatStore::new(dynamo.clone(), &table);
    let survey = sent_survey(
        org,
        &fx.a.account.account_id,
        "cv_done",
        chrono::Utc::now().timestamp_millis(),
    );
    shared::platform::records::Records::new(dynamo.clone(), &table)
        .transact(surveys.created(&survey, "4915550077").unwrap())
        .await
        .unwrap();
    let sla = shared::care::sla_keeper::SlaKeeper::new(dynamo.clone(), &table);
    let care = Care {
        sla: &sla,
        expiry: &expiry,
        hours: &hours,
        surveys: &surveys,
    };
    care_contract(care, &conversation, &survey, "4915550077").await;
    // Then what sla-checks relies on, on the clocks and expiry entry just started, and the resolve.
    let checks = shared::care::check_contract::Checks {
        clocks: &shared::care::sla_store::SlaStore::new(dynamo.clone(), &table),
        lifecycle: &sla,
        expiries: &expiry,
    };
    shared::care::check_contract::sla_checks_contract(checks, &conversation).await;
    let (_, me) = fx.call("GET", "/v1/me", Some(&fx.a.key), None).await;
    let agent_id = me["agent"]["id"].as_str().expect("the key's agent");
    let conversations = shared::inbox::conversation_store::ConversationStore::new(dynamo.clone(), &table);
    shared::inbox::moves::conversation_moves_contract(&conversations, &conversation, agent_id).await;

    // And the directory the desk's moves read.
    let body = r#"{"name": "Contract", "allocation_method": "manual"}"#;
    let (_, division) = fx.call("POST", "/v1/divisions", Some(&fx.a.key), Some(body)).await;
    let agents = shared::access::agent_store::AgentStore::new(dynamo.clone(), &table);
    let divisions = shared::desk::division_store::DivisionStore::new(dynamo, &table);
    let agent = agents.agent(org, agent_id).await.unwrap().expect("the agent");
    let division = divisions
        .division(org, division["id"].as_str().expect("created"))
        .await
        .unwrap()
        .expect("the division");
    shared::desk::directory::directory_contract(&agents, &divisions, &agent, &division).await;
}

#[tokio::test]
async fn the_dynamodb_campaign_runs_keep_the_contract() {
    use shared::outreach::campaign_runs_contract::campaign_runs_contract;
    use shared::outreach::campaign_sends_contract::{pending_recipient, running_campaign};
    let stack = TestStack::new().await;
    let store = shared::outreach::campaign_store::CampaignStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        stack.name_of("Table"),
    );
    let org_id = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    store
        .create(&running_campaign(&org_id, "cmp_runs"), None)
        .await
        .unwrap();
    let phones = ["15550000001", "15550000002", "15550000003"];
    for phone in phones {
        assert!(
            store
                .add_recipient(&org_id, &pending_recipient(&org_id, "cmp_runs", phone))
                .await
                .unwrap()
        );
    }
    campaign_runs_contract(&store, &store, &org_id, "cmp_runs", phones).await;
}

#[tokio::test]
async fn the_dynamodb_tally_keeps_the_contract() {
    let stack = TestStack::new().await;
    let store =
        shared::inbox::tally_store::TallyStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
    let counted = shared::inbox::tally_contract::tally_book_contract(&store, "org_tally", 1_000).await;
    let totals = stack
        .inbox()
        .counters_with_day("org_tally", "2026-12-05")
        .await
        .unwrap();
    assert_eq!(totals.get("messages_received"), Some(&counted));
    assert_eq!(totals.get("conversations_created"), Some(&1));
    assert_eq!(totals.get("day.messages_received"), Some(&counted));
}

#[tokio::test]
async fn the_dynamodb_webhook_endpoints_and_delivery_log_keep_the_contracts() {
    let stack = TestStack::new().await;
    let client = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let endpoints = shared::integrations::endpoint_store::EndpointStore::new(client.clone(), &table);
    shared::integrations::contract::endpoints_contract(&endpoints, "org_hooks").await;
    let log = shared::integrations::delivery_store::DeliveryStore::new(client, &table);
    shared::integrations::contract::delivery_log_contract(&log, "org_hooks").await;
}

#[tokio::test]
async fn the_dynamodb_automation_ledger_keeps_the_contract() {
    let stack = TestStack::new().await;
    let store = shared::automation::rule_store::RuleStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        stack.name_of("Table"),
    );
    let org = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    shared::automation::contract::ledger_contract(&store, &org).await;
    shared::automation::contract::streak_contract(&store, &org).await;
}

#[tokio::test]
async fn the_dynamodb_waits_keep_the_contract() {
    let stack = TestStack::new().await;
    let store = shared::automation::wait_store::WaitStore::new(
        aws_sdk_dynamodb::Client::new(&stack.aws),
        stack.name_of("Table"),
    );
    let org = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    shared::automation::contract::wait_book_contract(&store, &org).await;
}

#[tokio::test]
async fn the_dynamodb_repeat_counter_keeps_the_contract() {
    let stack = TestStack::new().await;
    let store =
        shared::bot::store::ScenarioStore::new(aws_sdk_dynamodb::Client::new(&stack.aws), stack.name_of("Table"));
    let org = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    shared::bot::contract::counts_each_event_once_up_to_the_limit(&store, &org).await;
}

#[tokio::test]
async fn the_dynamodb_ai_stores_keep_the_contract() {
    let stack = TestStack::new().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&stack.aws);
    let table = stack.name_of("Table");
    let org = format!("org_{}", ulid::Ulid::new().to_string().to_lowercase());
    let agents = shared::ai::agent_store::AiAgentStore::new(dynamo.clone(), &table);
    shared::ai::contract::agent_book_contract(&agents, &org).await;
    let sessions = shared::ai::session_store::SessionStore::new(dynamo.clone(), &table);
    shared::ai::contract::sessions_contract(&sessions, &org).await;
    let usage = shared::ai::usage_store::UsageStore::new(dynamo.clone(), &table);
    shared::ai::contract::usage_contract(&usage, &org).await;
    let products = shared::ai::product_store::ProductStore::new(dynamo.clone(), &table);
    shared::ai::contract::product_book_contract(&products, &org).await;
    let evaluations = shared::ai::evaluation_store::EvaluationStore::new(dynamo, &table);
    shared::ai::contract::evaluation_book_contract(&evaluations, &org).await;
}
