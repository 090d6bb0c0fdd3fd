//! Who may do what: organizations, their WhatsApp accounts, agents, API keys, sessions and permissions.

pub mod account_cache;
pub mod account_records;
pub mod account_store;
pub mod accounts;
pub mod agent_store;
pub mod api_key;
pub mod login_store;
pub mod password;
pub mod permissions;
pub mod role_cache;
pub mod role_store;
pub mod roles;
pub mod session;
pub mod tenancy;
pub mod tenancy_store;
pub mod webhook_auth;
