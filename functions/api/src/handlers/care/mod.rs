//! Service levels and the clock: SLA policies and status, chat expiration, surveys, working hours.

pub(crate) mod chat_expiration;
pub(crate) mod conversation_sla;
pub(crate) mod csat;
pub(crate) mod sla_policies;
pub(crate) mod working_hours;
