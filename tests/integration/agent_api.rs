//! The rest of the agent API against moto: every route, roles and scopes, tenant isolation driven
//! by the route table, auto-allocation, the assign/transfer/resolve life cycle with its counters,
//! contacts, keys and uploads sent by presigned link.

use crate::api::now;
use api::routes::{Body as RouteBody, Operation, ROUTES};
use integration_tests::outreach::OutreachFixture;
use integration_tests::*;
use integration_tests::{Fixture, Tenant};
use lambda_http::http::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// Calls the API and remembers which operations were exercised.
pub(crate) struct Walk<'a> {
    f: &'a Fixture,
    seen: Mutex<BTreeSet<String>>,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(f: &'a Fixture) -> Self {
        Self {
            f,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    pub(crate) async fn call(&self, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
        if let Ok((route, _)) = api::routes::find(method, path.split('?').next().unwrap()) {
            self.seen.lock().unwrap().insert(format!("{:?}", route.operation));
        }
        let text = body.map(|b| b.to_string());
        self.f.call(method, path, Some(key), text.as_deref()).await
    }

    pub(crate) async fn expect(
        &self,
        status: StatusCode,
        method: &str,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Value {
        let (got, value) = self.call(method, path, key, body).await;
        assert_eq!(got, status, "{method} {path}: {value}");
        value
    }
}

pub(crate) async fn key_for(w: &Walk<'_>, admin: &str, agent_id: &str, scopes: Value) -> String {
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/api-keys",
            admin,
            Some(json!({"name": "test", "agent_id": agent_id, "scopes": scopes})),
        )
        .await;
    created["plaintext_key"].as_str().unwrap().to_string()
}

pub(crate) async fn agent(w: &Walk<'_>, admin: &str, email: &str, role: &str) -> String {
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/agents",
            admin,
            Some(json!({"email": email, "full_name": format!("Agent {email}"), "role": role})),
        )
        .await;
    created["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_admin_can_use_every_route() {
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

    // Divisions and members.
    let division = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/divisions",
            key,
            Some(json!({"name": "Sales", "allocation_method": "least_busy"})),
        )
        .await;
    let div = division["id"].as_str().unwrap().to_string();
    w.expect(StatusCode::OK, "GET", "/v1/divisions", key, None).await;
    w.expect(StatusCode::OK, "GET", &format!("/v1/divisions/{div}"), key, None)
        .await;
    let renamed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/divisions/{div}"),
            key,
            Some(json!({"description": "Leads"})),
        )
        .await;
    assert_eq!(renamed["description"], "Leads");
    w.expect(
        StatusCode::OK,
        "PUT",
        &format!("/v1/divisions/{div}/members/{ada}"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::OK,
        "PUT",
        &format!("/v1/divisions/{div}/members/{ada}"),
        key,
        None,
    )
    .await;
    let members = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/divisions/{div}/members"),
            key,
            None,
        )
        .await;
    assert_eq!(members["data"][0]["agent"]["id"], ada.as_str());
    let counted = w
        .expect(StatusCode::OK, "GET", &format!("/v1/divisions/{div}"), key, None)
        .await;
    assert_eq!(counted["agent_count"], 1, "adding twice counts once");

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

    // Working hours: the organization's and a division's, two intervals a day.
    let none = w.expect(StatusCode::OK, "GET", "/v1/working-hours", key, None).await;
    assert_eq!(none["days"], json!([]));
    let hours = json!({"time_zone": "Europe/Berlin", "days": [
        {"day_of_week": 1, "start_time": "09:00", "end_time": "12:00"},
        {"day_of_week": 1, "start_time": "13:00", "end_time": "17:00"}]});
    let set = w
        .expect(StatusCode::OK, "PUT", "/v1/working-hours", key, Some(hours.clone()))
        .await;
    assert_eq!(set["time_zone"], "Europe/Berlin");
    let read = w.expect(StatusCode::OK, "GET", "/v1/working-hours", key, None).await;
    assert_eq!(read["days"].as_array().unwrap().len(), 2);
    assert_eq!(read["days"][1]["start_time"], "13:00");
    let overlapping = json!({"time_zone": "UTC", "days": [
        {"day_of_week": 2, "start_time": "09:00", "end_time": "12:00"},
        {"day_of_week": 2, "start_time": "11:00", "end_time": "14:00"}]});
    let refused = w
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PUT",
            "/v1/working-hours",
            key,
            Some(overlapping),
        )
        .await;
    assert_eq!(refused["error"]["message"], "days[1]: overlaps days[0] on the same day");
    let backwards =
        json!({"time_zone": "UTC", "days": [{"day_of_week": 2, "start_time": "18:00", "end_time": "09:00"}]});
    let refused = w
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PUT",
            "/v1/working-hours",
            key,
            Some(backwards),
        )
        .await;
    assert_eq!(
        refused["error"]["message"],
        "days[0]: end_time must be after start_time"
    );
    let unknown_zone =
        json!({"time_zone": "Mars/Olympus", "days": [{"day_of_week": 2, "start_time": "09:00", "end_time": "17:00"}]});
    let refused = w
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PUT",
            "/v1/working-hours",
            key,
            Some(unknown_zone),
        )
        .await;
    assert!(refused["error"]["message"].as_str().unwrap().starts_with("time_zone:"));
    let division_hours = format!("/v1/divisions/{div}/working-hours");
    w.expect(StatusCode::OK, "PUT", &division_hours, key, Some(hours)).await;
    let read = w.expect(StatusCode::OK, "GET", &division_hours, key, None).await;
    assert_eq!(read["division_id"], div.as_str());
    w.expect(StatusCode::NO_CONTENT, "DELETE", &division_hours, key, None)
        .await;
    assert_eq!(
        w.expect(StatusCode::OK, "GET", &division_hours, key, None).await["days"],
        json!([])
    );
    w.expect(StatusCode::NO_CONTENT, "DELETE", "/v1/working-hours", key, None)
        .await;

    // SLA policies: one default at most; the division must exist; the threshold is 1 to 99.
    let default = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/sla-policies",
            key,
            Some(json!({"name": "Everyone", "first_response_time_secs": 3600, "is_default": true})),
        )
        .await;
    assert_eq!(default["warning_threshold_pct"], 80);
    let sales = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/sla-policies",
            key,
            Some(json!({"name": "Sales", "first_response_time_secs": 600, "division_id": div, "priority": "urgent", "is_default": true})),
        )
        .await;
    let policies = w.expect(StatusCode::OK, "GET", "/v1/sla-policies", key, None).await;
    let defaults: Vec<&Value> = policies["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["is_default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1, "the newer default took the flag: {policies}");
    assert_eq!(defaults[0]["id"], sales["id"]);
    let refused = w
        .expect(
            StatusCode::UNPROCESSABLE_ENTITY,
            "POST",
            "/v1/sla-policies",
            key,
            Some(json!({"name": "Bad", "first_response_time_secs": 60, "warning_threshold_pct": 100})),
        )
        .await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("warning_threshold_pct")
    );
    let unknown = w
        .expect(
            StatusCode::NOT_FOUND,
            "POST",
            "/v1/sla-policies",
            key,
            Some(json!({"name": "Ghost", "first_response_time_secs": 60, "division_id": "div_01j9zq3c4d5e6f7g8h9j0k1m2n"})),
        )
        .await;
    assert!(unknown["error"]["message"].as_str().unwrap().starts_with("division_id"));
    let policy = format!("/v1/sla-policies/{}", default["id"].as_str().unwrap());
    let changed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &policy,
            key,
            Some(json!({"warning_threshold_pct": 50, "is_active": false})),
        )
        .await;
    assert_eq!(
        (
            changed["warning_threshold_pct"].as_u64(),
            changed["is_active"].as_bool()
        ),
        (Some(50), Some(false))
    );
    assert_eq!(
        w.expect(StatusCode::OK, "GET", &policy, key, None).await["warning_threshold_pct"],
        50
    );
    w.expect(StatusCode::NO_CONTENT, "DELETE", &policy, key, None).await;
    w.expect(StatusCode::NOT_FOUND, "GET", &policy, key, None).await;

    // Contacts.
    let contact = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/contacts",
            key,
            Some(json!({"phone_number": "+1 650 555 9000", "name": "Grace Hopper", "tags": ["VIP", "lead"]})),
        )
        .await;
    let ct = contact["id"].as_str().unwrap().to_string();
    w.expect(StatusCode::OK, "GET", &format!("/v1/contacts/{ct}"), key, None)
        .await;
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/contacts/{ct}"),
        key,
        Some(json!({"email": "grace@example.com"})),
    )
    .await;
    let by_tag = w.expect(StatusCode::OK, "GET", "/v1/contacts?tag=vip", key, None).await;
    assert_eq!(by_tag["data"][0]["id"], ct.as_str());

    // Quick replies.
    let reply = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/quick-replies",
            key,
            Some(json!({"title": "Hours", "content": "We open at 9", "shortcut": "hours", "category": "info"})),
        )
        .await;
    assert_eq!(reply["shortcut"], "/hours");
    let qr = reply["id"].as_str().unwrap().to_string();
    w.expect(StatusCode::OK, "GET", "/v1/quick-replies", key, None).await;
    let edited = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/quick-replies/{qr}"),
            key,
            Some(json!({"content": "We open at 8"})),
        )
        .await;
    assert_eq!(edited["content"], "We open at 8");
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/quick-replies/{qr}"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::NOT_FOUND,
        "DELETE",
        &format!("/v1/quick-replies/{qr}"),
        key,
        None,
    )
    .await;

    // Conversations: the account's division allocates the new one to its only online member.
    f.inbound_from(&f.a, "16505559000", "Grace", "wamid.walk1", now()).await;
    let list = w
        .expect(
            StatusCode::OK,
            "GET",
            "/v1/conversations?status=open&unread=true",
            key,
            None,
        )
        .await;
    let conv = list["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        list["data"][0]["contact_id"],
        ct.as_str(),
        "the message lands on the contact created by phone"
    );
    assert_eq!(list["data"][0]["assigned_agent_id"], ada.as_str());
    assert_eq!(list["data"][0]["division_id"], div.as_str());
    let got = w
        .expect(StatusCode::OK, "GET", &format!("/v1/conversations/{conv}"), key, None)
        .await;
    assert_eq!(got["contact"]["name"], "Grace Hopper");
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{conv}/read"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::OK,
        "GET",
        &format!("/v1/conversations/{conv}/messages"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::ACCEPTED,
        "POST",
        &format!("/v1/conversations/{conv}/messages"),
        key,
        Some(json!({"type": "text", "content": {"text": "Hello Grace"}})),
    )
    .await;
    let owner = me["agent"]["id"].as_str().unwrap();
    let assigned = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conv}/assign"),
            key,
            Some(json!({"agent_id": owner})),
        )
        .await;
    assert_eq!(assigned["assigned_agent_id"], owner);
    let transfer = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("/v1/conversations/{conv}/transfer"),
            key,
            Some(json!({"to_agent_id": ada, "note": "pricing question"})),
        )
        .await;
    assert_eq!(transfer["from_agent_name"], "Owner");
    assert_eq!(transfer["to_agent_name"], "Agent ada@example.com");
    let log = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conv}/transfers"),
            key,
            None,
        )
        .await;
    assert_eq!(log["data"][0]["note"], "pricing question");
    let note = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &format!("/v1/conversations/{conv}/notes"),
            key,
            Some(json!({"content": "Wants the navy one"})),
        )
        .await;
    assert_eq!(note["agent_name"], "Owner");
    let notes = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conv}/notes"),
            key,
            None,
        )
        .await;
    assert_eq!(notes["data"][0]["content"], "Wants the navy one");
    let scheduled_path = format!("/v1/conversations/{conv}/scheduled-messages");
    let scheduled = w
        .expect(
            StatusCode::CREATED,
            "POST",
            &scheduled_path,
            key,
            Some(json!({"type": "text", "content": {"text": "Still interested?"}, "scheduled_at": in_an_hour()})),
        )
        .await;
    assert_eq!(scheduled["agent_name"], "Owner");
    let listed = w.expect(StatusCode::OK, "GET", &scheduled_path, key, None).await;
    assert_eq!(listed["data"][0]["id"], scheduled["id"]);
    let one = format!("{scheduled_path}/{}", scheduled["id"].as_str().unwrap());
    let got = w.expect(StatusCode::OK, "GET", &one, key, None).await;
    assert_eq!(got["status"], "pending");
    let cancelled = w
        .expect(StatusCode::OK, "POST", &format!("{one}/cancel"), key, None)
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    let sla_path = format!("/v1/conversations/{conv}/sla");
    let before = w.expect(StatusCode::OK, "GET", &sla_path, key, None).await;
    assert_eq!(before["conversation_id"], conv.as_str());
    let policy = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/sla-policies",
            key,
            Some(json!({"name": "Walk", "first_response_time_secs": 3600})),
        )
        .await;
    let applied = w
        .expect(
            StatusCode::OK,
            "PUT",
            &sla_path,
            key,
            Some(json!({"sla_policy_id": policy["id"]})),
        )
        .await;
    assert_eq!(
        (applied["policy_name"].as_str(), applied["frt_threshold_secs"].as_i64()),
        (Some("Walk"), Some(3600))
    );
    let rule_path = "/v1/chat-expiration-rules/whatsapp";
    let rule = w
        .expect(
            StatusCode::OK,
            "PUT",
            rule_path,
            key,
            Some(json!({"window_hours": 48, "block_text_after_window": true})),
        )
        .await;
    assert_eq!(
        (rule["window_hours"].as_u64(), rule["auto_resolve"].as_bool()),
        (Some(48), Some(false))
    );
    let rules = w
        .expect(StatusCode::OK, "GET", "/v1/chat-expiration-rules", key, None)
        .await;
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
    let surveys = w.expect(StatusCode::OK, "GET", "/v1/csat-surveys", key, None).await;
    assert_eq!(surveys["data"], json!([]), "no account or division asked for surveys");
    assert_eq!(rules["data"][0]["id"], rule["id"]);
    w.expect(StatusCode::NO_CONTENT, "DELETE", rule_path, key, None).await;
    let resolved = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conv}/resolve"),
            key,
            None,
        )
        .await;
    assert_eq!(resolved["status"], "resolved");
    let overview = w
        .expect(StatusCode::OK, "GET", "/v1/analytics/overview", key, None)
        .await;
    assert_eq!(overview["resolved_conversations"], 1);
    assert_eq!(overview["resolution_rate"], 100.0);
    let reopened = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{conv}/reopen"),
            key,
            None,
        )
        .await;
    assert_eq!(reopened["status"], "open");

    // Media upload.
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media?filename=photo.png",
            key,
            b"\x89PNG\r\n\x1a\nbytes",
            "image/png",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    w.seen.lock().unwrap().insert("UploadMedia".into());

    // Templates: create on Meta (the fake), list, read, sync, delete.
    let template = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/templates",
            key,
            Some(
                json!({"account_id": acc, "name": "walk", "category": "UTILITY", "language": "en",
                "components": [{"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ada"]]}}]}),
            ),
        )
        .await;
    let template_id = template["id"].as_str().unwrap().to_string();
    let templates = w.expect(StatusCode::OK, "GET", "/v1/templates", key, None).await;
    assert_eq!(templates["data"][0]["id"], template_id.as_str());
    w.expect(
        StatusCode::OK,
        "GET",
        &format!("/v1/templates/{template_id}"),
        key,
        None,
    )
    .await;
    let synced = w
        .expect(
            StatusCode::OK,
            "POST",
            "/v1/templates/sync",
            key,
            Some(json!({"account_id": acc})),
        )
        .await;
    assert_eq!(synced["total"], 1);
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/templates/{template_id}"),
        key,
        None,
    )
    .await;

    // Campaigns: create, read, change, recipients, start, pause, resume, cancel, delete.
    let approved = f
        .approved_template_signed(
            &f.a,
            "rotated-app-secret",
            "walk_campaign",
            "UTILITY",
            json!([{"type": "BODY", "text": "Hello"}]),
        )
        .await;
    let campaign = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/campaigns",
            key,
            Some(json!({"name": "Walk", "template_id": approved})),
        )
        .await;
    let cmp = campaign["id"].as_str().unwrap().to_string();
    let campaigns = w.expect(StatusCode::OK, "GET", "/v1/campaigns", key, None).await;
    assert_eq!(campaigns["data"][0]["id"], cmp.as_str());
    w.expect(StatusCode::OK, "GET", &format!("/v1/campaigns/{cmp}"), key, None)
        .await;
    let renamed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/campaigns/{cmp}"),
            key,
            Some(json!({"name": "Walked"})),
        )
        .await;
    assert_eq!(renamed["name"], "Walked");
    let added = w
        .expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/campaigns/{cmp}/recipients"),
            key,
            Some(json!({"phone_numbers": ["+16505550199"]})),
        )
        .await;
    assert_eq!(added["added"], 1);
    let recipients = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/campaigns/{cmp}/recipients"),
            key,
            None,
        )
        .await;
    assert_eq!(recipients["data"][0]["status"], "pending");
    for (command, status) in [
        ("start", "in_progress"),
        ("pause", "paused"),
        ("resume", "in_progress"),
        ("cancel", "cancelled"),
    ] {
        let moved = w
            .expect(
                StatusCode::OK,
                "POST",
                &format!("/v1/campaigns/{cmp}/{command}"),
                key,
                None,
            )
            .await;
        assert_eq!(moved["status"], status);
    }
    let draft = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/campaigns",
            key,
            Some(json!({"name": "Gone", "template_id": approved})),
        )
        .await;
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/campaigns/{}", draft["id"].as_str().unwrap()),
        key,
        None,
    )
    .await;

    // Tear-down routes.
    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/divisions/{div}/members/{ada}"),
        key,
        None,
    )
    .await;
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

    let seen = w.seen.lock().unwrap().clone();
    let missing: Vec<String> = ROUTES
        .iter()
        .map(|r| format!("{:?}", r.operation))
        .filter(|op| !seen.contains(op))
        .collect();
    assert!(missing.is_empty(), "routes this walk did not call: {missing:?}");
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

/// A valid body for each operation that reads one, so a foreign id fails on its lookup (404) and
/// not on validation.
fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn valid_body(operation: Operation, ids: &BTreeMap<&str, String>) -> Option<Value> {
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

async fn division_with(
    w: &Walk<'_>,
    f: &Fixture,
    tenant: &Tenant,
    method: &str,
    online: &[&str],
    offline: &[&str],
) -> (String, Vec<String>) {
    let key = tenant.key.as_str();
    let division = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/divisions",
            key,
            Some(json!({"name": method, "allocation_method": method})),
        )
        .await;
    let div = division["id"].as_str().unwrap().to_string();
    let mut agents = Vec::new();
    for (name, is_online) in online
        .iter()
        .map(|n| (n, true))
        .chain(offline.iter().map(|n| (n, false)))
    {
        let id = agent(w, key, &format!("{name}-{method}@example.com"), "agent").await;
        w.expect(
            StatusCode::OK,
            "PATCH",
            &format!("/v1/agents/{id}"),
            key,
            Some(json!({"is_online": is_online})),
        )
        .await;
        w.expect(
            StatusCode::OK,
            "PUT",
            &format!("/v1/divisions/{div}/members/{id}"),
            key,
            None,
        )
        .await;
        agents.push(id);
    }
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/accounts/{}", tenant.account.account_id),
        key,
        Some(json!({"division_id": div})),
    )
    .await;
    let _ = f;
    (div, agents)
}

async fn assignees(w: &Walk<'_>, key: &str) -> Vec<Option<String>> {
    let list = w
        .expect(StatusCode::OK, "GET", "/v1/conversations?limit=100", key, None)
        .await;
    let mut data: Vec<Value> = list["data"].as_array().unwrap().clone();
    data.sort_by_key(|c| c["created_at"].as_str().unwrap_or_default().to_string());
    data.iter()
        .map(|c| c["assigned_agent_id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn new_conversations_are_allocated_by_their_divisions_method() {
    // Round robin over the online members, in a fixed order; the offline member gets none.
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let (_, agents) = division_with(&w, &f, &f.a, "round_robin", &["r1", "r2"], &["r3"]).await;
    for (i, customer) in ["16505550001", "16505550002", "16505550003", "16505550004"]
        .iter()
        .enumerate()
    {
        f.inbound_from(&f.a, customer, "C", &format!("wamid.rr{i}"), now())
            .await;
    }
    // A redelivery of the first message does not allocate again.
    f.inbound_from(&f.a, "16505550001", "C", "wamid.rr0", now()).await;
    let got = assignees(&w, &f.a.key).await;
    let mut sorted = agents[..2].to_vec();
    sorted.sort();
    let expected: Vec<Option<String>> = (0..4).map(|i| Some(sorted[i % 2].clone())).collect();
    assert_eq!(got, expected);
    let open_of = |agents: &Value, id: &str| {
        agents["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap()["open_conversations"]
            .as_i64()
    };
    let listed = w.expect(StatusCode::OK, "GET", "/v1/agents", &f.a.key, None).await;
    assert_eq!(
        (
            open_of(&listed, &agents[0]),
            open_of(&listed, &agents[1]),
            open_of(&listed, &agents[2])
        ),
        (Some(2), Some(2), Some(0))
    );
}

#[tokio::test]
async fn least_busy_picks_the_emptiest_desk_and_manual_leaves_it_to_the_team() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let (_, agents) = division_with(&w, &f, &f.a, "least_busy", &["l1", "l2"], &[]).await;
    // l1 already has two conversations (assigned by hand): the next new ones go to l2 until even.
    for (i, customer) in ["16505551001", "16505551002"].iter().enumerate() {
        f.inbound_from(&f.a, customer, "C", &format!("wamid.lb{i}"), now())
            .await;
    }
    let list = w
        .expect(StatusCode::OK, "GET", "/v1/conversations", &f.a.key, None)
        .await;
    for conversation in list["data"].as_array().unwrap() {
        let id = conversation["id"].as_str().unwrap();
        w.expect(
            StatusCode::OK,
            "POST",
            &format!("/v1/conversations/{id}/assign"),
            &f.a.key,
            Some(json!({"agent_id": agents[0]})),
        )
        .await;
    }
    f.inbound_from(&f.a, "16505551003", "C", "wamid.lb2", now()).await;
    f.inbound_from(&f.a, "16505551004", "C", "wamid.lb3", now()).await;
    let mine = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations?assignee={}", agents[1]),
            &f.a.key,
            None,
        )
        .await;
    assert_eq!(
        mine["data"].as_array().unwrap().len(),
        2,
        "both new ones to the less busy agent"
    );

    // Manual: the conversation waits in the division, unassigned.
    let (div, _) = division_with(&w, &f, &f.b, "manual", &["m1"], &[]).await;
    f.inbound_from(&f.b, "16505551005", "C", "wamid.manual", now()).await;
    let queue = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations?division={div}"),
            &f.b.key,
            None,
        )
        .await;
    assert_eq!(queue["data"].as_array().unwrap().len(), 1);
    assert_eq!(queue["data"][0]["assigned_agent_id"], Value::Null);
}

#[tokio::test]
async fn the_overview_follows_resolve_reopen_and_a_new_conversation_after_resolve() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    f.inbound(&f.a, "wamid.life1", now()).await;
    let first = f.conversation_id(&f.a).await;
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{first}/resolve"),
        key,
        None,
    )
    .await;
    w.expect(
        StatusCode::OK,
        "POST",
        &format!("/v1/conversations/{first}/resolve"),
        key,
        None,
    )
    .await;
    // The customer writes again: a new conversation opens; the old one cannot be reopened beside it.
    f.inbound(&f.a, "wamid.life2", now()).await;
    let open = w
        .expect(StatusCode::OK, "GET", "/v1/conversations?status=open", key, None)
        .await;
    assert_eq!(open["data"].as_array().unwrap().len(), 1);
    assert_ne!(open["data"][0]["id"], first.as_str());
    let (status, body) = w
        .call("POST", &format!("/v1/conversations/{first}/reopen"), key, None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("another_conversation_open"))
    );
    let overview = w
        .expect(StatusCode::OK, "GET", "/v1/analytics/overview", key, None)
        .await;
    assert_eq!(
        json!([
            overview["total_conversations"],
            overview["open_conversations"],
            overview["resolved_conversations"],
            overview["total_contacts"],
            overview["total_agents"],
            overview["messages_today"],
            overview["resolution_rate"]
        ]),
        json!([2, 1, 1, 1, 1, 2, 50.0])
    );
    let resolved = w
        .expect(StatusCode::OK, "GET", "/v1/conversations?status=resolved", key, None)
        .await;
    assert_eq!(resolved["data"][0]["id"], first.as_str());
}

#[tokio::test]
async fn contacts_are_found_by_phone_name_prefix_and_tag() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    for (phone, name, tags) in [
        ("+44 20 7946 0001", "Ada Lovelace", json!(["vip"])),
        ("+44 20 7946 0002", "Adam Smith", json!(["lead"])),
        ("+44 20 7946 0003", "Grace Hopper", json!(["vip", "lead"])),
    ] {
        w.expect(
            StatusCode::CREATED,
            "POST",
            "/v1/contacts",
            key,
            Some(json!({"phone_number": phone, "name": name, "tags": tags})),
        )
        .await;
    }
    let names = |v: &Value| -> Vec<String> {
        let mut n: Vec<String> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let by_name = w.expect(StatusCode::OK, "GET", "/v1/contacts?q=adam", key, None).await;
    assert_eq!(names(&by_name), ["Adam Smith"]);
    let by_prefix = w.expect(StatusCode::OK, "GET", "/v1/contacts?q=AD", key, None).await;
    assert_eq!(names(&by_prefix), ["Ada Lovelace", "Adam Smith"]);
    let by_phone = w
        .expect(StatusCode::OK, "GET", "/v1/contacts?phone=442079460003", key, None)
        .await;
    assert_eq!(names(&by_phone), ["Grace Hopper"]);
    let vip = w.expect(StatusCode::OK, "GET", "/v1/contacts?tag=VIP", key, None).await;
    assert_eq!(names(&vip), ["Ada Lovelace", "Grace Hopper"]);
    // Retagging moves the contact between tag lists; renaming moves it in name search.
    let grace = by_phone["data"][0]["id"].as_str().unwrap();
    w.expect(
        StatusCode::OK,
        "PATCH",
        &format!("/v1/contacts/{grace}"),
        key,
        Some(json!({"tags": ["lead"], "name": "Admiral Hopper"})),
    )
    .await;
    let vip = w.expect(StatusCode::OK, "GET", "/v1/contacts?tag=vip", key, None).await;
    assert_eq!(names(&vip), ["Ada Lovelace"]);
    let by_prefix = w.expect(StatusCode::OK, "GET", "/v1/contacts?q=ad", key, None).await;
    assert_eq!(names(&by_prefix), ["Ada Lovelace", "Adam Smith", "Admiral Hopper"]);
    let (status, body) = w
        .call(
            "POST",
            "/v1/contacts",
            key,
            Some(json!({"phone_number": "442079460001"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    // Inbound customers are searchable by their profile name too.
    f.inbound_from(&f.a, "16505552222", "Zed Profile", "wamid.zed", now())
        .await;
    let zed = w.expect(StatusCode::OK, "GET", "/v1/contacts?q=zed", key, None).await;
    assert_eq!(names(&zed), ["Zed Profile"]);
    // Paging through all contacts.
    let page = w.expect(StatusCode::OK, "GET", "/v1/contacts?limit=2", key, None).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/contacts?limit=2&cursor={cursor}"),
            key,
            None,
        )
        .await;
    assert_eq!(
        page["data"].as_array().unwrap().len() + rest["data"].as_array().unwrap().len(),
        4
    );
}

#[tokio::test]
async fn bad_input_gets_the_documented_errors() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    // method, path, body, status, error code, what the message names
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, StatusCode, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "POST",
            "/v1/agents",
            Some("{not json"),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "",
        ),
        (
            "POST",
            "/v1/agents",
            Some(""),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":"nope","full_name":"X"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "email",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":"a@b.co","full_name":"X","role":"root"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "role",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":"a@b.co","full_name":"X","admin":true}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "unknown field `admin`",
        ),
        (
            "POST",
            "/v1/agents",
            Some(r#"{"email":1}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "invalid type",
        ),
        (
            "POST",
            "/v1/divisions",
            Some(r#"{"name":"D","allocation_method":"random"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "allocation_method",
        ),
        (
            "POST",
            "/v1/contacts",
            Some(r#"{"phone_number":"12ab"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "phone_number",
        ),
        (
            "POST",
            "/v1/contacts",
            Some(r#"{"phone_number":"15550001","tags":["has space"]}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "tags",
        ),
        (
            "POST",
            "/v1/quick-replies",
            Some(r#"{"title":"t","content":"c","shortcut":"Has Space"}"#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "shortcut",
        ),
        (
            "POST",
            "/v1/api-keys",
            Some(r#"{"name":"k","expires_at":"2001-01-01T00:00:00Z"}"#),
            StatusCode::CONFLICT,
            "expires_in_past",
            "expires_at",
        ),
        (
            "GET",
            "/v1/conversations?status=closed",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "status",
        ),
        (
            "GET",
            "/v1/conversations?limit=0",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "limit",
        ),
        (
            "GET",
            "/v1/conversations?cursor=forged",
            None,
            StatusCode::NOT_FOUND,
            "unknown_cursor",
            "cursor",
        ),
        (
            "GET",
            "/v1/contacts?q=a&tag=a!b",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "tag",
        ),
        (
            "PUT",
            "/v1/conversations",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "",
        ),
        (
            "GET",
            "/v1/agents/AGT%20X",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
            "",
        ),
        ("GET", "/v1/nowhere", None, StatusCode::NOT_FOUND, "not_found", ""),
    ];
    for (method, path, body, status, code, mentions) in cases {
        let (got, value) = f.call(method, path, Some(key), body).await;
        assert_eq!(
            (got, value["error"]["code"].as_str()),
            (status, Some(code)),
            "{method} {path} {body:?}: {value}"
        );
        assert!(
            value["error"]["message"].as_str().unwrap().contains(mentions),
            "{method} {path}: {value}"
        );
    }
    let huge = json!({"content": "x".repeat(300 * 1024)}).to_string();
    let (got, value) = f.call("POST", "/v1/quick-replies", Some(key), Some(&huge)).await;
    assert_eq!(
        (got, value["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large"))
    );
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media",
            key,
            b"MZ\x90\x00",
            "application/x-msdownload",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media",
            key,
            &vec![0u8; 600 * 1024],
            "image/webp",
        ))
        .await
        .unwrap();
    assert_eq!(
        upload.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "over Meta's 500 KB sticker/webp limit"
    );
    let _ = w;
}

#[tokio::test]
async fn an_uploaded_file_is_sent_to_meta_as_a_presigned_link() {
    let mut f = Fixture::new().await;
    let graph = f.stack.fake_graph().await;
    let key = f.a.key.clone();
    f.inbound(&f.a, "wamid.media", now()).await;
    let conv = f.conversation_id(&f.a).await;
    let upload = f
        .api
        .handle(api_binary_request(
            "/v1/media?filename=catalog.pdf",
            &key,
            b"%PDF-1.4 catalog",
            "application/pdf",
        ))
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::CREATED);
    let media = json_body(&upload);
    assert_eq!(
        (media["file_size"].as_u64(), media["mime_type"].as_str()),
        (Some(16), Some("application/pdf"))
    );
    let media_id = media["media_id"].as_str().unwrap();
    let (status, _) = f
        .call(
            "POST",
            &format!("/v1/conversations/{conv}/messages"),
            Some(&key),
            Some(&json!({"type": "document", "content": {"media_id": media_id, "filename": "catalog.pdf", "caption": "Our catalog"}}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, body) = f
        .call(
            "POST",
            &format!("/v1/conversations/{conv}/messages"),
            Some(&f.b.key),
            Some(&json!({"type": "document", "content": {"media_id": media_id}}).to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let jobs = f.stack.drain("OutboundQueue").await;
    let records: Vec<Value> = jobs
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"messageId": format!("m{i}"), "receiptHandle": "h", "body": m.body().unwrap(), "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs"}))
        .collect();
    let sender = sender::SenderService::from_aws(
        &sender::SenderConfig::from_env(&f.stack.env_of("SenderFunction")).unwrap(),
        &f.stack.aws,
    );
    let (response, summary) = sender
        .process(serde_json::from_value(json!({"Records": records})).unwrap())
        .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.sent, 1);
    let sent = graph.sent();
    let link = sent[0].body["document"]["link"].as_str().expect("sent by link");
    assert!(link.contains("X-Amz-Signature=") && link.contains(&format!("uploads/{}/{media_id}", f.a.account.org_id)));
    assert_eq!(sent[0].body["document"]["caption"], "Our catalog");
    // The link really serves the file (moto checks the signature).
    let fetched = reqwest::get(link).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.4 catalog");
    // The agents' page shows the sent file from the same upload.
    let (_, listed) = f
        .call("GET", &format!("/v1/conversations/{conv}/messages"), Some(&key), None)
        .await;
    let shown = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["direction"] == "outbound")
        .expect("the sent document");
    let url = shown["media_url"].as_str().expect("a link to the upload");
    let fetched = reqwest::get(url).await.unwrap();
    // A document is a download of its checked type, never rendered by the browser.
    assert_eq!(
        fetched
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some("attachment")
    );
    assert_eq!(
        fetched.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert_eq!(fetched.bytes().await.unwrap().as_ref(), b"%PDF-1.4 catalog");
    // The page may load media from the API and the bucket links' origin only; every answer
    // carries HSTS.
    let page = f.api.handle(api_request("GET", "/app", None, None)).await.unwrap();
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    let bucket_origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
    assert!(
        policy.contains(&format!("img-src 'self' {bucket_origin} data: blob:;")),
        "{policy}"
    );
    assert!(!policy.contains(" https: ") && !policy.contains(" http: "), "{policy}");
    assert!(
        page.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let answer = f
        .api
        .handle(api_request("GET", "/v1/me", Some(&key), None))
        .await
        .unwrap();
    assert!(answer.headers().contains_key("strict-transport-security"));
}
