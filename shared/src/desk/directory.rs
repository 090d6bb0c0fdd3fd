//! Who and which team an agent's moves name: an organization's agents (the access context's
//! aggregate) and divisions, read by id. DynamoDB through [`AgentStore`] and [`DivisionStore`]; in
//! memory through [`MemoryDirectory`]; one contract for both.

use crate::access::agent_store::AgentStore;
use crate::access::tenancy::Agent;
use crate::desk::Division;
use crate::desk::division_store::DivisionStore;
use crate::platform::StoreError;

#[async_trait::async_trait]
pub trait AgentReads: Send + Sync {
    /// The organization's agent (`None`: not there, or another organization's).
    async fn agent(&self, org_id: &str, agent_id: &str) -> Result<Option<Agent>, StoreError>;
}

#[async_trait::async_trait]
pub trait DivisionReads: Send + Sync {
    /// The organization's division (`None`: not there, or another organization's).
    async fn division(&self, org_id: &str, division_id: &str) -> Result<Option<Division>, StoreError>;
}

#[async_trait::async_trait]
impl AgentReads for AgentStore {
    async fn agent(&self, org_id: &str, agent_id: &str) -> Result<Option<Agent>, StoreError> {
        AgentStore::agent(self, org_id, agent_id).await
    }
}

#[async_trait::async_trait]
impl DivisionReads for DivisionStore {
    async fn division(&self, org_id: &str, division_id: &str) -> Result<Option<Division>, StoreError> {
        DivisionStore::division(self, org_id, division_id).await
    }
}

/// Agents and divisions in memory.
#[cfg(any(test, feature = "fakes"))]
#[derive(Default)]
pub struct MemoryDirectory {
    agents: std::sync::Mutex<Vec<Agent>>,
    divisions: std::sync::Mutex<Vec<Division>>,
}

#[cfg(any(test, feature = "fakes"))]
impl MemoryDirectory {
    pub fn put_agent(&self, agent: Agent) {
        self.agents.lock().unwrap_or_else(|e| e.into_inner()).push(agent);
    }

    pub fn put_division(&self, division: Division) {
        self.divisions.lock().unwrap_or_else(|e| e.into_inner()).push(division);
    }
}

#[cfg(any(test, feature = "fakes"))]
#[async_trait::async_trait]
impl AgentReads for MemoryDirectory {
    async fn agent(&self, org_id: &str, agent_id: &str) -> Result<Option<Agent>, StoreError> {
        let agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        Ok(agents
            .iter()
            .find(|a| a.org_id == org_id && a.agent_id == agent_id)
            .cloned())
    }
}

#[cfg(any(test, feature = "fakes"))]
#[async_trait::async_trait]
impl DivisionReads for MemoryDirectory {
    async fn division(&self, org_id: &str, division_id: &str) -> Result<Option<Division>, StoreError> {
        let divisions = self.divisions.lock().unwrap_or_else(|e| e.into_inner());
        Ok(divisions
            .iter()
            .find(|d| d.org_id == org_id && d.division_id == division_id)
            .cloned())
    }
}

/// The contract of the directory, given an agent and a division stored in it.
#[cfg(any(test, feature = "fakes"))]
pub async fn directory_contract(
    agents: &dyn AgentReads,
    divisions: &dyn DivisionReads,
    agent: &Agent,
    division: &Division,
) {
    let read = agents.agent(&agent.org_id, &agent.agent_id).await.expect("read");
    assert_eq!(
        read.map(|a| (a.full_name, a.is_active)),
        Some((agent.full_name.clone(), agent.is_active))
    );
    assert_eq!(
        agents.agent("org_someone_else", &agent.agent_id).await.expect("read"),
        None
    );
    assert_eq!(agents.agent(&agent.org_id, "ag_none").await.expect("read"), None);
    let read = divisions
        .division(&division.org_id, &division.division_id)
        .await
        .expect("read");
    assert_eq!(read.map(|d| d.name), Some(division.name.clone()));
    assert_eq!(
        divisions
            .division("org_someone_else", &division.division_id)
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        divisions.division(&division.org_id, "div_none").await.expect("read"),
        None
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_in_memory_directory_keeps_the_contract() {
        let directory = MemoryDirectory::default();
        let agent: Agent = serde_json::from_value(serde_json::json!({"org_id": "org_1", "agent_id": "ag_1",
            "email": "ann@example.com", "full_name": "Ann", "role": "agent", "is_active": true,
            "is_online": false, "created_at": "2026-12-01T00:00:00Z"}))
        .unwrap();
        let division: Division = serde_json::from_value(serde_json::json!({"org_id": "org_1",
            "division_id": "div_1", "name": "Sales", "description": null, "allocation_method": "manual",
            "is_active": true, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"}))
        .unwrap();
        directory.put_agent(agent.clone());
        directory.put_division(division.clone());
        directory_contract(&directory, &directory, &agent, &division).await;
    }
}
