//! Messages the business starts: templates, campaigns and scheduled messages.

pub mod campaign;
pub mod campaign_store;
pub mod schedule;
pub mod scheduled_store;
pub mod template;
pub mod template_store;
#[cfg(feature = "graph")]
pub mod template_sync;
