//! What agents do to conversations: filter the list, assign, transfer (with its log), resolve,
//! reopen, allocate a new one to a division member, and write notes.
//!
//! Every change is one transaction that also moves the counters it affects (open / resolved
//! conversations, each agent's open assigned conversations), and is conditioned on the state it
//! was computed from, so concurrent changes cannot double-count; a lost race is re-read and retried.

mod changes;
mod log;

use crate::inbox::{Conversation, ConversationStatus};
use crate::platform::StoreError;
use crate::platform::items::{n, now_rfc3339, s};
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self, index};
use aws_sdk_dynamodb::types::AttributeValue;

const ATTEMPTS: usize = 4;

#[derive(Clone)]
pub struct ConversationStore {
    records: Records,
}

#[derive(Debug, Default, Clone)]
pub struct ConversationFilter {
    pub status: Option<ConversationStatus>,
    pub assigned_agent_id: Option<String>,
    /// Only conversations no agent holds.
    pub unassigned: bool,
    /// `Some(true)`: only conversations with unread messages; `Some(false)`: only fully read ones.
    pub unread: Option<bool>,
    pub division_id: Option<String>,
    /// Only conversations of this priority (`Some(None)`: with none).
    pub priority: Option<Option<crate::inbox::Priority>>,
    /// `Some((true, now_ms))`: only those snoozed at `now_ms`; `Some((false, now_ms))`: only
    /// those not.
    pub snoozed: Option<(bool, i64)>,
    /// Only the conversations this agent may see (`None`: every one).
    pub seen_by: Option<crate::access::roles::Viewer>,
}

/// DynamoDB allows at most 100 operands in one `IN`.
const IN_OPERANDS: usize = 100;

/// The filter clause (and its values) keeping the conversations `viewer` sees; `None` when it
/// sees every one.
fn seen_by_clause(viewer: &crate::access::roles::Viewer) -> Option<(String, Vec<(String, String)>)> {
    use crate::access::roles::Visibility;
    let mut values = vec![(":viewer".to_string(), viewer.agent_id.clone())];
    let mut alternatives = vec!["assigned_agent_id = :viewer".to_string()];
    match viewer.visibility {
        Visibility::All => return None,
        Visibility::Assigned => {}
        Visibility::Divisions => {
            for (chunk_index, chunk) in viewer.division_ids.chunks(IN_OPERANDS).enumerate() {
                let names: Vec<String> = (0..chunk.len()).map(|i| format!(":vd{chunk_index}_{i}")).collect();
                alternatives.push(format!("division_id IN ({})", names.join(", ")));
                values.extend(names.into_iter().zip(chunk.iter().cloned()));
            }
        }
    }
    Some((format!("({})", alternatives.join(" OR ")), values))
}

/// Where a conversation goes on assign or transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub agent_id: Option<String>,
    pub division_id: Option<String>,
}

/// What a resolve found and did.
#[derive(Debug)]
pub enum Resolve {
    Resolved(Conversation),
    /// Resolved before (by an agent, or an earlier try).
    Already(Conversation),
    /// A message came after the one the expiry was computed from: still active.
    Active,
    Gone,
}

#[derive(Debug)]
pub enum ReopenError {
    /// Another conversation with the same customer on the same number is open.
    AnotherIsOpen,
    Store(StoreError),
}

impl From<StoreError> for ReopenError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

fn status_text(status: ConversationStatus) -> String {
    status.as_str().to_string()
}

impl ConversationStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    pub async fn conversation(&self, org_id: &str, id: &str) -> Result<Option<Conversation>, StoreError> {
        self.records.get(&table::conversation(org_id, id), "Conversation").await
    }

    /// One page of conversations by last activity with optional filters: one Query (filters are a
    /// FilterExpression, so a page can hold fewer than `limit`; `next` continues).
    pub async fn page(
        &self,
        org_id: &str,
        filter: &ConversationFilter,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Conversation>, StoreError> {
        let (pk, _) = table::conversation_timeline(org_id, "", 0);
        let mut values = vec![(":pk".to_string(), pk)];
        let mut clauses = Vec::new();
        if let Some((clause, seen_values)) = filter.seen_by.as_ref().and_then(seen_by_clause) {
            clauses.push(clause);
            values.extend(seen_values);
        }
        if let Some(status) = filter.status {
            clauses.push("#status = :status".to_string());
            values.push((":status".into(), status_text(status)));
        }
        if let Some(agent) = &filter.assigned_agent_id {
            clauses.push("assigned_agent_id = :agent".to_string());
            values.push((":agent".into(), agent.clone()));
        }
        if filter.unassigned {
            clauses.push(
                "(attribute_not_exists(assigned_agent_id) OR attribute_type(assigned_agent_id, :null_type))"
                    .to_string(),
            );
            values.push((":null_type".into(), "NULL".to_string()));
        }
        if let Some(division) = &filter.division_id {
            clauses.push("division_id = :division".to_string());
            values.push((":division".into(), division.clone()));
        }
        match filter.priority {
            Some(Some(priority)) => {
                clauses.push("priority = :priority".to_string());
                values.push((":priority".into(), priority.as_str().to_string()));
            }
            Some(None) => clauses.push("attribute_not_exists(priority)".to_string()),
            None => {}
        }
        match filter.snoozed {
            Some((true, _)) => clauses.push("snoozed_until_ms > :now_ms".to_string()),
            Some((false, _)) => {
                clauses.push("(attribute_not_exists(snoozed_until_ms) OR snoozed_until_ms <= :now_ms)".to_string())
            }
            None => {}
        }
        let unread = match filter.unread {
            Some(true) => Some("unread_count > :zero"),
            Some(false) => Some("unread_count = :zero"),
            None => None,
        };
        let filter_expression = (!clauses.is_empty() || unread.is_some()).then(|| {
            let mut all = clauses.clone();
            all.extend(unread.map(str::to_string));
            all.join(" AND ")
        });
        let mut query = self
            .records
            .client
            .query()
            .table_name(&self.records.table)
            .index_name(index::TIMELINE)
            .key_condition_expression("gsi2pk = :pk")
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start.map(|k| k.into_iter().map(|(a, v)| (a, s(v))).collect()))
            .set_filter_expression(filter_expression);
        if filter.status.is_some() {
            query = query.expression_attribute_names("#status", "status");
        }
        if unread.is_some() {
            query = query.expression_attribute_values(":zero", n(0));
        }
        if let Some((_, now_ms)) = filter.snoozed {
            query = query.expression_attribute_values(":now_ms", n(now_ms));
        }
        for (name, value) in values {
            query = query.expression_attribute_values(name, s(value));
        }
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::aws("Query(conversations)", e))?;
        Ok(Page {
            items: crate::platform::items::records(output.items(), "Conversation")?,
            next: output.last_evaluated_key.map(|item| {
                item.into_iter()
                    .filter_map(|(k, v)| Some((k, v.as_s().ok()?.clone())))
                    .collect()
            }),
        })
    }

    /// Unread count to zero (an agent read the conversation).
    /// Records the campaign a conversation's customer replied to (the first one stays).
    pub async fn record_campaign(
        &self,
        org_id: &str,
        conversation_id: &str,
        campaign_id: &str,
    ) -> Result<(), StoreError> {
        let result = self
            .records
            .client
            .update_item()
            .table_name(&self.records.table)
            .set_key(Some(crate::platform::items::key_item(&table::conversation(
                org_id,
                conversation_id,
            ))))
            .update_expression("SET campaign_id = :campaign")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(campaign_id) OR attribute_type(campaign_id, :null))",
            )
            .expression_attribute_values(":campaign", crate::platform::items::s(campaign_id))
            .expression_attribute_values(":null", crate::platform::items::s("NULL"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if crate::platform::records::condition_failed(&err) => Ok(()),
            Err(err) => Err(StoreError::aws("UpdateItem(conversation campaign)", err)),
        }
    }

    /// The write that claims the out-of-hours auto-reply of one closed period, for the transaction
    /// that creates the reply: `Conflict("auto-reply sent")` when it was sent already.
    pub fn out_of_hours_claim(&self, org_id: &str, conversation_id: &str, reopens_ms: i64) -> Write {
        let key = table::out_of_hours_reply(org_id, conversation_id, reopens_ms);
        let mut item = crate::platform::items::key_item(&key);
        item.insert(table::attr::ENTITY.into(), s("OutOfHoursReply"));
        // Kept a week past the period, then DynamoDB's TTL removes it.
        item.insert(table::attr::EXPIRES_AT.into(), n(reopens_ms / 1000 + 7 * 86_400));
        Write::failing_as(
            self.records.put(item, Some("attribute_not_exists(pk)")),
            StoreError::Conflict("auto-reply sent".into()),
        )
    }

    pub async fn mark_read(&self, org_id: &str, conversation_id: &str) -> Result<(), StoreError> {
        self.records
            .update_existing(
                &table::conversation(org_id, conversation_id),
                "SET unread_count = :zero, updated_at = :now",
                &[(":zero", n(0)), (":now", s(now_rfc3339()))],
                "UpdateItem(mark read)",
            )
            .await
    }

    /// Pauses or resumes the keyword bot for one conversation.
    pub async fn set_bot_paused(&self, org_id: &str, conversation_id: &str, paused: bool) -> Result<(), StoreError> {
        self.records
            .update_existing(
                &table::conversation(org_id, conversation_id),
                "SET bot_paused = :paused, updated_at = :now",
                &[(":paused", AttributeValue::Bool(paused)), (":now", s(now_rfc3339()))],
                "UpdateItem(bot pause)",
            )
            .await
    }

    /// Sets (or clears) the conversation's priority and snooze: `NotFound` when there is none.
    pub async fn set_triage(
        &self,
        org_id: &str,
        conversation_id: &str,
        triage: &crate::inbox::Triage,
    ) -> Result<(), StoreError> {
        let mut sets = vec!["updated_at = :now".to_string()];
        let mut removes = Vec::new();
        let mut values = vec![(":now", s(now_rfc3339()))];
        match triage.priority {
            Some(Some(priority)) => {
                sets.push("priority = :priority".into());
                values.push((":priority", s(priority.as_str())));
            }
            Some(None) => removes.push("priority"),
            None => {}
        }
        match triage.snoozed_until_ms {
            Some(Some(until)) => {
                sets.push("snoozed_until_ms = :until".into());
                values.push((":until", n(until)));
            }
            Some(None) => removes.push("snoozed_until_ms"),
            None => {}
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        self.records
            .update_existing(
                &table::conversation(org_id, conversation_id),
                &expression,
                &values,
                "UpdateItem(triage)",
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::roles::{Viewer, Visibility};

    fn viewer(visibility: Visibility, divisions: usize) -> Viewer {
        Viewer {
            agent_id: "agt_me".into(),
            visibility,
            division_ids: (0..divisions).map(|i| format!("div_{i}")).collect(),
        }
    }

    #[test]
    fn a_limited_viewer_filters_the_list_by_assignee_or_division() {
        assert!(seen_by_clause(&viewer(Visibility::All, 3)).is_none());
        let (clause, values) = seen_by_clause(&viewer(Visibility::Assigned, 3)).unwrap();
        assert_eq!(clause, "(assigned_agent_id = :viewer)");
        assert_eq!(values, vec![(":viewer".to_string(), "agt_me".to_string())]);
        let (clause, values) = seen_by_clause(&viewer(Visibility::Divisions, 2)).unwrap();
        assert_eq!(
            clause,
            "(assigned_agent_id = :viewer OR division_id IN (:vd0_0, :vd0_1))"
        );
        assert_eq!(values.len(), 3);
        // Past DynamoDB's 100 operands per IN, the divisions are split over several.
        let (clause, values) = seen_by_clause(&viewer(Visibility::Divisions, 150)).unwrap();
        assert_eq!(clause.matches(" IN (").count(), 2);
        assert_eq!(values.len(), 151);
        let (clause, _) = seen_by_clause(&viewer(Visibility::Divisions, 0)).unwrap();
        assert_eq!(clause, "(assigned_agent_id = :viewer)", "no division: what is assigned");
    }
}
