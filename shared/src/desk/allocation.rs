//! Who gets a new conversation: a division's allocation method applied to its members.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationMethod {
    /// Members take turns, in a fixed order (by agent id).
    RoundRobin,
    /// The member with the fewest open conversations assigned.
    LeastBusy,
    /// Nobody: the conversation waits in the division for someone to take it.
    Manual,
}

impl AllocationMethod {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "round_robin" => Some(Self::RoundRobin),
            "least_busy" => Some(Self::LeastBusy),
            "manual" => Some(Self::Manual),
            _ => None,
        }
    }
}

/// A division member as allocation sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: String,
    pub is_active: bool,
    pub is_online: bool,
    pub open_assigned: i64,
}

/// Picks the agent for a new conversation. Only active, online members are eligible (a
/// conversation given to someone away would wait unseen); none eligible → `None`, and the
/// conversation stays with the division, unassigned. `turn` is the division's round-robin counter
/// after an atomic increment, so concurrent allocations take different turns.
pub fn choose(method: AllocationMethod, candidates: &[Candidate], turn: u64) -> Option<String> {
    let mut eligible: Vec<&Candidate> = candidates.iter().filter(|c| c.is_active && c.is_online).collect();
    if eligible.is_empty() {
        return None;
    }
    eligible.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
    match method {
        AllocationMethod::Manual => None,
        AllocationMethod::RoundRobin => {
            let index = (turn.saturating_sub(1) % eligible.len() as u64) as usize;
            Some(eligible[index].agent_id.clone())
        }
        AllocationMethod::LeastBusy => eligible
            .iter()
            .min_by_key(|c| (c.open_assigned, c.agent_id.clone()))
            .map(|c| c.agent_id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, online: bool, open: i64) -> Candidate {
        Candidate {
            agent_id: id.into(),
            is_active: true,
            is_online: online,
            open_assigned: open,
        }
    }

    #[test]
    fn round_robin_takes_turns_over_online_members_in_id_order() {
        let members = [member("b", true, 0), member("a", true, 9), member("c", false, 0)];
        let picks: Vec<_> = (1..=4)
            .map(|turn| choose(AllocationMethod::RoundRobin, &members, turn).unwrap())
            .collect();
        assert_eq!(picks, ["a", "b", "a", "b"]);
    }

    #[test]
    fn least_busy_picks_the_fewest_open_then_the_lowest_id() {
        let members = [
            member("b", true, 2),
            member("a", true, 3),
            member("c", true, 2),
            member("d", false, 0),
        ];
        assert_eq!(choose(AllocationMethod::LeastBusy, &members, 1).as_deref(), Some("b"));
    }

    #[test]
    fn nobody_when_manual_offline_or_inactive() {
        let mut inactive = member("a", true, 0);
        inactive.is_active = false;
        assert_eq!(
            choose(AllocationMethod::RoundRobin, &[inactive, member("b", false, 0)], 1),
            None
        );
        assert_eq!(choose(AllocationMethod::Manual, &[member("a", true, 0)], 1), None);
        assert_eq!(choose(AllocationMethod::LeastBusy, &[], 1), None);
        assert_eq!(AllocationMethod::parse("least_busy"), Some(AllocationMethod::LeastBusy));
        assert_eq!(AllocationMethod::parse("random"), None);
    }
}
