//! A conversation's notes and transfer log.

use super::ConversationStore;
use crate::desk::{Note, Transfer};
use crate::platform::StoreError;
use crate::platform::items::record_item;
use crate::platform::records::{Page, PageKey};
use crate::platform::table;

impl ConversationStore {
    pub async fn add_note(&self, note: &Note) -> Result<(), StoreError> {
        self.add_note_at(note, chrono::Utc::now().timestamp_millis()).await
    }

    /// Adds a note listed at `at_ms`; the same note (id and time) twice is `Conflict`.
    pub async fn add_note_at(&self, note: &Note, at_ms: i64) -> Result<(), StoreError> {
        let key = table::note(&note.org_id, &note.conversation_id, at_ms, &note.note_id);
        self.records
            .transact_all(vec![
                self.records
                    .put(record_item(note, &key, "Note")?, Some("attribute_not_exists(pk)")),
            ])
            .await
    }

    pub async fn notes_page(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Note>, StoreError> {
        self.records
            .page(
                &table::conversation_partition(org_id, conversation_id),
                table::prefix::NOTE,
                "Note",
                limit,
                start,
                false,
            )
            .await
    }

    pub async fn transfers_page(
        &self,
        org_id: &str,
        conversation_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Transfer>, StoreError> {
        self.records
            .page(
                &table::conversation_partition(org_id, conversation_id),
                table::prefix::TRANSFER,
                "Transfer",
                limit,
                start,
                false,
            )
            .await
    }
}
