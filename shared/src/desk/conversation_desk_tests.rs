//! The desk's moves on in-memory ports. (The API's wiring of them, on DynamoDB, is proven by
//! `tests/integration/agent_api/desk.rs` and `care.rs`.)

use super::*;
use crate::care::contract::{default_policy, idle_rule};
use crate::care::csat::survey_id;
use crate::care::memory::MemoryCare;
use crate::care::ports::SlaStarts;
use crate::desk::directory::MemoryDirectory;
use crate::inbox::ConversationStatus;
use crate::inbox::memory::MemoryInbox;
use crate::inbox::reads::ConversationReads;

/// 2026-12-04T10:00:00Z.
const T: i64 = 1_796_378_400_000;
const ORG: &str = "org_1";

struct Desk {
    inbox: Arc<MemoryInbox>,
    care: Arc<MemoryCare>,
    desk: ConversationDesk,
}

fn agent(org_id: &str, agent_id: &str, name: &str, is_active: bool) -> Agent {
    serde_json::from_value(serde_json::json!({"org_id": org_id, "agent_id": agent_id,
        "email": format!("{agent_id}@example.com"), "full_name": name, "role": "agent",
        "is_active": is_active, "is_online": true, "created_at": "2026-12-01T00:00:00Z"}))
    .expect("an agent")
}

fn division(org_id: &str, division_id: &str, name: &str) -> Division {
    serde_json::from_value(
        serde_json::json!({"org_id": org_id, "division_id": division_id, "name": name,
        "description": null, "allocation_method": "manual", "is_active": true,
        "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"}),
    )
    .expect("a division")
}

/// An organization with agents Ann (active), Bob (active), Cy (deactivated), a division Sales, and
/// another organization's agent Dee; one open conversation `cv_1` whose customer wrote at `T`,
/// its clocks started under the default policy.
async fn desk() -> Desk {
    let inbox = Arc::new(MemoryInbox::default());
    let care = Arc::new(MemoryCare::default());
    let directory = Arc::new(MemoryDirectory::default());
    directory.put_agent(agent(ORG, "ag_ann", "Ann", true));
    directory.put_agent(agent(ORG, "ag_bob", "Bob", true));
    directory.put_agent(agent(ORG, "ag_cy", "Cy", false));
    directory.put_agent(agent("org_2", "ag_dee", "Dee", true));
    directory.put_division(division(ORG, "div_sales", "Sales"));
    let (conversation, _) = inbox.put_customer(ORG, "cv_1", "4915", T);
    care.put_policy(default_policy(ORG));
    care.put_rule(idle_rule(ORG));
    care.start(&conversation, T, T).await.unwrap();
    let ports = DeskPorts {
        conversations: inbox.clone(),
        agents: directory.clone(),
        divisions: directory,
        sla: care.clone(),
        expiry: care.clone(),
        surveys: care.clone(),
    };
    Desk {
        desk: ConversationDesk::new(ports, Clock::fixed(T + 60_000)),
        inbox,
        care,
    }
}

impl Desk {
    async fn conversation(&self, id: &str) -> Conversation {
        self.inbox
            .conversation(ORG, id)
            .await
            .unwrap()
            .expect("the conversation")
    }
}

#[tokio::test]
async fn an_assignment_names_an_active_agent_of_the_organization_and_one_of_its_divisions() {
    let d = desk().await;
    let assigned = d
        .desk
        .assign(ORG, "cv_1", Some("ag_ann".into()), Some("div_sales".into()))
        .await
        .unwrap();
    assert_eq!(
        (assigned.assigned_agent_id.as_deref(), assigned.division_id.as_deref()),
        (Some("ag_ann"), Some("div_sales"))
    );
    for (agent, why) in [
        ("ag_cy", "deactivated"),
        ("ag_dee", "another organization's"),
        ("ag_none", "unknown"),
        ("not an id!", "malformed"),
    ] {
        let refused = d.desk.assign(ORG, "cv_1", Some(agent.into()), None).await;
        assert!(
            matches!(refused, Err(DeskError::NoAgent { field: "agent_id" })),
            "{why}: {refused:?}"
        );
    }
    let refused = d.desk.assign(ORG, "cv_1", None, Some("div_none".into())).await;
    assert!(
        matches!(refused, Err(DeskError::NoDivision { field: "division_id" })),
        "{refused:?}"
    );
    assert_eq!(
        d.conversation("cv_1").await.assigned_agent_id.as_deref(),
        Some("ag_ann"),
        "refused moves change nothing"
    );
    let missing = d.desk.assign(ORG, "cv_none", Some("ag_cy".into()), None).await;
    assert!(
        matches!(missing, Err(DeskError::NoConversation)),
        "the conversation is looked up first"
    );
    let foreign = d.desk.assign("org_2", "cv_1", None, None).await;
    assert!(
        matches!(foreign, Err(DeskError::NoConversation)),
        "another organization's id is not found"
    );
    let unassigned = d.desk.assign(ORG, "cv_1", None, None).await.unwrap();
    assert_eq!(unassigned.assigned_agent_id, None);
}

#[tokio::test]
async fn a_transfer_is_logged_with_who_moved_it_from_whom_to_whom_and_why() {
    let d = desk().await;
    d.desk.assign(ORG, "cv_1", Some("ag_ann".into()), None).await.unwrap();
    let by = Mover {
        agent_id: "ag_boss",
        agent_name: "Boss",
    };
    let to = TransferTo {
        agent_id: Some("ag_bob".into()),
        division_id: Some("div_sales".into()),
        note: Some("speaks German".into()),
    };
    let entry = d.desk.transfer(ORG, "cv_1", &by, to).await.unwrap();
    assert_eq!(
        (
            entry.from_agent_id.as_deref(),
            entry.from_agent_name.as_deref(),
            entry.to_agent_name.as_deref(),
            entry.to_division_name.as_deref()
        ),
        (Some("ag_ann"), Some("Ann"), Some("Bob"), Some("Sales"))
    );
    assert_eq!(
        (entry.transferred_by.as_str(), entry.note.as_deref()),
        ("ag_boss", Some("speaks German"))
    );
    assert_eq!(entry.created_at, "2026-12-04T10:01:00.000Z", "the desk's clock");
    assert_eq!(d.inbox.transfers(ORG, "cv_1"), [entry]);
    let moved = d.conversation("cv_1").await;
    assert_eq!(
        (moved.assigned_agent_id.as_deref(), moved.division_id.as_deref()),
        (Some("ag_bob"), Some("div_sales"))
    );

    // To a division only: nobody holds it until the division's people take it.
    let to_team = TransferTo {
        agent_id: None,
        division_id: Some("div_sales".into()),
        note: None,
    };
    let entry = d.desk.transfer(ORG, "cv_1", &by, to_team).await.unwrap();
    assert_eq!(entry.from_agent_name.as_deref(), Some("Bob"));
    assert_eq!(d.conversation("cv_1").await.assigned_agent_id, None);
    let refused = TransferTo {
        agent_id: Some("ag_cy".into()),
        division_id: None,
        note: None,
    };
    let refused = d.desk.transfer(ORG, "cv_1", &by, refused).await;
    assert!(
        matches!(refused, Err(DeskError::NoAgent { field: "to_agent_id" })),
        "{refused:?}"
    );
    assert_eq!(
        d.inbox.transfers(ORG, "cv_1").len(),
        2,
        "a refused transfer is not logged"
    );
}

#[tokio::test]
async fn a_resolve_stops_the_clocks_and_sends_one_survey_however_often_it_is_called() {
    let d = desk().await;
    d.care.survey_after_resolve(ORG);
    assert!(d.care.clocks(ORG, "cv_1").unwrap().next_due_ms().is_some());
    let resolved = d.desk.resolve(ORG, "cv_1").await.unwrap();
    assert_eq!(resolved.status, ConversationStatus::Resolved);
    assert_eq!(
        d.care.clocks(ORG, "cv_1").unwrap().next_due_ms(),
        None,
        "the clocks stopped"
    );
    let survey = d.care.survey_now(ORG, &survey_id("cv_1")).expect("the survey went out");
    let again = d.desk.resolve(ORG, "cv_1").await.unwrap();
    assert_eq!(
        again.status,
        ConversationStatus::Resolved,
        "a retried resolve answers the same"
    );
    assert_eq!(d.care.survey_now(ORG, &survey_id("cv_1")), Some(survey), "one survey");
    assert!(matches!(
        d.desk.resolve(ORG, "cv_none").await,
        Err(DeskError::NoConversation)
    ));
}

#[tokio::test]
async fn a_reopen_restarts_the_resolution_clock_and_the_expiry_from_now() {
    let d = desk().await;
    d.desk.resolve(ORG, "cv_1").await.unwrap();
    let reopened = d.desk.reopen(ORG, "cv_1").await.unwrap();
    assert_eq!(reopened.status, ConversationStatus::Open);
    let clocks = d.care.clocks(ORG, "cv_1").unwrap();
    assert_eq!(clocks.cycle, 1, "a new resolution cycle");
    assert!(
        clocks.next_due_ms().is_some_and(|due| due > T + 60_000),
        "due after the reopen"
    );
    assert_eq!(
        d.care.armed(ORG, "cv_1"),
        Some(T + 60_000 + 24 * 3_600_000),
        "a day from now"
    );
}

#[tokio::test]
async fn a_reopen_while_the_customer_has_another_open_conversation_is_refused_and_changes_nothing() {
    let d = desk().await;
    d.desk.resolve(ORG, "cv_1").await.unwrap();
    let mut newer = d.conversation("cv_1").await;
    newer.conversation_id = "cv_2".into();
    newer.status = ConversationStatus::Open;
    d.inbox.put_conversation(newer);
    let clocks = d.care.clocks(ORG, "cv_1").unwrap();
    let refused = d.desk.reopen(ORG, "cv_1").await;
    assert!(matches!(refused, Err(DeskError::AnotherIsOpen)), "{refused:?}");
    assert_eq!(d.conversation("cv_1").await.status, ConversationStatus::Resolved);
    assert_eq!(d.care.clocks(ORG, "cv_1"), Some(clocks), "the clocks stay stopped");
    assert_eq!(d.care.armed(ORG, "cv_1"), None, "no expiry armed");
}
