//! One customer message's turn with the keyword bot, decided without I/O: which scenario starts
//! (the best keyword match) or which item a button or list choice leads to, and whether the bot
//! must keep quiet (paused for the conversation, or a person is handling it).

use crate::bot::matching::{Folded, Mode, fuzzy, strict_mode};
use crate::bot::scenario::{Scenario, ScenarioKind, parse_reply_id};
use crate::inbox::Conversation;

/// How long after a person's last answer the bot stays quiet in an assigned conversation, unless
/// the organization sets its own.
pub const DEFAULT_SILENCE_MINUTES: u32 = 30;
/// The longest an organization may set: a day.
pub const MAX_SILENCE_MINUTES: u32 = 1_440;

/// What the customer sent, as a turn reads it.
#[derive(Debug, Clone, Copy)]
pub struct Said<'a> {
    pub text: Option<&'a str>,
    pub reply_id: Option<&'a str>,
    /// The WhatsApp account (number) it came in on.
    pub account_id: &'a str,
    /// The scenarios blocked for this customer.
    pub blocked: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick<'a> {
    /// A keyword starts the scenario at its start item.
    Start {
        scenario: &'a Scenario,
        mode: Mode,
        keyword: String,
    },
    /// A button or row leads to this item of the scenario.
    Step { scenario: &'a Scenario, item_id: String },
}

/// Why the bot said nothing although a scenario would have answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quiet {
    /// The organization paused automation.
    AutomationPaused,
    /// An agent paused the bot for the conversation.
    BotPaused,
    /// Assigned, and a person answered within the silence time.
    PersonHandles,
    /// The customer ran the scenario as many times as its `repeat_count` allows.
    RepeatLimit,
}

impl Quiet {
    pub fn reason(self) -> &'static str {
        match self {
            Quiet::AutomationPaused => "automation is paused for the organization",
            Quiet::BotPaused => "the bot is paused for this conversation",
            Quiet::PersonHandles => "a person is handling this conversation",
            Quiet::RepeatLimit => "the customer reached the scenario's repeat_count",
        }
    }
}

fn serves(scenario: &Scenario, said: &Said<'_>) -> bool {
    scenario.active
        && !said.blocked.contains(&scenario.scenario_id)
        && (scenario.kind == ScenarioKind::Generic || scenario.account_id.as_deref() == Some(said.account_id))
}

/// How a keyword match ranks, best (smallest) first: mode, a client scenario before a generic
/// one, the longer keyword, the older scenario.
type Rank<'a> = (Mode, bool, std::cmp::Reverse<usize>, &'a str);

/// The one scenario that answers, if any. A choice of a bot's button or row moves by its id (never
/// by its text); a text starts the scenario whose keyword matches best: by mode, then a client
/// scenario before a generic one, then the longer keyword, then the older scenario.
pub fn pick<'a>(scenarios: &'a [Scenario], said: &Said<'_>) -> Option<Pick<'a>> {
    if let Some((scenario_id, item_id)) = said.reply_id.and_then(parse_reply_id) {
        let scenario = scenarios.iter().find(|s| s.scenario_id == scenario_id)?;
        return (serves(scenario, said) && scenario.item(item_id).is_some()).then(|| Pick::Step {
            scenario,
            item_id: item_id.to_string(),
        });
    }
    let text = Folded::new(said.text?);
    let serving: Vec<&Scenario> = scenarios.iter().filter(|s| serves(s, said)).collect();
    // Fuzzy matching is the dear part: tried only when no keyword matches otherwise.
    best_of(&serving, |keyword| strict_mode(&text, keyword))
        .or_else(|| best_of(&serving, |keyword| fuzzy(&text, keyword).then_some(Mode::Fuzzy)))
}

/// The best-ranked match of `matches` over the scenarios' keywords.
fn best_of<'a>(scenarios: &[&'a Scenario], matches: impl Fn(&str) -> Option<Mode>) -> Option<Pick<'a>> {
    let mut best: Option<(Rank<'a>, Pick<'a>)> = None;
    for scenario in scenarios.iter().copied() {
        for keyword in scenario.folded_keywords() {
            let Some(mode) = matches(&keyword) else { continue };
            let rank = (
                mode,
                scenario.kind == ScenarioKind::Generic,
                std::cmp::Reverse(keyword.chars().count()),
                scenario.scenario_id.as_str(),
            );
            if best.as_ref().is_none_or(|(held, _)| rank < *held) {
                best = Some((
                    rank,
                    Pick::Start {
                        scenario,
                        mode,
                        keyword: keyword.to_string(),
                    },
                ));
            }
        }
    }
    best.map(|(_, pick)| pick)
}

/// Whether the bot keeps quiet in `conversation` now.
pub fn quiet(conversation: &Conversation, silence_minutes: u32, now_ms: i64) -> Option<Quiet> {
    if conversation.bot_paused {
        return Some(Quiet::BotPaused);
    }
    let recent = conversation
        .last_agent_reply_ms
        .is_some_and(|at| now_ms - at < i64::from(silence_minutes) * 60_000);
    (conversation.assigned_agent_id.is_some() && recent).then_some(Quiet::PersonHandles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(id: &str, keywords: &[&str]) -> Scenario {
        let mut s = crate::bot::scenario::tests::demo();
        s.scenario_id = id.into();
        s.keywords = keywords.iter().map(|k| k.to_string()).collect();
        s
    }

    fn said<'a>(text: &'a str, blocked: &'a [String]) -> Said<'a> {
        Said {
            text: Some(text),
            reply_id: None,
            account_id: "acc_1",
            blocked,
        }
    }

    fn started(pick: Option<Pick<'_>>) -> Option<(String, Mode)> {
        match pick? {
            Pick::Start { scenario, mode, .. } => Some((scenario.scenario_id.clone(), mode)),
            Pick::Step { .. } => None,
        }
    }

    #[test]
    fn the_best_mode_wins_and_only_one_scenario_answers() {
        let all = [
            scenario("scn_a", &["price"]),
            scenario("scn_b", &["price list"]),
            scenario("scn_c", &["hello"]),
        ];
        assert_eq!(
            started(pick(&all, &said("Price list", &[]))),
            Some(("scn_b".into(), Mode::Exact))
        );
        assert_eq!(
            started(pick(&all, &said("the price please", &[]))),
            Some(("scn_a".into(), Mode::Word))
        );
        assert_eq!(
            started(pick(&all, &said("what is your price list", &[]))),
            Some(("scn_b".into(), Mode::Word)),
            "the longer keyword"
        );
        assert_eq!(started(pick(&all, &said("helo", &[]))), None);
        assert_eq!(started(pick(&all, &said("hellp", &[]))), None);
        assert_eq!(
            started(pick(&all, &said("HÉLLO!!", &[]))),
            Some(("scn_c".into(), Mode::Exact))
        );
    }

    #[test]
    fn blocked_inactive_and_other_numbers_scenarios_never_answer() {
        let mut client = scenario("scn_client", &["hello"]);
        client.kind = ScenarioKind::Client;
        client.account_id = Some("acc_1".into());
        let mut elsewhere = scenario("scn_elsewhere", &["hello"]);
        elsewhere.kind = ScenarioKind::Client;
        elsewhere.account_id = Some("acc_2".into());
        let mut off = scenario("scn_off", &["hello"]);
        off.active = false;
        let generic = scenario("scn_generic", &["hello"]);
        let all = [generic, off, elsewhere, client];
        assert_eq!(
            started(pick(&all, &said("hello", &[]))),
            Some(("scn_client".into(), Mode::Exact)),
            "this number's scenario before a generic one"
        );
        let blocked = ["scn_client".to_string()];
        assert_eq!(started(pick(&all, &said("hello", &blocked))).unwrap().0, "scn_generic");
        let both = ["scn_client".to_string(), "scn_generic".to_string()];
        assert_eq!(pick(&all, &said("hello", &both)), None);
    }

    #[test]
    fn a_choice_moves_by_its_id_never_by_its_text() {
        let all = [scenario("scn_1", &["shop"])];
        let choice = Said {
            text: Some("Shop"),
            reply_id: Some("sb:scn_1:shop"),
            account_id: "acc_1",
            blocked: &[],
        };
        assert!(matches!(pick(&all, &choice), Some(Pick::Step { item_id, .. }) if item_id == "shop"));
        let gone = Said {
            reply_id: Some("sb:scn_1:ghost"),
            ..choice
        };
        assert_eq!(pick(&all, &gone), None, "a stale button does not fall back to keywords");
        let blocked = ["scn_1".to_string()];
        let refused = Said {
            blocked: &blocked,
            ..choice
        };
        assert_eq!(pick(&all, &refused), None);
        let foreign = Said {
            reply_id: Some("csat:csat_1:5"),
            ..choice
        };
        assert!(
            matches!(pick(&all, &foreign), Some(Pick::Start { .. })),
            "another feature's id: the text counts"
        );
    }

    #[test]
    fn the_bot_keeps_quiet_when_paused_or_while_a_person_answers() {
        let (mut c, _) = crate::inbox::memory::MemoryInbox::default().put_customer("org_1", "cv_1", "4915", 0);
        assert_eq!(quiet(&c, 30, 1_000_000), None);
        c.last_agent_reply_ms = Some(1_000_000 - 29 * 60_000);
        assert_eq!(quiet(&c, 30, 1_000_000), None, "an answer but nobody assigned");
        c.assigned_agent_id = Some("agt_1".into());
        assert_eq!(quiet(&c, 30, 1_000_000), Some(Quiet::PersonHandles));
        assert_eq!(quiet(&c, 30, 1_000_000 + 60_000), None, "past the silence time");
        c.bot_paused = true;
        assert_eq!(quiet(&c, 30, 1_000_000 + 60_000), Some(Quiet::BotPaused));
    }
}
