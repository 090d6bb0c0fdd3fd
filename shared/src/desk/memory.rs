//! Allocation in memory: each division's choice is set by the test (the method's decision is
//! `allocation::choose`, tested on its own); the conditional write is the inbox's, so a
//! conversation is allocated once however often asked.

use crate::desk::allocator::{Allocate, Allocation};
use crate::inbox::ingest_port::ConversationFacts;
use crate::platform::StoreError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct MemoryAllocator {
    conversations: Arc<dyn ConversationFacts>,
    /// (org, division) → the agent its method picks (none: the division only).
    picks: Mutex<HashMap<(String, String), String>>,
    /// (conversation, division) of every allocation asked for.
    pub asked: Mutex<Vec<(String, String)>>,
}

impl MemoryAllocator {
    pub fn new(conversations: Arc<dyn ConversationFacts>) -> Self {
        Self {
            conversations,
            picks: Mutex::default(),
            asked: Mutex::default(),
        }
    }

    /// The division's method picks `agent_id`.
    pub fn picks(&self, org_id: &str, division_id: &str, agent_id: &str) {
        self.picks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((org_id.into(), division_id.into()), agent_id.into());
    }

    pub fn asked(&self) -> Vec<(String, String)> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl Allocate for MemoryAllocator {
    async fn allocate(&self, org_id: &str, conversation_id: &str, division_id: &str) -> Result<Allocation, StoreError> {
        self.asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((conversation_id.into(), division_id.into()));
        let chosen = self
            .picks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(org_id.into(), division_id.into()))
            .cloned();
        let taken = self
            .conversations
            .allocate(org_id, conversation_id, Some(division_id), chosen.as_deref())
            .await?;
        Ok(match (taken, chosen) {
            (false, _) => Allocation::Unchanged,
            (true, Some(agent)) => Allocation::Agent(agent),
            (true, None) => Allocation::DivisionOnly,
        })
    }
}
