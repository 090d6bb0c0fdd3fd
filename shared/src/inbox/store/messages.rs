//! Message records of conversations: reads, pages, an outbound record written before its send,
//! and the media result the media function settles.

use crate::inbox::{MediaState, Message};
use crate::platform::StoreError;
use crate::platform::items::{n, s};
use crate::platform::plan::WriteOp;
use crate::platform::records::{Page, PageKey, Records};
use crate::platform::table::{self, Key};
use crate::platform::transact::{self, NotWritten};
use aws_sdk_dynamodb::types::AttributeValue;

/// How the media function left a message's media.
#[derive(Debug, Clone, Copy)]
pub struct MediaResult<'a> {
    pub state: MediaState,
    pub s3_key: Option<&'a str>,
    pub size: Option<u64>,
    pub failure: Option<&'a str>,
}

/// Sets the fields of `media` that the result has; only on a message that has media.
pub fn media_result_update(message_key: &Key, result: &MediaResult<'_>) -> WriteOp {
    let state = serde_dynamo::to_attribute_value(result.state).unwrap_or(AttributeValue::S("failed".into()));
    let mut sets = vec!["#media.#state = :state"];
    let mut op = WriteOp::update(message_key.clone(), "")
        .when("attribute_exists(pk) AND attribute_exists(#media)")
        .name("#media", "media")
        .name("#state", "state")
        .value(":state", state);
    if let Some(key) = result.s3_key {
        sets.push("#media.#s3_key = :key");
        op = op.name("#s3_key", "s3_key").value(":key", s(key));
    }
    if let Some(size) = result.size {
        sets.push("#media.#size = :size");
        op = op.name("#size", "size").value(":size", n(size));
    }
    if let Some(failure) = result.failure {
        sets.push("#media.#failure = :failure");
        op = op.name("#failure", "failure").value(":failure", s(failure));
    }
    if let WriteOp::Update { expression, .. } = &mut op {
        *expression = format!("SET {}", sets.join(", "));
    }
    op
}

pub struct MessageStore {
    records: Records,
}

impl MessageStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn message(&self, key: &Key) -> Result<Option<Message>, StoreError> {
        self.records.get(key, "Message").await
    }

    /// The message a wamid names, through its claim.
    pub async fn key_of_wamid(&self, org_id: &str, wamid: &str) -> Result<Option<Key>, StoreError> {
        super::claimed_message(&self.records, org_id, wamid).await
    }

    /// One page of a conversation's messages, newest first: one Query. New messages arriving
    /// between pages sort before the cursor, so pages neither skip nor repeat.
    pub async fn page(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<(Vec<Message>, Option<PageKey>), StoreError> {
        let page = self.query(org_id, conversation_id, limit, start, true).await?;
        Ok((page.items, page.next))
    }

    /// As [`MessageStore::page`], each message with the cursor that continues after it.
    pub async fn page_keyed(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<(Vec<(Message, PageKey)>, Option<PageKey>), StoreError> {
        let partition = table::conversation_partition(org_id, conversation_id);
        let page = self
            .records
            .page_keyed(&partition, table::MESSAGE_PREFIX, "Message", limit, start, true)
            .await?;
        Ok((page.items, page.next))
    }

    /// The first `limit` messages of a conversation, oldest first (Meta's timestamps).
    pub async fn oldest_first(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
    ) -> Result<Vec<Message>, StoreError> {
        Ok(self.query(org_id, conversation_id, limit, None, false).await?.items)
    }

    async fn query(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<PageKey>,
        newest_first: bool,
    ) -> Result<Page<Message>, StoreError> {
        let partition = table::conversation_partition(org_id, conversation_id);
        self.records
            .page(&partition, table::MESSAGE_PREFIX, "Message", limit, start, newest_first)
            .await
    }

    /// Records the S3 location (or the failure) of an inbound message's media.
    pub async fn set_media_result(&self, message_key: &Key, result: &MediaResult<'_>) -> Result<(), StoreError> {
        let op = media_result_update(message_key, result);
        match transact::update_one(
            &self.records.client,
            &self.records.table,
            &op,
            "UpdateItem(media result)",
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(NotWritten::ConditionFailed) => Err(StoreError::NotFound("message with media".into())),
            Err(NotWritten::Store(err)) => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_media_result_sets_only_what_it_has() {
        let key = Key {
            pk: "p".into(),
            sk: "s".into(),
        };
        let stored = media_result_update(
            &key,
            &MediaResult {
                state: MediaState::Stored,
                s3_key: Some("media/o/x"),
                size: Some(10),
                failure: None,
            },
        );
        let WriteOp::Update { expression, names, .. } = &stored else {
            panic!()
        };
        assert_eq!(
            expression,
            "SET #media.#state = :state, #media.#s3_key = :key, #media.#size = :size"
        );
        assert!(!names.contains_key("#failure"));
        assert_eq!(
            stored.condition(),
            Some("attribute_exists(pk) AND attribute_exists(#media)")
        );
    }
}

/// What a customer's edit or deletion does to the message it names.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Edit(crate::meta::Content),
    Revoke,
}

/// How applying a change went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// Applied to the message of this conversation (or found applied before: a redelivery).
    Applied {
        conversation_id: String,
        message_id: String,
    },
    /// The message it names is not stored (yet): Meta delivers it first, so retry later.
    OriginalUnknown,
}

impl MessageStore {
    /// Puts a message unless one is at its key already: whether it was new.
    pub async fn put_new(&self, key: &Key, message: &Message) -> Result<bool, StoreError> {
        let item = crate::platform::items::record_item(message, key, "Message")?;
        self.records.put_new(item, "PutItem(message)").await
    }

    /// Records a change whose original message is not stored, for operators (kept 90 days): the
    /// change's wamid names it, so a redelivery rewrites the same item.
    pub async fn record_orphan_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<(), StoreError> {
        use crate::platform::items::{key_item, n, s};
        let mut item = key_item(&table::orphan_change(org_id, change_wamid));
        item.insert(crate::platform::table::attr::ENTITY.into(), s("OrphanChange"));
        item.insert("original_wamid".into(), s(original_wamid));
        item.insert("change_wamid".into(), s(change_wamid));
        item.insert("at".into(), s(at));
        match change {
            Change::Edit(content) => {
                item.insert("kind".into(), s("edit"));
                let value =
                    serde_dynamo::to_attribute_value(content).map_err(|e| StoreError::io("orphan change", e))?;
                item.insert("content".into(), value);
            }
            Change::Revoke => {
                item.insert("kind".into(), s("revoke"));
            }
        }
        item.insert(
            crate::platform::table::attr::EXPIRES_AT.into(),
            n(chrono::Utc::now().timestamp() + 90 * 86_400),
        );
        self.records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::aws("PutItem(orphan change)", e))?;
        Ok(())
    }

    /// Applies the customer's edit or deletion `change_wamid` to their message `original_wamid`:
    /// the new content (or a `revoke` for a deletion) replaces the old, which is appended to
    /// `previous_contents`; the change's wamid is recorded, so a redelivery changes nothing.
    pub async fn apply_change(
        &self,
        org_id: &str,
        original_wamid: &str,
        change_wamid: &str,
        change: &Change,
        at: &str,
    ) -> Result<Changed, StoreError> {
        let Some(key) = self.key_of_wamid(org_id, original_wamid).await? else {
            return Ok(Changed::OriginalUnknown);
        };
        let Some(message) = self.message(&key).await? else {
            return Ok(Changed::OriginalUnknown);
        };
        let applied = Changed::Applied {
            conversation_id: message.conversation_id.clone(),
            message_id: message.message_id.clone(),
        };
        let (content, stamp) = match change {
            Change::Edit(content) => (content.clone(), "edited_at"),
            Change::Revoke => (
                crate::meta::Content::Revoke {
                    original_message_id: original_wamid.to_string(),
                },
                "revoked_at",
            ),
        };
        let to_value = |c: &crate::meta::Content| {
            serde_dynamo::to_attribute_value(c).map_err(|e| StoreError::Corrupt {
                entity: "Message",
                detail: e.to_string(),
            })
        };
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(crate::platform::items::key_item(&key)))
            .update_expression(format!(
                "SET content = :content, {stamp} = :at, previous_contents = list_append(if_not_exists(previous_contents, :none), :old) ADD change_wamids :change"
            ))
            .condition_expression("attribute_exists(pk) AND NOT contains(change_wamids, :wamid)")
            .expression_attribute_values(":content", to_value(&content)?)
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":none", AttributeValue::L(vec![]))
            .expression_attribute_values(":old", AttributeValue::L(vec![to_value(&message.content)?]))
            .expression_attribute_values(":change", AttributeValue::Ss(vec![change_wamid.to_string()]))
            .expression_attribute_values(":wamid", s(change_wamid))
            .send()
            .await;
        match result {
            Ok(_) => Ok(applied),
            Err(err) if crate::platform::records::condition_failed(&err) => Ok(applied),
            Err(err) => Err(StoreError::aws("UpdateItem(message change)", err)),
        }
    }
}
