//! Puts conversations under SLA policies and moves their clocks when agents act: the policy that
//! matches a conversation when it opens ([`crate::care::sla::policy_for`]) with the working hours of its
//! division (else the organization's) copied in, or the one an agent chooses; then the first agent
//! reply, resolve and reopen.

use crate::care::sla::{SlaPolicy, Subject, policy_for};
use crate::care::sla_clock::{HoursSnapshot, SlaClocks, Tally};
use crate::care::sla_policy_store::SlaPolicyStore;
use crate::care::sla_store::SlaStore;
use crate::care::working_hours_store::WorkingHoursStore;
use crate::inbox::Conversation;
use crate::platform::StoreError;

/// The channel every conversation here belongs to.
const CHANNEL: &str = "whatsapp";

#[derive(Clone)]
pub struct SlaKeeper {
    pub clocks: SlaStore,
    policies: SlaPolicyStore,
    hours: WorkingHoursStore,
}

impl SlaKeeper {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            clocks: SlaStore::new(client.clone(), table.clone()),
            policies: SlaPolicyStore::new(client.clone(), table.clone()),
            hours: WorkingHoursStore::new(client, table),
        }
    }

    /// The working hours a conversation's clocks run in: its division's, else the organization's.
    async fn hours_for(&self, conversation: &Conversation) -> Result<Option<HoursSnapshot>, StoreError> {
        let hours = self
            .hours
            .in_force(&conversation.org_id, conversation.division_id.as_deref())
            .await?;
        Ok(hours.map(|h| HoursSnapshot {
            time_zone: h.time_zone,
            days: h.days,
        }))
    }

    /// Starts the clocks of a conversation that opened at `started_ms` under the policy matching it;
    /// `None` when no policy applies. A redelivery finds the clocks started and changes nothing.
    pub async fn start(
        &self,
        conversation: &Conversation,
        started_ms: i64,
        now_ms: i64,
    ) -> Result<Option<SlaClocks>, StoreError> {
        let policies = self.policies.all(&conversation.org_id).await?;
        let subject = Subject {
            channel: CHANNEL,
            division_id: conversation.division_id.as_deref(),
            priority: None,
        };
        let Some(policy) = policy_for(&policies, &subject) else {
            return Ok(None);
        };
        let hours = self.hours_for(conversation).await?;
        let clocks = SlaClocks::start(
            &conversation.org_id,
            &conversation.conversation_id,
            policy,
            hours,
            started_ms,
            now_ms,
        );
        self.clocks.create(&clocks, now_ms).await?;
        Ok(Some(clocks))
    }

    /// An agent puts the conversation under `policy`: its clocks change targets, or start now if
    /// it had none.
    pub async fn apply(
        &self,
        conversation: &Conversation,
        policy: &SlaPolicy,
        now_ms: i64,
    ) -> Result<SlaClocks, StoreError> {
        let (org, id) = (&conversation.org_id, &conversation.conversation_id);
        for _ in 0..2 {
            let changed = self
                .clocks
                .change(org, id, now_ms, |clocks| {
                    clocks.change_policy(policy, now_ms);
                    Tally::default()
                })
                .await?;
            if let Some(clocks) = changed {
                return Ok(clocks);
            }
            let hours = self.hours_for(conversation).await?;
            let clocks = SlaClocks::start(org, id, policy, hours, now_ms, now_ms);
            if self.clocks.create(&clocks, now_ms).await? {
                return Ok(clocks);
            }
        }
        Err(StoreError::Conflict(
            "the SLA clocks changed concurrently; retry".into(),
        ))
    }

    /// An agent answered the customer at `at_ms` (the first answer stops the first-response clock).
    pub async fn replied(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.clocks
            .change(org_id, conversation_id, at_ms, |c| c.replied(at_ms))
            .await
            .map(drop)
    }

    /// The conversation was resolved at `at_ms`: the clocks stop.
    pub async fn resolved(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.clocks
            .change(org_id, conversation_id, at_ms, |c| c.resolved(at_ms))
            .await
            .map(drop)
    }

    /// The conversation was reopened at `at_ms`: a fresh resolution clock.
    pub async fn reopened(&self, org_id: &str, conversation_id: &str, at_ms: i64) -> Result<(), StoreError> {
        self.clocks
            .change(org_id, conversation_id, at_ms, |c| {
                c.reopened(at_ms);
                Tally::default()
            })
            .await
            .map(drop)
    }
}
