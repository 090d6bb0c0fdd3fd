//! Service levels and the clock around conversations: SLA policies and clocks, working hours, expiration, satisfaction surveys.

pub mod chat_expiry;
pub mod chat_expiry_store;
#[cfg(any(test, feature = "fakes"))]
pub mod check_contract;
pub mod check_ports;
#[cfg(any(test, feature = "fakes"))]
pub mod contract;
pub mod csat;
pub mod csat_store;
pub mod csat_surveyor;
#[cfg(any(test, feature = "fakes"))]
pub mod memory;
pub mod ports;
pub mod sla;
pub mod sla_clock;
pub mod sla_keeper;
pub mod sla_policy_store;
pub mod sla_store;
pub mod working_hours;
pub mod working_hours_store;
