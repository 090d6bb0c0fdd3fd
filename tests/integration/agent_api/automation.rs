//! An admin's walk through the automation routes.

use super::*;

#[tokio::test]
async fn automation_rules_from_creation_to_deletion() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    let created = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/automation-rules",
            a,
            Some(
                json!({"name": "Greet", "trigger": "conversation_created", "description": "say hello",
                        "actions": [{"type": "send_text", "text": "Hello!"}]}),
            ),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        (created["priority"].clone(), created["rollout_percentage"].clone()),
        (json!(100), json!(100))
    );
    let path = format!("/v1/automation-rules/{id}");
    w.expect(StatusCode::OK, "GET", &path, a, None).await;
    let changed = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &path,
            a,
            Some(json!({"is_active": false, "description": "", "snoozed_until": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(
        (changed["is_active"].clone(), changed["description"].clone()),
        (json!(false), Value::Null)
    );
    let dry = w
        .expect(StatusCode::OK, "POST", &format!("{path}/test"), a, Some(json!({})))
        .await;
    assert_eq!(dry["skipped"], "inactive");
    let runs = w.expect(StatusCode::OK, "GET", &format!("{path}/runs"), a, None).await;
    assert!(runs["data"].as_array().unwrap().is_empty());
    let listed = w.expect(StatusCode::OK, "GET", "/v1/automation-rules", a, None).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let control = w.expect(StatusCode::OK, "GET", "/v1/automation-control", a, None).await;
    assert_eq!(control["is_paused"], false);
    let paused = w
        .expect(
            StatusCode::OK,
            "PUT",
            "/v1/automation-control",
            a,
            Some(json!({"is_paused": true, "pause_reason": "holiday", "paused_until": "2030-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(paused["pause_reason"], "holiday");
    let (status, _) = w
        .call(
            "PUT",
            "/v1/automation-control",
            a,
            Some(json!({"is_paused": true, "paused_until": "soon"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    w.expect(StatusCode::NO_CONTENT, "DELETE", &path, a, None).await;
    let (status, _) = w.call("GET", &path, a, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    w.done();
}
