//! Waits on DynamoDB: one item per conversation and side (`AUTOWAIT#<side>`, next to its
//! messages), indexed in the due index at its next threshold (`AUTODUE#<minute>#<shard>`) and
//! taken out of it once every threshold fired. Each change is conditioned on the wait as it was
//! read, so a wait that began again meanwhile is left to its new course.

use crate::automation::waits::{Side, Wait, WaitBook};
use crate::platform::StoreError;
use crate::platform::due_index::{DueIndex, DueShards};
use crate::platform::items::{key_item, n, record_item, s};
use crate::platform::records::{Records, condition_failed};
use crate::platform::table::{self, attr};
use crate::platform::tick::minute_of;

pub const ENTITY: &str = "AutomationWait";
/// A wait nobody answers is forgotten this long after its last threshold.
const KEPT_MS: i64 = 30 * 86_400_000;

#[derive(Clone)]
pub struct WaitStore {
    records: Records,
    due: DueIndex,
}

fn key_of(wait: &Wait) -> table::Key {
    table::conversation_wait(&wait.org_id, &wait.conversation_id, wait.side.as_str())
}

fn due_keys(wait: &Wait, due_ms: i64) -> (String, String) {
    table::wait_due(
        &minute_of(due_ms),
        due_ms,
        &wait.org_id,
        &wait.conversation_id,
        wait.side.as_str(),
    )
}

/// When DynamoDB may delete it: a month after its last threshold.
fn expires_at(wait: &Wait) -> i64 {
    let last = wait.waits.last().copied().unwrap_or_default();
    (wait.since_ms + i64::from(last) * 60_000 + KEPT_MS) / 1000
}

impl WaitStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            due: DueIndex::new(client.clone(), table.clone()),
            records: Records::new(client, table),
        }
    }

    /// The waits of the due index, a shard's page at a time (read by the tick).
    pub fn due_entries(&self) -> DueShards<Wait> {
        self.due.shards(table::WAIT_DUE, &[ENTITY])
    }

    /// The due index's cursors (the tick's).
    pub fn cursors(&self) -> &DueIndex {
        &self.due
    }
}

#[async_trait::async_trait]
impl WaitBook for WaitStore {
    async fn arm(&self, wait: &Wait, answered_ms: Option<i64>) -> Result<bool, StoreError> {
        let mut item = record_item(wait, &key_of(wait), ENTITY)?;
        if let Some(due_ms) = wait.due_ms() {
            let (pk, sk) = due_keys(wait, due_ms);
            item.insert(attr::GSI2_PK.into(), s(pk));
            item.insert(attr::GSI2_SK.into(), s(sk));
        }
        item.insert(attr::EXPIRES_AT.into(), n(expires_at(wait)));
        let mut put = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(item));
        put = match answered_ms {
            Some(answered) => put
                .condition_expression("attribute_not_exists(pk) OR since_ms < :answered")
                .expression_attribute_values(":answered", n(answered)),
            None => put.condition_expression("attribute_not_exists(pk)"),
        };
        match put.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("PutItem(automation wait)", err)),
        }
    }

    async fn advance(&self, wait: &Wait) -> Result<bool, StoreError> {
        let moved = Wait {
            next: wait.next + 1,
            ..wait.clone()
        };
        let mut update = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&key_of(wait))))
            .condition_expression("since_ms = :since AND #next = :was")
            .expression_attribute_names("#next", "next")
            .expression_attribute_values(":since", n(wait.since_ms))
            .expression_attribute_values(":was", n(wait.next))
            .expression_attribute_values(":next", n(moved.next));
        update = match moved.due_ms() {
            Some(due_ms) => {
                let (pk, sk) = due_keys(&moved, due_ms);
                update
                    .update_expression("SET #next = :next, gsi2pk = :pk, gsi2sk = :sk")
                    .expression_attribute_values(":pk", s(pk))
                    .expression_attribute_values(":sk", s(sk))
            }
            None => update.update_expression("SET #next = :next REMOVE gsi2pk, gsi2sk"),
        };
        match update.send().await {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("UpdateItem(automation wait)", err)),
        }
    }

    async fn end(&self, wait: &Wait) -> Result<bool, StoreError> {
        let result = self
            .records
            .client
            .delete_item()
            .table_name(&self.records.table)
            .set_key(Some(key_item(&key_of(wait))))
            .condition_expression("since_ms = :since")
            .expression_attribute_values(":since", n(wait.since_ms))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("DeleteItem(automation wait)", err)),
        }
    }

    async fn wait(&self, org_id: &str, conversation_id: &str, side: Side) -> Result<Option<Wait>, StoreError> {
        self.records
            .get(
                &table::conversation_wait(org_id, conversation_id, side.as_str()),
                ENTITY,
            )
            .await
    }
}
