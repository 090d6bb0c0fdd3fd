//! AI agents in DynamoDB: one item per agent under the organization, its assignments and handoff
//! rules inline, written whole and conditioned on what was read (pattern 75 of DATA_MODEL.md);
//! and the organization's agents read at most once per TTL per warm Lambda (`CachedAgents`).

use crate::ai::agent::AiAgent;
use crate::ai::ports::AgentBook;
use crate::platform::StoreError;
use crate::platform::items::record_item;
use crate::platform::records::Records;
use crate::platform::table;
use crate::platform::ttl_cache::TtlCache;
use std::time::Duration;

const AI_AGENT: &str = "AiAgent";

#[derive(Clone)]
pub struct AiAgentStore {
    records: Records,
}

impl AiAgentStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }
}

#[async_trait::async_trait]
impl AgentBook for AiAgentStore {
    async fn agents(&self, org_id: &str) -> Result<Vec<AiAgent>, StoreError> {
        let mut agents: Vec<AiAgent> = self
            .records
            .all(&table::org_partition(org_id), table::prefix::AI_AGENT, AI_AGENT)
            .await?;
        agents.sort_by(|a, b| (&a.created_at, &a.ai_agent_id).cmp(&(&b.created_at, &b.ai_agent_id)));
        Ok(agents)
    }

    async fn agent(&self, org_id: &str, ai_agent_id: &str) -> Result<Option<AiAgent>, StoreError> {
        self.records.get(&table::ai_agent(org_id, ai_agent_id), AI_AGENT).await
    }

    async fn put_agent(&self, agent: &AiAgent, read_at: Option<&str>) -> Result<(), StoreError> {
        let key = table::ai_agent(&agent.org_id, &agent.ai_agent_id);
        self.records
            .put_whole(
                record_item(agent, &key, AI_AGENT)?,
                read_at,
                "the AI agent",
                "PutItem(AI agent)",
            )
            .await
    }

    async fn delete_agent(&self, org_id: &str, ai_agent_id: &str) -> Result<bool, StoreError> {
        self.records
            .delete_existing(&table::ai_agent(org_id, ai_agent_id), "DeleteItem(AI agent)")
            .await
    }
}

/// A change through the API reaches new turns within this.
pub const TTL: Duration = Duration::from_secs(30);

/// The organization's agents read once per [`TTL`]; writes go through.
pub struct CachedAgents {
    inner: Box<dyn AgentBook>,
    agents: TtlCache<String, Vec<AiAgent>>,
}

impl CachedAgents {
    pub fn new(inner: Box<dyn AgentBook>) -> Self {
        Self {
            inner,
            agents: TtlCache::new(1_000),
        }
    }
}

#[async_trait::async_trait]
impl AgentBook for CachedAgents {
    async fn agents(&self, org_id: &str) -> Result<Vec<AiAgent>, StoreError> {
        if let Some(found) = self.agents.get(&org_id.to_string()) {
            return Ok(found);
        }
        let read = self.inner.agents(org_id).await?;
        self.agents.insert(org_id.to_string(), read.clone(), TTL);
        Ok(read)
    }

    async fn agent(&self, org_id: &str, ai_agent_id: &str) -> Result<Option<AiAgent>, StoreError> {
        Ok(self
            .agents(org_id)
            .await?
            .into_iter()
            .find(|a| a.ai_agent_id == ai_agent_id))
    }

    async fn put_agent(&self, agent: &AiAgent, read_at: Option<&str>) -> Result<(), StoreError> {
        self.agents.remove(&agent.org_id);
        self.inner.put_agent(agent, read_at).await
    }

    async fn delete_agent(&self, org_id: &str, ai_agent_id: &str) -> Result<bool, StoreError> {
        self.agents.remove(&org_id.to_string());
        self.inner.delete_agent(org_id, ai_agent_id).await
    }
}
