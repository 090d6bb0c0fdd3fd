//! An organization's scenarios and templates, read at most once per TTL per warm Lambda.

use crate::bot::ports::ScenarioReads;
use crate::bot::scenario::{Scenario, ScenarioTemplate};
use crate::platform::StoreError;
use crate::platform::ttl_cache::TtlCache;
use std::time::Duration;

/// A change through the API applies to new messages within this.
pub const TTL: Duration = Duration::from_secs(30);

pub struct CachedScenarios {
    inner: Box<dyn ScenarioReads>,
    scenarios: TtlCache<String, Vec<Scenario>>,
    templates: TtlCache<String, Vec<ScenarioTemplate>>,
}

impl CachedScenarios {
    pub fn new(inner: Box<dyn ScenarioReads>) -> Self {
        Self {
            inner,
            scenarios: TtlCache::new(1_000),
            templates: TtlCache::new(1_000),
        }
    }
}

#[async_trait::async_trait]
impl ScenarioReads for CachedScenarios {
    async fn scenarios(&self, org_id: &str) -> Result<Vec<Scenario>, StoreError> {
        if let Some(found) = self.scenarios.get(&org_id.to_string()) {
            return Ok(found);
        }
        let read = self.inner.scenarios(org_id).await?;
        self.scenarios.insert(org_id.to_string(), read.clone(), TTL);
        Ok(read)
    }

    async fn templates(&self, org_id: &str) -> Result<Vec<ScenarioTemplate>, StoreError> {
        if let Some(found) = self.templates.get(&org_id.to_string()) {
            return Ok(found);
        }
        let read = self.inner.templates(org_id).await?;
        self.templates.insert(org_id.to_string(), read.clone(), TTL);
        Ok(read)
    }
}
