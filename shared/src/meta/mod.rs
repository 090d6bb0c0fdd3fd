//! Meta's WhatsApp Cloud API webhook payloads, parsed into Switchboard's domain. Free of I/O.
//!
//! Every level (entries, changes, messages, statuses) is an array and every element is handled.
//! A message or status that does not parse never fails its neighbours: an unknown message type or
//! shape becomes [`Content::Unsupported`] with the raw JSON kept.

#[cfg(feature = "graph")]
pub mod graph;
#[cfg(all(feature = "graph", any(test, feature = "fakes")))]
pub mod graph_memory;

mod content;
mod graph_error;
mod interactive;
mod notification;
mod status;

pub use content::{Content, ListRow, ListSection, MediaKind, ProductSection, ReplyButton};
pub use graph_error::{GraphError, MediaMetadata};
pub use notification::{ContactProfile, InboundMessage, ParseError, ParsedChange, parse_notification};
pub use status::{DeliveryStatus, MetaError, StatusUpdate};
