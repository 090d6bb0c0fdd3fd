//! The bot's turns on in-memory ports: the scripted walk, repeat limits, blocked scenarios, quiet
//! conversations, and exactly once under redelivery.

use super::*;
use crate::automation::memory::{MemoryLedger, MemoryRules};
use crate::automation::walk::Control;
use crate::bot::memory::{MemoryCounter, MemoryScenarios, RecordingSends};
use crate::inbox::memory::MemoryInbox;
use crate::meta::Content;
use serde_json::json;

const ORG: &str = "org_1";
const T: i64 = 1_796_378_400_000;

struct World {
    inbox: Arc<MemoryInbox>,
    rules: Arc<MemoryRules>,
    ledger: Arc<MemoryLedger>,
    sends: Arc<RecordingSends>,
    bot: Responder,
}

fn world() -> World {
    let inbox = Arc::new(MemoryInbox::default());
    inbox.put_customer(ORG, "cv_1", "4915", T - 1_000);
    let scenarios = Arc::new(MemoryScenarios::default());
    scenarios
        .scenarios
        .lock()
        .unwrap()
        .push(crate::bot::scenario::tests::demo_in(ORG));
    let rules = Arc::new(MemoryRules::default());
    let ledger = Arc::new(MemoryLedger::default());
    let sends = Arc::new(RecordingSends::default());
    let bot = Responder::new(
        BotPorts {
            scenarios,
            control: rules.clone(),
            conversations: inbox.clone(),
            contacts: inbox.clone(),
            counter: Arc::new(MemoryCounter::default()),
            ledger: ledger.clone(),
            sends: sends.clone(),
        },
        Clock::fixed(T),
    );
    World {
        inbox,
        rules,
        ledger,
        sends,
        bot,
    }
}

/// The customer's message `n`: a text, or a choice (its title and id).
fn said(n: u32, text: &str, reply_id: Option<&str>) -> (Incoming, Value) {
    let detail = json!({"org_id": ORG, "event_id": format!("message.received:w{n}"), "conversation_id": "cv_1",
        "contact_id": "ct_cv_1", "account_id": "acc_1", "text": text, "reply_id": reply_id});
    let incoming = Incoming {
        org_id: ORG.into(),
        event_id: format!("message.received:w{n}"),
        trigger: Trigger::MessageReceived,
        conversation_id: Some("cv_1".into()),
        contact_id: Some("ct_cv_1".into()),
        payload_hash: format!("hash{n}"),
        cause: None,
        occurred_ms: Some(T),
    };
    (incoming, detail)
}

impl World {
    async fn turn(&self, n: u32, text: &str, reply_id: Option<&str>) -> Option<Run> {
        let (incoming, detail) = said(n, text, reply_id);
        self.bot.handle(&incoming, &detail).await.unwrap()
    }

    fn sent(&self) -> Vec<Content> {
        self.sends
            .sent
            .lock()
            .unwrap()
            .iter()
            .map(|(_, c, _)| c.clone())
            .collect()
    }
}

fn choice_id(content: &Content, title: &str) -> String {
    match content {
        Content::Buttons { buttons, .. } => buttons.iter().find(|b| b.title == title).map(|b| b.id.clone()),
        Content::List { sections, .. } => sections
            .iter()
            .flat_map(|s| &s.rows)
            .find(|r| r.title == title)
            .map(|r| r.id.clone()),
        _ => None,
    }
    .unwrap_or_else(|| panic!("no choice {title:?} in {content:?}"))
}

#[tokio::test]
async fn hello_walks_buttons_then_a_list_then_a_text_and_an_image() {
    let w = world();
    let run = w.turn(1, "Hello!", None).await.expect("a keyword starts the scenario");
    assert_eq!(run.rule_name, "Welcome");
    let welcome = w.sent().pop().unwrap();
    assert!(matches!(welcome, Content::Buttons { .. }));
    w.turn(2, "Shop", Some(&choice_id(&welcome, "Shop"))).await.unwrap();
    let list = w.sent().pop().unwrap();
    assert!(matches!(list, Content::List { .. }), "{list:?}");
    w.turn(3, "Shoes", Some(&choice_id(&list, "Shoes"))).await.unwrap();
    let sent = w.sent();
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert!(matches!(sent[2], Content::Text { ref body } if body.starts_with("Shoes")));
    assert!(matches!(sent[3], Content::MediaLink { .. }));
    let origins: Vec<String> = w
        .sends
        .sent
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, o)| o.stored())
        .collect();
    assert!(origins.iter().all(|o| o == "bot:scn_1"), "{origins:?}");
    // Small talk starts nothing, and reads nothing past the scenarios.
    assert_eq!(w.turn(4, "thanks a lot", None).await, None);
    assert_eq!(w.ledger.runs.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_redelivered_message_is_answered_once() {
    let w = world();
    w.turn(1, "hello", None).await.unwrap();
    assert_eq!(w.turn(1, "hello", None).await, None, "claimed and done");
    assert_eq!(w.sent().len(), 1);
}

#[tokio::test]
async fn past_repeat_count_a_keyword_gets_nothing_but_choices_still_move() {
    let w = world();
    w.turn(1, "hello", None).await.unwrap();
    w.turn(2, "hi", None).await.unwrap();
    let third = w.turn(3, "hello again", None).await.unwrap();
    assert_eq!(w.sent().len(), 2, "repeat_count 2");
    assert_eq!(third.results.last().unwrap().detail, Quiet::RepeatLimit.reason());
    let welcome = w.sent().pop().unwrap();
    w.turn(4, "Opening hours", Some(&choice_id(&welcome, "Opening hours")))
        .await
        .unwrap();
    assert!(matches!(w.sent().pop().unwrap(), Content::Text { ref body } if body.starts_with("We open")));
}

#[tokio::test]
async fn a_blocked_scenario_never_answers_that_customer() {
    let w = world();
    let mut contact = w.inbox.contact(ORG, "ct_cv_1").await.unwrap().unwrap();
    contact.blocked_scenarios = vec!["scn_1".into()];
    w.inbox.put_contact(contact);
    assert_eq!(w.turn(1, "hello", None).await, None);
    assert_eq!(w.turn(2, "Shop", Some("sb:scn_1:shop")).await, None);
    assert!(w.sent().is_empty());
}

#[tokio::test]
async fn the_bot_keeps_quiet_while_a_person_answers_and_says_so() {
    let w = world();
    let mut conversation = w.inbox.conversation(ORG, "cv_1").await.unwrap().unwrap();
    conversation.assigned_agent_id = Some("agt_1".into());
    conversation.last_agent_reply_ms = Some(T - 60_000);
    w.inbox.put_conversation(conversation.clone());
    let run = w.turn(1, "hello", None).await.unwrap();
    assert_eq!(run.results.last().unwrap().detail, Quiet::PersonHandles.reason());
    assert!(w.sent().is_empty());
    // Half an hour after the person's answer, the bot speaks again; unless paused.
    *w.rules.control.lock().unwrap() = Control {
        bot_silence_minutes: Some(1),
        ..Control::default()
    };
    w.turn(2, "hello", None).await.unwrap();
    assert_eq!(w.sent().len(), 1);
    conversation.bot_paused = true;
    w.inbox.put_conversation(conversation);
    let run = w.turn(3, "hello", None).await.unwrap();
    assert_eq!(run.results.last().unwrap().detail, Quiet::BotPaused.reason());
    assert_eq!(w.sent().len(), 1);
}

#[tokio::test]
async fn a_paused_organization_s_bot_says_nothing_until_the_pause_ends() {
    let w = world();
    *w.rules.control.lock().unwrap() = Control {
        is_paused: true,
        paused_until: Some("2099-01-01T00:00:00Z".into()),
        ..Control::default()
    };
    let run = w.turn(1, "hello", None).await.unwrap();
    assert_eq!(run.results.last().unwrap().detail, Quiet::AutomationPaused.reason());
    w.rules.control.lock().unwrap().paused_until = Some("2020-01-01T00:00:00Z".into());
    w.turn(2, "hello", None).await.unwrap();
    assert_eq!(w.sent().len(), 1);
}

#[tokio::test]
async fn a_refused_send_is_recorded_on_the_run() {
    let w = world();
    *w.sends.refuse.lock().unwrap() = Some("the customer-service window is closed".into());
    let run = w.turn(1, "hello", None).await.unwrap();
    let last = run.results.last().unwrap();
    assert!(!last.ok && last.detail.contains("window is closed"), "{last:?}");
}
