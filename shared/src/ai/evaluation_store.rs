//! Corrections in DynamoDB: a partition per agent (newest first by their ULID ids), and a pointer
//! by id under the organization so one can be read or deleted by its id alone (pattern 80 of
//! DATA_MODEL.md). Both written in one transaction.

use crate::ai::evaluation::Evaluation;
use crate::ai::ports::EvaluationBook;
use crate::platform::StoreError;
use crate::platform::items::record_item;
use crate::platform::plan::WriteOp;
use crate::platform::records::Records;
use crate::platform::table;
use serde::{Deserialize, Serialize};

const EVALUATION: &str = "AiEvaluation";
const POINTER: &str = "AiEvaluationPointer";

#[derive(Serialize, Deserialize)]
struct Pointer {
    ai_agent_id: String,
}

#[derive(Clone)]
pub struct EvaluationStore {
    records: Records,
}

impl EvaluationStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    async fn agent_of(&self, org_id: &str, evaluation_id: &str) -> Result<Option<String>, StoreError> {
        let pointer: Option<Pointer> = self
            .records
            .get(&table::ai_evaluation_pointer(org_id, evaluation_id), POINTER)
            .await?;
        Ok(pointer.map(|p| p.ai_agent_id))
    }
}

#[async_trait::async_trait]
impl EvaluationBook for EvaluationStore {
    async fn evaluations(&self, org_id: &str, ai_agent_id: &str, limit: usize) -> Result<Vec<Evaluation>, StoreError> {
        let page = self
            .records
            .page(
                &table::ai_evaluations_partition(org_id, ai_agent_id),
                "EVAL#",
                EVALUATION,
                limit.clamp(1, 1_000) as i32,
                None,
                true,
            )
            .await?;
        Ok(page.items)
    }

    async fn add_evaluation(&self, evaluation: &Evaluation) -> Result<(), StoreError> {
        let key = table::ai_evaluation(&evaluation.org_id, &evaluation.ai_agent_id, &evaluation.evaluation_id);
        let pointer_key = table::ai_evaluation_pointer(&evaluation.org_id, &evaluation.evaluation_id);
        let pointer = Pointer {
            ai_agent_id: evaluation.ai_agent_id.clone(),
        };
        self.records
            .transact_all(vec![
                self.records.put(
                    record_item(evaluation, &key, EVALUATION)?,
                    Some("attribute_not_exists(pk)"),
                ),
                self.records.put(
                    record_item(&pointer, &pointer_key, POINTER)?,
                    Some("attribute_not_exists(pk)"),
                ),
            ])
            .await
    }

    async fn evaluation(&self, org_id: &str, evaluation_id: &str) -> Result<Option<Evaluation>, StoreError> {
        let Some(agent) = self.agent_of(org_id, evaluation_id).await? else {
            return Ok(None);
        };
        self.records
            .get(&table::ai_evaluation(org_id, &agent, evaluation_id), EVALUATION)
            .await
    }

    async fn delete_evaluation(&self, org_id: &str, evaluation_id: &str) -> Result<bool, StoreError> {
        let Some(agent) = self.agent_of(org_id, evaluation_id).await? else {
            return Ok(false);
        };
        self.records
            .transact_all(vec![
                self.records
                    .delete(&table::ai_evaluation(org_id, &agent, evaluation_id), None),
                WriteOp::delete(table::ai_evaluation_pointer(org_id, evaluation_id)).when("attribute_exists(pk)"),
            ])
            .await
            .map(|()| true)
            .or_else(|err| match err {
                StoreError::Conflict(_) => Ok(false),
                other => Err(other),
            })
    }
}
