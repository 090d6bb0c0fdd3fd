//! What the automation engine needs from the world, as narrow traits: rules and the pause switch,
//! the facts of an event, the run ledger (once per event and rule, cooldowns, the run log), and
//! the effects of actions. DynamoDB adapters in `rule_store`, fakes in `memory`.

use crate::automation::conditions::Facts;
use crate::automation::rule::{Action, Rule};
use crate::automation::walk::{Cause, Control, Incoming, Skip};
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait RuleReads: Send + Sync {
    /// The organization's rules (active or not).
    async fn rules(&self, org_id: &str) -> Result<Vec<Rule>, StoreError>;
    async fn control(&self, org_id: &str) -> Result<Control, StoreError>;
}

#[async_trait::async_trait]
pub trait FactReads: Send + Sync {
    /// What conditions see of `event` (`detail`: the bus event's detail); the working hours are
    /// read only when `working_hours` (a rule asks).
    async fn facts(
        &self,
        event: &Incoming,
        detail: &serde_json::Value,
        working_hours: bool,
    ) -> Result<Facts, StoreError>;
}

/// What claiming (event, rule) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First time: run it.
    New,
    /// Claimed by an earlier delivery that did not finish: run its actions again (each is
    /// idempotent by its event, rule and position).
    Unfinished,
    /// Ran already.
    Done,
    /// Claimed for another payload under the same event id.
    PayloadChanged,
}

/// One action's outcome in a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionResult {
    /// The action's type (`send_text`, `add_tags`, ...).
    pub action: String,
    pub ok: bool,
    pub detail: String,
}

/// A rule's run for one event: recorded when its conditions matched (run or not).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub org_id: String,
    pub rule_id: String,
    pub rule_name: String,
    pub event_id: String,
    pub event_type: String,
    pub conversation_id: Option<String>,
    pub matched: bool,
    pub executed: bool,
    /// Why it did not run (`cooldown`, `out_of_rollout`, ...).
    pub skipped: Option<Skip>,
    pub results: Vec<ActionResult>,
    /// When the run was claimed, epoch milliseconds (a rerun keeps it).
    pub at_ms: i64,
}

#[async_trait::async_trait]
pub trait RunLedger: Send + Sync {
    /// Claims (event, rule) for this payload: once per event and rule, whatever redelivers it.
    async fn claim(&self, event: &Incoming, rule_id: &str, now_ms: i64) -> Result<(Claim, i64), StoreError>;
    /// Takes the rule's cooldown for `subject` until `until_ms`: false when another event holds
    /// it (this event's own earlier claim counts as free).
    async fn cooldown(
        &self,
        event: &Incoming,
        rule_id: &str,
        subject: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Records a run (kept 30 days) and, when it executed, marks its claim done.
    async fn record(&self, run: &Run) -> Result<(), StoreError>;
    /// Counts an executed run into its rule's failure streak, once per event (`failed`: an action
    /// was refused; a success ends the streak): the streak as it stands.
    async fn streak(&self, org_id: &str, rule_id: &str, event_id: &str, failed: bool) -> Result<Streak, StoreError>;
    /// Marks the streak's alert raised.
    async fn alerted(&self, org_id: &str, rule_id: &str) -> Result<(), StoreError>;
}

/// A rule's failed runs in a row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Streak {
    pub failures: u32,
    /// The event whose run began the streak (names the alert, so a repeat is the same alert).
    pub since_event: String,
    pub alerted: bool,
}

/// Where an action acts, and what it carries so its effects are idempotent and traceable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionContext {
    pub org_id: String,
    pub conversation_id: Option<String>,
    pub contact_id: Option<String>,
    pub event_id: String,
    pub rule_id: String,
    /// The action's position in its rule.
    pub index: usize,
    /// When the run was claimed (a rerun keeps it): what the action stamps on what it writes.
    pub at_ms: i64,
    /// What the action's own events carry: this rule, one level deeper.
    pub cause: Cause,
}

impl ActionContext {
    /// A key naming this action of this rule for this event: the same on every rerun.
    pub fn idempotency_key(&self) -> String {
        format!("automation:{}:{}:{}", self.rule_id, self.event_id, self.index)
    }
}

#[async_trait::async_trait]
pub trait Effects: Send + Sync {
    /// Carries out one action: what it did, or why it could not (recorded, the walk goes on).
    /// `Err(StoreError)` is a failure to retry (the event is redelivered).
    async fn apply(&self, cx: &ActionContext, action: &Action) -> Result<Result<String, String>, StoreError>;
    /// Raises `automation.alert` for a rule that failed `streak.failures` runs in a row, the last
    /// for `last_error`. `Err`: not published (retried with the event).
    async fn alert(&self, rule: &Rule, streak: &Streak, last_error: &str) -> Result<(), StoreError>;
}
