//! Who may do what: accounts, agents, passwords, registration, roles, sign-in.

pub(crate) mod accounts;
pub(crate) mod agents;
pub(crate) mod passwords;
pub(crate) mod registration;
pub(crate) mod roles;
pub(crate) mod sign_in;
