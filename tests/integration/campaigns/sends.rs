//! What each recipient's send comes to: refusals and opt-outs, checks before sending, reply
//! attribution, scheduled starts, per-phone variables, late statuses.

use super::*;

#[tokio::test]
async fn metas_refusals_and_opt_outs_settle_recipients_with_their_reasons() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "offer",
            "MARKETING",
            json!([{"type": "BODY", "text": "20% off today"}]),
        )
        .await;
    f.graph.take_webhooks();
    f.graph.refuse_recipient("16505550001", 131049);
    f.graph.refuse_recipient("16505550002", 131050);
    f.graph.refuse_recipient("16505550003", 131026);
    // 16505550004 stopped marketing messages on WhatsApp before the campaign.
    let preference = json!({"object": "whatsapp_business_account", "entry": [{"id": f.a.account.waba_id, "changes": [{"field": "user_preferences", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": f.a.account.display_phone_number, "phone_number_id": f.a.account.phone_number_id},
        "contacts": [{"wa_id": "16505550004", "profile": {"name": "Pat"}}],
        "user_preferences": [{"wa_id": "16505550004", "detail": "User requested to stop marketing messages", "category": "marketing_messages", "value": "stop", "timestamp": 1_700_000_000}]
    }}]}]}).to_string();
    deliver(
        &f,
        &[SignedWebhook {
            signature: sign(&Tenant::app_secret("a"), preference.as_bytes()),
            body: preference,
        }],
    )
    .await;

    let id = campaign(&f, &template, json!({})).await;
    let path = format!("/v1/campaigns/{id}");
    let phones: Vec<String> = (1..=5).map(|i| format!("+1650555000{i}")).collect();
    post(
        &f,
        &format!("{path}/recipients"),
        Some(json!({"phone_numbers": phones})),
    )
    .await;
    post(&f, &format!("{path}/start"), None).await;
    let done = f.run_campaign(&f.a, &id, 10).await;
    assert_eq!(done["status"], "completed", "{done}");
    let counts = &done["counts"];
    assert_eq!(
        (
            counts["sent"].as_u64(),
            counts["failed"].as_u64(),
            counts["skipped"].as_u64()
        ),
        (Some(1), Some(3), Some(1)),
        "{counts}"
    );
    let (_, recipients) = f.call("GET", &format!("{path}/recipients"), Some(&f.a.key), None).await;
    let by_phone = |phone: &str| {
        recipients["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["phone_number"] == format!("+{phone}"))
            .cloned()
            .unwrap()
    };
    for (phone, code) in [
        ("16505550001", 131049),
        ("16505550002", 131050),
        ("16505550003", 131026),
    ] {
        let recipient = by_phone(phone);
        assert_eq!(
            (recipient["status"].as_str(), recipient["error_code"].as_i64()),
            (Some("failed"), Some(code))
        );
        assert!(recipient["error_message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(by_phone("16505550004")["status"], "skipped");
    assert_eq!(by_phone("16505550005")["status"], "sent");
    assert_eq!(
        f.graph.sends_to("16505550004"),
        0,
        "an opted-out customer is not sent marketing"
    );

    // 131050 recorded the opt-out: the next marketing campaign skips that customer without asking
    // Meta; "resume" lifts 16505550004's.
    let resume = json!({"object": "whatsapp_business_account", "entry": [{"id": f.a.account.waba_id, "changes": [{"field": "user_preferences", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": f.a.account.display_phone_number, "phone_number_id": f.a.account.phone_number_id},
        "user_preferences": [{"wa_id": "16505550004", "category": "marketing_messages", "value": "resume", "timestamp": 1_700_000_100}]
    }}]}]}).to_string();
    deliver(
        &f,
        &[SignedWebhook {
            signature: sign(&Tenant::app_secret("a"), resume.as_bytes()),
            body: resume,
        }],
    )
    .await;
    let next = campaign(&f, &template, json!({})).await;
    post(
        &f,
        &format!("/v1/campaigns/{next}/recipients"),
        Some(json!({"phone_numbers": ["+16505550002", "+16505550004"]})),
    )
    .await;
    post(&f, &format!("/v1/campaigns/{next}/start"), None).await;
    let done = f.run_campaign(&f.a, &next, 10).await;
    assert_eq!(
        (done["counts"]["skipped"].as_u64(), done["counts"]["sent"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(f.graph.sends_to("16505550004"), 1);
}

#[tokio::test]
async fn templates_and_variables_are_checked_before_anything_is_sent() {
    let f = Fixture::new().await;
    let approved = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    let pending = json!({"account_id": f.a.account.account_id, "name": "pending_one", "category": "UTILITY", "language": "en_US",
        "components": [{"type": "BODY", "text": "Hello"}]});
    let (_, pending) = f
        .call("POST", "/v1/templates", Some(&f.a.key), Some(&pending.to_string()))
        .await;
    f.graph.take_webhooks();
    let create = |template: &str, variables: Value| {
        json!({"name": "c", "template_id": template, "variables": variables}).to_string()
    };
    let (status, answer) = f
        .call(
            "POST",
            "/v1/campaigns",
            Some(&f.a.key),
            Some(&create(pending["id"].as_str().unwrap(), json!({}))),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("template_not_approved"))
    );
    let (status, answer) = f
        .call(
            "POST",
            "/v1/campaigns",
            Some(&f.a.key),
            Some(&create(&approved, json!({"3": "x"}))),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer["error"]["message"].as_str().unwrap().starts_with("variables.3"));
    let id = campaign(&f, &approved, json!({"2": "the blue scarf"})).await;
    let add = json!({"phone_numbers": ["+16505550100", "+16505550101"], "variables": {"+16505550101": {"1": "Ada"}}});
    let (_, added) = post(&f, &format!("/v1/campaigns/{id}/recipients"), Some(add)).await;
    assert_eq!(added["added"], 1, "{added}");
    assert_eq!(added["refused"][0]["entry"], "+16505550100");
    assert!(
        added["refused"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("missing variable \"1\"")
    );
    assert_eq!(f.graph.sent().len(), 0);
}

#[tokio::test]
async fn a_reply_is_attributed_once_and_its_conversation_goes_to_the_responding_agent() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "welcome_back",
            "UTILITY",
            json!([{"type": "BODY", "text": "We missed you"}]),
        )
        .await;
    let body = json!({"email": "rita@example.com", "full_name": "Rita Responder", "role": "agent"}).to_string();
    let (_, rita) = f.call("POST", "/v1/agents", Some(&f.a.key), Some(&body)).await;
    let rita = rita["id"].as_str().unwrap().to_string();
    let body = json!({"name": "Win back", "template_id": template, "responding_agent_id": rita}).to_string();
    let (status, created) = f.call("POST", "/v1/campaigns", Some(&f.a.key), Some(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    post(
        &f,
        &format!("/v1/campaigns/{id}/recipients"),
        Some(json!({"phone_numbers": ["+16505551234", "+16505551235"]})),
    )
    .await;
    post(&f, &format!("/v1/campaigns/{id}/start"), None).await;
    assert_eq!(f.run_campaign(&f.a, &id, 10).await["status"], "completed");

    let now = chrono::Utc::now().timestamp();
    f.inbound_from(&f.a, "16505551234", "Sheena Nelson", "wamid.reply1", now)
        .await;
    f.inbound_from(&f.a, "16505551234", "Sheena Nelson", "wamid.reply2", now + 1)
        .await;
    let conversation_id = f.conversation_id(&f.a).await;
    let (_, conversation) = f
        .call(
            "GET",
            &format!("/v1/conversations/{conversation_id}"),
            Some(&f.a.key),
            None,
        )
        .await;
    assert_eq!(
        conversation["campaign_id"],
        id.as_str(),
        "the conversation records the campaign"
    );
    assert_eq!(
        conversation["assigned_agent_id"],
        rita.as_str(),
        "and goes to the responding agent"
    );
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(campaign["counts"]["replied"], 1, "two messages, one reply counted");
    let (_, replied) = f
        .call(
            "GET",
            &format!("/v1/campaigns/{id}/recipients?status=sent"),
            Some(&f.a.key),
            None,
        )
        .await;
    let sheena = replied["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["phone_number"] == "+16505551234")
        .unwrap();
    assert_eq!(sheena["conversation_id"], conversation_id.as_str());
    assert!(sheena["replied_at"].is_string());
    // The agent reads what the customer answers: the campaign send, once, before the replies.
    f.inbound_from(&f.a, "16505551234", "Sheena Nelson", "wamid.reply1", now)
        .await;
    let messages = f.messages(&f.a, &conversation_id).await;
    let kinds: Vec<(&str, &str, Option<&str>)> = messages
        .iter()
        .rev()
        .map(|m| {
            (
                m["direction"].as_str().unwrap(),
                m["origin"].as_str().unwrap(),
                m["origin_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("outbound", "campaign", Some(id.as_str())),
            ("inbound", "customer", None),
            ("inbound", "customer", None)
        ],
        "{messages:?}"
    );
    let shown = messages.last().unwrap();
    assert_eq!(shown["wamid"], sheena["wamid"]);
    assert_eq!(shown["content"]["kind"], "template");
    assert_eq!(shown["status"], "sent");
}

#[tokio::test]
async fn a_scheduled_campaign_starts_within_a_minute_of_its_time() {
    let f = Fixture::new().await;
    let template = f
        .approved_template(
            &f.a,
            "tomorrow",
            "UTILITY",
            json!([{"type": "BODY", "text": "See you tomorrow"}]),
        )
        .await;
    let at = chrono::Utc::now() + chrono::Duration::hours(2);
    let body = json!({"name": "Later", "template_id": template, "scheduled_at": at.to_rfc3339()}).to_string();
    let (_, created) = f.call("POST", "/v1/campaigns", Some(&f.a.key), Some(&body)).await;
    assert_eq!(created["status"], "scheduled");
    let id = created["id"].as_str().unwrap().to_string();
    post(
        &f,
        &format!("/v1/campaigns/{id}/recipients"),
        Some(json!({"phone_numbers": ["+14155550999"]})),
    )
    .await;
    let tick = |at: chrono::DateTime<chrono::Utc>| json!({"time": at.to_rfc3339()});
    let early = f
        .campaigns()
        .tick(&tick(at - chrono::Duration::seconds(61)))
        .await
        .unwrap();
    assert_eq!(early.started, 0, "not before its time");
    let on_time = f
        .campaigns()
        .tick(&tick(at + chrono::Duration::seconds(30)))
        .await
        .unwrap();
    assert_eq!(on_time.started, 1);
    let again = f
        .campaigns()
        .tick(&tick(at + chrono::Duration::seconds(90)))
        .await
        .unwrap();
    assert_eq!(again.started, 0, "a second tick starts nothing twice");
    let done = f.run_campaign(&f.a, &id, 10).await;
    assert_eq!(
        (done["status"].as_str(), done["counts"]["sent"].as_u64()),
        (Some("completed"), Some(1))
    );
    assert_eq!(f.graph.sends_to("14155550999"), 1);
}

#[tokio::test]
async fn per_phone_variables_reach_tag_recipients_and_unmatched_phones_are_reported() {
    let f = Fixture::new().await;
    let template = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    let gold = f.tagged_contacts(&f.a, "gold", 4_915_200_000_000, 3).await;
    // No default for {{1}}: each recipient needs its own.
    let id = campaign(&f, &template, json!({"2": "the blue scarf"})).await;
    let path = format!("/v1/campaigns/{id}/recipients");
    let add = json!({
        "tags": ["gold"],
        "variables": {
            format!("+{}", gold[0].1): {"1": "Ada"},
            format!("+{}", gold[1].1): {"1": "Bo"},
            "+49 151 99999999": {"1": "Nobody"},
        },
    });
    let (status, added) = post(&f, &path, Some(add)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let refused: Vec<(&str, &str)> = added["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["field"].as_str().unwrap(), r["entry"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, [("variables", "+4915199999999")], "{added}");
    assert_eq!(f.run_campaign_jobs().await, 1, "the expansion job");
    let store = shared::outreach::campaign_store::CampaignStore::new(
        aws_sdk_dynamodb::Client::new(&f.stack.aws),
        f.stack.name_of("Table"),
    );
    let org = &f.a.account.org_id;
    let id_ref = id.as_str();
    let variables_of = |phone: String| {
        let store = &store;
        let id = id_ref;
        async move {
            let recipient = store.recipient(org, id, &phone).await.unwrap().expect("a recipient");
            serde_json::to_value(&recipient.variables).unwrap()
        }
    };
    assert_eq!(
        variables_of(gold[0].1.clone()).await,
        json!({"1": "Ada"}),
        "added by tag, kept its own"
    );
    assert_eq!(variables_of(gold[1].1.clone()).await, json!({"1": "Bo"}));
    let (_, campaign) = f
        .call("GET", &format!("/v1/campaigns/{id}"), Some(&f.a.key), None)
        .await;
    assert_eq!(campaign["counts"]["total"], 3, "each phone once: {campaign}");
    // Variables for a phone already in the campaign (by tag) apply to it while it is pending.
    let later = json!({"variables": {format!("+{}", gold[2].1): {"1": "Cy"}}});
    let (status, added) = post(&f, &path, Some(later)).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["refused"], json!([]), "{added}");
    assert_eq!(variables_of(gold[2].1.clone()).await, json!({"1": "Cy"}));
}

#[tokio::test]
async fn a_status_after_an_unconfirmed_failure_wins_and_the_counts_follow() {
    use shared::outreach::campaign_store::{CampaignStore, Claim};
    let f = Fixture::new().await;
    let template = f.approved_template(&f.a, "restock", "MARKETING", restock()).await;
    let id = campaign(&f, &template, json!({"1": "friend", "2": "the blue scarf"})).await;
    let (status, _) = post(
        &f,
        &format!("/v1/campaigns/{id}/recipients"),
        Some(json!({"phone_numbers": ["+4915300000001"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let store = CampaignStore::new(aws_sdk_dynamodb::Client::new(&f.stack.aws), f.stack.name_of("Table"));
    let org = &f.a.account.org_id;
    let phone = "4915300000001";
    // Claimed, sent without an answer (unknown), then failed unconfirmed when no status came.
    let Claim::Claimed(claimed) = store.claim(org, &id, phone).await.unwrap() else {
        panic!("claimed")
    };
    assert!(store.mark_unknown(&claimed).await.unwrap());
    let unknown = store.recipient(org, &id, phone).await.unwrap().unwrap();
    assert!(store.fail_unconfirmed(&unknown, "no status in time").await.unwrap());
    let failed = counts(&f, &id).await;
    assert_eq!(
        (failed["failed"].as_u64(), failed["sent"].as_u64()),
        (Some(1), Some(0)),
        "{failed}"
    );
    // Meta's delivered status comes late: it wins, and the failure is taken back.
    assert!(
        store
            .apply_status(org, &id, phone, "delivered", "wamid.late", None)
            .await
            .unwrap()
    );
    let recipient = store.recipient(org, &id, phone).await.unwrap().unwrap();
    assert_eq!(recipient.status, "delivered");
    let after = counts(&f, &id).await;
    assert_eq!(
        (
            after["failed"].as_u64(),
            after["sent"].as_u64(),
            after["delivered"].as_u64()
        ),
        (Some(0), Some(1), Some(1)),
        "{after}"
    );
    // A `sent` after `delivered` moves nothing back.
    assert!(
        !store
            .apply_status(org, &id, phone, "sent", "wamid.late", None)
            .await
            .unwrap(),
        "no move back down"
    );
}
