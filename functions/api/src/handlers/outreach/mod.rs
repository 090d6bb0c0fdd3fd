//! Messages the business starts: templates, campaigns and their recipients, scheduled messages.

pub(crate) mod campaigns;
pub(crate) mod recipients;
pub(crate) mod scheduled;
pub(crate) mod templates;
