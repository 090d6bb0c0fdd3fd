//! Switchboard's shared library, by context: each folder holds its pure domain, its stores and
//! their ports side by side; `platform` holds what every context uses (table keys, Plans, the SQS
//! and clock runners, caches, telemetry); `meta` is the Graph API's wire.

pub mod access;
pub mod ai;
pub mod automation;
pub mod bot;
pub mod care;
pub mod desk;
pub mod inbox;
pub mod integrations;
pub mod live;
pub mod meta;
pub mod outreach;
pub mod platform;
