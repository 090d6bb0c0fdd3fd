//! The keyword bot's answer to one `message.received`, on ports: the pure turn decides which
//! scenario and item answer (nothing is read past the scenarios when none does), the turn is
//! claimed once per event, the bot keeps quiet when paused or while a person answers, a start
//! counts against the scenario's `repeat_count`, and each message goes out with an idempotency key
//! of the event and its position. Every answered or quiet turn is recorded in the run log.

use crate::automation::ports::{ActionResult, Claim, RuleReads, Run, RunLedger};
use crate::automation::rule::Trigger;
use crate::automation::walk::Incoming;
use crate::bot::ports::{RepeatCounter, ScenarioReads};
use crate::bot::scenario::{ItemKind, Scenario};
use crate::bot::turn::{DEFAULT_SILENCE_MINUTES, Pick, Quiet, Said, pick, quiet};
use crate::inbox::auto_send::{AutoMessage, AutoSends};
use crate::inbox::origin::{Origin, OriginKind};
use crate::inbox::reads::{ContactReads, ConversationReads};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The run ledger's name for the bot: its claims and runs sit beside the rules'.
pub const BOT: &str = "bot";

#[derive(Clone)]
pub struct BotPorts {
    pub scenarios: Arc<dyn ScenarioReads>,
    /// The organization's automation switch (a pause silences the bot too) and silence time.
    pub control: Arc<dyn RuleReads>,
    pub conversations: Arc<dyn ConversationReads>,
    pub contacts: Arc<dyn ContactReads>,
    pub counter: Arc<dyn RepeatCounter>,
    pub ledger: Arc<dyn RunLedger>,
    pub sends: Arc<dyn AutoSends>,
}

pub struct Responder {
    ports: BotPorts,
    clock: Clock,
}

impl Responder {
    pub fn new(ports: BotPorts, clock: Clock) -> Self {
        Self { ports, clock }
    }

    /// The bot's turn on `event`: the run recorded, or `None` when no scenario answers (or the
    /// event was answered before).
    pub async fn handle(&self, event: &Incoming, detail: &Value) -> Result<Option<Run>, StoreError> {
        let (Trigger::MessageReceived, Some(conversation_id), Some(contact_id)) =
            (event.trigger, &event.conversation_id, &event.contact_id)
        else {
            return Ok(None);
        };
        // Rule effects never start the bot (only a customer's message does).
        if event.cause.is_some() {
            return Ok(None);
        }
        let org = event.org_id.as_str();
        let scenarios = self.ports.scenarios.scenarios(org).await?;
        if scenarios.is_empty() {
            return Ok(None);
        }
        let Some(contact) = self.ports.contacts.contact(org, contact_id).await? else {
            return Ok(None);
        };
        let text = |name: &str| detail.get(name).and_then(Value::as_str);
        let said = Said {
            text: text("text"),
            reply_id: text("reply_id"),
            account_id: text("account_id").unwrap_or_default(),
            blocked: &contact.blocked_scenarios,
        };
        let Some(picked) = pick(&scenarios, &said) else {
            return Ok(None);
        };
        let (scenario, item_id, starts) = match &picked {
            Pick::Start { scenario, .. } => (*scenario, scenario.start_item_id.clone(), true),
            Pick::Step { scenario, item_id } => (*scenario, item_id.clone(), false),
        };
        let now_ms = self.clock.now_ms();
        let (claim, at_ms) = self.ports.ledger.claim(event, BOT, now_ms).await?;
        if matches!(claim, Claim::Done | Claim::PayloadChanged) {
            return Ok(None);
        }
        let mut run = Run {
            org_id: org.to_string(),
            rule_id: BOT.into(),
            rule_name: scenario.title.clone(),
            event_id: event.event_id.clone(),
            event_type: "message.received".into(),
            conversation_id: Some(conversation_id.clone()),
            matched: true,
            executed: true,
            skipped: None,
            results: vec![ActionResult {
                action: match starts {
                    true => "start".into(),
                    false => "step".into(),
                },
                ok: true,
                detail: format!("{} at {item_id}", scenario.scenario_id),
            }],
            at_ms,
        };
        match self.quiet(org, conversation_id, now_ms).await? {
            Some(why) => run.results.push(quiet_result(why)),
            None => {
                let may_run = match (starts, scenario.repeat_count) {
                    (true, Some(max)) => {
                        self.ports
                            .counter
                            .count(org, contact_id, &scenario.scenario_id, &event.event_id, max)
                            .await?
                    }
                    _ => true,
                };
                match may_run {
                    true => run
                        .results
                        .extend(self.answer(event, scenario, &item_id, conversation_id).await?),
                    false => run.results.push(quiet_result(Quiet::RepeatLimit)),
                }
            }
        }
        tracing::info!(scenario = %scenario.scenario_id, item = %item_id, results = run.results.len(), "bot turn");
        self.ports.ledger.record(&run).await?;
        Ok(Some(run))
    }

    /// Why the bot keeps quiet in the conversation now, if it does.
    async fn quiet(&self, org: &str, conversation_id: &str, now_ms: i64) -> Result<Option<Quiet>, StoreError> {
        let control = self.ports.control.control(org).await?;
        if control.paused_at(&self.clock.now_rfc3339()) {
            return Ok(Some(Quiet::AutomationPaused));
        }
        let Some(conversation) = self.ports.conversations.conversation(org, conversation_id).await? else {
            return Ok(Some(Quiet::BotPaused));
        };
        let silence = control.bot_silence_minutes.unwrap_or(DEFAULT_SILENCE_MINUTES);
        Ok(quiet(&conversation, silence, now_ms))
    }

    /// Sends what reaching `item_id` sends, each message once per event.
    async fn answer(
        &self,
        event: &Incoming,
        scenario: &Scenario,
        item_id: &str,
        conversation_id: &str,
    ) -> Result<Vec<ActionResult>, StoreError> {
        let templates = match scenario.items.iter().any(|i| i.kind == ItemKind::Products) {
            true => self
                .ports
                .scenarios
                .templates(&event.org_id)
                .await?
                .into_iter()
                .map(|t| (t.template_id.clone(), t))
                .collect(),
            false => HashMap::new(),
        };
        let mut results = Vec::new();
        for (index, (id, content)) in scenario.answer(item_id, &templates).into_iter().enumerate() {
            let sent = self
                .ports
                .sends
                .send(AutoMessage {
                    org_id: &event.org_id,
                    conversation_id,
                    content,
                    idempotency_key: format!("bot:{}:{index}", event.event_id),
                    origin: Origin::of(OriginKind::Bot, scenario.scenario_id.clone()),
                })
                .await?;
            results.push(ActionResult {
                action: "send".into(),
                ok: sent.is_ok(),
                detail: match sent {
                    Ok(done) => format!("{id}: {done}"),
                    Err(why) => format!("{id}: {why}"),
                },
            });
        }
        Ok(results)
    }
}

fn quiet_result(why: Quiet) -> ActionResult {
    ActionResult {
        action: "quiet".into(),
        ok: true,
        detail: why.reason().into(),
    }
}

#[cfg(test)]
#[path = "responder_tests.rs"]
mod tests;
