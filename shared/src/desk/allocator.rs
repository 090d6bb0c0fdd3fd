//! Auto-allocation of a new inbound conversation to its account's division: the division's method
//! ([`crate::desk::allocation::choose`]) over its members, then one conditional write that only a
//! still-unallocated conversation accepts, so redelivered messages never allocate twice.

use crate::access::agent_store::AgentStore;
use crate::desk::allocation::{AllocationMethod, Candidate, choose};
use crate::desk::division_store::DivisionStore;
use crate::inbox::conversation_store::ConversationStore;
use crate::platform::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    /// Given to this agent (and the division).
    Agent(String),
    /// Placed in the division, unassigned (manual method, or nobody online).
    DivisionOnly,
    /// Already allocated (a redelivery), or the division is missing or inactive.
    Unchanged,
}

/// Gives a new conversation to its division (and one of its agents, by the division's method).
#[async_trait::async_trait]
pub trait Allocate: Send + Sync {
    async fn allocate(&self, org_id: &str, conversation_id: &str, division_id: &str) -> Result<Allocation, StoreError>;
}

#[async_trait::async_trait]
impl Allocate for Allocator {
    async fn allocate(&self, org_id: &str, conversation_id: &str, division_id: &str) -> Result<Allocation, StoreError> {
        Allocator::allocate(self, org_id, conversation_id, division_id).await
    }
}

pub struct Allocator {
    divisions: DivisionStore,
    agents: AgentStore,
    conversations: ConversationStore,
}

impl Allocator {
    pub fn new(divisions: DivisionStore, agents: AgentStore, conversations: ConversationStore) -> Self {
        Self {
            divisions,
            agents,
            conversations,
        }
    }

    pub async fn allocate(
        &self,
        org_id: &str,
        conversation_id: &str,
        division_id: &str,
    ) -> Result<Allocation, StoreError> {
        let Some(division) = self.divisions.division(org_id, division_id).await? else {
            return Ok(Allocation::Unchanged);
        };
        if !division.is_active {
            return Ok(Allocation::Unchanged);
        }
        let chosen = if division.allocation_method == AllocationMethod::Manual {
            None
        } else {
            let members = self.divisions.members(org_id, division_id).await?;
            let member_ids: Vec<&str> = members.iter().map(|m| m.agent_id.as_str()).collect();
            let agents = self.agents.agents_by_ids(org_id, &member_ids).await?;
            let candidates: Vec<Candidate> = agents
                .iter()
                .map(|a| Candidate {
                    agent_id: a.agent_id.clone(),
                    is_active: a.is_active,
                    is_online: a.is_online,
                    open_assigned: a.open_assigned,
                })
                .collect();
            let eligible = candidates.iter().any(|c| c.is_active && c.is_online);
            let turn = if division.allocation_method == AllocationMethod::RoundRobin && eligible {
                self.divisions.take_turn(org_id, division_id).await?
            } else {
                0
            };
            choose(division.allocation_method, &candidates, turn)
        };
        let taken = self
            .conversations
            .allocate(org_id, conversation_id, Some(division_id), chosen.as_deref())
            .await?;
        Ok(match (taken, chosen) {
            (false, _) => Allocation::Unchanged,
            (true, Some(agent)) => Allocation::Agent(agent),
            (true, None) => Allocation::DivisionOnly,
        })
    }
}
