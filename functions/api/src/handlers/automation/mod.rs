//! Automation: rules, their runs and dry runs, and the organization's pause switch.

pub(crate) mod rules;
