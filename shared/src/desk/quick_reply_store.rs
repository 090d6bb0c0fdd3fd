//! Quick replies: the organization's canned answers, with an optional unique shortcut.

use crate::desk::QuickReply;
use crate::platform::StoreError;
use crate::platform::items::{now_rfc3339, record_item, s, s_or_null};
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self};

#[derive(Clone)]
pub struct QuickReplyStore {
    records: Records,
}

#[derive(Debug, Default, Clone)]
pub struct QuickReplyChanges {
    pub title: Option<String>,
    pub content: Option<String>,
    pub shortcut: Option<Option<String>>,
    pub category: Option<Option<String>>,
}

impl QuickReplyStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    // --- quick replies --------------------------------------------------------------------------

    pub async fn quick_replies_page(
        &self,
        org_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<QuickReply>, StoreError> {
        self.records
            .page(
                &table::org_partition(org_id),
                table::prefix::QUICK_REPLY,
                "QuickReply",
                limit,
                start,
                false,
            )
            .await
    }

    pub async fn quick_reply(&self, org_id: &str, id: &str) -> Result<Option<QuickReply>, StoreError> {
        self.records.get(&table::quick_reply(org_id, id), "QuickReply").await
    }

    pub async fn create_quick_reply(&self, reply: &QuickReply) -> Result<(), StoreError> {
        let item = record_item(
            reply,
            &table::quick_reply(&reply.org_id, &reply.quick_reply_id),
            "QuickReply",
        )?;
        self.records
            .transact_all(vec![self.records.put(item, Some("attribute_not_exists(pk)"))])
            .await
    }

    pub async fn update_quick_reply(
        &self,
        org_id: &str,
        id: &str,
        changes: QuickReplyChanges,
    ) -> Result<Option<QuickReply>, StoreError> {
        let mut sets = vec![("updated_at", s(now_rfc3339()))];
        if let Some(title) = changes.title {
            sets.push(("title", s(title)));
        }
        if let Some(content) = changes.content {
            sets.push(("content", s(content)));
        }
        if let Some(shortcut) = changes.shortcut {
            sets.push(("shortcut", s_or_null(shortcut)));
        }
        if let Some(category) = changes.category {
            sets.push(("category", s_or_null(category)));
        }
        self.records
            .set_fields(&table::quick_reply(org_id, id), "QuickReply", sets, vec![])
            .await
    }

    /// Deletes a quick reply; `Ok(false)` when there was none.
    pub async fn delete_quick_reply(&self, org_id: &str, id: &str) -> Result<bool, StoreError> {
        match self
            .records
            .transact(vec![Write::failing_as(
                self.records.delete(
                    &table::quick_reply(org_id, id),
                    Some(("attribute_exists(pk) AND quick_reply_id = :id", ":id", id.to_string())),
                ),
                StoreError::NotFound("quick reply".into()),
            )])
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}
