//! The writes of one inbound message, as data (no I/O), and what a cancelled transaction means.
//!
//! First the wamid claim, a conditional put of its own naming the message's key. Then one
//! transaction; steady state (known contact, open conversation): the message (created under that
//! key) and the conversation update (unread + 1, last message, window); the contact only when its
//! profile name changed. The organization's counters are tallied from the messages on the table's
//! stream ([`crate::inbox::tally`]), not written here. The conversation update's own condition
//! (not resolved) is what keeps the message out of a conversation that closed: resolving sets the
//! status and deletes the open pointer in one transaction, and reopening does the reverse, so a
//! conversation that is not resolved is the one its pointer names. A duplicate (Meta retry, second
//! app, SQS redelivery) fails the claim's condition and finds the message; a delivery that stopped
//! between the claim and the transaction is finished by the next under the claimed key.

use super::DeliveryContext;
use crate::inbox::contact_store::with_name_lookup;
use crate::inbox::tally;
use crate::inbox::{Contact, Conversation, ConversationStatus, Direction, Message, window_expires_at};
use crate::meta::InboundMessage;
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, number_of, record_item, s, string_of};
use crate::platform::plan::{Cancelled, Plan, WriteOp};
use crate::platform::table::{self, Key, attr};
use aws_sdk_dynamodb::types::AttributeValue;

/// The writes of an inbound message, by what each one is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundSlot {
    /// The wamid claim (its own write, before the transaction): fails on a duplicate delivery.
    Claim,
    /// The message, created under the key the claim names: fails when a racing delivery stored it.
    Message,
    /// The conversation: created, or updated under its freshness condition.
    Conversation,
    /// The pointer that makes the conversation the open one (created with it).
    OpenConversation,
    /// The contact's list of conversations (so a rename reaches every one).
    ContactConversation,
    Contact,
    /// An identity (wa_id or BSUID) the contact does not have yet.
    Identity,
}

/// How the conversation update of an inbound message treats the conversation's "last" fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Newest message: sets last message, window and list position.
    Newest,
    /// Older than the newest message but the newest inbound one: extends the window only.
    NewestInbound,
    /// Older than both: counts only.
    Late,
}

/// What is known about the customer before writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownContact {
    pub contact_id: String,
    /// Identity keys (`WA#…`, `BSUID#…`) not yet stored for this contact.
    pub missing_identities: Vec<String>,
    pub exists: bool,
    /// The agent-given name, read only when a conversation opens.
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Everything the plan of one inbound message is built from.
pub struct InboundWrite<'a> {
    pub delivery: &'a DeliveryContext<'a>,
    pub contact: &'a KnownContact,
    pub profile_name: Option<&'a str>,
    /// The contact already holds `profile_name` (this Lambda wrote or read it): no contact write.
    pub profile_stored: bool,
    /// The open conversation it joins; `None` opens a new one with `conversation_id`.
    pub conversation_exists: bool,
    pub conversation_id: &'a str,
    pub message_key: &'a Key,
    pub message_id: &'a str,
    pub message: &'a InboundMessage,
    pub freshness: Freshness,
    /// The campaign a reply may answer is looked up after this message (see
    /// [`crate::inbox::ingest_port::ReplyWatch`]): the update clears the conversation's
    /// `reach_pending` mark; without it, the mark fails the update so that a retry looks.
    pub check_reach: bool,
    pub now: &'a str,
}

/// The mark a campaign send leaves on its customer's open conversation.
pub const REACH_PENDING: &str = "reach_pending";

pub fn inbound_plan(w: &InboundWrite<'_>) -> Result<Plan<InboundSlot>, StoreError> {
    let org_id = w.delivery.org_id;
    let contact = w.contact;
    let mut plan = Plan::new();

    let record = Message::inbound(
        org_id,
        w.conversation_id,
        w.message_id.to_string(),
        w.message,
        w.delivery.received_at_ms,
        w.now,
    );
    let mut item = record_item(&record, w.message_key, "Message")?;
    // What the first storing decided, for a redelivery's effects, and what the tally function
    // counts from the stream (see `crate::inbox::tally`).
    item.insert(
        "opened_conversation".into(),
        AttributeValue::Bool(!w.conversation_exists),
    );
    item.insert("new_contact".into(), AttributeValue::Bool(!contact.exists));
    item.insert("check_reach".into(), AttributeValue::Bool(w.check_reach));
    item.insert("day".into(), s(day_of(w.message.timestamp)));
    item.insert(tally::TALLY.into(), s(tally::RECEIVED));
    plan.push(InboundSlot::Message, WriteOp::create(item));

    let open_key = table::open_conversation(org_id, w.delivery.account_id, &contact.contact_id);
    if w.conversation_exists {
        plan.push(InboundSlot::Conversation, conversation_update(w));
    } else {
        plan.push(InboundSlot::Conversation, WriteOp::create(new_conversation(w)?));
        let mut pointer = key_item(&open_key);
        pointer.insert(attr::ENTITY.into(), s("OpenConversation"));
        pointer.insert("conversation_id".into(), s(w.conversation_id));
        plan.push(InboundSlot::OpenConversation, WriteOp::create(pointer));
        let mut listed = key_item(&table::contact_conversation(
            org_id,
            &contact.contact_id,
            w.conversation_id,
        ));
        listed.insert(attr::ENTITY.into(), s("ContactConversation"));
        plan.push(InboundSlot::ContactConversation, WriteOp::put(listed));
    }

    if let Some(write) = contact_write(w)? {
        plan.push(InboundSlot::Contact, write);
    }
    for identity in &contact.missing_identities {
        let mut item = key_item(&table::contact_identity(org_id, identity));
        item.insert(attr::ENTITY.into(), s("ContactIdentity"));
        item.insert("contact_id".into(), s(&contact.contact_id));
        plan.push(InboundSlot::Identity, WriteOp::create(item));
    }

    Ok(plan)
}

/// The wamid's claim, put on its own before the message's transaction: it names the message's
/// key, so a redelivery finds the message (a duplicate) or, if the first delivery stopped between
/// the two, stores it under the same key. A standard conditional put: half the units of a write in
/// the transaction.
pub fn wamid_claim(org_id: &str, wamid: &str, message_key: &Key, conversation_id: &str, contact_id: &str) -> WriteOp {
    let mut claim = key_item(&table::wamid(org_id, wamid));
    claim.insert(attr::ENTITY.into(), s("WamidClaim"));
    claim.insert("direction".into(), s("inbound"));
    claim.insert("message_pk".into(), s(&message_key.pk));
    claim.insert("message_sk".into(), s(&message_key.sk));
    claim.insert("conversation_id".into(), s(conversation_id));
    claim.insert("contact_id".into(), s(contact_id));
    WriteOp::create(claim)
}

/// Moves a claim whose message was never stored to the key it is stored under now (its
/// conversation was resolved in between): only from the key it named.
pub fn moved_claim(
    org_id: &str,
    wamid: &str,
    from: &Key,
    to: &Key,
    conversation_id: &str,
    contact_id: &str,
) -> WriteOp {
    WriteOp::update(
        table::wamid(org_id, wamid),
        "SET message_pk = :pk, message_sk = :sk, conversation_id = :conversation, contact_id = :contact",
    )
    .when("message_pk = :from_pk AND message_sk = :from_sk")
    .value(":pk", s(&to.pk))
    .value(":sk", s(&to.sk))
    .value(":conversation", s(conversation_id))
    .value(":contact", s(contact_id))
    .value(":from_pk", s(&from.pk))
    .value(":from_sk", s(&from.sk))
}

/// What a wamid's claim names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub message_key: Key,
    pub conversation_id: String,
    pub contact_id: String,
    /// Claims written with their message (before the claim came first) hold these facts.
    pub opened_conversation: bool,
    pub check_reach: bool,
}

impl Claimed {
    /// A claim as this delivery writes it (the facts live on its message).
    pub fn naming(message_key: Key, conversation_id: &str, contact_id: &str) -> Self {
        Self {
            message_key,
            conversation_id: conversation_id.to_string(),
            contact_id: contact_id.to_string(),
            opened_conversation: false,
            check_reach: false,
        }
    }

    pub fn of(claim: &Item) -> Option<Self> {
        let flag = |name: &str| claim.get(name).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false);
        Some(Self {
            message_key: Key {
                pk: string_of(claim, "message_pk")?,
                sk: string_of(claim, "message_sk")?,
            },
            conversation_id: string_of(claim, "conversation_id")?,
            contact_id: string_of(claim, "contact_id").unwrap_or_default(),
            opened_conversation: flag("opened_conversation"),
            check_reach: flag("check_reach"),
        })
    }

    /// The first storing's facts, from its message (or, for older messages, its claim).
    pub fn facts_of(&self, message: &Item) -> (bool, bool) {
        let flag = |name: &str, claimed: bool| {
            message
                .get(name)
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(claimed)
        };
        (
            flag("opened_conversation", self.opened_conversation),
            flag("check_reach", self.check_reach),
        )
    }
}

/// The UTC day of a message's timestamp, `yyyy-mm-dd`: the day it counts on.
fn day_of(timestamp_seconds: i64) -> String {
    chrono::DateTime::from_timestamp(timestamp_seconds, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

fn new_conversation(w: &InboundWrite<'_>) -> Result<Item, StoreError> {
    let org_id = w.delivery.org_id;
    let ts_ms = w.message.timestamp * 1000;
    let conversation = Conversation {
        org_id: org_id.into(),
        conversation_id: w.conversation_id.into(),
        account_id: w.delivery.account_id.into(),
        contact_id: w.contact.contact_id.clone(),
        status: ConversationStatus::Open,
        unread_count: 1,
        message_count: 1,
        last_message_ms: ts_ms,
        last_message_preview: w.message.content.preview(),
        last_message_direction: Direction::Inbound,
        last_inbound_ms: Some(ts_ms),
        window_expires_at: Some(window_expires_at(w.message.timestamp)),
        assigned_agent_id: None,
        division_id: None,
        contact_name: w.contact.name.clone(),
        contact_profile_name: w.profile_name.map(str::to_string),
        contact_phone: w.contact.phone.clone(),
        campaign_id: None,
        last_agent_reply_ms: None,
        bot_paused: false,
        priority: None,
        snoozed_until_ms: None,
        created_at: w.now.to_string(),
        updated_at: w.now.to_string(),
    };
    let mut item = record_item(
        &conversation,
        &table::conversation(org_id, w.conversation_id),
        "Conversation",
    )?;
    let (gsi2pk, gsi2sk) = table::conversation_timeline(org_id, w.conversation_id, ts_ms);
    item.insert(attr::GSI2_PK.into(), s(gsi2pk));
    item.insert(attr::GSI2_SK.into(), s(gsi2sk));
    Ok(item)
}

/// The update of an existing conversation; its condition keeps "last" fields moving forward only.
fn conversation_update(w: &InboundWrite<'_>) -> WriteOp {
    let org_id = w.delivery.org_id;
    let ts_ms = w.message.timestamp * 1000;
    let key = table::conversation(org_id, w.conversation_id);
    // The customer's message wakes a snoozed conversation.
    let counted = match w.check_reach {
        true => format!("ADD unread_count :one, message_count :one REMOVE snoozed_until_ms, {REACH_PENDING}"),
        false => "ADD unread_count :one, message_count :one REMOVE snoozed_until_ms".to_string(),
    };
    let not_resolved = match w.check_reach {
        true => "attribute_exists(pk) AND #status <> :resolved".to_string(),
        false => format!("attribute_exists(pk) AND #status <> :resolved AND attribute_not_exists({REACH_PENDING})"),
    };
    let op = match w.freshness {
        Freshness::Newest => {
            let (_, gsi2sk) = table::conversation_timeline(org_id, w.conversation_id, ts_ms);
            // The newest message's profile name is the customer's current one.
            let profile_set = if w.profile_name.is_some() {
                ", contact_profile_name = :profile"
            } else {
                ""
            };
            let op = WriteOp::update(
                key,
                format!(
                    "SET last_message_ms = :ts, last_message_preview = :preview, last_message_direction = :inbound, \
                     last_inbound_ms = :ts, window_expires_at = :window, updated_at = :now, #status = :open, \
                     gsi2sk = :gsi2sk{profile_set} {counted}"
                ),
            )
            .when(format!(
                "{not_resolved} AND (attribute_not_exists(last_message_ms) OR last_message_ms <= :ts)"
            ))
            .value(":ts", n(ts_ms))
            .value(":preview", s(w.message.content.preview()))
            .value(":inbound", s("inbound"))
            .value(":window", n(window_expires_at(w.message.timestamp)))
            .value(":open", s("open"))
            .value(":gsi2sk", s(gsi2sk));
            match w.profile_name {
                Some(name) => op.value(":profile", s(name)),
                None => op,
            }
        }
        Freshness::NewestInbound => WriteOp::update(
            key,
            format!("SET last_inbound_ms = :ts, window_expires_at = :window, updated_at = :now {counted}"),
        )
        .when(format!(
            "{not_resolved} AND (attribute_not_exists(last_inbound_ms) OR last_inbound_ms < :ts)"
        ))
        .value(":ts", n(ts_ms))
        .value(":window", n(window_expires_at(w.message.timestamp))),
        Freshness::Late => WriteOp::update(key, format!("SET updated_at = :now {counted}")).when(not_resolved),
    };
    op.name("#status", "status")
        .value(":one", n(1))
        .value(":now", s(w.now))
        .value(":resolved", s("resolved"))
}

/// A campaign send's mark on its customer's open conversation: the next inbound message's update
/// fails on it, and its retry looks the reach up and clears the mark.
pub fn reach_mark(org_id: &str, conversation_id: &str) -> WriteOp {
    WriteOp::update(
        table::conversation(org_id, conversation_id),
        format!("SET {REACH_PENDING} = :marked"),
    )
    .when("attribute_exists(pk) AND #status <> :resolved")
    .name("#status", "status")
    .value(":marked", AttributeValue::Bool(true))
    .value(":resolved", s("resolved"))
}

/// The contact: created once; the profile name follows the latest message, written when it
/// changed (or is not known to be stored) and when a conversation opens.
fn contact_write(w: &InboundWrite<'_>) -> Result<Option<WriteOp>, StoreError> {
    let org_id = w.delivery.org_id;
    let contact = w.contact;
    let contact_key = table::contact(org_id, &contact.contact_id);
    if contact.exists {
        let unchanged = w.profile_name.is_none() || w.profile_stored;
        if w.conversation_exists && unchanged {
            return Ok(None);
        }
        let op = match w.profile_name {
            Some(name) => {
                WriteOp::update(contact_key, "SET updated_at = :now, profile_name = :name").value(":name", s(name))
            }
            None => WriteOp::update(contact_key, "SET updated_at = :now"),
        };
        return Ok(Some(op.when("attribute_exists(pk)").value(":now", s(w.now))));
    }
    let identity_of = |prefix: &str| {
        contact
            .missing_identities
            .iter()
            .find_map(|k| k.strip_prefix(prefix).map(str::to_string))
    };
    let record = Contact {
        org_id: org_id.into(),
        contact_id: contact.contact_id.clone(),
        wa_id: identity_of("WA#"),
        user_id: identity_of("BSUID#"),
        profile_name: w.profile_name.map(str::to_string),
        name: None,
        email: None,
        tags: vec![],
        blocked_scenarios: vec![],
        description: None,
        country: None,
        llm_context: None,
        created_at: w.now.to_string(),
        updated_at: w.now.to_string(),
    };
    let item = with_name_lookup(
        record_item(&record, &contact_key, "Contact")?,
        org_id,
        &record.contact_id,
        record.profile_name.as_deref(),
    );
    Ok(Some(WriteOp::create(item)))
}

/// What a cancelled inbound plan means.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterCancel {
    /// The message is stored (a racing delivery of the wamid): the item as it was.
    Duplicate { message: Item },
    /// Read again and retry.
    Retry {
        /// The conversation carries a campaign's mark: look up the reach after this message.
        check_reach: bool,
        /// The conversation's state calls for a different update.
        freshness: Option<Freshness>,
        /// The cached open conversation is stale (resolved, or another one opened).
        forget_open_conversation: bool,
        /// A racing delivery created the contact, an identity or the conversation.
        forget_identities: bool,
        /// Contention, not a condition: wait a little first.
        back_off: bool,
    },
}

pub fn after_cancel(cancelled: &Cancelled<InboundSlot>, conversation_existed: bool, ts_ms: i64) -> AfterCancel {
    if let Some(message) = cancelled.condition_failed(InboundSlot::Message) {
        // Another delivery of the wamid stored it under the key its claim names, just now.
        return AfterCancel::Duplicate { message };
    }
    let mut freshness = None;
    let mut check_reach = false;
    let mut forget_open_conversation = false;
    if let Some(old) = cancelled.condition_failed(InboundSlot::Conversation) {
        let still_open =
            conversation_existed && !old.is_empty() && string_of(&old, "status").as_deref() != Some("resolved");
        if still_open {
            check_reach = old.contains_key(REACH_PENDING);
            // An older message than the conversation's newest: keep what is newer.
            freshness = Some(if number_of(&old, "last_message_ms").unwrap_or(i64::MIN) <= ts_ms {
                Freshness::Newest
            } else if number_of(&old, "last_inbound_ms").unwrap_or(i64::MIN) < ts_ms {
                Freshness::NewestInbound
            } else {
                Freshness::Late
            });
        } else {
            forget_open_conversation = true;
        }
    }
    let forget_identities = cancelled
        .failed_slots()
        .any(|slot| !matches!(slot, InboundSlot::Message | InboundSlot::Conversation));
    AfterCancel::Retry {
        check_reach,
        freshness,
        forget_open_conversation: forget_open_conversation || forget_identities,
        forget_identities,
        back_off: cancelled.contended(),
    }
}

#[cfg(test)]
#[path = "inbound_plan_tests.rs"]
mod tests;
