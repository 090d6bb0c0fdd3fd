//! Auto-allocation of a new inbound conversation to its account's division: the division's method
//! ([`crate::allocation::choose`]) over its members, then one conditional write that only a
//! still-unallocated conversation accepts, so redelivered messages never allocate twice.

use super::StoreError;
use super::conversation_store::ConversationStore;
use super::desk_store::DeskStore;
use crate::allocation::{AllocationMethod, Candidate, choose};
use crate::table;
use crate::tenancy::Agent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allocation {
    /// Given to this agent (and the division).
    Agent(String),
    /// Placed in the division, unassigned (manual method, or nobody online).
    DivisionOnly,
    /// Already allocated (a redelivery), or the division is missing or inactive.
    Unchanged,
}

pub struct Allocator {
    desk: DeskStore,
    conversations: ConversationStore,
}

impl Allocator {
    pub fn new(desk: DeskStore, conversations: ConversationStore) -> Self {
        Self { desk, conversations }
    }

    pub async fn allocate(
        &self,
        org_id: &str,
        conversation_id: &str,
        division_id: &str,
    ) -> Result<Allocation, StoreError> {
        let Some(division) = self.desk.division(org_id, division_id).await? else {
            return Ok(Allocation::Unchanged);
        };
        if !division.is_active {
            return Ok(Allocation::Unchanged);
        }
        let chosen = if division.allocation_method == AllocationMethod::Manual {
            None
        } else {
            let members = self.desk.members(org_id, division_id).await?;
            let keys: Vec<_> = members.iter().map(|m| table::agent(org_id, &m.agent_id)).collect();
            let agents: Vec<Agent> = self.desk.records().batch_get(&keys, "Agent").await?;
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
                self.desk.take_turn(org_id, division_id).await?
            } else {
                0
            };
            choose(division.allocation_method, &candidates, turn)
        };
        let taken = self
            .conversations
            .allocate(org_id, conversation_id, division_id, chosen.as_deref())
            .await?;
        Ok(match (taken, chosen) {
            (false, _) => Allocation::Unchanged,
            (true, Some(agent)) => Allocation::Agent(agent),
            (true, None) => Allocation::DivisionOnly,
        })
    }
}
