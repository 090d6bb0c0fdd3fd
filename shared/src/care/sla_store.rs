//! A conversation's SLA clocks (one item, `SLA` in the conversation's partition) and its breach
//! logs. Every write is conditioned on the version it was computed from and re-indexes the item at
//! its next deadline (`SLADUE#<minute>`), so the checker finds exactly the due ones.

use crate::care::sla_clock::{SlaBreachLog, SlaClocks, Tally};
use crate::platform::StoreError;
use crate::platform::due_index::DueIndex;
use crate::platform::items::{Item, n, record_item, s};
use crate::platform::plan::WriteOp;
use crate::platform::records::{Records, Write, condition_failed};
use crate::platform::table::{self, attr};
use crate::platform::tick::minute_of;

const ATTEMPTS: usize = 4;

#[derive(Clone)]
pub struct SlaStore {
    records: Records,
    due: DueIndex,
}

impl SlaStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            due: DueIndex::new(client.clone(), table.clone()),
            records: Records::new(client, table),
        }
    }

    pub async fn clocks(&self, org_id: &str, conversation_id: &str) -> Result<Option<SlaClocks>, StoreError> {
        self.records
            .get(&table::conversation_sla(org_id, conversation_id), "SlaClocks")
            .await
    }

    fn item(clocks: &SlaClocks, now_ms: i64) -> Result<Item, StoreError> {
        let key = table::conversation_sla(&clocks.org_id, &clocks.conversation_id);
        let mut item = record_item(clocks, &key, "SlaClocks")?;
        if let Some(due_ms) = clocks.due_at_ms(now_ms) {
            let (pk, sk) = table::sla_due(&minute_of(due_ms), due_ms, &clocks.org_id, &clocks.conversation_id);
            item.insert(attr::GSI2_PK.into(), s(pk));
            item.insert(attr::GSI2_SK.into(), s(sk));
        }
        Ok(item)
    }

    /// Stores new clocks; false when the conversation has clocks already (a redelivery).
    pub async fn create(&self, clocks: &SlaClocks, now_ms: i64) -> Result<bool, StoreError> {
        let result = self
            .records
            .client
            .put_item()
            .table_name(&self.records.table)
            .set_item(Some(Self::item(clocks, now_ms)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(StoreError::aws("PutItem(sla clocks)", err)),
        }
    }

    /// Writes `clocks` (computed from version `clocks.version`) as the next version, with the breach
    /// logs and counts of the change: `Conflict` when another write came first.
    pub async fn save(
        &self,
        clocks: &mut SlaClocks,
        now_ms: i64,
        tally: Tally,
        breaches: &[SlaBreachLog],
    ) -> Result<(), StoreError> {
        let seen = clocks.version;
        clocks.version += 1;
        clocks.updated_ms = now_ms;
        let item = Self::item(clocks, now_ms)?;
        if breaches.is_empty() && tally.adds().is_empty() {
            // Alone, it need not be a transaction (which costs twice the write units).
            let result = self
                .records
                .client
                .put_item()
                .table_name(&self.records.table)
                .set_item(Some(item))
                .condition_expression("version = :seen")
                .expression_attribute_values(":seen", n(seen))
                .send()
                .await;
            return match result {
                Ok(_) => Ok(()),
                Err(err) => {
                    clocks.version = seen;
                    match condition_failed(&err) {
                        true => Err(StoreError::Conflict("sla clocks".into())),
                        false => Err(StoreError::aws("PutItem(sla clocks)", err)),
                    }
                }
            };
        }
        let put = WriteOp::put(item).when("version = :seen").value(":seen", n(seen));
        let mut writes = vec![Write::failing_as(put, StoreError::Conflict("sla clocks".into()))];
        for breach in breaches {
            let key = table::sla_breach(
                &breach.org_id,
                &breach.conversation_id,
                breach.breach_type.as_str(),
                breach.cycle,
            );
            let log = record_item(breach, &key, "SlaBreachLog")?;
            writes.push(Write::failing_as(
                self.records.put(log, Some("attribute_not_exists(pk)")),
                StoreError::Conflict("sla breach logged".into()),
            ));
        }
        let adds = tally.adds();
        if !adds.is_empty() {
            let shard = table::shard_of(&clocks.conversation_id, table::COUNTER_SHARDS);
            writes.push(
                self.records
                    .counters(&table::org_counter_shard(&clocks.org_id, shard), &adds)
                    .into(),
            );
        }
        let result = self.records.transact(writes).await;
        if result.is_err() {
            clocks.version = seen;
        }
        result
    }

    /// Applies `change` to the conversation's clocks and saves them, re-reading after a concurrent
    /// write. `None`: the conversation has no clocks.
    pub async fn change(
        &self,
        org_id: &str,
        conversation_id: &str,
        now_ms: i64,
        mut change: impl FnMut(&mut SlaClocks) -> Tally,
    ) -> Result<Option<SlaClocks>, StoreError> {
        for _ in 0..ATTEMPTS {
            let Some(mut clocks) = self.clocks(org_id, conversation_id).await? else {
                return Ok(None);
            };
            let before = clocks.clone();
            let tally = change(&mut clocks);
            if clocks == before {
                return Ok(Some(clocks));
            }
            match self.save(&mut clocks, now_ms, tally, &[]).await {
                Ok(()) => return Ok(Some(clocks)),
                Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(err),
            }
        }
        Err(StoreError::Conflict(
            "the SLA clocks changed concurrently; retry".into(),
        ))
    }

    /// The SLA clocks of the due index, a shard's page at a time (read by the tick).
    pub fn due_clocks(&self) -> crate::platform::due_index::DueShards<SlaClocks> {
        self.due.shards(table::SLA_DUE, &["SlaClocks"])
    }

    /// A conversation's breaches, oldest kind and cycle first.
    pub async fn breaches(&self, org_id: &str, conversation_id: &str) -> Result<Vec<SlaBreachLog>, StoreError> {
        self.records
            .all(
                &table::conversation_partition(org_id, conversation_id),
                table::prefix::SLA_BREACH,
                "SlaBreachLog",
            )
            .await
    }
}
