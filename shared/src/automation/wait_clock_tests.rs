use super::*;
use crate::automation::engine::EnginePorts;
use crate::automation::memory::{FixedFacts, MemoryLedger, MemoryRules, MemoryWaits, RecordingEffects};
use crate::automation::rule::tests::rule;
use crate::automation::waits::Side;
use crate::inbox::memory::{MemoryInbox, new_conversation};
use crate::platform::clock::Clock;
use crate::platform::tick::ShardPages;
use serde_json::json;

const T0: i64 = 1_765_000_000_000;
const MINUTE: i64 = 60_000;

struct Rig {
    rules: Arc<MemoryRules>,
    inbox: Arc<MemoryInbox>,
    waits: Arc<MemoryWaits>,
    effects: Arc<RecordingEffects>,
    engine: Engine,
    clock: WaitClock,
}

fn waiting(id: &str, trigger: &str, minutes: u32, tag: &str) -> crate::automation::rule::Rule {
    let mut r = rule(json!([]), json!([{"type": "add_tags", "tags": [tag]}]));
    r.rule_id = id.into();
    r.trigger = serde_json::from_value(json!(trigger)).unwrap();
    r.wait_minutes = Some(minutes);
    r
}

fn rig() -> Rig {
    let rules = Arc::new(MemoryRules::default());
    let inbox = Arc::new(MemoryInbox::default());
    let waits = Arc::new(MemoryWaits::default());
    let effects = Arc::new(RecordingEffects::default());
    let engine = Engine::new(
        EnginePorts {
            rules: rules.clone(),
            facts: Arc::new(FixedFacts::default()),
            ledger: Arc::new(MemoryLedger::default()),
            effects: effects.clone(),
        },
        Clock::system(),
    );
    let clock = WaitClock::new(WaitPorts {
        rules: rules.clone(),
        conversations: inbox.clone(),
        waits: waits.clone(),
    });
    inbox.put_conversation(new_conversation(
        "org_1",
        "cv_1",
        "acc_1",
        "ct_1",
        "2026-12-06T00:00:00Z",
    ));
    *rules.rules.lock().unwrap() = vec![
        waiting("aut_15", "no_agent_reply", 15, "waited-15"),
        waiting("aut_60", "no_agent_reply", 60, "waited-60"),
        waiting("aut_cust", "no_customer_reply", 30, "quiet-customer"),
    ];
    Rig {
        rules,
        inbox,
        waits,
        effects,
        engine,
        clock,
    }
}

fn customer_wrote(at_ms: i64) -> Started {
    Started {
        side: Side::Agent,
        org_id: "org_1".into(),
        conversation_id: "cv_1".into(),
        at_ms,
    }
}

/// What the due index holds for the minute of `at_ms` (every shard).
async fn due_at(waits: &MemoryWaits, at_ms: i64) -> Vec<Wait> {
    let minute = crate::platform::tick::minute_of(at_ms);
    let mut found = Vec::new();
    for shard in 0..crate::platform::table::DUE_SHARDS {
        found.extend(waits.due.shard_page(&minute, shard, None).await.unwrap().0);
    }
    found
}

fn tags_applied(rig: &Rig) -> Vec<String> {
    rig.effects
        .applied
        .lock()
        .unwrap()
        .iter()
        .map(|(cx, _)| cx.rule_id.clone())
        .collect()
}

#[tokio::test]
async fn each_rule_fires_once_at_its_threshold_counted_from_the_first_unanswered_message() {
    let rig = rig();
    assert!(rig.clock.arm(&customer_wrote(T0)).await.unwrap());
    // A second message before any answer keeps the first one's start.
    assert!(!rig.clock.arm(&customer_wrote(T0 + 5 * MINUTE)).await.unwrap());
    let due = due_at(&rig.waits, T0 + 15 * MINUTE).await;
    assert_eq!(due.len(), 1, "indexed at its first threshold");
    let wait = &due[0];
    assert_eq!(
        rig.clock.look_at(&rig.engine, wait, T0 + 15 * MINUTE).await.unwrap(),
        Looked::Fired {
            minutes: 15,
            executed: 1
        }
    );
    // The same entry read again (a run that stopped before moving it): nothing runs twice.
    rig.clock.look_at(&rig.engine, wait, T0 + 16 * MINUTE).await.unwrap();
    assert_eq!(tags_applied(&rig), ["aut_15"]);
    let next = due_at(&rig.waits, T0 + 60 * MINUTE).await;
    assert_eq!(next.len(), 1, "moved to the next threshold");
    rig.clock
        .look_at(&rig.engine, &next[0], T0 + 60 * MINUTE)
        .await
        .unwrap();
    assert_eq!(tags_applied(&rig), ["aut_15", "aut_60"]);
    let spent = rig.waits.wait("org_1", "cv_1", Side::Agent).await.unwrap().unwrap();
    assert_eq!(spent.due_ms(), None, "kept, out of the index, until answered");
    assert!(rig.waits.due.is_empty());
}

#[tokio::test]
async fn a_persons_answer_ends_the_wait_and_the_bots_does_not() {
    let rig = rig();
    rig.clock.arm(&customer_wrote(T0)).await.unwrap();
    let wait = due_at(&rig.waits, T0 + 15 * MINUTE).await.remove(0);
    let mut conversation = rig.inbox.conversations("org_1").remove(0);
    // The bot answered (the conversation moved), no person did: the wait fires.
    conversation.last_message_ms = T0 + MINUTE;
    rig.inbox.put_conversation(conversation.clone());
    assert!(matches!(
        rig.clock.look_at(&rig.engine, &wait, T0 + 15 * MINUTE).await.unwrap(),
        Looked::Fired { .. }
    ));
    let wait = due_at(&rig.waits, T0 + 60 * MINUTE).await.remove(0);
    conversation.last_agent_reply_ms = Some(T0 + 20 * MINUTE);
    rig.inbox.put_conversation(conversation);
    assert_eq!(
        rig.clock.look_at(&rig.engine, &wait, T0 + 60 * MINUTE).await.unwrap(),
        Looked::Ended
    );
    assert_eq!(tags_applied(&rig), ["aut_15"], "the 60-minute rule never ran");
    assert_eq!(rig.waits.wait("org_1", "cv_1", Side::Agent).await.unwrap(), None);
    // The customer's next message after the answer starts a new wait.
    assert!(rig.clock.arm(&customer_wrote(T0 + 30 * MINUTE)).await.unwrap());
}

#[tokio::test]
async fn nothing_is_armed_without_a_rule_that_counts_it_and_a_resolved_conversation_ends_it() {
    let rig = rig();
    rig.rules.rules.lock().unwrap().retain(|r| r.rule_id == "aut_cust");
    assert!(!rig.clock.arm(&customer_wrote(T0)).await.unwrap());
    let sent = Started {
        side: Side::Customer,
        ..customer_wrote(T0)
    };
    assert!(rig.clock.arm(&sent).await.unwrap());
    let wait = due_at(&rig.waits, T0 + 30 * MINUTE).await.remove(0);
    let mut conversation = rig.inbox.conversations("org_1").remove(0);
    conversation.status = crate::inbox::ConversationStatus::Resolved;
    rig.inbox.put_conversation(conversation);
    assert_eq!(
        rig.clock.look_at(&rig.engine, &wait, T0 + 30 * MINUTE).await.unwrap(),
        Looked::Ended
    );
    assert!(tags_applied(&rig).is_empty());
}
