//! Assign, transfer, allocate, resolve and reopen: each one transaction conditioned on the state
//! it was computed from, moving the counters it affects.

use super::{ATTEMPTS, Assignment, ConversationStore, ReopenError, Resolve, status_text};
use crate::desk::Transfer;
use crate::inbox::{Conversation, ConversationStatus};
use crate::platform::StoreError;
use crate::platform::items::{Item, key_item, n, now_rfc3339, record_item, s};
use crate::platform::plan::WriteOp;
use crate::platform::records::Write;
use crate::platform::table;
use aws_sdk_dynamodb::types::AttributeValue;

impl ConversationStore {
    /// Conditions a conversation update on the assignee and status it was computed from.
    fn guarded_update(&self, conversation: &Conversation) -> WriteOp {
        let update = self
            .records
            .update_of(&table::conversation(
                &conversation.org_id,
                &conversation.conversation_id,
            ))
            .name("#status", "status")
            .value(":was_status", s(status_text(conversation.status)));
        match &conversation.assigned_agent_id {
            Some(agent) => update
                .when("#status = :was_status AND assigned_agent_id = :was_agent")
                .value(":was_agent", s(agent)),
            None => update
                .when(
                    "#status = :was_status AND (attribute_not_exists(assigned_agent_id) OR attribute_type(assigned_agent_id, :null_type))",
                )
                .value(":null_type", s("NULL")),
        }
    }

    fn open_assigned(&self, org_id: &str, agent_id: &str, amount: i64) -> WriteOp {
        self.records
            .update_of(&table::agent(org_id, agent_id))
            .expression("ADD open_assigned :amount")
            .when("attribute_exists(pk)")
            .value(":amount", n(amount))
    }

    fn counters(&self, org_id: &str, adds: &[(&str, i64)]) -> WriteOp {
        self.records.counters(&table::org_counters(org_id), adds)
    }

    /// Assigns (or, with `transfer`, transfers) a conversation. The agents' open counts move with
    /// it while the conversation is not resolved; a transfer also writes its log entry.
    pub async fn assign(
        &self,
        org_id: &str,
        conversation_id: &str,
        to: &Assignment,
        mut transfer: Option<Transfer>,
    ) -> Result<Option<Conversation>, StoreError> {
        for _ in 0..ATTEMPTS {
            let Some(mut conversation) = self.conversation(org_id, conversation_id).await? else {
                return Ok(None);
            };
            let previous = conversation.assigned_agent_id.clone();
            let now = now_rfc3339();
            let mut update = self.guarded_update(&conversation).value(":now", s(&now));
            let mut sets = vec!["updated_at = :now".to_string()];
            match &to.agent_id {
                Some(agent) => {
                    sets.push("assigned_agent_id = :agent".into());
                    update = update.value(":agent", s(agent));
                }
                None => {
                    sets.push("assigned_agent_id = :none".into());
                    update = update.value(":none", AttributeValue::Null(true));
                }
            }
            if let Some(division) = &to.division_id {
                sets.push("division_id = :division".into());
                update = update.value(":division", s(division));
            }
            let mut items = vec![update.expression(format!("SET {}", sets.join(", ")))];
            if conversation.status != ConversationStatus::Resolved && previous != to.agent_id {
                if let Some(old) = &previous {
                    items.push(self.open_assigned(org_id, old, -1));
                }
                if let Some(new) = &to.agent_id {
                    items.push(self.open_assigned(org_id, new, 1));
                }
            }
            if let Some(entry) = transfer.as_mut() {
                entry.from_agent_id = previous.clone();
                let key = table::transfer(
                    org_id,
                    conversation_id,
                    chrono::Utc::now().timestamp_millis(),
                    &entry.transfer_id,
                );
                items.push(self.records.put(record_item(&*entry, &key, "Transfer")?, None));
            }
            match self.records.transact_all(items).await {
                Ok(()) => {
                    conversation.assigned_agent_id = to.agent_id.clone();
                    if to.division_id.is_some() {
                        conversation.division_id = to.division_id.clone();
                    }
                    conversation.updated_at = now;
                    return Ok(Some(conversation));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict(
            "the conversation changed concurrently; retry".into(),
        ))
    }

    /// Gives a new conversation to `agent_id` (or only to the division) unless someone already has
    /// it: idempotent, so a redelivered message cannot allocate twice. `Ok(false)`: already taken.
    pub async fn allocate(
        &self,
        org_id: &str,
        conversation_id: &str,
        division_id: Option<&str>,
        agent_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut update = self
            .records
            .update_of(&table::conversation(org_id, conversation_id))
            .when(
                "attribute_exists(pk) AND #status <> :resolved AND (attribute_not_exists(assigned_agent_id) OR attribute_type(assigned_agent_id, :null_type)) AND (attribute_not_exists(division_id) OR attribute_type(division_id, :null_type))",
            )
            .name("#status", "status")
            .value(":resolved", s("resolved"))
            .value(":null_type", s("NULL"))
            .value(":now", s(now_rfc3339()));
        let mut sets = vec!["updated_at = :now"];
        if let Some(division) = division_id {
            update = update.value(":division", s(division));
            sets.push("division_id = :division");
        }
        if let Some(agent) = agent_id {
            update = update.value(":agent", s(agent));
            sets.push("assigned_agent_id = :agent");
        }
        update = update.expression(format!("SET {}", sets.join(", ")));
        let mut writes = vec![Write::failing_as(update, StoreError::Conflict("allocated".into()))];
        if let Some(agent) = agent_id {
            writes.push(self.open_assigned(org_id, agent, 1).into());
        }
        match self.records.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(what)) if what == "allocated" => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Resolves a conversation: the customer's next message opens a new one. Idempotent.
    pub async fn resolve(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, StoreError> {
        match self.resolve_where(org_id, conversation_id, None).await? {
            Resolve::Resolved(c) | Resolve::Already(c) => Ok(Some(c)),
            Resolve::Gone | Resolve::Active => Ok(None),
        }
    }

    /// Resolves a conversation only if its last message is still the one at `last_message_ms` (an
    /// expiry: a message arriving meanwhile keeps it open), through the same transaction.
    pub async fn resolve_idle(
        &self,
        org_id: &str,
        conversation_id: &str,
        last_message_ms: i64,
    ) -> Result<Resolve, StoreError> {
        self.resolve_where(org_id, conversation_id, Some(last_message_ms)).await
    }

    async fn resolve_where(
        &self,
        org_id: &str,
        conversation_id: &str,
        idle_since: Option<i64>,
    ) -> Result<Resolve, StoreError> {
        for _ in 0..ATTEMPTS {
            let Some(mut conversation) = self.conversation(org_id, conversation_id).await? else {
                return Ok(Resolve::Gone);
            };
            if conversation.status == ConversationStatus::Resolved {
                return Ok(Resolve::Already(conversation));
            }
            if idle_since.is_some_and(|ms| ms != conversation.last_message_ms) {
                return Ok(Resolve::Active);
            }
            let now = now_rfc3339();
            let mut update = self
                .guarded_update(&conversation)
                .expression("SET #status = :resolved, resolved_at = :now, updated_at = :now")
                .value(":resolved", s("resolved"))
                .value(":now", s(&now));
            if idle_since.is_some() {
                let condition = update.condition().unwrap_or_default().to_string();
                update = update
                    .when(format!("({condition}) AND last_message_ms = :idle_since"))
                    .value(":idle_since", n(conversation.last_message_ms));
            }
            let pointer = table::open_conversation(org_id, &conversation.account_id, &conversation.contact_id);
            let mut items = vec![
                update,
                self.records.delete(
                    &pointer,
                    Some((
                        "attribute_not_exists(pk) OR conversation_id = :conversation",
                        ":conversation",
                        conversation_id.to_string(),
                    )),
                ),
                self.counters(org_id, &[("open_conversations", -1), ("resolved_conversations", 1)]),
            ];
            if let Some(agent) = &conversation.assigned_agent_id {
                items.push(self.open_assigned(org_id, agent, -1));
            }
            match self.records.transact_all(items).await {
                Ok(()) => {
                    conversation.status = ConversationStatus::Resolved;
                    conversation.updated_at = now;
                    return Ok(Resolve::Resolved(conversation));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict(
            "the conversation changed concurrently; retry".into(),
        ))
    }

    /// Reopens a resolved conversation, unless the customer already has another open one.
    pub async fn reopen(&self, org_id: &str, conversation_id: &str) -> Result<Option<Conversation>, ReopenError> {
        for _ in 0..ATTEMPTS {
            let Some(mut conversation) = self.conversation(org_id, conversation_id).await? else {
                return Ok(None);
            };
            if conversation.status != ConversationStatus::Resolved {
                return Ok(Some(conversation));
            }
            let now = now_rfc3339();
            let update = self
                .guarded_update(&conversation)
                .expression("SET #status = :open, updated_at = :now REMOVE resolved_at")
                .value(":open", s("open"))
                .value(":now", s(&now));
            let mut pointer: Item = key_item(&table::open_conversation(
                org_id,
                &conversation.account_id,
                &conversation.contact_id,
            ));
            pointer.insert(table::attr::ENTITY.into(), s("OpenConversation"));
            pointer.insert("conversation_id".into(), s(conversation_id));
            let mut writes = vec![
                Write::from(update),
                Write::failing_as(
                    self.records.put(pointer, Some("attribute_not_exists(pk)")),
                    StoreError::Conflict("open pointer".into()),
                ),
                Write::from(self.counters(org_id, &[("open_conversations", 1), ("resolved_conversations", -1)])),
            ];
            if let Some(agent) = &conversation.assigned_agent_id {
                writes.push(self.open_assigned(org_id, agent, 1).into());
            }
            match self.records.transact(writes).await {
                Ok(()) => {
                    conversation.status = ConversationStatus::Open;
                    conversation.updated_at = now;
                    return Ok(Some(conversation));
                }
                Err(StoreError::Conflict(what)) if what == "open pointer" => return Err(ReopenError::AnotherIsOpen),
                Err(StoreError::Conflict(_)) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(StoreError::Conflict("the conversation changed concurrently; retry".into()).into())
    }
}
