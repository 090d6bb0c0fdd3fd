//! Switchboard's shared library: domain logic free of I/O, configuration, telemetry, the table's
//! key schema and one adapter per AWS service.

pub mod adapters;
pub mod allocation;
pub mod api_key;
pub mod campaign;
pub mod chat_expiry;
pub mod compose;
pub mod config;
pub mod csat;
pub mod cursor;
pub mod delivery;
pub mod desk;
pub mod events;
pub mod http_error;
pub mod ids;
pub mod inbox;
pub mod media_job;
pub mod meta;
pub mod outbound;
pub mod pacing;
pub mod permissions;
pub mod schedule;
pub mod sealed_secret;
pub mod secret;
pub mod send_policy;
pub mod sla;
pub mod sla_clock;
pub mod sqs_batch;
pub mod table;
pub mod telemetry;
pub mod template;
pub mod tenancy;
pub mod token_bucket;
pub mod ttl_cache;
pub mod webhook_auth;
pub mod working_hours;
