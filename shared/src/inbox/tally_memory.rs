//! The tallies in memory: claims by first sequence number and the counters they added.

use crate::inbox::tally::{Tallied, TallyBook, TallyChunk};
use crate::platform::StoreError;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryTally {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// first sequence → through.
    claims: HashMap<u128, u128>,
    /// (org, name) → total; daily under `day.<yyyy-mm-dd>.<name>`.
    counters: BTreeMap<(String, String), i64>,
    /// Commits to fail before succeeding (a store outage).
    failures: u32,
}

impl MemoryTally {
    /// The organization's counter `name` (daily ones as `day.<yyyy-mm-dd>.<name>`).
    pub fn counter(&self, org_id: &str, name: &str) -> i64 {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .counters
            .get(&(org_id.to_string(), name.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// The next `count` commits fail.
    pub fn fail_next(&self, count: u32) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).failures = count;
    }
}

#[async_trait::async_trait]
impl TallyBook for MemoryTally {
    async fn commit(&self, chunk: &TallyChunk, _counter_shard: u32) -> Result<Tallied, StoreError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.failures > 0 {
            state.failures -= 1;
            return Err(StoreError::io("tally", "the store is unavailable"));
        }
        if let Some(through) = state.claims.get(&chunk.first) {
            return Ok(Tallied::CountedBefore { through: *through });
        }
        state.claims.insert(chunk.first, chunk.last);
        for (org_id, adds) in &chunk.totals {
            for (name, amount) in adds {
                *state.counters.entry((org_id.clone(), name.to_string())).or_default() += amount;
            }
        }
        for ((org_id, day), adds) in &chunk.daily {
            for (name, amount) in adds {
                *state
                    .counters
                    .entry((org_id.clone(), format!("day.{day}.{name}")))
                    .or_default() += amount;
            }
        }
        Ok(Tallied::Added)
    }
}
