//! Divisions (teams an account's conversations are allocated to), their members, and the
//! round-robin turn counter allocation takes.

use crate::desk::allocation::AllocationMethod;
use crate::desk::{Division, DivisionMember};
use crate::platform::StoreError;
use crate::platform::ids;
use crate::platform::items::{n, now_rfc3339, record_item, s, s_or_null};
use crate::platform::plan::WriteOp;
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self};
use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Clone)]
pub struct DivisionStore {
    records: Records,
}

#[derive(Debug, Default, Clone)]
pub struct DivisionChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub allocation_method: Option<AllocationMethod>,
    pub is_active: Option<bool>,
    pub csat_enabled: Option<bool>,
}

impl DivisionStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    // --- divisions ------------------------------------------------------------------------------

    pub async fn division(&self, org_id: &str, division_id: &str) -> Result<Option<Division>, StoreError> {
        self.records
            .get(&table::division(org_id, division_id), "Division")
            .await
    }

    pub async fn divisions_page(
        &self,
        org_id: &str,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Division>, StoreError> {
        self.records
            .page(
                &table::org_partition(org_id),
                table::prefix::DIVISION,
                "Division",
                limit,
                start,
                false,
            )
            .await
    }

    pub async fn create_division(
        &self,
        org_id: &str,
        name: &str,
        description: Option<String>,
        allocation_method: AllocationMethod,
    ) -> Result<Division, StoreError> {
        let now = now_rfc3339();
        let division = Division {
            org_id: org_id.into(),
            division_id: ids::new_id("div"),
            name: name.into(),
            description,
            allocation_method,
            is_active: true,
            agent_count: 0,
            turns: 0,
            csat_enabled: false,
            created_at: now.clone(),
            updated_at: now,
        };
        let item = record_item(&division, &table::division(org_id, &division.division_id), "Division")?;
        self.records
            .transact_all(vec![self.records.put(item, Some("attribute_not_exists(pk)"))])
            .await?;
        Ok(division)
    }

    pub async fn update_division(
        &self,
        org_id: &str,
        division_id: &str,
        changes: DivisionChanges,
    ) -> Result<Option<Division>, StoreError> {
        let mut sets = vec![("updated_at", s(now_rfc3339()))];
        if let Some(name) = changes.name {
            sets.push(("name", s(name)));
        }
        if let Some(description) = changes.description {
            sets.push(("description", s_or_null(description)));
        }
        if let Some(method) = changes.allocation_method {
            let text = serde_json::to_value(method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            sets.push(("allocation_method", s(text.unwrap_or_default())));
        }
        if let Some(active) = changes.is_active {
            sets.push(("is_active", AttributeValue::Bool(active)));
        }
        if let Some(csat) = changes.csat_enabled {
            sets.push(("csat_enabled", AttributeValue::Bool(csat)));
        }
        self.records
            .set_fields(&table::division(org_id, division_id), "Division", sets, vec![])
            .await
    }

    pub async fn members(&self, org_id: &str, division_id: &str) -> Result<Vec<DivisionMember>, StoreError> {
        self.records
            .all(
                &table::org_partition(org_id),
                &table::division_members_prefix(division_id),
                "DivisionMember",
            )
            .await
    }

    /// Adds an active agent to a division; `Ok(false)` when already a member.
    pub async fn add_member(&self, org_id: &str, division_id: &str, agent_id: &str) -> Result<bool, StoreError> {
        let member = DivisionMember {
            org_id: org_id.into(),
            division_id: division_id.into(),
            agent_id: agent_id.into(),
            added_at: now_rfc3339(),
        };
        // The agent's own list of divisions moves with the membership: what a division-limited
        // agent sees is decided from the agent record alone.
        let joins = WriteOp::update(table::agent(org_id, agent_id), "ADD division_ids :division")
            .when("is_active = :true")
            .value(":true", AttributeValue::Bool(true))
            .value(":division", AttributeValue::Ss(vec![division_id.to_string()]));
        let writes = vec![
            Write::failing_as(joins, StoreError::NotFound(format!("active agent {agent_id}"))),
            Write::failing_as(
                self.records
                    .update_of(&table::division(org_id, division_id))
                    .expression("ADD agent_count :one")
                    .when("attribute_exists(pk)")
                    .value(":one", n(1)),
                StoreError::NotFound(format!("division {division_id}")),
            ),
            Write::failing_as(
                self.records.put(
                    record_item(
                        &member,
                        &table::division_member(org_id, division_id, agent_id),
                        "DivisionMember",
                    )?,
                    Some("attribute_not_exists(pk)"),
                ),
                StoreError::Conflict("member".into()),
            ),
        ];
        match self.records.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(what)) if what == "member" => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Removes a member; `Ok(false)` when the agent was not one.
    pub async fn remove_member(&self, org_id: &str, division_id: &str, agent_id: &str) -> Result<bool, StoreError> {
        let writes = vec![
            Write::failing_as(
                self.records.delete(
                    &table::division_member(org_id, division_id, agent_id),
                    Some((
                        "attribute_exists(pk) AND agent_id = :agent",
                        ":agent",
                        agent_id.to_string(),
                    )),
                ),
                StoreError::Conflict("not a member".into()),
            ),
            Write::from(
                self.records
                    .update_of(&table::division(org_id, division_id))
                    .expression("ADD agent_count :minus")
                    .when("attribute_exists(pk)")
                    .value(":minus", n(-1)),
            ),
            Write::from(
                WriteOp::update(table::agent(org_id, agent_id), "DELETE division_ids :division")
                    .when("attribute_exists(pk)")
                    .value(":division", AttributeValue::Ss(vec![division_id.to_string()])),
            ),
        ];
        match self.records.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(what)) if what == "not a member" => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Takes the division's next round-robin turn (atomic, so concurrent allocations differ).
    pub async fn take_turn(&self, org_id: &str, division_id: &str) -> Result<u64, StoreError> {
        self.records
            .add(&table::division(org_id, division_id), "turns", 1)
            .await
            .map(|turn| turn.max(0) as u64)
    }
}
