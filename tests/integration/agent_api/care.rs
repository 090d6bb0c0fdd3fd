use super::*;

/// Working hours: the organization's and a division's, two intervals a day, refusals named.
#[tokio::test]
async fn working_hours_of_the_organization_and_a_division() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let div = division(&w, key, "Sales").await;
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

    w.done();
}

/// SLA policies: one default at most; the division must exist; the threshold is 1 to 99.
#[tokio::test]
async fn sla_policies_keep_one_default_and_need_their_division() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
    let div = division(&w, key, "Sales").await;
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

    w.done();
}

/// Chat expiration rules of a channel.
#[tokio::test]
async fn chat_expiration_rules_are_set_listed_and_removed() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let key = f.a.key.as_str();
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
    assert_eq!(rules["data"][0]["id"], rule["id"]);
    w.expect(StatusCode::NO_CONTENT, "DELETE", rule_path, key, None).await;
    w.done();
}
