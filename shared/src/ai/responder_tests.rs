//! AI turns on in-memory ports and a scripted model: answers, tools, handoffs by tool, rule and
//! limit, a failing model, orchestration, and silence after a handoff under redelivery.

use super::*;
use crate::ai::agent::{Assignment, CHANNEL};
use crate::ai::contract::agent;
use crate::ai::handoff::{HandoffRule, Trigger};
use crate::ai::memory::{MemoryAi, ScriptedModel, text_message};
use crate::ai::model::{ChatMessage, Part};
use crate::ai::ports::UsageMeter;
use crate::automation::memory::RecordingEffects;
use crate::bot::memory::RecordingSends;
use crate::inbox::Direction;
use crate::inbox::memory::MemoryInbox;
use crate::meta::Content;

const ORG: &str = "org_1";
const T: i64 = 1_796_378_400_000;

struct World {
    inbox: Arc<MemoryInbox>,
    ai: Arc<MemoryAi>,
    model: Arc<ScriptedModel>,
    sends: Arc<RecordingSends>,
    effects: Arc<RecordingEffects>,
    responder: AiResponder,
}

fn assigned(mut a: AiAgent) -> AiAgent {
    a.org_id = ORG.into();
    a.assignments = vec![Assignment {
        assignment_id: "asg_1".into(),
        channel: CHANNEL.into(),
        account_id: Some("acc_1".into()),
        division_id: None,
        contact_tags: vec![],
        priority: 1,
        is_active: true,
        created_at: "2026-12-01".into(),
    }];
    a
}

async fn world(agents: Vec<AiAgent>) -> World {
    let inbox = Arc::new(MemoryInbox::default());
    let (mut conversation, _) = inbox.put_customer(ORG, "cv_1", "4915", T - 1_000);
    conversation.division_id = Some("div_home".into());
    inbox.put_conversation(conversation);
    let ai = Arc::new(MemoryAi::default());
    for a in agents {
        ai.put_agent(&a, None).await.unwrap();
    }
    let model = Arc::new(ScriptedModel::default());
    let sends = Arc::new(RecordingSends::default());
    let effects = Arc::new(RecordingEffects::default());
    let responder = AiResponder::new(
        crate::ai::test_world::ports(&ai, &inbox, &model, &sends, &effects),
        Clock::fixed(T),
        None,
    );
    World {
        inbox,
        ai,
        model,
        sends,
        effects,
        responder,
    }
}

use crate::ai::test_world::{text, tool};

impl World {
    /// The customer writes message `n`; its turn job.
    fn customer(&self, n: u32, said: &str) -> TurnJob {
        let id = format!("m{n}");
        self.ai.push_message(text_message(
            ORG,
            "cv_1",
            &id,
            Direction::Inbound,
            said,
            T / 1000 + n as i64,
            None,
        ));
        TurnJob {
            org_id: ORG.into(),
            conversation_id: "cv_1".into(),
            contact_id: "ct_cv_1".into(),
            wamid: format!("wamid.{id}"),
            event_id: format!("message.received:w{n}"),
            account_id: "acc_1".into(),
        }
    }

    fn sent(&self) -> Vec<(String, Origin)> {
        self.sends
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|(_, content, origin)| match content {
                Content::Text { body } => (body.clone(), origin.clone()),
                other => (format!("{other:?}"), origin.clone()),
            })
            .collect()
    }

    fn actions(&self) -> Vec<Action> {
        self.effects
            .applied
            .lock()
            .unwrap()
            .iter()
            .map(|(_, a)| a.clone())
            .collect()
    }
}

#[tokio::test]
async fn the_agent_answers_as_ai_after_its_welcome_and_its_usage_is_counted() {
    let mut a = assigned(agent(ORG, "aia_1"));
    a.welcome_message = Some("Hi, I am the shop's assistant.".into());
    let w = world(vec![a]).await;
    w.model.then(text("Size 42 is in stock.", (1_000, 20)));
    let job = w.customer(1, "Do you have size 42?");
    let outcome = w.responder.answer(&job, false).await.unwrap();
    assert_eq!(
        outcome,
        TurnOutcome::Answered {
            ai_agent_id: "aia_1".into(),
            text: "Hi, I am the shop's assistant.\n\nSize 42 is in stock.".into(),
            resolved: false
        }
    );
    let sent = w.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "Hi, I am the shop's assistant.\n\nSize 42 is in stock.");
    assert_eq!(sent[0].1, Origin::of(OriginKind::Ai, "aia_1"));
    let prompt = &w.model.prompts()[0];
    assert_eq!(prompt.messages, vec![ChatMessage::user("Do you have size 42?")]);
    assert!(prompt.tools.iter().any(|t| t.name == "handoff"));
    let days = w.ai.days(ORG, "2026-12-01", "2026-12-31").await.unwrap();
    // Nova Lite: 1,000 × $0.06/M + 20 × $0.24/M = 60 + 4.8 → 65 micro-dollars.
    assert_eq!(
        (days[0].total_tokens(), days[0].request_count, days[0].cost_micros),
        (1_020, 1, 65)
    );

    // A redelivery sends nothing twice.
    w.model.then(text("Size 42 is in stock!", (1_000, 20)));
    w.responder.answer(&job, false).await.unwrap();
    assert_eq!(w.sent().len(), 1);
}

#[tokio::test]
async fn a_handoff_by_tool_moves_the_conversation_and_the_ai_stays_silent_after_even_on_redelivery() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    w.model.then(tool("handoff", json!({"reason": "wants a refund"})));
    let job = w.customer(1, "I want my money back");
    let outcome = w.responder.answer(&job, false).await.unwrap();
    let TurnOutcome::HandedOff(handoff) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        handoff.reason,
        Reason::Tool {
            reason: "wants a refund".into()
        }
    );
    assert!(handoff.stop_ai);
    let actions = w.actions();
    assert!(matches!(&actions[0], Action::AddNote { content } if content.contains("wants a refund")));
    assert_eq!(
        actions[1],
        Action::AssignDivision {
            division_id: "div_home".into()
        }
    );
    assert_eq!(
        w.sent(),
        vec![(HANDOFF_MESSAGE.to_string(), Origin::of(OriginKind::Ai, "aia_1"))]
    );
    let stamped: Vec<i64> = w
        .effects
        .applied
        .lock()
        .unwrap()
        .iter()
        .map(|(cx, _)| cx.at_ms)
        .collect();

    // Redelivered (as if the first delivery stopped midway): the handoff is finished again with
    // the first time and the same keys, without asking the model; nothing new goes out.
    w.responder.answer(&job, false).await.unwrap();
    let again: Vec<i64> = w
        .effects
        .applied
        .lock()
        .unwrap()
        .iter()
        .map(|(cx, _)| cx.at_ms)
        .collect();
    assert_eq!(
        again[2..],
        stamped[..],
        "effects rerun with the first time (written once)"
    );
    assert_eq!(w.sent().len(), 1);

    // The customer writes on: zero AI messages, the model never asked.
    let next = w.customer(2, "hello?");
    assert_eq!(
        w.responder.answer(&next, false).await.unwrap(),
        TurnOutcome::Quiet(Quiet::Silenced)
    );
    assert_eq!(w.sent().len(), 1);
    assert_eq!(w.model.prompts().len(), 1);
}

#[tokio::test]
async fn a_keyword_rule_hands_over_before_the_model_is_asked() {
    let mut a = assigned(agent(ORG, "aia_1"));
    a.handoff_rules = vec![HandoffRule {
        rule_id: "aho_1".into(),
        trigger: Trigger::Keywords {
            keywords: vec!["cancel".into()],
        },
        target_division_id: Some("div_retention".into()),
        stop_ai_after_handoff: true,
        is_active: true,
        created_at: "2026-12-01".into(),
    }];
    let w = world(vec![a]).await;
    let job = w.customer(1, "Please CANCEL my order");
    let outcome = w.responder.answer(&job, false).await.unwrap();
    assert!(matches!(
        outcome,
        TurnOutcome::HandedOff(Handoff {
            reason: Reason::Keyword { .. },
            ..
        })
    ));
    assert!(w.model.prompts().is_empty());
    assert!(w.actions().contains(&Action::AssignDivision {
        division_id: "div_retention".into()
    }));
}

#[tokio::test]
async fn the_turn_limit_and_the_daily_token_limit_hand_over_instead_of_going_silent() {
    let mut a = assigned(agent(ORG, "aia_1"));
    a.max_conversation_turns = Some(1);
    let w = world(vec![a]).await;
    w.model.then(text("Hello!", (10, 5)));
    w.responder.answer(&w.customer(1, "hi"), false).await.unwrap();
    let outcome = w.responder.answer(&w.customer(2, "and?"), false).await.unwrap();
    assert!(matches!(
        outcome,
        TurnOutcome::HandedOff(Handoff {
            reason: Reason::TurnLimit { turns: 1 },
            ..
        })
    ));

    let mut b = assigned(agent(ORG, "aia_1"));
    b.daily_token_limit = Some(100);
    let w = world(vec![b]).await;
    w.model.then(text("Hello!", (90, 20)));
    w.responder.answer(&w.customer(1, "hi"), false).await.unwrap();
    let outcome = w.responder.answer(&w.customer(2, "and?"), false).await.unwrap();
    assert!(matches!(
        outcome,
        TurnOutcome::HandedOff(Handoff {
            reason: Reason::TokenLimit,
            ..
        })
    ));
    assert_eq!(w.model.prompts().len(), 1, "no call past the limit");
    let days = w.ai.days(ORG, "2026-01-01", "2027-12-31").await.unwrap();
    assert_eq!(days[0].refused_count, 1);
}

#[tokio::test]
async fn a_throttled_model_is_retried_and_on_the_last_try_hands_over() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    w.model.then(Err(ModelError::Throttled));
    let job = w.customer(1, "hi");
    assert!(matches!(
        w.responder.answer(&job, false).await,
        Err(TurnError::Model(ModelError::Throttled))
    ));
    assert!(w.sent().is_empty());
    w.model.then(Err(ModelError::Throttled));
    let outcome = w.responder.answer(&job, true).await.unwrap();
    assert!(matches!(
        outcome,
        TurnOutcome::HandedOff(Handoff {
            reason: Reason::ModelFailure { .. },
            ..
        })
    ));
    assert_eq!(w.sent().len(), 1, "the customer is told a person follows");
}

#[tokio::test]
async fn a_burst_gets_one_answer_and_a_person_holding_it_keeps_the_ai_quiet() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    let first = w.customer(1, "hi");
    let second = w.customer(2, "are you there?");
    assert_eq!(
        w.responder.answer(&first, false).await.unwrap(),
        TurnOutcome::Quiet(Quiet::NewerMessage)
    );
    w.model.then(text("Yes, how can I help?", (10, 5)));
    assert!(matches!(
        w.responder.answer(&second, false).await.unwrap(),
        TurnOutcome::Answered { .. }
    ));
    assert_eq!(
        w.model.prompts()[0].messages[0].parts.len(),
        2,
        "both messages in one user turn"
    );
    let mut held = w.inbox.conversations(ORG)[0].clone();
    held.assigned_agent_id = Some("agt_1".into());
    w.inbox.put_conversation(held);
    assert_eq!(
        w.responder.answer(&w.customer(3, "thanks"), false).await.unwrap(),
        TurnOutcome::Quiet(Quiet::PersonHolds)
    );
}

#[tokio::test]
async fn tools_remember_facts_resolve_and_route_to_a_child_agent() {
    let mut parent = assigned(agent(ORG, "aia_front"));
    parent.orchestration_rules = vec![crate::ai::orchestration::OrchestrationRule {
        rule_id: "aor_1".into(),
        target_agent_id: "aia_billing".into(),
        condition_prompt: "plans, invoices and renewals".into(),
        priority: 1,
        is_active: true,
        created_at: "2026-12-01".into(),
    }];
    let mut child = agent(ORG, "aia_billing");
    child.parent_agent_id = Some("aia_front".into());
    child.name = "Billing".into();
    let w = world(vec![parent, child]).await;
    w.model
        .then(tool("route_to_agent", json!({"ai_agent_id": "aia_billing"})))
        .then(tool("update_contact_context", json!({"facts": {"plan": "pro"}})))
        .then(tool("resolve", json!({})))
        .then(text("Your pro plan is renewed. Bye!", (10, 5)));
    let job = w.customer(1, "renew my plan");
    let outcome = w.responder.answer(&job, false).await;
    // Three tool rounds are the most one turn takes.
    assert!(matches!(
        outcome,
        Ok(TurnOutcome::HandedOff(Handoff {
            reason: Reason::ModelFailure { .. },
            ..
        }))
    ));
    assert_eq!(w.ai.context(ORG, "ct_cv_1"), Some(json!({"plan": "pro"})));
    let session = w.ai.session(ORG, "cv_1").await.unwrap().unwrap();
    assert_eq!(session.ai_agent_id.as_deref(), Some("aia_billing"));
    let prompts = w.model.prompts();
    assert!(prompts[1].system.starts_with("You sell shoes."));
    assert!(
        !prompts[1].tools.iter().any(|t| t.name == "route_to_agent"),
        "the child cannot route on"
    );
    assert_eq!(
        prompts[1].messages,
        vec![ChatMessage::user("renew my plan")],
        "the child starts from the conversation, not the parent's tool call"
    );
}

#[tokio::test]
async fn a_resolve_call_closes_the_conversation_after_the_reply() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    w.model
        .then(tool("resolve", json!({})))
        .then(text("Glad I could help!", (10, 5)));
    let outcome = w
        .responder
        .answer(&w.customer(1, "that's all, thanks"), false)
        .await
        .unwrap();
    assert!(matches!(outcome, TurnOutcome::Answered { resolved: true, .. }));
    assert_eq!(w.actions(), vec![Action::Resolve]);
    let results = &w.model.prompts()[1].messages[2].parts;
    assert!(matches!(&results[0], Part::ToolResult { failed: false, .. }));
}

#[tokio::test]
async fn a_bad_tool_input_is_answered_to_the_model_not_carried_out() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    w.model
        .then(tool("update_contact_context", json!({"facts": "plan pro"})))
        .then(text("Noted.", (10, 5)));
    w.responder.answer(&w.customer(1, "I'm on pro"), false).await.unwrap();
    assert_eq!(w.ai.context(ORG, "ct_cv_1"), None);
    let results = &w.model.prompts()[1].messages[2].parts;
    assert!(
        matches!(&results[0], Part::ToolResult { failed: true, content, .. } if content["error"].as_str().unwrap().contains("facts"))
    );
}

#[tokio::test]
async fn a_price_question_looks_the_product_up_and_answers_from_it() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    let product = crate::ai::catalog::Product {
        org_id: ORG.into(),
        ai_agent_id: "aia_1".into(),
        product_id: "apr_1".into(),
        name: "Trail runner".into(),
        description: Some("a running shoe for mud".into()),
        price: Some("89.90".into()),
        weight: None,
        metadata: None,
        is_active: true,
        created_at: "t".into(),
        updated_at: "t".into(),
    };
    crate::ai::ports::ProductBook::put_product(w.ai.as_ref(), &product, None)
        .await
        .unwrap();
    w.model
        .then(tool("lookup_product", json!({"query": "trail runner"})))
        .then(text("The Trail runner is 89.90.", (10, 5)));
    w.responder
        .answer(&w.customer(1, "how much is the trail runner?"), false)
        .await
        .unwrap();
    let prompts = w.model.prompts();
    assert!(prompts[0].tools.iter().any(|t| t.name == "lookup_product"));
    let Part::ToolResult { content, failed, .. } = &prompts[1].messages[2].parts[0] else {
        panic!("a tool result")
    };
    assert!(!failed);
    assert_eq!(content["products"][0]["price"], "89.90");
    assert_eq!(w.sent()[0].0, "The Trail runner is 89.90.");
}

#[tokio::test]
async fn an_agents_corrections_are_its_examples() {
    let w = world(vec![assigned(agent(ORG, "aia_1"))]).await;
    crate::ai::ports::EvaluationBook::add_evaluation(
        w.ai.as_ref(),
        &crate::ai::evaluation::Evaluation {
            org_id: ORG.into(),
            evaluation_id: "aev_1".into(),
            ai_agent_id: "aia_1".into(),
            conversation_id: "cv_0".into(),
            message_id: "msg_0".into(),
            customer_message: Some("do you ship on sunday?".into()),
            original_response: "Yes.".into(),
            corrected_response: "Not on Sundays; on Saturdays, yes.".into(),
            context_message_ids: vec![],
            evaluated_by: "agt_1".into(),
            created_at: "t".into(),
        },
    )
    .await
    .unwrap();
    w.model.then(text("Not on Sundays.", (10, 5)));
    w.responder
        .answer(&w.customer(1, "sunday delivery?"), false)
        .await
        .unwrap();
    let system = &w.model.prompts()[0].system;
    assert!(
        system.contains("\"do you ship on sunday?\", answer like: \"Not on Sundays; on Saturdays, yes.\""),
        "{system}"
    );
}

#[tokio::test]
async fn no_assignment_no_answer() {
    let w = world(vec![agent(ORG, "aia_1")]).await;
    assert_eq!(
        w.responder.answer(&w.customer(1, "hi"), false).await.unwrap(),
        TurnOutcome::Quiet(Quiet::Unassigned)
    );
}
