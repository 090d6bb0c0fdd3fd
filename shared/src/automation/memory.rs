//! In-memory fakes of the automation ports, for the engine's unit tests and the contract suite.

use crate::automation::conditions::Facts;
use crate::automation::ports::{ActionContext, Claim, Effects, FactReads, RuleReads, Run, RunLedger, Streak};
use crate::automation::rule::{Action, Rule};
use crate::automation::walk::{Control, Incoming};
use crate::platform::StoreError;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryRules {
    pub rules: Mutex<Vec<Rule>>,
    pub control: Mutex<Control>,
}

#[async_trait::async_trait]
impl RuleReads for MemoryRules {
    async fn rules(&self, org_id: &str) -> Result<Vec<Rule>, StoreError> {
        Ok(self
            .rules
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.org_id == org_id)
            .cloned()
            .collect())
    }
    async fn control(&self, _: &str) -> Result<Control, StoreError> {
        Ok(self.control.lock().unwrap().clone())
    }
}

/// The same facts for every event.
#[derive(Default)]
pub struct FixedFacts(pub Mutex<Facts>);

#[async_trait::async_trait]
impl FactReads for FixedFacts {
    async fn facts(&self, _: &Incoming, _: &serde_json::Value, _: bool) -> Result<Facts, StoreError> {
        Ok(self.0.lock().unwrap().clone())
    }
}

/// Claims by (org, event, rule) with their payload hash and state; cooldowns by (org, rule,
/// subject); runs in order.
/// (org, event or rule, rule or subject).
type Triple = (String, String, String);

/// A claim: its payload hash, whether its run finished, when it was claimed.
type Claimed = (String, bool, i64);

#[derive(Default)]
pub struct MemoryLedger {
    claims: Mutex<BTreeMap<Triple, Claimed>>,
    /// Until when, held by which event.
    cooldowns: Mutex<BTreeMap<Triple, (i64, String)>>,
    pub runs: Mutex<Vec<Run>>,
    /// Per (org, rule): the streak and the last event counted into it.
    streaks: Mutex<BTreeMap<(String, String), (Streak, String)>>,
}

#[async_trait::async_trait]
impl RunLedger for MemoryLedger {
    async fn claim(&self, event: &Incoming, rule_id: &str, now_ms: i64) -> Result<(Claim, i64), StoreError> {
        let key = (event.org_id.clone(), event.event_id.clone(), rule_id.to_string());
        let mut claims = self.claims.lock().unwrap();
        Ok(match claims.get(&key) {
            None => {
                claims.insert(key, (event.payload_hash.clone(), false, now_ms));
                (Claim::New, now_ms)
            }
            Some((hash, _, at)) if *hash != event.payload_hash => (Claim::PayloadChanged, *at),
            Some((_, true, at)) => (Claim::Done, *at),
            Some((_, false, at)) => (Claim::Unfinished, *at),
        })
    }

    async fn cooldown(
        &self,
        event: &Incoming,
        rule_id: &str,
        subject: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let key = (event.org_id.clone(), rule_id.to_string(), subject.to_string());
        let mut cooldowns = self.cooldowns.lock().unwrap();
        match cooldowns.get(&key) {
            Some((until, holder)) if *until > now_ms && *holder != event.event_id => Ok(false),
            _ => {
                cooldowns.insert(key, (until_ms, event.event_id.clone()));
                Ok(true)
            }
        }
    }

    async fn record(&self, run: &Run) -> Result<(), StoreError> {
        if run.executed {
            let key = (run.org_id.clone(), run.event_id.clone(), run.rule_id.clone());
            if let Some(claim) = self.claims.lock().unwrap().get_mut(&key) {
                claim.1 = true;
            }
        }
        self.runs.lock().unwrap().push(run.clone());
        Ok(())
    }

    async fn streak(&self, org: &str, rule_id: &str, event_id: &str, failed: bool) -> Result<Streak, StoreError> {
        let mut streaks = self.streaks.lock().unwrap();
        let (streak, last) = streaks.entry((org.into(), rule_id.into())).or_default();
        if last != event_id {
            *last = event_id.to_string();
            *streak = match (failed, streak.failures) {
                (false, _) => Streak::default(),
                (true, 0) => Streak {
                    failures: 1,
                    since_event: event_id.to_string(),
                    alerted: false,
                },
                (true, n) => Streak {
                    failures: n + 1,
                    ..streak.clone()
                },
            };
        }
        Ok(streak.clone())
    }

    async fn alerted(&self, org: &str, rule_id: &str) -> Result<(), StoreError> {
        if let Some((streak, _)) = self.streaks.lock().unwrap().get_mut(&(org.into(), rule_id.into())) {
            streak.alerted = true;
        }
        Ok(())
    }
}

/// Records the actions applied; fails the actions whose type is in `failing` (recorded failure),
/// and the next `crashes` calls with a store error (a retried event).
#[derive(Default)]
pub struct RecordingEffects {
    pub applied: Mutex<Vec<(ActionContext, Action)>>,
    pub failing: Vec<String>,
    pub crashes: Mutex<usize>,
    /// Alerts raised: (rule, failures, since event, last error).
    pub alerts: Mutex<Vec<(String, u32, String, String)>>,
}

#[async_trait::async_trait]
impl Effects for RecordingEffects {
    async fn apply(&self, cx: &ActionContext, action: &Action) -> Result<Result<String, String>, StoreError> {
        {
            let mut crashes = self.crashes.lock().unwrap();
            if *crashes > 0 {
                *crashes -= 1;
                return Err(StoreError::io("effect", "crashed"));
            }
        }
        self.applied.lock().unwrap().push((cx.clone(), action.clone()));
        let name = crate::automation::engine::action_name(action);
        Ok(match self.failing.contains(&name) {
            true => Err(format!("{name} failed")),
            false => Ok(format!("{name} done")),
        })
    }

    async fn alert(&self, rule: &Rule, streak: &Streak, last_error: &str) -> Result<(), StoreError> {
        self.alerts.lock().unwrap().push((
            rule.rule_id.clone(),
            streak.failures,
            streak.since_event.clone(),
            last_error.to_string(),
        ));
        Ok(())
    }
}

/// Waits by (organization, conversation, side), indexed in an in-memory due index as the
/// DynamoDB store indexes them.
#[derive(Default)]
pub struct MemoryWaits {
    waits: Mutex<BTreeMap<Triple, crate::automation::waits::Wait>>,
    pub due: crate::platform::memory::MemoryDue<crate::automation::waits::Wait>,
}

impl MemoryWaits {
    fn key(org_id: &str, conversation_id: &str, side: crate::automation::waits::Side) -> Triple {
        (org_id.into(), conversation_id.into(), side.as_str().into())
    }

    fn index(&self, wait: &crate::automation::waits::Wait) {
        let id = format!("{}#{}", wait.conversation_id, wait.side.as_str());
        match wait.due_ms() {
            Some(due_ms) => self.due.place(&wait.org_id, &id, due_ms, wait.clone()),
            None => self.due.remove(&wait.org_id, &id),
        }
    }
}

#[async_trait::async_trait]
impl crate::automation::waits::WaitBook for MemoryWaits {
    async fn arm(&self, wait: &crate::automation::waits::Wait, answered_ms: Option<i64>) -> Result<bool, StoreError> {
        let mut waits = self.waits.lock().unwrap();
        let key = Self::key(&wait.org_id, &wait.conversation_id, wait.side);
        let free = match waits.get(&key) {
            None => true,
            Some(running) => answered_ms.is_some_and(|answered| running.since_ms < answered),
        };
        if free {
            waits.insert(key, wait.clone());
            self.index(wait);
        }
        Ok(free)
    }

    async fn advance(&self, wait: &crate::automation::waits::Wait) -> Result<bool, StoreError> {
        let mut waits = self.waits.lock().unwrap();
        let key = Self::key(&wait.org_id, &wait.conversation_id, wait.side);
        match waits.get_mut(&key) {
            Some(stored) if stored.since_ms == wait.since_ms && stored.next == wait.next => {
                stored.next += 1;
                let moved = stored.clone();
                self.index(&moved);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn end(&self, wait: &crate::automation::waits::Wait) -> Result<bool, StoreError> {
        let mut waits = self.waits.lock().unwrap();
        let key = Self::key(&wait.org_id, &wait.conversation_id, wait.side);
        match waits.get(&key) {
            Some(stored) if stored.since_ms == wait.since_ms => {
                waits.remove(&key);
                self.due.remove(
                    &wait.org_id,
                    &format!("{}#{}", wait.conversation_id, wait.side.as_str()),
                );
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn wait(
        &self,
        org_id: &str,
        conversation_id: &str,
        side: crate::automation::waits::Side,
    ) -> Result<Option<crate::automation::waits::Wait>, StoreError> {
        Ok(self
            .waits
            .lock()
            .unwrap()
            .get(&Self::key(org_id, conversation_id, side))
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_in_memory_waits_keep_the_contract() {
        crate::automation::contract::wait_book_contract(&super::MemoryWaits::default(), "org_waits").await;
    }
}
