//! One test binary for everything that talks to moto (each binary links the whole AWS SDK).

mod agent_api;
mod api;
mod campaigns;
mod chat_expiry;
mod contracts;
mod csat;
mod ingest;
mod live;
mod local_runtime;
mod media;
mod moto_transactions;
mod operations;
mod out_of_hours;
mod scheduled;
mod security;
mod send_faults;
mod sender;
mod sign_in;
mod sla;
mod tally;
mod template_consistency;
mod template_policies;
mod templates;
mod tenancy;
mod webhook;
mod webhooks;
