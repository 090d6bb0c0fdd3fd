//! An admin's walk through what AI agents do to conversations: taking one over, correcting an AI
//! reply, the contact's fields agents read.

use super::ai::refused;
use super::*;

#[tokio::test]
async fn a_conversation_taken_over_corrections_refused_and_the_contacts_ai_fields() {
    let f = Fixture::new().await;
    let w = Walk::new(&f);
    let a = f.a.key.as_str();
    let front = w
        .expect(
            StatusCode::CREATED,
            "POST",
            "/v1/ai-agents",
            a,
            Some(json!({"name": "Front desk", "system_prompt": "You answer for Acme Shoes.", "model": "amazon.nova-lite-v1:0"})),
        )
        .await;
    let front_id = front["id"].as_str().unwrap().to_string();
    // Take over: the AI is silenced in the conversation and the caller holds it; again: the same.
    f.inbound(&f.a, "wamid.take-over", crate::api::now()).await;
    let conversation = f.conversation_id(&f.a).await;
    let take_over = format!("/v1/conversations/{conversation}/take-over");
    let taken = w.expect(StatusCode::OK, "POST", &take_over, a, None).await;
    let me = w.expect(StatusCode::OK, "GET", "/v1/me", a, None).await;
    assert_eq!(taken["assigned_agent_id"], me["agent"]["id"], "{taken}");
    assert_eq!(
        (
            taken["ai"]["silenced"].as_bool(),
            taken["ai"]["handoff_reason"].as_str()
        ),
        (Some(true), Some("An agent took the conversation over"))
    );
    let again = w.expect(StatusCode::OK, "POST", &take_over, a, None).await;
    assert_eq!(again["ai"], taken["ai"]);
    let notes = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conversation}/notes"),
            a,
            None,
        )
        .await;
    assert_eq!(notes["data"].as_array().unwrap().len(), 1, "one note for the take-over");
    let got = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conversation}"),
            a,
            None,
        )
        .await;
    assert_eq!(got["ai"], taken["ai"]);

    // Corrections: only of an AI agent's message, in a conversation of the organization.
    let messages = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/conversations/{conversation}/messages"),
            a,
            None,
        )
        .await;
    let customers = messages["data"][0]["id"].as_str().unwrap().to_string();
    for (body, status, field) in [
        (
            json!({"conversation_id": conversation, "message_id": customers, "corrected_response": "Better."}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "message_id",
        ),
        (
            json!({"conversation_id": conversation, "message_id": "msg_nowhere", "corrected_response": "Better."}),
            StatusCode::NOT_FOUND,
            "message_id",
        ),
        (
            json!({"conversation_id": "cv_nowhere", "message_id": customers, "corrected_response": "Better."}),
            StatusCode::NOT_FOUND,
            "conversation_id",
        ),
        (
            json!({"conversation_id": conversation, "message_id": customers}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "corrected_response",
        ),
    ] {
        refused(&w, "POST", "/v1/ai-evaluations", a, body, status, field).await;
    }
    let listed = w
        .expect(
            StatusCode::OK,
            "GET",
            &format!("/v1/ai-evaluations?ai_agent_id={front_id}"),
            a,
            None,
        )
        .await;
    assert!(listed["data"].as_array().unwrap().is_empty());
    w.expect(
        StatusCode::NOT_FOUND,
        "DELETE",
        "/v1/ai-evaluations/aev_nothing",
        a,
        None,
    )
    .await;

    // The contact's seed 004 fields: what AI agents read of the customer, edited by agents.
    let contact_path = format!("/v1/contacts/{}", got["contact_id"].as_str().unwrap());
    for (body, field) in [
        (json!({"country": "USA"}), "country"),
        (json!({"llm_context": [1]}), "llm_context"),
        (json!({"llm_context": {"notes": "x".repeat(5_000)}}), "llm_context"),
        (json!({"description": "x".repeat(1_001)}), "description"),
    ] {
        refused(
            &w,
            "PATCH",
            &contact_path,
            a,
            body,
            StatusCode::UNPROCESSABLE_ENTITY,
            field,
        )
        .await;
    }
    let edited = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &contact_path,
            a,
            Some(json!({"description": "Prefers mornings", "country": "pt", "llm_context": {"size": 42}})),
        )
        .await;
    assert_eq!(
        (
            edited["description"].as_str(),
            edited["country"].as_str(),
            edited["llm_context"]["size"].as_u64()
        ),
        (Some("Prefers mornings"), Some("PT"), Some(42))
    );
    let cleared = w
        .expect(
            StatusCode::OK,
            "PATCH",
            &contact_path,
            a,
            Some(json!({"country": "", "llm_context": null})),
        )
        .await;
    assert!(
        cleared["country"].is_null() && cleared["llm_context"].is_null(),
        "{cleared}"
    );
    assert_eq!(cleared["description"], "Prefers mornings", "untouched fields stay");

    w.done();
}
