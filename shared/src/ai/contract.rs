//! What every implementation of the AI agents' store ports keeps (memory here, DynamoDB in the
//! moto suite): an agent written once per read, a turn counted once per message and never past
//! its limit nor after a silencing handoff, the first silencing handoff standing (its time kept
//! on a redelivery), and a daily limit refusing calls once reached.

use crate::ai::agent::AiAgent;
use crate::ai::handoff::{Handoff, Reason};
use crate::ai::ports::{AgentBook, Sessions, TurnCount, UsageMeter};
use crate::platform::StoreError;

pub fn agent(org_id: &str, ai_agent_id: &str) -> AiAgent {
    AiAgent {
        org_id: org_id.into(),
        ai_agent_id: ai_agent_id.into(),
        name: "Sales".into(),
        system_prompt: "You sell shoes.".into(),
        model: "amazon.nova-lite-v1:0".into(),
        temperature: 0.3,
        max_tokens: 512,
        welcome_message: None,
        is_active: true,
        parent_agent_id: None,
        daily_token_limit: None,
        max_conversation_turns: None,
        system_context: None,
        memory: None,
        assignments: vec![],
        handoff_rules: vec![],
        orchestration_rules: vec![],
        created_at: "2026-12-01T00:00:00.000Z".into(),
        updated_at: "2026-12-01T00:00:00.000Z".into(),
    }
}

pub async fn agent_book_contract(book: &dyn AgentBook, org: &str) {
    let first = agent(org, "aia_1");
    book.put_agent(&first, None).await.unwrap();
    assert!(
        matches!(book.put_agent(&first, None).await, Err(StoreError::Conflict(_))),
        "an id is written once"
    );
    let mut changed = first.clone();
    changed.name = "Sales desk".into();
    changed.updated_at = "2026-12-02T00:00:00.000Z".into();
    book.put_agent(&changed, Some(&first.updated_at)).await.unwrap();
    assert!(
        matches!(
            book.put_agent(&changed, Some(&first.updated_at)).await,
            Err(StoreError::Conflict(_))
        ),
        "a write based on a stale read is refused"
    );
    assert_eq!(book.agent(org, "aia_1").await.unwrap(), Some(changed.clone()));
    assert_eq!(
        book.agent("another-org", "aia_1").await.unwrap(),
        None,
        "agents stay in their organization"
    );
    let mut second = agent(org, "aia_2");
    second.created_at = "2026-12-03T00:00:00.000Z".into();
    book.put_agent(&second, None).await.unwrap();
    let ids: Vec<String> = book
        .agents(org)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.ai_agent_id)
        .collect();
    assert_eq!(ids, ["aia_1", "aia_2"], "oldest first");
    assert!(book.delete_agent(org, "aia_2").await.unwrap());
    assert!(!book.delete_agent(org, "aia_2").await.unwrap());
}

fn handoff(stop_ai: bool) -> Handoff {
    Handoff {
        reason: Reason::HumanRequest,
        target_division_id: None,
        stop_ai,
    }
}

pub async fn sessions_contract(sessions: &dyn Sessions, org: &str) {
    let conv = "cv_contract";
    assert_eq!(sessions.session(org, conv).await.unwrap(), None);
    assert_eq!(
        sessions.count_turn(org, conv, "aia_1", "m1", Some(2)).await.unwrap(),
        TurnCount::Counted(1)
    );
    assert_eq!(
        sessions.count_turn(org, conv, "aia_1", "m1", Some(2)).await.unwrap(),
        TurnCount::Counted(1),
        "a redelivered message counts once"
    );
    assert_eq!(
        sessions.count_turn(org, conv, "aia_1", "m2", Some(2)).await.unwrap(),
        TurnCount::Counted(2)
    );
    assert_eq!(
        sessions.count_turn(org, conv, "aia_1", "m3", Some(2)).await.unwrap(),
        TurnCount::LimitReached(2)
    );
    // A handoff that leaves the AI on is replaced by a later one; a silencing one stands.
    assert_eq!(
        sessions.hand_off(org, conv, &handoff(false), "m3", 10).await.unwrap(),
        Some(10)
    );
    assert_eq!(
        sessions.hand_off(org, conv, &handoff(true), "m4", 20).await.unwrap(),
        Some(20)
    );
    assert_eq!(
        sessions.hand_off(org, conv, &handoff(true), "m4", 30).await.unwrap(),
        Some(20),
        "a redelivery finds the first time"
    );
    assert_eq!(
        sessions.hand_off(org, conv, &handoff(true), "m5", 40).await.unwrap(),
        None
    );
    assert_eq!(
        sessions.count_turn(org, conv, "aia_1", "m6", None).await.unwrap(),
        TurnCount::Silenced
    );
    let session = sessions.session(org, conv).await.unwrap().unwrap();
    assert!(session.silenced());
    assert_eq!(session.handoff_message_id.as_deref(), Some("m4"));
    sessions.route(org, conv, "aia_child").await.unwrap();
    sessions.clear_handoff(org, conv).await.unwrap();
    let session = sessions.session(org, conv).await.unwrap().unwrap();
    assert!(!session.silenced() && session.handoff.is_none());
    assert_eq!(session.ai_agent_id.as_deref(), Some("aia_child"));
    assert_eq!(
        sessions
            .count_turn(org, conv, "aia_child", "m7", Some(2))
            .await
            .unwrap(),
        TurnCount::Counted(1),
        "handing back starts the turns again"
    );
}

pub async fn product_book_contract(book: &dyn crate::ai::ports::ProductBook, org: &str) {
    let product = crate::ai::catalog::Product {
        org_id: org.into(),
        ai_agent_id: "aia_1".into(),
        product_id: "apr_1".into(),
        name: "Trail runner".into(),
        description: Some("for mud".into()),
        price: Some("89.90".into()),
        weight: None,
        metadata: Some(serde_json::json!({"sku": "TR-1"})),
        is_active: true,
        created_at: "2026-12-01".into(),
        updated_at: "2026-12-01".into(),
    };
    book.put_product(&product, None).await.unwrap();
    assert!(matches!(
        book.put_product(&product, None).await,
        Err(StoreError::Conflict(_))
    ));
    let mut cheaper = product.clone();
    cheaper.price = Some("79.90".into());
    cheaper.updated_at = "2026-12-02".into();
    book.put_product(&cheaper, Some("2026-12-01")).await.unwrap();
    assert!(matches!(
        book.put_product(&cheaper, Some("2026-12-01")).await,
        Err(StoreError::Conflict(_))
    ));
    let mut other = product.clone();
    other.product_id = "apr_2".into();
    other.name = "Road runner".into();
    book.put_product(&other, None).await.unwrap();
    let names: Vec<String> = book
        .products(org, "aia_1")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Road runner", "Trail runner"], "by name");
    assert!(book.products(org, "aia_2").await.unwrap().is_empty(), "per agent");
    assert_eq!(
        book.products(org, "aia_1").await.unwrap()[1].price.as_deref(),
        Some("79.90")
    );
    assert!(book.delete_product(org, "aia_1", "apr_2").await.unwrap());
    assert!(!book.delete_product(org, "aia_1", "apr_2").await.unwrap());
}

pub async fn evaluation_book_contract(book: &dyn crate::ai::ports::EvaluationBook, org: &str) {
    let correction = |id: &str, agent: &str| crate::ai::evaluation::Evaluation {
        org_id: org.into(),
        evaluation_id: id.into(),
        ai_agent_id: agent.into(),
        conversation_id: "cv_1".into(),
        message_id: "msg_1".into(),
        customer_message: Some("do you ship on sunday?".into()),
        original_response: "Yes.".into(),
        corrected_response: "Not on Sundays; Saturdays yes.".into(),
        context_message_ids: vec!["msg_0".into()],
        evaluated_by: "agt_1".into(),
        created_at: "2026-12-05T10:00:00Z".into(),
    };
    book.add_evaluation(&correction("aev_01", "aia_1")).await.unwrap();
    book.add_evaluation(&correction("aev_02", "aia_1")).await.unwrap();
    book.add_evaluation(&correction("aev_03", "aia_2")).await.unwrap();
    assert!(matches!(
        book.add_evaluation(&correction("aev_01", "aia_1")).await,
        Err(StoreError::Conflict(_))
    ));
    let ids: Vec<String> = book
        .evaluations(org, "aia_1", 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.evaluation_id)
        .collect();
    assert_eq!(ids, ["aev_02", "aev_01"], "newest first, per agent");
    assert_eq!(book.evaluations(org, "aia_1", 1).await.unwrap().len(), 1);
    assert_eq!(
        book.evaluation(org, "aev_03").await.unwrap().unwrap().ai_agent_id,
        "aia_2"
    );
    assert_eq!(book.evaluation("another-org", "aev_03").await.unwrap(), None);
    assert!(book.delete_evaluation(org, "aev_03").await.unwrap());
    assert!(!book.delete_evaluation(org, "aev_03").await.unwrap());
    assert_eq!(book.evaluation(org, "aev_03").await.unwrap(), None);
}

pub async fn usage_contract(meter: &dyn UsageMeter, org: &str) {
    assert!(meter.admit(org, "aia_1", "2026-12-05", Some(100)).await.unwrap());
    meter.spend(org, "aia_1", "2026-12-05", 80, 30, 12).await.unwrap();
    assert!(
        !meter.admit(org, "aia_1", "2026-12-05", Some(100)).await.unwrap(),
        "110 tokens spent: the limit of 100 refuses the next call"
    );
    assert!(
        meter.admit(org, "aia_1", "2026-12-06", Some(100)).await.unwrap(),
        "a new day"
    );
    assert!(meter.admit(org, "aia_2", "2026-12-05", None).await.unwrap());
    let days = meter.days(org, "2026-12-05", "2026-12-05").await.unwrap();
    assert_eq!(days.len(), 2);
    let first = days.iter().find(|d| d.ai_agent_id == "aia_1").unwrap();
    assert_eq!(
        (
            first.prompt_tokens,
            first.completion_tokens,
            first.total_tokens(),
            first.cost_micros
        ),
        (80, 30, 110, 12)
    );
    assert_eq!((first.request_count, first.refused_count), (1, 1));
    assert_eq!(meter.days(org, "2026-12-01", "2026-12-31").await.unwrap().len(), 3);
    assert!(
        meter
            .days("another-org", "2026-12-01", "2026-12-31")
            .await
            .unwrap()
            .is_empty()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::memory::MemoryAi;

    #[tokio::test]
    async fn the_in_memory_ai_stores_keep_the_contract() {
        let memory = MemoryAi::default();
        agent_book_contract(&memory, "org_1").await;
        sessions_contract(&memory, "org_1").await;
        usage_contract(&memory, "org_1").await;
        product_book_contract(&memory, "org_1").await;
        evaluation_book_contract(&memory, "org_1").await;
    }
}
