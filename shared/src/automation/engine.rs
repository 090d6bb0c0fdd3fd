//! One event's walk through its organization's rules, on ports: the pure verdicts of `walk`, then
//! per matching rule its claims (once per event and rule, the cooldown per conversation), its
//! actions in order, and its run recorded. `stop_on_match` ends the walk at a rule that ran (or
//! ran before: a redelivery walks the same way).

use crate::automation::ports::{ActionContext, ActionResult, Claim, Effects, FactReads, RuleReads, Run, RunLedger};
use crate::automation::rule::{Action, Rule};
use crate::automation::walk::{Cause, Incoming, Skip, rules_for, verdict};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use std::sync::Arc;

#[derive(Clone)]
pub struct EnginePorts {
    pub rules: Arc<dyn RuleReads>,
    pub facts: Arc<dyn FactReads>,
    pub ledger: Arc<dyn RunLedger>,
    pub effects: Arc<dyn Effects>,
}

pub struct Engine {
    ports: EnginePorts,
    clock: Clock,
}

/// The name of an action's type, as runs record it.
pub fn action_name(action: &Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default()
}

impl Engine {
    pub fn new(ports: EnginePorts, clock: Clock) -> Self {
        Self { ports, clock }
    }

    /// Walks `event` (its bus `detail` for the facts); answers the runs recorded.
    pub async fn handle(&self, event: &Incoming, detail: &serde_json::Value) -> Result<Vec<Run>, StoreError> {
        let rules = self.ports.rules.rules(&event.org_id).await?;
        // A time trigger's event is one threshold: only the rules waiting that long meet it.
        let wait = detail
            .get("wait_minutes")
            .and_then(serde_json::Value::as_u64)
            .and_then(|m| u32::try_from(m).ok());
        let met: Vec<&Rule> = rules_for(&rules, event.trigger)
            .into_iter()
            .filter(|r| !event.trigger.is_wait() || r.wait_minutes == wait)
            .collect();
        if met.is_empty() {
            return Ok(Vec::new());
        }
        let control = self.ports.rules.control(&event.org_id).await?;
        let working_hours = met.iter().any(|r| r.needs_working_hours());
        let facts = self.ports.facts.facts(event, detail, working_hours).await?;
        let now = self.clock.now_rfc3339();
        let mut runs = Vec::new();
        for rule in met {
            let verdict = verdict(rule, event, &facts, &control, &now);
            match verdict.skip {
                // Not matched (or switched off): nothing to record, at no cost per rule.
                Some(Skip::NotMatched | Skip::Inactive | Skip::Paused | Skip::Snoozed) => continue,
                Some(skip) => {
                    tracing::info!(rule = %rule.rule_id, ?skip, "rule matched but skipped");
                    let at_ms = event.occurred_ms.unwrap_or_else(|| self.clock.now_ms());
                    runs.push(self.skipped(rule, event, skip, at_ms).await?);
                    continue;
                }
                None => {}
            }
            let ran = self.run(rule, event).await?;
            // Another payload under a known event id is not this event: it walks no further.
            let stop = (rule.stop_on_match && matches!(ran.skipped, None | Some(Skip::AlreadyRun)))
                || ran.skipped == Some(Skip::PayloadChanged);
            runs.push(ran);
            if stop {
                break;
            }
        }
        Ok(runs)
    }

    /// Records that a matching rule did not run, and why.
    async fn skipped(&self, rule: &Rule, event: &Incoming, skip: Skip, at_ms: i64) -> Result<Run, StoreError> {
        let run = self.skipped_run(rule, event, skip, at_ms);
        self.ports.ledger.record(&run).await?;
        Ok(run)
    }

    /// Claims and runs one matching rule.
    async fn run(&self, rule: &Rule, event: &Incoming) -> Result<Run, StoreError> {
        let now_ms = self.clock.now_ms();
        let (claim, at_ms) = self.ports.ledger.claim(event, &rule.rule_id, now_ms).await?;
        match claim {
            Claim::Done => {
                let mut run = self.skipped_run(rule, event, Skip::AlreadyRun, at_ms);
                run.executed = true;
                return Ok(run);
            }
            Claim::PayloadChanged => {
                tracing::warn!(rule = %rule.rule_id, event = %event.event_id, "an event id came again with another payload");
                return self.skipped(rule, event, Skip::PayloadChanged, at_ms).await;
            }
            Claim::New | Claim::Unfinished => {}
        }
        if rule.cooldown_secs > 0 {
            let subject = event
                .conversation_id
                .as_deref()
                .or(event.contact_id.as_deref())
                .unwrap_or(&event.event_id);
            let until_ms = now_ms + i64::from(rule.cooldown_secs) * 1000;
            if !self
                .ports
                .ledger
                .cooldown(event, &rule.rule_id, subject, until_ms, now_ms)
                .await?
            {
                return self.skipped(rule, event, Skip::Cooldown, at_ms).await;
            }
        }
        let depth = event.cause.as_ref().map_or(0, |c| c.depth);
        let mut results = Vec::with_capacity(rule.actions.len());
        for (index, action) in rule.actions.iter().enumerate() {
            let cx = ActionContext {
                org_id: event.org_id.clone(),
                conversation_id: event.conversation_id.clone(),
                contact_id: event.contact_id.clone(),
                event_id: event.event_id.clone(),
                rule_id: rule.rule_id.clone(),
                index,
                at_ms,
                cause: Cause {
                    rule_id: rule.rule_id.clone(),
                    depth: depth + 1,
                },
            };
            let outcome = self.ports.effects.apply(&cx, action).await?;
            let (ok, detail) = match outcome {
                Ok(done) => (true, done),
                Err(reason) => {
                    tracing::warn!(rule = %rule.rule_id, action = index, %reason, "action failed");
                    (false, reason)
                }
            };
            results.push(ActionResult {
                action: action_name(action),
                ok,
                detail,
            });
        }
        let run = Run {
            executed: true,
            skipped: None,
            results,
            ..self.skipped_run(rule, event, Skip::AlreadyRun, at_ms)
        };
        self.ports.ledger.record(&run).await?;
        tracing::info!(rule = %rule.rule_id, event = %event.event_id, "rule ran");
        if let Some(settings) = rule.alert_settings {
            self.keep_watch(rule, &run, settings.after_failures).await?;
        }
        Ok(run)
    }

    /// Counts the run into the rule's failure streak; at the threshold, raises the alert once
    /// (a redelivery finds it raised, or raises it again under the same id).
    async fn keep_watch(&self, rule: &Rule, run: &Run, after_failures: u32) -> Result<(), StoreError> {
        let failed = run.results.iter().find(|r| !r.ok);
        let streak = self
            .ports
            .ledger
            .streak(&run.org_id, &rule.rule_id, &run.event_id, failed.is_some())
            .await?;
        if let Some(failed) = failed
            && streak.failures >= after_failures
            && !streak.alerted
        {
            tracing::warn!(rule = %rule.rule_id, failures = streak.failures, "automation alert");
            self.ports.effects.alert(rule, &streak, &failed.detail).await?;
            self.ports.ledger.alerted(&run.org_id, &rule.rule_id).await?;
        }
        Ok(())
    }

    fn skipped_run(&self, rule: &Rule, event: &Incoming, skip: Skip, at_ms: i64) -> Run {
        Run {
            org_id: event.org_id.clone(),
            rule_id: rule.rule_id.clone(),
            rule_name: rule.name.clone(),
            event_id: event.event_id.clone(),
            event_type: event.trigger.event_type().into(),
            conversation_id: event.conversation_id.clone(),
            matched: true,
            executed: false,
            skipped: Some(skip),
            results: Vec::new(),
            at_ms,
        }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
