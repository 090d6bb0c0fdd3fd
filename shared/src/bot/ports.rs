//! What the keyword bot needs from the world beyond the inbox's reads and sends and the
//! automation run ledger: the organization's scenarios and templates, and the repeat counter.

use crate::bot::scenario::{Scenario, ScenarioTemplate};
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait ScenarioReads: Send + Sync {
    /// The organization's scenarios (active or not).
    async fn scenarios(&self, org_id: &str) -> Result<Vec<Scenario>, StoreError>;
    async fn templates(&self, org_id: &str) -> Result<Vec<ScenarioTemplate>, StoreError>;
}

#[async_trait::async_trait]
pub trait RepeatCounter: Send + Sync {
    /// Counts `event_id` as a start of the scenario by the contact when it started it fewer than
    /// `max` times; an event counted before counts as allowed (a redelivery). False: the limit
    /// is reached.
    async fn count(
        &self,
        org_id: &str,
        contact_id: &str,
        scenario_id: &str,
        event_id: &str,
        max: u32,
    ) -> Result<bool, StoreError>;
}
