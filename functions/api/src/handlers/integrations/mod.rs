//! Integrations: outgoing webhooks and their delivery log.

pub(crate) mod webhook_deliveries;
pub(crate) mod webhooks;
