//! In-memory fakes of the bot's ports, for the responder's unit tests and the counter's contract.

use crate::bot::ports::{RepeatCounter, ScenarioReads};
use crate::bot::scenario::{Scenario, ScenarioTemplate};
use crate::inbox::auto_send::{AutoMessage, AutoSends};
use crate::inbox::origin::Origin;
use crate::meta::Content;
use crate::platform::StoreError;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryScenarios {
    pub scenarios: Mutex<Vec<Scenario>>,
    pub templates: Mutex<Vec<ScenarioTemplate>>,
}

#[async_trait::async_trait]
impl ScenarioReads for MemoryScenarios {
    async fn scenarios(&self, org_id: &str) -> Result<Vec<Scenario>, StoreError> {
        let all = self.scenarios.lock().unwrap();
        Ok(all.iter().filter(|s| s.org_id == org_id).cloned().collect())
    }
    async fn templates(&self, org_id: &str) -> Result<Vec<ScenarioTemplate>, StoreError> {
        let all = self.templates.lock().unwrap();
        Ok(all.iter().filter(|t| t.org_id == org_id).cloned().collect())
    }
}

/// Starts per (org, contact, scenario), with the events counted.
#[derive(Default)]
pub struct MemoryCounter {
    counts: Mutex<BTreeMap<(String, String, String), BTreeSet<String>>>,
}

#[async_trait::async_trait]
impl RepeatCounter for MemoryCounter {
    async fn count(&self, org: &str, contact: &str, scenario: &str, event: &str, max: u32) -> Result<bool, StoreError> {
        let mut counts = self.counts.lock().unwrap();
        let events = counts.entry((org.into(), contact.into(), scenario.into())).or_default();
        if events.contains(event) {
            return Ok(true);
        }
        if events.len() >= max as usize {
            return Ok(false);
        }
        events.insert(event.into());
        Ok(true)
    }
}

/// Messages sent, once per idempotency key; `refuse`: every send is refused with this reason.
#[derive(Default)]
pub struct RecordingSends {
    pub sent: Mutex<Vec<(String, Content, Origin)>>,
    keys: Mutex<BTreeSet<String>>,
    pub refuse: Mutex<Option<String>>,
}

#[async_trait::async_trait]
impl AutoSends for RecordingSends {
    async fn send(&self, message: AutoMessage<'_>) -> Result<Result<String, String>, StoreError> {
        if let Some(reason) = self.refuse.lock().unwrap().clone() {
            return Ok(Err(reason));
        }
        if self.keys.lock().unwrap().insert(message.idempotency_key.clone()) {
            let mut sent = self.sent.lock().unwrap();
            sent.push((message.conversation_id.into(), message.content, message.origin));
        }
        Ok(Ok("queued".into()))
    }
}
