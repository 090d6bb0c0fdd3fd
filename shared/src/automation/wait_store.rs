//! Waits on DynamoDB: one item per conversation and side (`AUTOWAIT#<side>`, next to its
//! messages), indexed in the due index at its next threshold (`AUTODUE#<minute>#<shard>`) and
//! taken out of it once every threshold fired. Each change is conditioned on the wait as it was
//! read, so a wait that began again meanwhile is left to its new course.

use crate::automation::waits::{Side, Wait, WaitBook};
use crate::platform::StoreError;
use crate::platform::due_index::{DueIndex, DueShards};
use crate::platform::items::{n, record_item, s};
use crate::platform::records::Records;
use crate::platform::table::{self, attr};
use crate::platform::tick::minute_of;
use crate::platform::transact::{self, NotCommitted};

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

/// The one write of each move of a wait: pure, so each condition is checked without a table.
pub mod writes {
    use super::*;
    use crate::platform::plan::WriteOp;

    /// Stores the wait unless one began at or after `answered_ms` (none: unless one runs).
    pub fn arm(wait: &Wait, answered_ms: Option<i64>) -> Result<WriteOp, StoreError> {
        let mut item = record_item(wait, &key_of(wait), ENTITY)?;
        if let Some(due_ms) = wait.due_ms() {
            let (pk, sk) = due_keys(wait, due_ms);
            item.insert(attr::GSI2_PK.into(), s(pk));
            item.insert(attr::GSI2_SK.into(), s(sk));
        }
        item.insert(attr::EXPIRES_AT.into(), n(expires_at(wait)));
        Ok(match answered_ms {
            Some(answered) => WriteOp::put(item)
                .when("attribute_not_exists(pk) OR since_ms < :answered")
                .value(":answered", n(answered)),
            None => WriteOp::create(item),
        })
    }

    /// Past the next threshold, as read: indexed at the one after, or out of the index.
    pub fn advance(wait: &Wait) -> WriteOp {
        let moved = Wait {
            next: wait.next + 1,
            ..wait.clone()
        };
        let op = match moved.due_ms() {
            Some(due_ms) => {
                let (pk, sk) = due_keys(&moved, due_ms);
                WriteOp::update(key_of(wait), "SET #next = :next, gsi2pk = :pk, gsi2sk = :sk")
                    .value(":pk", s(pk))
                    .value(":sk", s(sk))
            }
            None => WriteOp::update(key_of(wait), "SET #next = :next REMOVE gsi2pk, gsi2sk"),
        };
        op.when("since_ms = :since AND #next = :was")
            .name("#next", "next")
            .value(":since", n(wait.since_ms))
            .value(":was", n(wait.next))
            .value(":next", n(moved.next))
    }

    /// Ends the wait that began at `since_ms` (a newer one stays).
    pub fn end(wait: &Wait) -> WriteOp {
        WriteOp::delete(key_of(wait))
            .when("since_ms = :since")
            .value(":since", n(wait.since_ms))
    }
}

impl WaitStore {
    /// Runs one write: false when its condition did not hold (the wait changed meanwhile).
    async fn write(&self, op: crate::platform::plan::WriteOp, operation: &'static str) -> Result<bool, StoreError> {
        let plan = crate::platform::plan::Plan::new().with((), op);
        match transact::run(&self.records.client, &self.records.table, &plan, operation).await {
            Ok(()) => Ok(true),
            Err(NotCommitted::Cancelled(cancelled)) if cancelled.condition_failed(()).is_some() => Ok(false),
            Err(err) => Err(err.into()),
        }
    }
}

#[async_trait::async_trait]
impl WaitBook for WaitStore {
    async fn arm(&self, wait: &Wait, answered_ms: Option<i64>) -> Result<bool, StoreError> {
        self.write(writes::arm(wait, answered_ms)?, "PutItem(automation wait)")
            .await
    }

    async fn advance(&self, wait: &Wait) -> Result<bool, StoreError> {
        self.write(writes::advance(wait), "UpdateItem(automation wait)").await
    }

    async fn end(&self, wait: &Wait) -> Result<bool, StoreError> {
        self.write(writes::end(wait), "DeleteItem(automation wait)").await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(next: u32) -> Wait {
        Wait {
            org_id: "org_1".into(),
            conversation_id: "cv_1".into(),
            side: Side::Agent,
            since_ms: 1_765_000_000_000,
            waits: vec![15, 60],
            next,
        }
    }

    #[test]
    fn a_wait_leaves_the_due_index_with_its_last_threshold_and_every_move_names_the_wait_read() {
        let advance = writes::advance(&wait(0));
        assert_eq!(advance.condition(), Some("since_ms = :since AND #next = :was"));
        let crate::platform::plan::WriteOp::Update { expression, .. } = &advance else {
            panic!("an update")
        };
        assert!(expression.contains("gsi2pk = :pk"), "{expression}");
        let crate::platform::plan::WriteOp::Update { expression, .. } = writes::advance(&wait(1)) else {
            panic!("an update")
        };
        assert!(expression.ends_with("REMOVE gsi2pk, gsi2sk"), "{expression}");
        assert_eq!(writes::end(&wait(0)).condition(), Some("since_ms = :since"));
        let armed = writes::arm(&wait(0), None).unwrap();
        assert_eq!(armed.condition(), Some("attribute_not_exists(pk)"));
        let crate::platform::plan::WriteOp::Put { item, .. } = writes::arm(&wait(0), Some(5)).unwrap() else {
            panic!("a put")
        };
        assert!(item[attr::GSI2_PK].as_s().unwrap().starts_with("AUTODUE#"));
    }
}
