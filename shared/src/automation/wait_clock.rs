//! Time triggers on ports: a started event arms its side's wait (when a rule counts it), and the
//! clock looks at each wait the due index holds for now: answered or gone, it ends; past a
//! threshold, that threshold's rules walk (once, by the ledger's claims) and the wait moves on.

use crate::automation::engine::Engine;
use crate::automation::ports::RuleReads;
use crate::automation::waits::{Started, Wait, WaitBook, WaitStep, arming, step};
use crate::inbox::reads::ConversationReads;
use crate::platform::StoreError;
use std::sync::Arc;

#[derive(Clone)]
pub struct WaitPorts {
    pub rules: Arc<dyn RuleReads>,
    pub conversations: Arc<dyn ConversationReads>,
    pub waits: Arc<dyn WaitBook>,
}

/// What a look at one wait did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Looked {
    Ended,
    /// A threshold's rules walked: how many ran.
    Fired {
        minutes: u32,
        executed: usize,
    },
    NotYet,
    /// It changed meanwhile, or had fired everything: nothing to do now.
    Unchanged,
}

pub struct WaitClock {
    ports: WaitPorts,
}

impl WaitClock {
    pub fn new(ports: WaitPorts) -> Self {
        Self { ports }
    }

    /// Arms the wait `started` begins; true when one was stored (a rule counts it, the
    /// conversation waits, and no earlier unanswered message holds it).
    pub async fn arm(&self, started: &Started) -> Result<bool, StoreError> {
        let rules = self.ports.rules.rules(&started.org_id).await?;
        if !rules.iter().any(|r| r.is_active && r.trigger == started.side.trigger()) {
            return Ok(false);
        }
        let conversation = self
            .ports
            .conversations
            .conversation(&started.org_id, &started.conversation_id)
            .await?;
        let Some(wait) = arming(started, conversation.as_ref(), &rules) else {
            return Ok(false);
        };
        let answered = conversation.as_ref().and_then(|c| started.side.answered_ms(c));
        self.ports.waits.arm(&wait, answered).await
    }

    /// Looks at a wait read from the due index at `now_ms`.
    pub async fn look_at(&self, engine: &Engine, wait: &Wait, now_ms: i64) -> Result<Looked, StoreError> {
        let conversation = self
            .ports
            .conversations
            .conversation(&wait.org_id, &wait.conversation_id)
            .await?;
        match step(wait, conversation.as_ref(), now_ms) {
            WaitStep::End => {
                self.ports.waits.end(wait).await?;
                Ok(Looked::Ended)
            }
            WaitStep::Later => Ok(Looked::NotYet),
            // An index entry left behind: the wait stays (out of the index) until answered.
            WaitStep::Spent => Ok(Looked::Unchanged),
            WaitStep::Fire(minutes) => {
                let contact_id = conversation.map(|c| c.contact_id).unwrap_or_default();
                let (incoming, detail) = wait.incoming(&contact_id, minutes);
                let runs = engine.handle(&incoming, &detail).await?;
                let executed = runs.iter().filter(|r| r.executed && r.skipped.is_none()).count();
                // Moved only after the walk: a failure leaves it due, and the rerun finds its claims.
                self.ports.waits.advance(wait).await?;
                Ok(Looked::Fired { minutes, executed })
            }
        }
    }
}

#[cfg(test)]
#[path = "wait_clock_tests.rs"]
mod tests;
