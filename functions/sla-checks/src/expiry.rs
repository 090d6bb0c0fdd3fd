//! Chat expiration in the same run: the expiry index's due minutes (`EXPDUE#<minute>`, its own
//! cursor). Each entry is looked at once its conversation may have been idle for its window
//! (`shared::care::chat_expiry::expiry_step`): still active, it waits until its new time; idle, it is
//! claimed, resolved through the conversation store's resolve (the agents' path, counters and open
//! pointer included, conditioned on the last message it judged), its SLA clocks stop, its survey
//! goes out when one is wanted and `conversation.auto_resolved` is published; then the entry goes.

use crate::{RunSummary, SlaChecksService};
use shared::care::chat_expiry::{ChatExpirationRule, ExpiryStep, expiry_step};
use shared::care::chat_expiry_store::ExpiryEntry;
use shared::inbox::ConversationStatus;
use shared::inbox::conversation_store::Resolve;
use shared::platform::StoreError;
use shared::platform::events::DomainEvent;
use shared::platform::tick::{self, RunBudget, TickWork};
use std::collections::HashMap;
use tracing::{Instrument, info, info_span, warn};

/// The expiry walk's cursor name.
pub const CLOCK: &str = "sla-checks-expiry";
/// A claim older than this (past the function's timeout) was left by a run that stopped.
const CLAIM_TIMEOUT_MS: i64 = 120_000;
/// Every conversation here is a WhatsApp one.
const CHANNEL: &str = "whatsapp";

type Rules = HashMap<String, Option<ChatExpirationRule>>;

/// The tick's work on the expiry entries: each conversation looked at (organizations' rules read
/// once a run).
struct DueExpiries<'a> {
    service: &'a SlaChecksService,
    now_ms: i64,
    rules: Rules,
    summary: &'a mut RunSummary,
}

#[async_trait::async_trait]
impl TickWork<ExpiryEntry> for DueExpiries<'_> {
    async fn page(&mut self, _minute: &str, page: Vec<ExpiryEntry>) -> u32 {
        let left_before = self.summary.left;
        for entry in page {
            let span = info_span!("expiry", org = %entry.org_id, conversation = %entry.conversation_id);
            let looked = self.service.look_at(&entry, self.now_ms, &mut self.rules, self.summary);
            if let Err(err) = looked.instrument(span).await {
                warn!(conversation = %entry.conversation_id, error = %err, "left for the next run");
                self.summary.left += 1;
            }
        }
        self.summary.left - left_before
    }
}

impl SlaChecksService {
    pub(crate) async fn expire(
        &self,
        now_ms: i64,
        budget: &mut RunBudget,
        summary: &mut RunSummary,
    ) -> Result<(), StoreError> {
        let mut work = DueExpiries {
            service: self,
            now_ms,
            rules: Rules::new(),
            summary,
        };
        tick::run(
            &*self.ports.cursors,
            &*self.ports.expiries,
            CLOCK,
            now_ms,
            crate::FIRST_LOOK_BACK_MS,
            budget,
            &mut work,
        )
        .await?;
        Ok(())
    }

    async fn rule_of(&self, org_id: &str, rules: &mut Rules) -> Result<Option<ChatExpirationRule>, StoreError> {
        if !rules.contains_key(org_id) {
            let rule = self.ports.expiries.rule(org_id, CHANNEL).await?;
            rules.insert(org_id.to_string(), rule);
        }
        Ok(rules[org_id].clone())
    }

    async fn look_at(
        &self,
        entry: &ExpiryEntry,
        now_ms: i64,
        rules: &mut Rules,
        summary: &mut RunSummary,
    ) -> Result<(), StoreError> {
        if entry.due_ms > now_ms {
            summary.left += 1;
            return Ok(());
        }
        if entry.resolving {
            // A run claimed it: if it stopped before finishing, finish its job.
            if now_ms - entry.claimed_ms < CLAIM_TIMEOUT_MS {
                summary.left += 1;
                return Ok(());
            }
            return self.auto_resolved(entry, now_ms).await;
        }
        let (org, id) = (&entry.org_id, &entry.conversation_id);
        let conversation = self.ports.conversations.conversation(org, id).await?;
        let last_activity = conversation
            .as_ref()
            .filter(|c| c.status != ConversationStatus::Resolved)
            .map(|c| c.last_message_ms);
        let rule = self.rule_of(org, rules).await?;
        match expiry_step(rule.as_ref(), last_activity, now_ms) {
            ExpiryStep::Drop => self.ports.expiries.drop_entry(entry).await,
            ExpiryStep::WaitUntil(at) => self.ports.expiries.rearm(entry, at).await.map(drop),
            ExpiryStep::Resolve => {
                if !self.ports.expiries.claim(entry, now_ms).await? {
                    summary.unchanged += 1;
                    return Ok(());
                }
                let claimed = ExpiryEntry {
                    resolving: true,
                    claimed_ms: now_ms,
                    ..entry.clone()
                };
                let last = last_activity.unwrap_or_default();
                match self.ports.conversations.resolve_idle(org, id, last).await? {
                    Resolve::Resolved(_) => {
                        summary.auto_resolved += 1;
                        info!("idle conversation resolved");
                        self.auto_resolved(&claimed, now_ms).await
                    }
                    // A message came meanwhile: look again once it has been idle long enough.
                    Resolve::Active => self.ports.expiries.rearm(&claimed, now_ms + 60_000).await.map(drop),
                    Resolve::Already(_) | Resolve::Gone => self.ports.expiries.drop_entry(&claimed).await,
                }
            }
        }
    }

    /// After the resolve: the clocks stop, the event goes out, the entry goes (a failure leaves the
    /// claimed entry for the next run, which repeats these idempotent steps).
    async fn auto_resolved(&self, entry: &ExpiryEntry, now_ms: i64) -> Result<(), StoreError> {
        let (org, id) = (&entry.org_id, &entry.conversation_id);
        let Some(conversation) = self.ports.conversations.resolve(org, id).await? else {
            return self.ports.expiries.drop_entry(entry).await;
        };
        self.ports.lifecycle.resolved(org, id, now_ms).await?;
        self.ports.surveys.after_resolve(&conversation, now_ms).await?;
        let event = DomainEvent::conversation_auto_resolved(org, id, entry.due_ms);
        if !self.ports.events.publish(&[event]).await.is_empty() {
            return Err(StoreError::io("PutEvents(conversation.auto_resolved)", "not accepted"));
        }
        self.ports.expiries.drop_entry(entry).await
    }
}
