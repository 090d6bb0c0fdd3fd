//! The inbox's writes and reads of messages, one store per thing it owns:
//!
//! | store | owns |
//! |---|---|
//! | [`InboundLedger`] | inbound messages, stored exactly once with their conversation and contact |
//! | [`StatusLedger`] | delivery statuses and the wamid claims that link them to messages |
//! | [`MessageStore`] | message records: reads, pages, outbound records, media results |
//! | [`AccountEvents`] | non-message webhook changes (template status, account updates) |
//! | [`Counters`] | the analytics counters' totals |
//!
//! Each transaction is built as a [`crate::platform::plan::Plan`] by a pure function
//! (`inbound_plan`, `status_plan`, `account_event_plan`), unit-tested without a table; outbound
//! sends are the [`crate::inbox::outbound_store`]'s, conversation changes the
//! [`crate::inbox::conversation_store`]'s.

mod account_events;
mod counters;
mod inbound_ledger;
pub mod inbound_plan;
mod messages;
mod status_ledger;
pub mod status_plan;

pub use account_events::{AccountEvent, AccountEvents};
pub use counters::Counters;
pub use inbound_ledger::{InboundLedger, steady_state_plan};
pub use messages::{Change, Changed, MediaResult, MessageStore};
pub use status_ledger::StatusLedger;

use crate::platform::StoreError;
use crate::platform::items::string_of;
use crate::platform::records::Records;
use crate::platform::table::{self, Key};

/// The message a wamid's claim points at (inbound: stored; outbound: linked after its send).
async fn claimed_message(records: &Records, org_id: &str, wamid: &str) -> Result<Option<Key>, StoreError> {
    Ok(records.get_item(&table::wamid(org_id, wamid)).await?.and_then(|claim| {
        Some(Key {
            pk: string_of(&claim, "message_pk")?,
            sk: string_of(&claim, "message_sk")?,
        })
    }))
}

/// Facts of the delivery a message came in.
#[derive(Debug, Clone)]
pub struct DeliveryContext<'a> {
    pub org_id: &'a str,
    pub account_id: &'a str,
    pub received_at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundOutcome {
    Stored {
        message_key: Key,
        conversation_id: String,
        contact_id: String,
        new_conversation: bool,
        new_contact: bool,
        /// Look up the campaign this message may answer (see `ReplyWatch`).
        check_reach: bool,
    },
    /// Already stored by an earlier delivery; nothing changed. The facts of the first storing are
    /// returned so that its side effects can be repeated (they may not have gone out the first time).
    Duplicate {
        message_key: Option<Key>,
        conversation_id: Option<String>,
        contact_id: Option<String>,
        opened_conversation: bool,
        check_reach: bool,
        /// The first storing created the customer's contact (`contact.created` is repeated too).
        new_contact: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusOutcome {
    /// The message now has this status.
    Applied { message_key: Key },
    /// The message already has this or a later status.
    Stale,
    /// No message claims the wamid yet: the status waits on the wamid item until one does.
    Parked,
}
