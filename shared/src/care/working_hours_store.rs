//! Working hours: one item for the organization, one per division that has its own.

use crate::care::working_hours::WorkingHours;
use crate::platform::StoreError;
use crate::platform::items::{key_item, record_item};
use crate::platform::records::Records;
use crate::platform::table;

#[derive(Clone)]
pub struct WorkingHoursStore {
    records: Records,
}

impl WorkingHoursStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn get(&self, org_id: &str, division_id: Option<&str>) -> Result<Option<WorkingHours>, StoreError> {
        self.records
            .get(&table::working_hours(org_id, division_id), "WorkingHours")
            .await
    }

    /// The schedule in force for a division: its own, else the organization's.
    pub async fn in_force(&self, org_id: &str, division_id: Option<&str>) -> Result<Option<WorkingHours>, StoreError> {
        if let Some(division) = division_id
            && let Some(hours) = self.get(org_id, Some(division)).await?
        {
            return Ok(Some(hours));
        }
        self.get(org_id, None).await
    }

    /// Replaces the schedule (it is one document: the intervals are set together).
    pub async fn put(&self, hours: &WorkingHours) -> Result<(), StoreError> {
        let key = table::working_hours(&hours.org_id, hours.division_id.as_deref());
        self.records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(record_item(hours, &key, "WorkingHours")?))
            .send()
            .await
            .map_err(|e| StoreError::aws("PutItem(working hours)", e))?;
        Ok(())
    }

    /// Deletes the schedule; false when there was none.
    pub async fn delete(&self, org_id: &str, division_id: Option<&str>) -> Result<bool, StoreError> {
        let output = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::working_hours(org_id, division_id))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| StoreError::aws("DeleteItem(working hours)", e))?;
        Ok(output.attributes.is_some())
    }
}
