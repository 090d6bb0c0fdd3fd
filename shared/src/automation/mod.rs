//! Automation: rules an organization writes (a trigger, conditions, actions) run by themselves on
//! its domain events, each at most once per event, never in a loop. The rule model and its checks
//! (`rule`), the conditions' facts (`conditions`) and the walk's verdicts (`walk`) are pure; the
//! engine runs them on ports (`ports`), stored in DynamoDB (`rule_store`) or in memory (`memory`).

pub mod conditions;
#[cfg(any(test, feature = "fakes"))]
pub mod contract;
pub mod effects;
pub mod engine;
pub mod envelope;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod ports;
pub mod rule;
pub mod rule_store;
pub mod schedule;
pub mod wait_clock;
pub mod wait_store;
pub mod waits;
pub mod walk;
