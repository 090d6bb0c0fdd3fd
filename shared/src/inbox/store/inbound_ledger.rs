//! Stores inbound messages exactly once: finds the customer and the open conversation (cached per
//! warm Lambda), writes the plan of [`super::inbound_plan`], and reads again only when a condition
//! says what it knew is stale. Identities never change; a stale open conversation (resolved since)
//! is caught by the conversation update's condition. With the open conversation it remembers the
//! profile name the contact holds, so the contact is written only when that name changes: another
//! Lambda's rename in between can leave the contact's name stale until this cache entry expires
//! (15 minutes) or a conversation opens; the conversation itself always carries the newest name.

use super::inbound_plan::{
    AfterCancel, Claimed, Freshness, InboundWrite, KnownContact, after_cancel, inbound_plan, moved_claim, reach_mark,
    wamid_claim,
};
use super::{DeliveryContext, InboundOutcome};
use crate::inbox::{Contact, CustomerIdentity};
use crate::meta::InboundMessage;
use crate::platform::StoreError;
use crate::platform::ids;
use crate::platform::items::{now_rfc3339, string_of};
use crate::platform::plan::Plan;
use crate::platform::records::Records;
use crate::platform::table::{self, Key, attr};
use crate::platform::transact::{self, NotCommitted, NotWritten};
use crate::platform::ttl_cache::TtlCache;
use std::collections::HashMap;
use std::time::Duration;

pub use super::inbound_plan::InboundSlot;

const MAX_ATTEMPTS: u32 = 6;
/// Identities and open conversations a warm Lambda remembers (bounded: any number of customers
/// write in), and for how long; a stale one fails its transaction's check and is read again.
const CACHE_CAPACITY: usize = 20_000;
const CACHE_TTL: Duration = Duration::from_secs(15 * 60);

pub struct InboundLedger {
    records: Records,
    identities: TtlCache<String, String>,
    open_conversations: TtlCache<String, OpenConversation>,
}

/// An open conversation as this Lambda last wrote it.
#[derive(Clone)]
struct OpenConversation {
    conversation_id: String,
    /// The profile name the contact holds, as far as this Lambda knows.
    profile_name: Option<String>,
}

impl InboundLedger {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
            identities: TtlCache::new(CACHE_CAPACITY),
            open_conversations: TtlCache::new(CACHE_CAPACITY),
        }
    }

    /// Stores one inbound message exactly once and updates its conversation and contact.
    pub async fn store_inbound(
        &self,
        delivery: &DeliveryContext<'_>,
        identity: &CustomerIdentity,
        profile_name: Option<&str>,
        message: &InboundMessage,
    ) -> Result<InboundOutcome, StoreError> {
        let org_id = delivery.org_id;
        let mut freshness = Freshness::Newest;
        // A conversation's mark seen by an earlier attempt stays seen (the retry clears it).
        let mut marked = false;
        // What the wamid's claim names, once this delivery put it or found it.
        let mut claimed: Option<Claimed> = None;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let contact = self.known_contact(org_id, identity).await?;
            let open_key = format!("{org_id}|{}|{}", delivery.account_id, contact.contact_id);
            let cached = self.open_conversations.get(&open_key);
            let profile_stored = cached
                .as_ref()
                .is_some_and(|open| open.profile_name.as_deref() == profile_name);
            let pointer_read = cached.is_none();
            let existing_conversation = match cached {
                Some(open) => Some(open.conversation_id),
                None => self
                    .records
                    .get_item(&table::open_conversation(
                        org_id,
                        delivery.account_id,
                        &contact.contact_id,
                    ))
                    .await?
                    .and_then(|item| string_of(&item, "conversation_id")),
            };
            let conversation_id = existing_conversation.clone().unwrap_or_else(|| ids::new_id("cv"));
            // A new conversation carries the contact's name and phone (the list shows them without a
            // read per row): an existing contact's agent-given name is read once, here.
            let name = match (&existing_conversation, contact.exists) {
                (None, true) => self
                    .records
                    .get::<Contact>(&table::contact(org_id, &contact.contact_id), "Contact")
                    .await?
                    .and_then(|c| c.name),
                _ => None,
            };
            let contact = KnownContact {
                name,
                phone: identity.wa_id.clone(),
                ..contact
            };
            // The claimed key while its conversation is the one the message joins; else a new one.
            let message_key = match &claimed {
                Some(claim) if claim.conversation_id == conversation_id => claim.message_key.clone(),
                _ => table::message(org_id, &conversation_id, message.timestamp * 1000, &ids::new_id("msg")),
            };
            let message_id = table::message_id_in(&message_key).unwrap_or_default().to_string();
            match self
                .claim(
                    org_id,
                    &message.wamid,
                    &message_key,
                    &conversation_id,
                    &contact.contact_id,
                    claimed.as_ref(),
                )
                .await?
            {
                ClaimState::Ours(claim) => claimed = Some(claim),
                ClaimState::Stored(outcome) => return Ok(outcome),
                ClaimState::Moved(claim) => {
                    // Another delivery holds the claim under another key: take it from there.
                    claimed = Some(claim);
                    continue;
                }
            }
            let now = now_rfc3339();
            // The reach is looked up when a conversation opens, when this Lambda did not know the
            // open conversation (a mark may predate it), and when the conversation is marked.
            let check_reach = existing_conversation.is_none() || pointer_read || marked;
            let plan = inbound_plan(&InboundWrite {
                delivery,
                contact: &contact,
                profile_name,
                profile_stored,
                conversation_exists: existing_conversation.is_some(),
                conversation_id: &conversation_id,
                message_key: &message_key,
                message_id: &message_id,
                message,
                freshness,
                check_reach,
                now: &now,
            })?;

            let cancelled = match self.run(&plan).await {
                Ok(()) => {
                    // The contact holds the new name now, or still the one remembered.
                    let held = self
                        .open_conversations
                        .get(&open_key)
                        .and_then(|open| open.profile_name);
                    let open = OpenConversation {
                        conversation_id: conversation_id.clone(),
                        profile_name: profile_name.map(str::to_string).or(held),
                    };
                    self.open_conversations.insert(open_key, open, CACHE_TTL);
                    for identity_key in identity.keys() {
                        self.identities.insert(
                            format!("{org_id}|{identity_key}"),
                            contact.contact_id.clone(),
                            CACHE_TTL,
                        );
                    }
                    return Ok(InboundOutcome::Stored {
                        message_key,
                        conversation_id,
                        contact_id: contact.contact_id,
                        new_conversation: existing_conversation.is_none(),
                        new_contact: !contact.exists,
                        check_reach,
                    });
                }
                Err(NotCommitted::Store(err)) => return Err(err),
                Err(NotCommitted::Cancelled(cancelled)) => cancelled,
            };
            match after_cancel(&cancelled, existing_conversation.is_some(), message.timestamp * 1000) {
                AfterCancel::Duplicate { message: stored } => {
                    let claim = claimed
                        .unwrap_or_else(|| Claimed::naming(message_key.clone(), &conversation_id, &contact.contact_id));
                    return Ok(duplicate(claim, &stored));
                }
                _ if attempt >= MAX_ATTEMPTS => {
                    return Err(StoreError::Aws {
                        operation: "WriteOps(inbound message)",
                        detail: format!("gave up after {attempt} attempts: {cancelled:?}"),
                    });
                }
                AfterCancel::Retry {
                    check_reach: now_marked,
                    freshness: next,
                    forget_open_conversation,
                    forget_identities,
                    back_off,
                } => {
                    freshness = next.unwrap_or(freshness);
                    marked |= now_marked;
                    if forget_open_conversation {
                        self.open_conversations.remove(&open_key);
                    }
                    if forget_identities {
                        for identity_key in identity.keys() {
                            self.identities.remove(&format!("{org_id}|{identity_key}"));
                        }
                    }
                    if back_off {
                        tokio::time::sleep(Duration::from_millis(10 << attempt.min(6))).await;
                    }
                }
            }
        }
    }

    /// Puts the wamid's claim naming `message_key`, or finds it: a claim naming a stored message is
    /// a duplicate; one naming an unstored message (its delivery stopped before the transaction)
    /// is taken over, moved to `message_key` when the conversation changed since.
    async fn claim(
        &self,
        org_id: &str,
        wamid: &str,
        message_key: &Key,
        conversation_id: &str,
        contact_id: &str,
        held: Option<&Claimed>,
    ) -> Result<ClaimState, StoreError> {
        let op = match held {
            None => wamid_claim(org_id, wamid, message_key, conversation_id, contact_id),
            Some(claim) if &claim.message_key == message_key => return Ok(ClaimState::Ours(claim.clone())),
            Some(claim) => moved_claim(
                org_id,
                wamid,
                &claim.message_key,
                message_key,
                conversation_id,
                contact_id,
            ),
        };
        let plan = Plan::new().with(InboundSlot::Claim, op);
        let found = match transact::run(&self.records.client, &self.records.table, &plan, "PutItem(wamid claim)").await
        {
            Ok(()) => {
                return Ok(ClaimState::Ours(Claimed::naming(
                    message_key.clone(),
                    conversation_id,
                    contact_id,
                )));
            }
            Err(NotCommitted::Store(err)) => return Err(err),
            Err(NotCommitted::Cancelled(cancelled)) => cancelled.condition_failed(InboundSlot::Claim),
        };
        // DynamoDB answers the claim as it was; read it when it did not.
        let item = match found.filter(|item| !item.is_empty()) {
            Some(item) => Some(item),
            None => self.records.get_item(&table::wamid(org_id, wamid)).await?,
        };
        let Some(claim) = item.as_ref().and_then(Claimed::of) else {
            return Err(StoreError::Corrupt {
                entity: "wamid claim",
                detail: format!("{wamid}: a claim in the way names no message"),
            });
        };
        match self.records.get_item(&claim.message_key).await? {
            Some(stored) => Ok(ClaimState::Stored(duplicate(claim, &stored))),
            None => Ok(ClaimState::Moved(claim)),
        }
    }

    /// A campaign send reached `phone` (after its reach was stored): marks the customer's open
    /// conversation on `account_id`, if there is one, so that its next message looks the reach up.
    /// Without one, the conversation that opens next looks it up anyway (see `check_reach`).
    pub async fn mark_reached(&self, org_id: &str, account_id: &str, phone: &str) -> Result<bool, StoreError> {
        let identity = table::contact_identity(org_id, &format!("WA#{phone}"));
        let Some(contact_id) = self
            .records
            .get_item(&identity)
            .await?
            .and_then(|item| string_of(&item, "contact_id"))
        else {
            return Ok(false);
        };
        let pointer = table::open_conversation(org_id, account_id, &contact_id);
        let Some(conversation_id) = self
            .records
            .get_item(&pointer)
            .await?
            .and_then(|item| string_of(&item, "conversation_id"))
        else {
            return Ok(false);
        };
        let mark = reach_mark(org_id, &conversation_id);
        match transact::update_one(
            &self.records.client,
            &self.records.table,
            &mark,
            "UpdateItem(reach mark)",
        )
        .await
        {
            Ok(_) => Ok(true),
            Err(NotWritten::ConditionFailed) => Ok(false),
            Err(NotWritten::Store(err)) => Err(err),
        }
    }

    async fn run(&self, plan: &Plan<InboundSlot>) -> Result<(), NotCommitted<InboundSlot>> {
        transact::run(
            &self.records.client,
            &self.records.table,
            plan,
            "WriteOps(inbound message)",
        )
        .await
    }

    /// The contact an identity belongs to (cached), and the identity keys it lacks.
    async fn known_contact(&self, org_id: &str, identity: &CustomerIdentity) -> Result<KnownContact, StoreError> {
        let keys = identity.keys();
        if keys.is_empty() {
            return Err(StoreError::Corrupt {
                entity: "message",
                detail: "sender has neither wa_id nor user_id".into(),
            });
        }
        let cached: Vec<Option<String>> = keys
            .iter()
            .map(|k| self.identities.get(&format!("{org_id}|{k}")))
            .collect();
        if let Some(contact_id) = cached.iter().flatten().next()
            && cached.iter().all(Option::is_some)
        {
            return Ok(KnownContact {
                contact_id: contact_id.clone(),
                missing_identities: vec![],
                exists: true,
                name: None,
                phone: None,
            });
        }
        let identity_keys: Vec<_> = keys.iter().map(|k| table::contact_identity(org_id, k)).collect();
        let found: HashMap<String, String> = self
            .records
            .batch_get_items(&identity_keys, true)
            .await?
            .iter()
            .filter_map(|item| {
                Some((
                    table::identity_of_sort_key(&string_of(item, attr::SK)?)?.to_string(),
                    string_of(item, "contact_id")?,
                ))
            })
            .collect();
        let existing = keys.iter().find_map(|k| found.get(k).cloned());
        let missing_identities: Vec<String> = keys.iter().filter(|k| !found.contains_key(*k)).cloned().collect();
        Ok(KnownContact {
            exists: existing.is_some(),
            contact_id: match existing {
                Some(contact_id) => contact_id,
                None => identity.derived_contact_id(org_id).expect("identity has a key"),
            },
            missing_identities,
            name: None,
            phone: None,
        })
    }
}

/// Where a wamid's claim leaves this delivery.
enum ClaimState {
    /// The claim names the key this delivery stores under.
    Ours(Claimed),
    /// The message is stored: a duplicate.
    Stored(InboundOutcome),
    /// The claim names another key whose message is not stored: store it there.
    Moved(Claimed),
}

/// A duplicate's outcome: the claim's key and ids, the first storing's facts.
fn duplicate(claim: Claimed, stored: &crate::platform::items::Item) -> InboundOutcome {
    let (opened_conversation, check_reach) = claim.facts_of(stored);
    InboundOutcome::Duplicate {
        message_key: Some(claim.message_key),
        conversation_id: Some(claim.conversation_id),
        contact_id: Some(claim.contact_id).filter(|id| !id.is_empty()),
        opened_conversation,
        check_reach,
        // On the message only (claims written before it never knew).
        new_contact: stored
            .get("new_contact")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
    }
}

/// The plan of an inbound message to a known contact's open conversation, the steady state, built
/// and not sent (benchmarks measure the CPU cost of building it).
pub fn steady_state_plan(
    delivery: &DeliveryContext<'_>,
    contact_id: &str,
    conversation_id: &str,
    message: &InboundMessage,
) -> Result<Plan<InboundSlot>, StoreError> {
    let contact = KnownContact {
        contact_id: contact_id.to_string(),
        missing_identities: vec![],
        exists: true,
        name: None,
        phone: None,
    };
    let message_id = ids::new_id("msg");
    let key = table::message(delivery.org_id, conversation_id, message.timestamp * 1000, &message_id);
    let now = now_rfc3339();
    inbound_plan(&InboundWrite {
        delivery,
        contact: &contact,
        profile_name: None,
        profile_stored: true,
        conversation_exists: true,
        conversation_id,
        message_key: &key,
        message_id: &message_id,
        message,
        freshness: Freshness::Newest,
        check_reach: false,
        now: &now,
    })
}
