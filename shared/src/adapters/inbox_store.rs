//! Contacts, conversations, messages and statuses in DynamoDB, written exactly once.
//!
//! An inbound message is one TransactWriteItems request in the steady state: the wamid claim
//! (`attribute_not_exists`), the message, the conversation update (unread + 1, last message,
//! window), the contact's profile and a counter shard. A duplicate (Meta retry, second app, SQS
//! redelivery) fails the claim's condition and changes nothing. Reads that find the contact and
//! the open conversation are cached per warm Lambda (identities never change; a stale open
//! conversation is caught by the transaction's condition and re-read).

use super::StoreError;
use crate::ids;
use crate::inbox::{
    Contact, Conversation, ConversationStatus, CustomerIdentity, Direction, Message, window_expires_at,
};
use crate::meta::{DeliveryStatus, InboundMessage, StatusUpdate};
use crate::table::{self, Key, attr};
use crate::ttl_cache::TtlCache;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, KeysAndAttributes, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::items::{Item, key_item, n, now_rfc3339, number_of, record, record_item, records, s, string_of};

const MAX_ATTEMPTS: u32 = 6;
/// Identities and open conversations a warm Lambda remembers (bounded: any number of customers
/// write in), and for how long; a stale one fails its transaction's check and is read again.
const CACHE_CAPACITY: usize = 20_000;
const CACHE_TTL: Duration = Duration::from_secs(15 * 60);
/// Parked statuses of wamids no message claims yet are dropped after this long.
const PARKED_STATUS_TTL_SECONDS: i64 = 30 * 24 * 3600;

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
    },
    /// Already stored by an earlier delivery; nothing changed. The facts of the first storing are
    /// returned so that its side effects can be repeated (they may not have gone out the first time).
    Duplicate {
        message_key: Option<Key>,
        conversation_id: Option<String>,
        contact_id: Option<String>,
        opened_conversation: bool,
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

pub struct InboxStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    records: super::records::Records,
    identities: TtlCache<String, String>,
    open_conversations: TtlCache<String, String>,
}

/// How the conversation update of an inbound message treats the conversation's "last" fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freshness {
    /// Newest message: sets last message, window and list position.
    Newest,
    /// Older than the newest message but the newest inbound one: extends the window only.
    NewestInbound,
    /// Older than both: counts only.
    Late,
}

fn counter_shard(seed: &str) -> u32 {
    table::shard_of(seed, table::COUNTER_SHARDS)
}

fn is_condition_failure(reason: &CancellationReason) -> bool {
    reason.code() == Some("ConditionalCheckFailed")
}

/// What we know about the customer before writing.
struct ContactPlan {
    contact_id: String,
    /// Identity keys not yet stored for this contact.
    missing_identities: Vec<String>,
    exists: bool,
    /// The agent-given name, read only when a conversation opens.
    name: Option<String>,
    phone: Option<String>,
}

impl InboxStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            records: super::records::Records::new(client.clone(), &table),
            client,
            table,
            identities: TtlCache::new(CACHE_CAPACITY),
            open_conversations: TtlCache::new(CACHE_CAPACITY),
        }
    }

    fn put(&self, item: Item, condition: Option<&str>) -> TransactWriteItem {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(condition) = condition {
            put = put.condition_expression(condition);
        }
        TransactWriteItem::builder()
            .put(put.build().expect("table and item are set"))
            .build()
    }

    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::aws("GetItem", e))?;
        Ok(output.item)
    }

    pub async fn get_record<T: serde::de::DeserializeOwned>(
        &self,
        key: &Key,
        entity: &'static str,
    ) -> Result<Option<T>, StoreError> {
        self.get(key).await?.map(|item| record(item, entity)).transpose()
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
        let mut attempt = 0;
        loop {
            attempt += 1;
            let contact = self.plan_contact(org_id, identity).await?;
            let open_key = format!("{org_id}|{}|{}", delivery.account_id, contact.contact_id);
            let cached = self.open_conversations.get(&open_key);
            let existing_conversation = match cached {
                Some(id) => Some(id),
                None => self
                    .get(&table::open_conversation(
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
            let contact_name = match (&existing_conversation, contact.exists) {
                (None, true) => self
                    .get_record::<Contact>(&table::contact(org_id, &contact.contact_id), "Contact")
                    .await?
                    .and_then(|c| c.name),
                _ => None,
            };
            let contact = ContactPlan {
                name: contact_name,
                phone: identity.wa_id.clone(),
                ..contact
            };
            let message_id = ids::new_id("msg");
            let message_key = table::message(org_id, &conversation_id, message.timestamp * 1000, &message_id);
            let items = self.inbound_items(
                delivery,
                &contact,
                profile_name,
                existing_conversation.is_some(),
                &conversation_id,
                &message_key,
                &message_id,
                message,
                freshness,
            )?;

            match self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await
            {
                Ok(_) => {
                    self.open_conversations
                        .insert(open_key, conversation_id.clone(), CACHE_TTL);
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
                    });
                }
                Err(err) => {
                    let reasons = match err.as_service_error() {
                        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                            cancelled.cancellation_reasons().to_vec()
                        }
                        _ => return Err(StoreError::aws("TransactWriteItems(inbound message)", err)),
                    };
                    if reasons.first().is_some_and(is_condition_failure) {
                        let message_key = reasons[0].item().and_then(|old| {
                            Some(Key {
                                pk: string_of(old, "message_pk")?,
                                sk: string_of(old, "message_sk")?,
                            })
                        });
                        let old = reasons[0].item();
                        return Ok(InboundOutcome::Duplicate {
                            message_key,
                            conversation_id: old.and_then(|o| string_of(o, "conversation_id")),
                            contact_id: old.and_then(|o| string_of(o, "contact_id")),
                            opened_conversation: old
                                .and_then(|o| o.get("opened_conversation"))
                                .and_then(|v| v.as_bool().ok())
                                .copied()
                                .unwrap_or(false),
                        });
                    }
                    if attempt >= MAX_ATTEMPTS {
                        return Err(StoreError::Aws {
                            operation: "TransactWriteItems(inbound message)",
                            detail: format!("gave up after {attempt} attempts: {reasons:?}"),
                        });
                    }
                    // Index 2 is the conversation item: a stale open conversation or an older message.
                    match reasons
                        .get(2)
                        .filter(|r| is_condition_failure(r))
                        .map(|r| r.item().cloned().unwrap_or_default())
                    {
                        Some(old)
                            if existing_conversation.is_some()
                                && string_of(&old, "status").as_deref() != Some("resolved")
                                && !old.is_empty() =>
                        {
                            let ts_ms = message.timestamp * 1000;
                            freshness = if number_of(&old, "last_inbound_ms").unwrap_or(i64::MIN) < ts_ms {
                                Freshness::NewestInbound
                            } else {
                                Freshness::Late
                            };
                            if number_of(&old, "last_message_ms").unwrap_or(i64::MIN) <= ts_ms {
                                freshness = Freshness::Newest;
                            }
                        }
                        Some(_) => {
                            self.open_conversations.remove(&open_key);
                        }
                        None => {}
                    }
                    if reasons.iter().skip(3).any(is_condition_failure) {
                        // A racing delivery created the contact, an identity or the conversation.
                        self.forget(org_id, identity, &open_key);
                    }
                    if reasons.iter().any(|r| {
                        matches!(
                            r.code(),
                            Some("TransactionConflict")
                                | Some("ThrottlingError")
                                | Some("ProvisionedThroughputExceeded")
                        )
                    }) {
                        tokio::time::sleep(Duration::from_millis(10 << attempt.min(6))).await;
                    }
                }
            }
        }
    }

    fn forget(&self, org_id: &str, identity: &CustomerIdentity, open_key: &str) {
        self.open_conversations.remove(&open_key.to_string());
        for identity_key in identity.keys() {
            self.identities.remove(&format!("{org_id}|{identity_key}"));
        }
    }

    async fn plan_contact(&self, org_id: &str, identity: &CustomerIdentity) -> Result<ContactPlan, StoreError> {
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
            return Ok(ContactPlan {
                contact_id: contact_id.clone(),
                missing_identities: vec![],
                exists: true,
                name: None,
                phone: None,
            });
        }
        let request = keys
            .iter()
            .fold(KeysAndAttributes::builder().consistent_read(true), |b, k| {
                b.keys(key_item(&table::contact_identity(org_id, k)))
            });
        let output = self
            .client
            .batch_get_item()
            .request_items(&self.table, request.build().expect("keys are set"))
            .send()
            .await
            .map_err(|e| StoreError::aws("BatchGetItem(identities)", e))?;
        let found: HashMap<String, String> = output
            .responses()
            .and_then(|r| r.get(&self.table))
            .into_iter()
            .flatten()
            .filter_map(|item| {
                Some((
                    string_of(item, attr::SK)?.trim_start_matches("IDENTITY#").to_string(),
                    string_of(item, "contact_id")?,
                ))
            })
            .collect();
        let existing = keys.iter().find_map(|k| found.get(k).cloned());
        let missing_identities: Vec<String> = keys.iter().filter(|k| !found.contains_key(*k)).cloned().collect();
        Ok(match existing {
            Some(contact_id) => ContactPlan {
                contact_id,
                missing_identities,
                exists: true,
                name: None,
                phone: None,
            },
            None => ContactPlan {
                contact_id: identity.derived_contact_id(org_id).expect("identity has a key"),
                missing_identities,
                exists: false,
                name: None,
                phone: None,
            },
        })
    }

    /// The write request of an inbound message to a known contact's open conversation, the steady
    /// state, without sending it (benchmarks measure the CPU cost of building it).
    pub fn steady_state_items(
        &self,
        delivery: &DeliveryContext<'_>,
        contact_id: &str,
        conversation_id: &str,
        message: &InboundMessage,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let contact = ContactPlan {
            contact_id: contact_id.to_string(),
            missing_identities: vec![],
            name: None,
            phone: None,
            exists: true,
        };
        let message_id = ids::new_id("msg");
        let key = table::message(delivery.org_id, conversation_id, message.timestamp * 1000, &message_id);
        self.inbound_items(
            delivery,
            &contact,
            None,
            true,
            conversation_id,
            &key,
            &message_id,
            message,
            Freshness::Newest,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn inbound_items(
        &self,
        delivery: &DeliveryContext<'_>,
        contact: &ContactPlan,
        profile_name: Option<&str>,
        conversation_exists: bool,
        conversation_id: &str,
        message_key: &Key,
        message_id: &str,
        message: &InboundMessage,
        freshness: Freshness,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let org_id = delivery.org_id;
        let now = now_rfc3339();
        let ts_ms = message.timestamp * 1000;
        let window = window_expires_at(message.timestamp);
        let preview = message.content.preview();

        // 0: the claim that makes the message exactly-once.
        let mut claim = key_item(&table::wamid(org_id, &message.wamid));
        claim.insert(attr::ENTITY.into(), s("WamidClaim"));
        claim.insert("direction".into(), s("inbound"));
        claim.insert("message_pk".into(), s(&message_key.pk));
        claim.insert("message_sk".into(), s(&message_key.sk));
        claim.insert("conversation_id".into(), s(conversation_id));
        claim.insert("contact_id".into(), s(&contact.contact_id));
        claim.insert("opened_conversation".into(), AttributeValue::Bool(!conversation_exists));
        let mut items = vec![self.put(claim, Some("attribute_not_exists(pk)"))];

        // 1: the message.
        let record = Message::inbound(
            org_id,
            conversation_id,
            message_id.to_string(),
            message,
            delivery.received_at_ms,
            &now,
        );
        items.push(self.put(record_item(&record, message_key, "Message")?, None));

        // 2 and 3: the conversation, and the pointer that makes it the open one.
        let open_key = table::open_conversation(org_id, delivery.account_id, &contact.contact_id);
        let conversation_key = table::conversation(org_id, conversation_id);
        if conversation_exists {
            items.push(self.conversation_update(
                &conversation_key,
                conversation_id,
                org_id,
                ts_ms,
                window,
                &preview,
                &now,
                freshness,
                profile_name,
            ));
            let check = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key_item(&open_key)))
                .condition_expression("conversation_id = :conversation")
                .expression_attribute_values(":conversation", s(conversation_id))
                .build()
                .expect("table, key and condition are set");
            items.push(TransactWriteItem::builder().condition_check(check).build());
        } else {
            let conversation = Conversation {
                org_id: org_id.into(),
                conversation_id: conversation_id.into(),
                account_id: delivery.account_id.into(),
                contact_id: contact.contact_id.clone(),
                status: ConversationStatus::Open,
                unread_count: 1,
                message_count: 1,
                last_message_ms: ts_ms,
                last_message_preview: preview,
                last_message_direction: Direction::Inbound,
                last_inbound_ms: Some(ts_ms),
                window_expires_at: Some(window),
                assigned_agent_id: None,
                division_id: None,
                contact_name: contact.name.clone(),
                contact_profile_name: profile_name.map(str::to_string),
                contact_phone: contact.phone.clone(),
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            let mut item = record_item(&conversation, &conversation_key, "Conversation")?;
            let (gsi2pk, gsi2sk) = table::conversation_timeline(org_id, conversation_id, ts_ms);
            item.insert(attr::GSI2_PK.into(), s(gsi2pk));
            item.insert(attr::GSI2_SK.into(), s(gsi2sk));
            items.push(self.put(item, Some("attribute_not_exists(pk)")));
            let mut pointer = key_item(&open_key);
            pointer.insert(attr::ENTITY.into(), s("OpenConversation"));
            pointer.insert("conversation_id".into(), s(conversation_id));
            items.push(self.put(pointer, Some("attribute_not_exists(pk)")));
            // The contact's conversations, so a rename reaches every one of them.
            let mut listed = key_item(&table::contact_conversation(
                org_id,
                &contact.contact_id,
                conversation_id,
            ));
            listed.insert(attr::ENTITY.into(), s("ContactConversation"));
            items.push(self.put(listed, None));
        }

        // 4: the contact (created once; the profile name follows the latest message).
        let contact_key = table::contact(org_id, &contact.contact_id);
        if contact.exists {
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key_item(&contact_key)))
                .update_expression("SET updated_at = :now, last_inbound_at = :now")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":now", s(&now));
            if let Some(name) = profile_name {
                update = update
                    .update_expression("SET updated_at = :now, last_inbound_at = :now, profile_name = :name")
                    .expression_attribute_values(":name", s(name));
            }
            items.push(
                TransactWriteItem::builder()
                    .update(update.build().expect("update is complete"))
                    .build(),
            );
        } else {
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
                profile_name: profile_name.map(str::to_string),
                name: None,
                email: None,
                tags: vec![],
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            let item = super::contact_store::with_name_lookup(
                record_item(&record, &contact_key, "Contact")?,
                org_id,
                &record.contact_id,
                record.profile_name.as_deref(),
            );
            items.push(self.put(item, Some("attribute_not_exists(pk)")));
        }
        // 5..: identities the contact does not have yet.
        for identity in &contact.missing_identities {
            let mut item = key_item(&table::contact_identity(org_id, identity));
            item.insert(attr::ENTITY.into(), s("ContactIdentity"));
            item.insert("contact_id".into(), s(&contact.contact_id));
            items.push(self.put(item, Some("attribute_not_exists(pk)")));
        }

        // last: analytics counters, sharded.
        let shard = counter_shard(&message.wamid);
        let mut adds = vec![("messages_received", 1)];
        if !conversation_exists {
            adds.push(("conversations_created", 1));
            adds.push(("open_conversations", 1));
        }
        if !contact.exists {
            adds.push(("contacts_created", 1));
        }
        items.push(self.counter_update(&table::org_counter_shard(org_id, shard), &adds));
        let day = chrono::DateTime::from_timestamp(message.timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string();
        items.push(self.counter_update(
            &table::org_daily_counter_shard(org_id, &day, shard),
            &[("messages_received", 1)],
        ));
        Ok(items)
    }

    #[allow(clippy::too_many_arguments)]
    fn conversation_update(
        &self,
        key: &Key,
        conversation_id: &str,
        org_id: &str,
        ts_ms: i64,
        window: i64,
        preview: &str,
        now: &str,
        freshness: Freshness,
        profile_name: Option<&str>,
    ) -> TransactWriteItem {
        let base = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_values(":resolved", s("resolved"));
        let update = match freshness {
            Freshness::Newest => {
                let (_, gsi2sk) = table::conversation_timeline(org_id, conversation_id, ts_ms);
                // The newest message's profile name is the customer's current one.
                let (profile_set, base) = match profile_name {
                    Some(name) => (", contact_profile_name = :profile", base.expression_attribute_values(":profile", s(name))),
                    None => ("", base),
                };
                base.update_expression(format!(
                    "SET last_message_ms = :ts, last_message_preview = :preview, last_message_direction = :inbound, last_inbound_ms = :ts, \
                     window_expires_at = :window, updated_at = :now, #status = :open, gsi2sk = :gsi2sk{profile_set} ADD unread_count :one, message_count :one",
                ))
                .condition_expression("attribute_exists(pk) AND #status <> :resolved AND (attribute_not_exists(last_message_ms) OR last_message_ms <= :ts)")
                .expression_attribute_values(":ts", n(ts_ms))
                .expression_attribute_values(":preview", s(preview))
                .expression_attribute_values(":inbound", s("inbound"))
                .expression_attribute_values(":window", n(window))
                .expression_attribute_values(":open", s("open"))
                .expression_attribute_values(":gsi2sk", s(gsi2sk))
            }
            Freshness::NewestInbound => base
                .update_expression("SET last_inbound_ms = :ts, window_expires_at = :window, updated_at = :now ADD unread_count :one, message_count :one")
                .condition_expression("attribute_exists(pk) AND #status <> :resolved AND (attribute_not_exists(last_inbound_ms) OR last_inbound_ms < :ts)")
                .expression_attribute_values(":ts", n(ts_ms))
                .expression_attribute_values(":window", n(window)),
            Freshness::Late => base.update_expression("SET updated_at = :now ADD unread_count :one, message_count :one").condition_expression("attribute_exists(pk) AND #status <> :resolved"),
        };
        TransactWriteItem::builder()
            .update(update.build().expect("update is complete"))
            .build()
    }

    fn counter_update(&self, key: &Key, adds: &[(&str, i64)]) -> TransactWriteItem {
        self.records.counters(key, adds)
    }

    /// Applies a delivery status to the outbound message with this wamid, forward-only; parks it
    /// on the wamid item when no message claims the wamid yet.
    pub async fn apply_status(&self, org_id: &str, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        let wamid_key = table::wamid(org_id, &status.wamid);
        let claim = self.get(&wamid_key).await?;
        let message_key = claim.as_ref().and_then(|c| {
            Some(Key {
                pk: string_of(c, "message_pk")?,
                sk: string_of(c, "message_sk")?,
            })
        });
        let message_key = match message_key {
            Some(key) => key,
            None => match Box::pin(self.adopt_wamid(org_id, status)).await? {
                Some(key) => key,
                None => return self.park_status(&wamid_key, status).await,
            },
        };
        let mut items = vec![self.status_update(&message_key, status, true)];
        if status.status == DeliveryStatus::Sent
            && status
                .pricing
                .as_ref()
                .and_then(|p| p.get("billable"))
                .and_then(|b| b.as_bool())
                == Some(true)
        {
            let category = status
                .pricing
                .as_ref()
                .and_then(|p| p.get("category"))
                .and_then(|c| c.as_str())
                .unwrap_or("unknown")
                .to_lowercase();
            let day = chrono::DateTime::from_timestamp(status.timestamp, 0)
                .unwrap_or_default()
                .format("%Y-%m-%d")
                .to_string();
            let counter_name = format!("billable_{category}");
            items.push(self.counter_update(
                &table::org_daily_counter_shard(org_id, &day, counter_shard(&status.wamid)),
                &[(counter_name.as_str(), 1)],
            ));
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(StatusOutcome::Applied { message_key }),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c))
                    if c.cancellation_reasons().first().is_some_and(is_condition_failure) =>
                {
                    Ok(StatusOutcome::Stale)
                }
                _ => Err(StoreError::aws("TransactWriteItems(status)", err)),
            },
        }
    }

    /// A status whose wamid no message claims yet, but which names our message id (the send's
    /// answer, and with it the wamid, was lost): the message takes the wamid and the status.
    async fn adopt_wamid(&self, org_id: &str, status: &StatusUpdate) -> Result<Option<Key>, StoreError> {
        let Some(message_id) = status.callback_data.as_deref().filter(|id| ids::is_well_formed(id)) else {
            return Ok(None);
        };
        let Some(lookup) = self.get(&table::outbound_message(org_id, message_id)).await? else {
            return Ok(None);
        };
        let (Some(pk), Some(sk)) = (string_of(&lookup, "message_pk"), string_of(&lookup, "message_sk")) else {
            return Ok(None);
        };
        let key = Key { pk, sk };
        let adopted = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&key)))
            .update_expression("SET wamid = :wamid")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(wamid) OR attribute_type(wamid, :null) OR wamid = :wamid)",
            )
            .expression_attribute_values(":wamid", s(&status.wamid))
            .expression_attribute_values(":null", s("NULL"))
            .send()
            .await;
        match adopted {
            Ok(_) => {}
            // The message has another wamid: this status is not its own.
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(StoreError::aws("UpdateItem(adopt wamid)", err)),
        }
        self.link_outbound(org_id, &status.wamid, &key).await?;
        Ok(Some(key))
    }

    fn status_update(&self, key: &Key, status: &StatusUpdate, message_must_exist: bool) -> TransactWriteItem {
        let errors = serde_dynamo::to_attribute_value(&status.errors).unwrap_or(AttributeValue::L(vec![]));
        // Any status from Meta settles the send: the message leaves the pending-sends index.
        let mut expression = format!(
            "SET #status = :status, status_rank = :rank, {}_at = :at, status_updated_at = :at, status_errors = :errors",
            status.status.as_str()
        );
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status.status.as_str()))
            .expression_attribute_values(":rank", n(status.status.rank()))
            .expression_attribute_values(":at", n(status.timestamp))
            .expression_attribute_values(":errors", errors);
        if let Some(pricing) = &status.pricing {
            expression.push_str(", pricing = :pricing");
            update = update.expression_attribute_values(
                ":pricing",
                serde_dynamo::to_attribute_value(pricing).unwrap_or(AttributeValue::Null(true)),
            );
        }
        let condition = if message_must_exist {
            "attribute_exists(pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)"
        } else {
            "attribute_not_exists(status_rank) OR status_rank < :rank"
        };
        expression.push_str(" REMOVE gsi2pk, gsi2sk");
        let update = update.update_expression(expression).condition_expression(condition);
        TransactWriteItem::builder()
            .update(update.build().expect("update is complete"))
            .build()
    }

    async fn park_status(&self, wamid_key: &Key, status: &StatusUpdate) -> Result<StatusOutcome, StoreError> {
        let expires = chrono::Utc::now().timestamp() + PARKED_STATUS_TTL_SECONDS;
        let errors = serde_dynamo::to_attribute_value(&status.errors).unwrap_or(AttributeValue::L(vec![]));
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(wamid_key)))
            .update_expression("SET entity = :entity, #status = :status, status_rank = :rank, status_at = :at, status_errors = :errors, expires_at = if_not_exists(expires_at, :expires)")
            .condition_expression("attribute_not_exists(message_pk) AND (attribute_not_exists(status_rank) OR status_rank < :rank)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":entity", s("WamidClaim"))
            .expression_attribute_values(":status", s(status.status.as_str()))
            .expression_attribute_values(":rank", n(status.status.rank()))
            .expression_attribute_values(":at", n(status.timestamp))
            .expression_attribute_values(":errors", errors)
            .expression_attribute_values(":expires", n(expires))
            .send()
            .await;
        match result {
            Ok(_) => Ok(StatusOutcome::Parked),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                // Either a later status is parked already, or a message claimed the wamid meanwhile.
                let claimed = self
                    .get(wamid_key)
                    .await?
                    .is_some_and(|item| item.contains_key("message_pk"));
                if claimed {
                    Box::pin(self.apply_status(&wamid_key.pk["ORG#".len()..], status)).await
                } else {
                    Ok(StatusOutcome::Stale)
                }
            }
            Err(err) => Err(StoreError::aws("UpdateItem(park status)", err)),
        }
    }

    /// Links an outbound message to the wamid Meta returned for it, and applies any status that
    /// arrived before the link (the sender calls this after a successful send).
    pub async fn link_outbound(
        &self,
        org_id: &str,
        wamid: &str,
        message_key: &Key,
    ) -> Result<Option<DeliveryStatus>, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&table::wamid(org_id, wamid))))
            .update_expression(
                "SET entity = :entity, direction = :outbound, message_pk = :pk, message_sk = :sk REMOVE expires_at",
            )
            .expression_attribute_values(":entity", s("WamidClaim"))
            .expression_attribute_values(":outbound", s("outbound"))
            .expression_attribute_values(":pk", s(&message_key.pk))
            .expression_attribute_values(":sk", s(&message_key.sk))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| StoreError::aws("UpdateItem(link wamid)", e))?;
        let attributes = output.attributes.unwrap_or_default();
        let Some(parked) = string_of(&attributes, "status").and_then(|s| DeliveryStatus::parse(&s)) else {
            return Ok(None);
        };
        let status = StatusUpdate {
            wamid: wamid.into(),
            status: parked,
            timestamp: number_of(&attributes, "status_at").unwrap_or_default(),
            recipient_id: None,
            errors: attributes
                .get("status_errors")
                .and_then(|v| serde_dynamo::from_attribute_value(v.clone()).ok())
                .unwrap_or_default(),
            pricing: None,
            conversation: None,
            callback_data: None,
        };
        match self.apply_status(org_id, &status).await? {
            StatusOutcome::Applied { .. } => Ok(Some(parked)),
            _ => Ok(None),
        }
    }

    /// Keeps a non-message webhook change (template status, account update) for later features.
    pub async fn record_account_event(
        &self,
        org_id: &str,
        account_id: &str,
        received_at_ms: u64,
        waba_id: &str,
        field: &str,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let digest = &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(value.to_string().as_bytes()))[..16];
        let mut item = key_item(&table::account_event(org_id, account_id, received_at_ms, digest));
        item.insert(attr::ENTITY.into(), s("AccountEvent"));
        item.insert("field".into(), s(field));
        item.insert("waba_id".into(), s(waba_id));
        item.insert(
            "value".into(),
            serde_dynamo::to_attribute_value(value).unwrap_or(AttributeValue::Null(true)),
        );
        item.insert(
            attr::EXPIRES_AT.into(),
            n(chrono::Utc::now().timestamp() + 90 * 24 * 3600),
        );
        let mut items = vec![self.put(item, None)];
        if field == "message_template_status_update" {
            let name = value
                .get("message_template_name")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let language = value
                .get("message_template_language")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let event = value.get("event").and_then(|v| v.as_str()).unwrap_or("UNKNOWN");
            if !name.is_empty() {
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_item(&table::template(org_id, waba_id, name, language))))
                    .update_expression("SET entity = :entity, #name = :name, #language = :language, #status = :status, status_reason = :reason, meta_template_id = :id, updated_at = :now")
                    .expression_attribute_names("#name", "name")
                    .expression_attribute_names("#language", "language")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(":entity", s("Template"))
                    .expression_attribute_values(":name", s(name))
                    .expression_attribute_values(":language", s(language))
                    .expression_attribute_values(":status", s(event))
                    .expression_attribute_values(":reason", s(value.get("reason").and_then(|v| v.as_str()).unwrap_or("NONE")))
                    .expression_attribute_values(":id", s(value.get("message_template_id").map(|v| v.to_string().trim_matches('"').to_string()).unwrap_or_default()))
                    .expression_attribute_values(":now", s(now_rfc3339()))
                    .build()
                    .expect("update is complete");
                items.push(TransactWriteItem::builder().update(update).build());
            }
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("TransactWriteItems(account event)", e))
    }

    /// Messages of a conversation in Meta-timestamp order (oldest first), one page.
    pub async fn list_messages(
        &self,
        org_id: &str,
        conversation_id: &str,
        newest_first: bool,
        limit: i32,
    ) -> Result<Vec<Message>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :msg)")
            .expression_attribute_values(":pk", s(table::conversation_partition(org_id, conversation_id)))
            .expression_attribute_values(":msg", s("MSG#"))
            .scan_index_forward(!newest_first)
            .limit(limit)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(messages)", e))?;
        records(output.items(), "Message")
    }

    /// Conversations of an organization by last activity, newest first (GSI2), one page.
    pub async fn list_conversations(&self, org_id: &str, limit: i32) -> Result<Vec<Conversation>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(crate::table::index::TIMELINE)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(format!("ORG#{org_id}#CONVS")))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(conversations)", e))?;
        records(output.items(), "Conversation")
    }

    /// One page of a conversation's messages, newest first: one Query. New messages arriving
    /// between pages sort before the cursor, so pages neither skip nor repeat.
    pub async fn messages_page(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<BTreeMap<String, String>>,
    ) -> Result<(Vec<Message>, Option<BTreeMap<String, String>>), StoreError> {
        let page = self
            .records
            .page(
                &table::conversation_partition(org_id, conversation_id),
                "MSG#",
                "Message",
                limit,
                start,
                true,
            )
            .await?;
        Ok((page.items, page.next))
    }

    /// Unread count to zero (an agent read the conversation).
    pub async fn mark_read(&self, org_id: &str, conversation_id: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(&table::conversation(org_id, conversation_id))))
            .update_expression("SET unread_count = :zero, updated_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":now", s(now_rfc3339()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("UpdateItem(mark read)", e))
    }

    /// Sums the counter shards of an organization (analytics overview): one BatchGetItem.
    pub async fn counters(&self, org_id: &str) -> Result<HashMap<String, i64>, StoreError> {
        self.sum_counters(org_id, None).await
    }

    /// Totals and one day's counters (`yyyy-mm-dd`), the day's prefixed `day.`: one BatchGetItem.
    pub async fn counters_with_day(&self, org_id: &str, day: &str) -> Result<HashMap<String, i64>, StoreError> {
        self.sum_counters(org_id, Some(day)).await
    }

    async fn sum_counters(&self, org_id: &str, day: Option<&str>) -> Result<HashMap<String, i64>, StoreError> {
        let mut keys: Vec<Key> = (0..table::COUNTER_SHARDS)
            .map(|shard| table::org_counter_shard(org_id, shard))
            .collect();
        keys.push(table::org_counters(org_id));
        if let Some(day) = day {
            keys.extend((0..table::COUNTER_SHARDS).map(|shard| table::org_daily_counter_shard(org_id, day, shard)));
        }
        let daily_prefix = day.map(|day| format!("COUNTERS#{day}#"));
        let request = keys
            .iter()
            .fold(KeysAndAttributes::builder(), |request, key| request.keys(key_item(key)));
        let output = self
            .client
            .batch_get_item()
            .request_items(&self.table, request.build().expect("keys are set"))
            .send()
            .await
            .map_err(|e| StoreError::aws("BatchGetItem(counters)", e))?;
        let mut totals = HashMap::new();
        for item in output
            .responses()
            .and_then(|r| r.get(&self.table))
            .into_iter()
            .flatten()
        {
            let daily = daily_prefix
                .as_deref()
                .is_some_and(|prefix| string_of(item, attr::SK).is_some_and(|sk| sk.starts_with(prefix)));
            for (name, value) in item {
                if let Ok(number) = value.as_n() {
                    let name = if daily { format!("day.{name}") } else { name.clone() };
                    *totals.entry(name).or_insert(0) += number.parse::<i64>().unwrap_or(0);
                }
            }
        }
        Ok(totals)
    }

    /// Records the S3 location of an inbound message's media once the media function stored it.
    pub async fn set_media_result(
        &self,
        message_key: &Key,
        state: crate::inbox::MediaState,
        s3_key: Option<&str>,
        size: Option<u64>,
        failure: Option<&str>,
    ) -> Result<(), StoreError> {
        let state = serde_dynamo::to_attribute_value(state).unwrap_or(AttributeValue::S("failed".into()));
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_item(message_key)))
            .condition_expression("attribute_exists(pk) AND attribute_exists(#media)")
            .expression_attribute_values(":state", state);
        let mut expression = vec!["#media.#state = :state"];
        update = update
            .expression_attribute_names("#media", "media")
            .expression_attribute_names("#state", "state");
        if let Some(key) = s3_key {
            expression.push("#media.#s3_key = :key");
            update = update
                .expression_attribute_names("#s3_key", "s3_key")
                .expression_attribute_values(":key", s(key));
        }
        if let Some(size) = size {
            expression.push("#media.#size = :size");
            update = update
                .expression_attribute_names("#size", "size")
                .expression_attribute_values(":size", n(size));
        }
        if let Some(failure) = failure {
            expression.push("#media.#failure = :failure");
            update = update
                .expression_attribute_names("#failure", "failure")
                .expression_attribute_values(":failure", s(failure));
        }
        update
            .update_expression(format!("SET {}", expression.join(", ")))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("UpdateItem(media result)", e))
    }

    /// Writes a message record as is (outbound messages created by the API, before their send).
    pub async fn put_message(&self, key: &Key, message: &Message) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record_item(message, key, "Message")?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("PutItem(message)", e))
    }

    /// The message a wamid names, through its claim.
    pub async fn message_key_of(&self, org_id: &str, wamid: &str) -> Result<Option<Key>, StoreError> {
        Ok(self.get(&table::wamid(org_id, wamid)).await?.and_then(|c| {
            Some(Key {
                pk: string_of(&c, "message_pk")?,
                sk: string_of(&c, "message_sk")?,
            })
        }))
    }

    pub async fn message(&self, key: &Key) -> Result<Option<Message>, StoreError> {
        self.get_record(key, "Message").await
    }

    pub async fn conversation(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        self.get_record(&table::conversation(org_id, conversation_id), "Conversation")
            .await
    }

    pub async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError> {
        self.get_record(&table::contact(org_id, contact_id), "Contact").await
    }
}
