//! SLA policies of an organization: a small set, read whole when a conversation opens.

use crate::care::sla::SlaPolicy;
use crate::platform::StoreError;
use crate::platform::items::{key_item, record_item};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table;

#[derive(Clone)]
pub struct SlaPolicyStore {
    records: Records,
}

impl SlaPolicyStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// Every policy of the organization, oldest first.
    pub async fn all(&self, org_id: &str) -> Result<Vec<SlaPolicy>, StoreError> {
        self.records
            .all(&table::org_partition(org_id), table::prefix::SLA_POLICY, "SlaPolicy")
            .await
    }

    pub async fn policy(&self, org_id: &str, policy_id: &str) -> Result<Option<SlaPolicy>, StoreError> {
        self.records
            .get(&table::sla_policy(org_id, policy_id), "SlaPolicy")
            .await
    }

    /// Writes a new policy (`attribute_not_exists`) or replaces an existing one (`attribute_exists`:
    /// `NotFound` if it was deleted meanwhile).
    pub async fn save(&self, policy: &SlaPolicy, new: bool) -> Result<(), StoreError> {
        let key = table::sla_policy(&policy.org_id, &policy.policy_id);
        let result = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(record_item(policy, &key, "SlaPolicy")?))
            .condition_expression(match new {
                true => "attribute_not_exists(pk)",
                false => "attribute_exists(pk)",
            })
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if condition_failed(&err) => Err(match new {
                true => StoreError::Conflict("sla policy".into()),
                false => StoreError::NotFound("sla policy".into()),
            }),
            Err(err) => Err(StoreError::aws("PutItem(sla policy)", err)),
        }
    }

    /// Deletes a policy; false when there was none.
    pub async fn delete(&self, org_id: &str, policy_id: &str) -> Result<bool, StoreError> {
        let output = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&table::sla_policy(org_id, policy_id))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| StoreError::aws("DeleteItem(sla policy)", e))?;
        Ok(output.attributes.is_some())
    }
}
