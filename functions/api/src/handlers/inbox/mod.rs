//! Conversations, their messages and media, contacts, the overview.

pub(crate) mod analytics;
pub(crate) mod contacts;
pub(crate) mod conversations;
pub(crate) mod media;
pub(crate) mod messages;
