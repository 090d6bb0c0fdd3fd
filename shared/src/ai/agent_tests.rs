use super::*;
use crate::ai::contract::agent;

fn models() -> Vec<String> {
    vec!["amazon.nova-lite-v1:0".into()]
}

fn assignment(id: &str, priority: i64, created_at: &str) -> Assignment {
    Assignment {
        assignment_id: id.into(),
        channel: CHANNEL.into(),
        account_id: None,
        division_id: None,
        contact_tags: vec![],
        priority,
        is_active: true,
        created_at: created_at.into(),
    }
}

#[test]
fn an_agent_is_checked_whole_naming_the_field() {
    let good = agent("o", "aia_1");
    assert_eq!(good.check(&models(), &[]), Ok(()));
    let refused = |change: &dyn Fn(&mut AiAgent), others: &[AiAgent]| {
        let mut a = good.clone();
        change(&mut a);
        a.check(&models(), others).unwrap_err().field
    };
    assert_eq!(refused(&|a| a.model = "openai.gpt-9".into(), &[]), "model");
    assert_eq!(refused(&|a| a.temperature = 1.5, &[]), "temperature");
    assert_eq!(refused(&|a| a.temperature = f32::NAN, &[]), "temperature");
    assert_eq!(refused(&|a| a.max_tokens = 5, &[]), "max_tokens");
    assert_eq!(refused(&|a| a.system_prompt = " \n".into(), &[]), "system_prompt");
    assert_eq!(refused(&|a| a.name = "x".repeat(101), &[]), "name");
    assert_eq!(refused(&|a| a.memory = Some(serde_json::json!([1])), &[]), "memory");
    assert_eq!(
        refused(&|a| a.memory = Some(serde_json::json!({"k": "v".repeat(9_000)})), &[]),
        "memory"
    );
    assert_eq!(refused(&|a| a.daily_token_limit = Some(0), &[]), "daily_token_limit");
    assert_eq!(
        refused(&|a| a.parent_agent_id = Some("aia_1".into()), &[]),
        "parent_agent_id"
    );
    assert_eq!(
        refused(&|a| a.parent_agent_id = Some("aia_9".into()), &[]),
        "parent_agent_id"
    );
    let mut child = agent("o", "aia_2");
    child.parent_agent_id = Some("aia_3".into());
    assert_eq!(
        refused(
            &|a| a.parent_agent_id = Some("aia_2".into()),
            std::slice::from_ref(&child)
        ),
        "parent_agent_id",
        "a child cannot be a parent: one level"
    );
    let mut bad = assignment("asg_1", 5, "t");
    bad.channel = "telegram".into();
    assert_eq!(
        refused(&|a| a.assignments = vec![bad.clone()], &[]),
        "assignments[0].channel"
    );
}

#[test]
fn the_highest_priority_covering_assignment_answers_ties_to_the_older() {
    let mut sales = agent("o", "aia_sales");
    sales.assignments = vec![assignment("asg_a", 10, "2026-12-02")];
    let mut vip = agent("o", "aia_vip");
    let mut tagged = assignment("asg_b", 50, "2026-12-03");
    tagged.contact_tags = vec!["vip".into()];
    vip.assignments = vec![tagged];
    let mut night = agent("o", "aia_night");
    let mut numbered = assignment("asg_c", 10, "2026-12-01");
    numbered.account_id = Some("acc_2".into());
    night.assignments = vec![numbered];
    let agents = vec![sales.clone(), vip.clone(), night];
    let chosen =
        |account: &str, tags: &[String]| choose(&agents, account, None, tags).map(|(a, _)| a.ai_agent_id.clone());
    assert_eq!(chosen("acc_1", &[]), Some("aia_sales".into()));
    assert_eq!(chosen("acc_1", &["vip".into()]), Some("aia_vip".into()));
    assert_eq!(
        chosen("acc_2", &[]),
        Some("aia_night".into()),
        "same priority: the older assignment"
    );
    let mut off = agents.clone();
    off[0].is_active = false;
    assert_eq!(
        choose(&off, "acc_1", None, &[]).map(|(a, _)| a.ai_agent_id.clone()),
        None
    );
    let mut divided = agents.clone();
    divided[0].assignments[0].division_id = Some("div_1".into());
    assert_eq!(
        choose(&divided, "acc_1", None, &[]).map(|(a, _)| a.ai_agent_id.clone()),
        None
    );
    assert_eq!(
        choose(&divided, "acc_1", Some("div_1"), &[]).map(|(a, _)| a.ai_agent_id.clone()),
        Some("aia_sales".into())
    );
}
