//! The keyword bot: scenarios and their templates, a contact's blocked scenarios, a conversation's
//! bot pause and the bot's run log. The automation function reads scenarios through a 30 s cache:
//! a change applies to new messages within 30 s.

pub(crate) mod scenarios;
pub(crate) mod templates;
pub(crate) mod turns;
