//! AI agents: the agents, their assignments and handoff rules (kept in the agent's item, each
//! change checked whole), and usage.

pub mod agents;
pub mod evaluations;
pub mod parts;
pub mod products;
pub mod take_over;
pub mod test_chat;
pub mod usage;
