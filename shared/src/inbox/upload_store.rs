//! Records of media agents uploaded for sending (the file itself is in S3).

use crate::desk::UploadedMedia;
use crate::platform::StoreError;
use crate::platform::items::{Item, record_item};
use crate::platform::records::Records;
use crate::platform::table::{self};

#[derive(Clone)]
pub struct UploadStore {
    records: Records,
}

impl UploadStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    // --- uploaded media -------------------------------------------------------------------------

    pub async fn record_upload(&self, media: &UploadedMedia) -> Result<(), StoreError> {
        let item: Item = record_item(
            media,
            &table::uploaded_media(&media.org_id, &media.media_id),
            "UploadedMedia",
        )?;
        self.records
            .transact_all(vec![self.records.put(item, Some("attribute_not_exists(pk)"))])
            .await
    }

    pub async fn upload(&self, org_id: &str, media_id: &str) -> Result<Option<UploadedMedia>, StoreError> {
        self.records
            .get(&table::uploaded_media(org_id, media_id), "UploadedMedia")
            .await
    }
}
