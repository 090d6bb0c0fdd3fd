//! The automation ports on the inbox and the desk: an event's facts from its detail, its
//! conversation and its contact (two GetItems); actions through the same use cases agents use
//! (the desk's moves, the agent send path, the contact's tags), each idempotent by its event,
//! rule and position, and its moves announced on the bus with their cause (the loop guard).

use crate::automation::conditions::Facts;
use crate::automation::ports::{ActionContext, Effects, FactReads, Streak};
use crate::automation::rule::{Action, Rule};
use crate::automation::walk::Incoming;
use crate::desk::Note;
use crate::desk::allocator::Allocate;
use crate::desk::conversation_desk::{ConversationDesk, DeskError};
use crate::inbox::agent_send::AgentSends;
use crate::inbox::auto_send::{AutoMessage, AutoSends};
use crate::inbox::contact_store::{ContactChanges, ContactStore};
use crate::inbox::conversation_store::ConversationStore;
use crate::inbox::origin::{Origin, OriginKind};
use crate::platform::StoreError;
use crate::platform::event_bus::EventPublisher;
use crate::platform::events::DomainEvent;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Reads what conditions see.
pub struct StoredFacts {
    pub conversations: ConversationStore,
    pub contacts: ContactStore,
    pub working_hours: crate::care::working_hours_store::WorkingHoursStore,
}

#[async_trait::async_trait]
impl FactReads for StoredFacts {
    async fn facts(&self, event: &Incoming, detail: &Value, working_hours: bool) -> Result<Facts, StoreError> {
        let text = |name: &str| detail.get(name).and_then(Value::as_str).map(str::to_string);
        let mut facts = Facts {
            conversation_id: event.conversation_id.clone(),
            account_id: text("account_id"),
            message_text: text("text"),
            message_type: text("type"),
            first_message: detail.get("first_in_conversation").and_then(Value::as_bool),
            ..Facts::default()
        };
        if let Some(conversation_id) = &event.conversation_id
            && let Some(conversation) = self.conversations.conversation(&event.org_id, conversation_id).await?
        {
            facts.account_id = Some(conversation.account_id.clone());
            facts.status = serde_json::to_value(conversation.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            facts.division_id = conversation.division_id;
            facts.assignee_id = conversation.assigned_agent_id;
            facts.priority = Some(conversation.priority.map_or("none", |p| p.as_str()).to_string());
        }
        if let Some(contact_id) = &event.contact_id
            && let Some(contact) = self.contacts.contact(&event.org_id, contact_id).await?
        {
            facts.contact_name = crate::inbox::contact_store::display_name(&contact).map(str::to_string);
            facts.contact_email = contact.email;
            facts.contact_phone = contact.wa_id;
            facts.contact_tags = contact.tags;
        }
        if working_hours {
            // Inside unless the schedule in force says closed at the event's time (none: open).
            let at_ms = event
                .occurred_ms
                .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
            let hours = self
                .working_hours
                .in_force(&event.org_id, facts.division_id.as_deref())
                .await?;
            let closed = hours
                .and_then(|h| h.calendar().ok())
                .and_then(|calendar| calendar.closed_until(at_ms));
            facts.in_working_hours = Some(closed.is_none());
        }
        Ok(facts)
    }
}

/// Carries out actions.
pub struct DeskEffects {
    pub desk: ConversationDesk,
    pub allocator: Arc<dyn Allocate>,
    pub sends: AgentSends,
    pub contacts: ContactStore,
    pub conversations: ConversationStore,
    pub events: Box<dyn EventPublisher>,
    /// The keyword scenarios a rule may start.
    pub scenarios: Arc<dyn crate::bot::ports::ScenarioReads>,
    /// Outgoing webhooks a rule posts to.
    pub webhooks: WebhookOut,
}

/// What posting to one outgoing webhook needs: the endpoint, its delivery log, the attempt queue.
pub struct WebhookOut {
    pub endpoints: Arc<dyn crate::integrations::ports::Endpoints>,
    pub deliveries: Arc<dyn crate::integrations::ports::DeliveryLog>,
    pub attempts: Arc<dyn crate::integrations::ports::AttemptQueue>,
}

#[cfg(feature = "eventbridge")]
impl DeskEffects {
    /// The effects on DynamoDB, SQS and EventBridge, as the automation and AI agent functions
    /// run them.
    pub fn on_aws(
        aws: &aws_config::SdkConfig,
        table: &str,
        event_bus_name: &str,
        outbound_queue_url: &str,
        deliveries_queue_url: &str,
        scenarios: Arc<dyn crate::bot::ports::ScenarioReads>,
    ) -> Self {
        use crate::integrations::attempt_queue::QueuedAttempts;
        use crate::integrations::delivery_store::DeliveryStore;
        use crate::integrations::endpoint_store::EndpointStore;
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        Self {
            desk: ConversationDesk::on_dynamo(&dynamo, &sqs, table, outbound_queue_url),
            allocator: Arc::new(crate::desk::allocator::Allocator::new(
                crate::desk::division_store::DivisionStore::new(dynamo.clone(), table),
                crate::access::agent_store::AgentStore::new(dynamo.clone(), table),
                ConversationStore::new(dynamo.clone(), table),
            )),
            sends: AgentSends::on_dynamo(&dynamo, &sqs, table, outbound_queue_url),
            contacts: ContactStore::new(dynamo.clone(), table),
            conversations: ConversationStore::new(dynamo.clone(), table),
            events: Box::new(crate::platform::event_bus::EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                event_bus_name,
            )),
            scenarios,
            webhooks: WebhookOut {
                endpoints: Arc::new(EndpointStore::new(dynamo.clone(), table)),
                deliveries: Arc::new(DeliveryStore::new(dynamo.clone(), table)),
                attempts: Arc::new(QueuedAttempts(Arc::new(crate::platform::job_queue::SqsJobQueue::new(
                    sqs,
                    deliveries_queue_url,
                )))),
            },
        }
    }
}

fn hex_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A refusal the rule's author must fix (recorded on the run), or a failure to retry.
fn desk_outcome(result: Result<String, DeskError>) -> Result<Result<String, String>, StoreError> {
    match result {
        Ok(done) => Ok(Ok(done)),
        Err(DeskError::Store(err)) => Err(err),
        Err(refused) => Ok(Err(refused.to_string())),
    }
}

impl DeskEffects {
    /// Announces a move made by a rule, carrying its cause (a failed publish is logged: the move
    /// is stored, and only its notice and the rules it would start are lost).
    async fn announce(&self, cx: &ActionContext, events: Vec<DomainEvent>) {
        let events: Vec<DomainEvent> = events
            .into_iter()
            .map(|e| e.with_cause(&cx.cause.rule_id, cx.cause.depth))
            .collect();
        if !self.events.publish(&events).await.is_empty() {
            tracing::warn!(rule = %cx.rule_id, "an automation move was not announced");
        }
    }

    async fn tags(&self, cx: &ActionContext, tags: &[String], add: bool) -> Result<Result<String, String>, StoreError> {
        let Some(contact_id) = &cx.contact_id else {
            return Ok(Err("the event names no contact".into()));
        };
        let Some(contact) = self.contacts.contact(&cx.org_id, contact_id).await? else {
            return Ok(Err("the contact no longer exists".into()));
        };
        let mut next = contact.tags.clone();
        for tag in tags {
            let has = next.iter().any(|t| t.eq_ignore_ascii_case(tag));
            match (add, has) {
                (true, false) => next.push(tag.clone()),
                (false, true) => next.retain(|t| !t.eq_ignore_ascii_case(tag)),
                _ => {}
            }
        }
        if next.len() > crate::desk::MAX_TAGS {
            return Ok(Err(format!("a contact holds at most {} tags", crate::desk::MAX_TAGS)));
        }
        if next != contact.tags {
            let changes = ContactChanges {
                tags: Some(next.clone()),
                ..ContactChanges::default()
            };
            self.contacts.update(&cx.org_id, contact_id, changes).await?;
        }
        Ok(Ok(format!("tags: {}", next.join(", "))))
    }
}

#[async_trait::async_trait]
impl Effects for DeskEffects {
    async fn apply(&self, cx: &ActionContext, action: &Action) -> Result<Result<String, String>, StoreError> {
        match (action, cx.conversation_id.as_deref()) {
            (Action::AddTags { tags }, _) => self.tags(cx, tags, true).await,
            (Action::RemoveTags { tags }, _) => self.tags(cx, tags, false).await,
            (Action::BlockScenario { scenario_id }, _) => self.block_scenario(cx, scenario_id).await,
            (Action::SendToWebhook { webhook_id }, _) => self.post_to_webhook(cx, webhook_id).await,
            (_, Some(conversation_id)) => self.on_conversation(cx, conversation_id.to_string(), action).await,
            (_, None) => Ok(Err("the event names no conversation".into())),
        }
    }

    async fn alert(&self, rule: &Rule, streak: &Streak, last_error: &str) -> Result<(), StoreError> {
        let event = DomainEvent::automation_alert(
            &rule.org_id,
            &rule.rule_id,
            &rule.name,
            streak.failures,
            &streak.since_event,
            last_error,
        );
        match self.events.publish(&[event]).await.is_empty() {
            true => Ok(()),
            false => Err(StoreError::io("PutEvents(automation.alert)", "not published")),
        }
    }
}

impl DeskEffects {
    /// A rule's message, once per event and action, marked as the rule's.
    async fn send(
        &self,
        cx: &ActionContext,
        conversation_id: &str,
        content: crate::meta::Content,
        idempotency_key: String,
    ) -> Result<Result<String, String>, StoreError> {
        let message = AutoMessage {
            org_id: &cx.org_id,
            conversation_id,
            content,
            idempotency_key,
            origin: Origin::of(OriginKind::Automation, cx.rule_id.clone()),
        };
        AutoSends::send(&self.sends, message).await
    }

    /// The scenario's start item and what it flows into, each once per event and action.
    async fn start_scenario(
        &self,
        cx: &ActionContext,
        conversation_id: &str,
        scenario_id: &str,
    ) -> Result<Result<String, String>, StoreError> {
        let scenarios = self.scenarios.scenarios(&cx.org_id).await?;
        let Some(scenario) = scenarios.iter().find(|s| s.scenario_id == scenario_id && s.active) else {
            return Ok(Err(format!("no active scenario {scenario_id}")));
        };
        let templates = self
            .scenarios
            .templates(&cx.org_id)
            .await?
            .into_iter()
            .map(|t| (t.template_id.clone(), t))
            .collect();
        let mut queued = Vec::new();
        for (n, (item, content)) in scenario
            .answer(&scenario.start_item_id, &templates)
            .into_iter()
            .enumerate()
        {
            let key = format!("{}:{n}", cx.idempotency_key());
            match self.send(cx, conversation_id, content, key).await? {
                Ok(_) => queued.push(item),
                Err(refused) => return Ok(Err(format!("{item}: {refused}"))),
            }
        }
        Ok(Ok(format!("scenario {scenario_id}: sent {}", queued.join(", "))))
    }

    /// Adds the scenario to the contact's blocked ones.
    async fn block_scenario(
        &self,
        cx: &ActionContext,
        scenario_id: &str,
    ) -> Result<Result<String, String>, StoreError> {
        let Some(contact_id) = cx.contact_id.as_deref() else {
            return Ok(Err("the event names no contact".into()));
        };
        let Some(contact) = self.contacts.contact(&cx.org_id, contact_id).await? else {
            return Ok(Err("the contact no longer exists".into()));
        };
        if !contact.blocked_scenarios.iter().any(|s| s == scenario_id) {
            let mut blocked = contact.blocked_scenarios.clone();
            blocked.push(scenario_id.to_string());
            self.contacts
                .set_blocked_scenarios(&cx.org_id, contact_id, &blocked)
                .await?;
        }
        Ok(Ok(format!("blocked scenario {scenario_id}")))
    }

    /// One delivery of `automation.webhook` to the endpoint, once per event and action (the
    /// delivery log's guard per endpoint and event), queued for the deliveries function.
    async fn post_to_webhook(
        &self,
        cx: &ActionContext,
        webhook_id: &str,
    ) -> Result<Result<String, String>, StoreError> {
        use crate::integrations::{AttemptJob, Delivery};
        let Some(endpoint) = self.webhooks.endpoints.endpoint(&cx.org_id, webhook_id).await? else {
            return Ok(Err(format!("no outgoing webhook {webhook_id}")));
        };
        if !endpoint.is_active {
            return Ok(Err(format!("the outgoing webhook {webhook_id} is disabled")));
        }
        let event_id = format!("automation.webhook:{}", cx.idempotency_key());
        let occurred = crate::platform::items::rfc3339_of_ms(cx.at_ms);
        let data = serde_json::json!({"event_id": event_id, "org_id": cx.org_id, "occurred_at": occurred,
            "rule_id": cx.rule_id, "caused_by_event_id": cx.event_id,
            "conversation_id": cx.conversation_id, "contact_id": cx.contact_id});
        let delivery = Delivery::pending(
            &cx.org_id,
            webhook_id,
            &event_id,
            "automation.webhook",
            cx.at_ms,
            &data,
            crate::integrations::delivery_policy::MAX_ATTEMPTS,
        );
        let reference = match self.webhooks.deliveries.create_delivery(&delivery).await? {
            crate::integrations::ports::Created::New => delivery.reference(),
            // A rerun: queue it again (a second job finds the attempt claimed and does nothing).
            crate::integrations::ports::Created::Existing { delivery_id } => crate::integrations::DeliveryRef {
                delivery_id,
                ..delivery.reference()
            },
        };
        let job = AttemptJob {
            delivery: reference,
            after_attempt: 0,
        };
        self.webhooks.attempts.enqueue(&job, 0).await?;
        Ok(Ok(format!("delivery {} queued", job.delivery.delivery_id)))
    }

    async fn triage(
        &self,
        cx: &ActionContext,
        conversation_id: &str,
        triage: &crate::inbox::Triage,
    ) -> Result<Result<(), String>, StoreError> {
        match self.conversations.set_triage(&cx.org_id, conversation_id, triage).await {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::NotFound(_)) => Ok(Err("the conversation no longer exists".into())),
            Err(err) => Err(err),
        }
    }

    /// The actions that act on the event's conversation.
    async fn on_conversation(
        &self,
        cx: &ActionContext,
        conversation_id: String,
        action: &Action,
    ) -> Result<Result<String, String>, StoreError> {
        let org = cx.org_id.as_str();
        match action {
            Action::SendText { text } => {
                let content = crate::meta::Content::Text { body: text.clone() };
                self.send(cx, &conversation_id, content, cx.idempotency_key()).await
            }
            Action::SendMessage { message } => {
                match crate::inbox::send_content::content_of(&message.kind, &message.content) {
                    Ok(content) => self.send(cx, &conversation_id, content, cx.idempotency_key()).await,
                    Err(refused) => Ok(Err(refused.to_string())),
                }
            }
            Action::StartScenario { scenario_id } => self.start_scenario(cx, &conversation_id, scenario_id).await,
            Action::AssignAgent { agent_id } => {
                let moved = self
                    .desk
                    .assign(org, &conversation_id, Some(agent_id.clone()), None)
                    .await
                    .map(|c| format!("assigned to {}", c.assigned_agent_id.unwrap_or_default()));
                if moved.is_ok() {
                    self.announce(
                        cx,
                        vec![DomainEvent::conversation_assigned(
                            org,
                            &conversation_id,
                            Some(agent_id.as_str()),
                            None,
                            "automation",
                        )],
                    )
                    .await;
                }
                desk_outcome(moved)
            }
            Action::AssignDivision { division_id } => {
                let moved = self
                    .desk
                    .assign(org, &conversation_id, None, Some(division_id.clone()))
                    .await;
                if let Err(refused) = moved {
                    return desk_outcome(Err(refused));
                }
                let allocation = self.allocator.allocate(org, &conversation_id, division_id).await?;
                self.announce(
                    cx,
                    vec![DomainEvent::conversation_assigned(
                        org,
                        &conversation_id,
                        None,
                        Some(division_id.as_str()),
                        "automation",
                    )],
                )
                .await;
                Ok(Ok(format!("to division {division_id}: {allocation:?}")))
            }
            Action::AddNote { content } => {
                let at = chrono::DateTime::from_timestamp_millis(cx.at_ms).unwrap_or_default();
                let created = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                let note = Note {
                    org_id: cx.org_id.clone(),
                    conversation_id: conversation_id.clone(),
                    // The same note on a rerun: its id and time come from the run.
                    note_id: format!("note_{}", &hex_sha256(&cx.idempotency_key())[..26]),
                    agent_id: "automation".into(),
                    agent_name: "Automation".into(),
                    content: content.clone(),
                    created_at: created.clone(),
                    updated_at: created,
                };
                match self.conversations.add_note_at(&note, cx.at_ms).await {
                    Ok(()) | Err(StoreError::Conflict(_)) => Ok(Ok(format!("note {}", note.note_id))),
                    Err(err) => Err(err),
                }
            }
            Action::Resolve => {
                let resolved = self
                    .desk
                    .resolve(org, &conversation_id)
                    .await
                    .map(|_| "resolved".to_string());
                if resolved.is_ok() {
                    self.announce(
                        cx,
                        vec![DomainEvent::conversation_resolved(org, &conversation_id, "automation")],
                    )
                    .await;
                }
                desk_outcome(resolved)
            }
            Action::SetPriority { priority } => {
                let triage = crate::inbox::Triage {
                    priority: Some(*priority),
                    ..Default::default()
                };
                self.triage(cx, &conversation_id, &triage)
                    .await
                    .map(|done| done.map(|()| format!("priority {}", priority.map_or("none", |p| p.as_str()))))
            }
            Action::Snooze { minutes } => {
                // From the run's time: a rerun writes the same instant.
                let until = cx.at_ms + i64::from(*minutes) * 60_000;
                let triage = crate::inbox::Triage {
                    snoozed_until_ms: Some(Some(until)),
                    ..Default::default()
                };
                self.triage(cx, &conversation_id, &triage).await.map(|done| {
                    done.map(|()| format!("snoozed until {}", crate::platform::items::rfc3339_of_ms(until)))
                })
            }
            // Contact actions, handled before a conversation is needed.
            Action::AddTags { tags } => self.tags(cx, tags, true).await,
            Action::RemoveTags { tags } => self.tags(cx, tags, false).await,
            Action::BlockScenario { scenario_id } => self.block_scenario(cx, scenario_id).await,
            Action::SendToWebhook { webhook_id } => self.post_to_webhook(cx, webhook_id).await,
        }
    }
}
