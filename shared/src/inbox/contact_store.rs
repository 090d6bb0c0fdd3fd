//! Contacts as agents manage them: create by phone number, update name, e-mail and tags, find by
//! phone, name prefix or tag. Each lookup is one request against a key or index written with the
//! contact, never a scan.

use crate::desk::search_form;
use crate::inbox::{Contact, CustomerIdentity};
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, now_rfc3339, record_item, s};
use crate::platform::plan::WriteOp;
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self, attr, index};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct ContactStore {
    records: Records,
}

pub struct NewContact {
    pub phone_number: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct ContactChanges {
    pub name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub country: Option<Option<String>>,
    pub llm_context: Option<Option<serde_json::Value>>,
}

/// The name a contact is searched and shown by: the agents' name, else the WhatsApp profile name.
pub fn display_name(contact: &Contact) -> Option<&str> {
    contact.name.as_deref().or(contact.profile_name.as_deref())
}

/// Sets (or removes) the contact's name-search index key on its item.
pub fn with_name_lookup(mut item: Item, org_id: &str, contact_id: &str, name: Option<&str>) -> Item {
    if let Some(name) = name.map(search_form).filter(|n| !n.is_empty()) {
        let (pk, sk) = table::contact_name_lookup(org_id, &name, contact_id);
        item.insert(attr::GSI1_PK.into(), s(pk));
        item.insert(attr::GSI1_SK.into(), s(sk));
    }
    item
}

fn tag_item(org_id: &str, tag: &str, contact_id: &str) -> Item {
    let mut item = key_item(&table::contact_tag(org_id, tag, contact_id));
    item.insert(attr::ENTITY.into(), s("ContactTag"));
    item.insert("contact_id".into(), s(contact_id));
    item
}

impl ContactStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn contact(&self, org_id: &str, contact_id: &str) -> Result<Option<Contact>, StoreError> {
        self.records.get(&table::contact(org_id, contact_id), "Contact").await
    }

    /// Creates a contact for a phone number. Its id is the one ingest derives for that number, and
    /// its identity item is claimed, so the customer's first message lands on this contact.
    pub async fn create(&self, org_id: &str, new: NewContact) -> Result<Contact, StoreError> {
        let identity = CustomerIdentity {
            user_id: None,
            wa_id: Some(new.phone_number.clone()),
        };
        let contact_id = identity
            .derived_contact_id(org_id)
            .expect("a phone number is an identity");
        let now = now_rfc3339();
        let contact = Contact {
            org_id: org_id.into(),
            contact_id: contact_id.clone(),
            wa_id: Some(new.phone_number.clone()),
            user_id: None,
            profile_name: None,
            name: new.name,
            email: new.email,
            tags: new.tags,
            blocked_scenarios: vec![],
            description: None,
            country: None,
            llm_context: None,
            created_at: now.clone(),
            updated_at: now,
        };
        let item = with_name_lookup(
            record_item(&contact, &table::contact(org_id, &contact_id), "Contact")?,
            org_id,
            &contact_id,
            display_name(&contact),
        );
        let mut identity_item = key_item(&table::contact_identity(org_id, &format!("WA#{}", new.phone_number)));
        identity_item.insert(attr::ENTITY.into(), s("ContactIdentity"));
        identity_item.insert("contact_id".into(), s(&contact_id));
        let exists = || StoreError::Conflict("a contact with this phone number".into());
        let mut writes = vec![
            Write::failing_as(
                self.records.put(identity_item, Some("attribute_not_exists(pk)")),
                exists(),
            ),
            Write::failing_as(self.records.put(item, Some("attribute_not_exists(pk)")), exists()),
            Write::from(
                self.records
                    .update_of(&table::org_counters(org_id))
                    .expression("ADD contacts_created :one")
                    .value(":one", n(1)),
            ),
        ];
        writes.extend(
            contact
                .tags
                .iter()
                .map(|tag| Write::from(self.records.put(tag_item(org_id, tag, &contact_id), None))),
        );
        self.records.transact(writes).await?;
        Ok(contact)
    }

    /// Applies `changes`, keeping tag items and the name index in step in one transaction; the
    /// contact's `updated_at` guards against a concurrent change (retried).
    pub async fn update(
        &self,
        org_id: &str,
        contact_id: &str,
        changes: ContactChanges,
    ) -> Result<Option<Contact>, StoreError> {
        for _ in 0..3 {
            let Some(old) = self.contact(org_id, contact_id).await? else {
                return Ok(None);
            };
            let mut contact = old.clone();
            if let Some(name) = changes.name.clone() {
                contact.name = name;
            }
            if let Some(email) = changes.email.clone() {
                contact.email = email;
            }
            if let Some(tags) = changes.tags.clone() {
                contact.tags = tags;
            }
            if let Some(description) = changes.description.clone() {
                contact.description = description;
            }
            if let Some(country) = changes.country.clone() {
                contact.country = country;
            }
            if let Some(context) = changes.llm_context.clone() {
                contact.llm_context = context;
            }
            contact.updated_at = now_rfc3339();
            // An update, not a put: attributes ingest keeps on the contact (profile name, last
            // inbound time) stay as they are.
            let mut sets = vec!["updated_at = :now", "tags = :tags"];
            let mut removes = Vec::new();
            let mut update = self
                .records
                .update_of(&table::contact(org_id, contact_id))
                .when("updated_at = :was")
                .value(":was", s(&old.updated_at))
                .value(":now", s(&contact.updated_at))
                .value(":tags", AttributeValue::L(contact.tags.iter().map(s).collect()));
            for (attribute, set, value) in [
                ("#name", "#name = :name", &contact.name),
                ("email", "email = :email", &contact.email),
                ("description", "description = :description", &contact.description),
                ("country", "country = :country", &contact.country),
            ] {
                match value {
                    Some(text) => {
                        sets.push(set);
                        let placeholder = set.split(" = ").nth(1).unwrap_or_default();
                        update = update.value(placeholder, s(text));
                    }
                    None => removes.push(attribute),
                }
            }
            match &contact.llm_context {
                Some(context) => {
                    sets.push("llm_context = :context");
                    let value = serde_dynamo::to_attribute_value(context).map_err(|e| StoreError::Corrupt {
                        entity: "Contact",
                        detail: e.to_string(),
                    })?;
                    update = update.value(":context", value);
                }
                None => removes.push("llm_context"),
            }
            update = update.name("#name", "name");
            match display_name(&contact).map(search_form).filter(|n| !n.is_empty()) {
                Some(name) => {
                    let (pk, sk) = table::contact_name_lookup(org_id, &name, contact_id);
                    sets.push("gsi1pk = :lookup_pk, gsi1sk = :lookup_sk");
                    update = update.value(":lookup_pk", s(pk)).value(":lookup_sk", s(sk));
                }
                None => removes.push("gsi1pk, gsi1sk"),
            }
            let mut expression = format!("SET {}", sets.join(", "));
            if !removes.is_empty() {
                expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
            }
            let put = update.expression(expression);
            let mut items: Vec<WriteOp> = vec![put];
            for tag in contact.tags.iter().filter(|t| !old.tags.contains(t)) {
                items.push(self.records.put(tag_item(org_id, tag, contact_id), None));
            }
            for tag in old.tags.iter().filter(|t| !contact.tags.contains(t)) {
                items.push(self.records.delete(&table::contact_tag(org_id, tag, contact_id), None));
            }
            match self.records.transact_all(items).await {
                Ok(()) => {
                    // Also when unchanged: repeating a rename repairs copies an earlier one missed.
                    if changes.name.is_some() {
                        self.rename_in_conversations(org_id, contact_id, contact.name.as_deref())
                            .await?;
                    }
                    return Ok(Some(contact));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict("the contact changed concurrently; retry".into()))
    }

    /// Writes the contact's agent-given name onto each of its conversations (one Query per 1 MB of
    /// pointers, then one UpdateItem per conversation); answers how many were written.
    pub async fn rename_in_conversations(
        &self,
        org_id: &str,
        contact_id: &str,
        name: Option<&str>,
    ) -> Result<usize, StoreError> {
        let mut written = 0;
        let mut start = None;
        loop {
            let output = self
                .records
                .client
                .query()
                .table_name(&self.records.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(table::contact_conversations_partition(org_id, contact_id)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::aws("Query(contact conversations)", e))?;
            for item in output.items() {
                let Some(conversation_id) = item
                    .get("sk")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|sk| table::conversation_of_contact_conversation(sk))
                else {
                    continue;
                };
                let key = table::conversation(org_id, conversation_id);
                let update = self
                    .records
                    .client
                    .update_item()
                    .table_name(&self.records.table)
                    .key("pk", s(&key.pk))
                    .key("sk", s(&key.sk))
                    .condition_expression("attribute_exists(pk)");
                let update = match name {
                    Some(name) => update
                        .update_expression("SET contact_name = :name")
                        .expression_attribute_values(":name", s(name)),
                    None => update.update_expression("REMOVE contact_name"),
                };
                match update.send().await {
                    Ok(_) => written += 1,
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|err| err.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(StoreError::aws("UpdateItem(conversation contact name)", e)),
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(written);
            }
        }
    }

    pub async fn page(&self, org_id: &str, limit: i32, start: Option<PageKey>) -> Result<Page<Contact>, StoreError> {
        self.records
            .page(
                &table::org_partition(org_id),
                table::prefix::CONTACT,
                "Contact",
                limit,
                start,
                false,
            )
            .await
    }

    /// The contacts of these ids that exist (BatchGetItem per 100).
    pub async fn contacts(&self, org_id: &str, contact_ids: &[String]) -> Result<Vec<Contact>, StoreError> {
        let keys: Vec<_> = contact_ids.iter().map(|id| table::contact(org_id, id)).collect();
        self.records.batch_get(&keys, "Contact").await
    }

    /// Whether any contact carries `tag` (one Query of one item).
    pub async fn tag_in_use(&self, org_id: &str, tag: &str) -> Result<bool, StoreError> {
        let page: Page<TagEntry> = self
            .records
            .page(
                &table::tag_partition(org_id, tag),
                table::prefix::CONTACT,
                "ContactTag",
                1,
                None,
                false,
            )
            .await?;
        Ok(!page.items.is_empty())
    }

    /// Contacts carrying `tag`: one Query of the tag's partition plus one BatchGetItem.
    pub async fn by_tag(
        &self,
        org_id: &str,
        tag: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Contact>, StoreError> {
        let page: Page<TagEntry> = self
            .records
            .page(
                &table::tag_partition(org_id, tag),
                table::prefix::CONTACT,
                "ContactTag",
                limit,
                start,
                false,
            )
            .await?;
        let keys: Vec<_> = page
            .items
            .iter()
            .map(|entry| table::contact(org_id, &entry.contact_id))
            .collect();
        Ok(Page {
            items: self.records.batch_get(&keys, "Contact").await?,
            next: page.next,
        })
    }

    /// Contacts whose name starts with `query` (case and spacing ignored): one index Query.
    pub async fn by_name(
        &self,
        org_id: &str,
        query: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Contact>, StoreError> {
        let (pk, _) = table::contact_name_lookup(org_id, "", "");
        let page = self
            .records
            .index_key_page(
                index::LOOKUP,
                "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
                vec![(":pk", pk), (":prefix", search_form(query))],
                limit,
                start,
                false,
            )
            .await?;
        Ok(Page {
            items: self.records.batch_get(&page.items, "Contact").await?,
            next: page.next,
        })
    }

    /// The contact with this WhatsApp phone number (its identity item), if any.
    pub async fn by_phone(&self, org_id: &str, phone_number: &str) -> Result<Option<Contact>, StoreError> {
        let identity = self
            .records
            .get_item(&table::contact_identity(org_id, &format!("WA#{phone_number}")))
            .await?;
        match identity.and_then(|item| item.get("contact_id").and_then(|v| v.as_s().ok()).cloned()) {
            Some(contact_id) => self.contact(org_id, &contact_id).await,
            None => Ok(None),
        }
    }

    /// Replaces (or, with `None`, removes) what AI agents know about the contact (`NotFound` when
    /// there is none).
    pub async fn set_llm_context(
        &self,
        org_id: &str,
        contact_id: &str,
        context: Option<&serde_json::Value>,
    ) -> Result<(), StoreError> {
        let key = table::contact(org_id, contact_id);
        match context {
            Some(context) => {
                let value = serde_dynamo::to_attribute_value(context).map_err(|e| StoreError::Corrupt {
                    entity: "Contact",
                    detail: e.to_string(),
                })?;
                self.records
                    .update_existing(
                        &key,
                        "SET llm_context = :context, updated_at = :now",
                        &[(":context", value), (":now", s(now_rfc3339()))],
                        "UpdateItem(contact context)",
                    )
                    .await
            }
            None => {
                self.records
                    .update_existing(
                        &key,
                        "REMOVE llm_context SET updated_at = :now",
                        &[(":now", s(now_rfc3339()))],
                        "UpdateItem(contact context)",
                    )
                    .await
            }
        }
    }

    /// Replaces the keyword scenarios that never answer this contact (404 when there is none).
    pub async fn set_blocked_scenarios(
        &self,
        org_id: &str,
        contact_id: &str,
        ids: &[String],
    ) -> Result<(), StoreError> {
        self.records
            .update_existing(
                &table::contact(org_id, contact_id),
                "SET blocked_scenarios = :ids, updated_at = :now",
                &[
                    (":ids", AttributeValue::L(ids.iter().map(s).collect())),
                    (":now", s(now_rfc3339())),
                ],
                "UpdateItem(blocked scenarios)",
            )
            .await
    }
}

#[derive(serde::Deserialize)]
struct TagEntry {
    contact_id: String,
}
