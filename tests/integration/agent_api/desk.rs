use super::*;

/// Divisions and their members (added once however often, removed).
#[tokio::test]
async fn divisions_and_their_members() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let ada = agent(&w, key, "ada@example.com", "agent").await;
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

    w.expect(
        StatusCode::NO_CONTENT,
        "DELETE",
        &format!("/v1/divisions/{div}/members/{ada}"),
        key,
        None,
    )
    .await;
    w.done();
}

/// Contacts by tag, quick replies from creation to deletion.
#[tokio::test]
async fn contacts_and_quick_replies() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
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

    w.done();
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
