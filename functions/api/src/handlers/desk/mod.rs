//! How the team is organized: divisions and their members, quick replies.

pub(crate) mod divisions;
pub(crate) mod quick_replies;
pub(crate) mod triage;
