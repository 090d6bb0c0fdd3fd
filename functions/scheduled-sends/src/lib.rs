//! The scheduled-sends function (EventBridge schedule, every minute). Through the tick
//! (`shared::platform::tick`) it reads the due index from the oldest minute that may still hold
//! work (a cursor) through now, a page of small entries at a time, shards in turn, within the
//! run's budget per shard and in time, then the page's messages in one batch; for each pending
//! message it does what `shared::outreach::schedule::decide` says:
//! - send: one transaction creates the outbound message (`queued`, as an agent's send) and marks
//!   the scheduled one `sent`, conditioned on it still being `pending`, so overlapping runs and
//!   retries create one message; then the job goes to the sender's queue (the sweeper queues it
//!   again if that fails, as for an agent's send);
//! - fail: free-form content with the customer-service window closed at send time.
//!
//! A settled message leaves the index only once its `scheduled_message.*` event is published, and
//! the cursor passes a minute only when nothing in it is left, so nothing is skipped or lost.

use shared::inbox::compose::{Composed, queued_message};
use shared::inbox::contact_store::ContactStore;
use shared::inbox::conversation_store::ConversationStore;
use shared::inbox::reads::{ContactReads, ConversationReads};
use shared::outreach::schedule::{Due, ScheduledDue, ScheduledMessage, ScheduledStatus, decide};
use shared::outreach::scheduled_port::{HandOver, QueuedSend, ScheduledMessages};
use shared::outreach::scheduled_store::ScheduledStore;
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::due_index::DueIndex;
use shared::platform::event_bus::{EventBridgePublisher, EventPublisher};
use shared::platform::events::DomainEvent;
use shared::platform::job_queue::{JobQueue, SqsJobQueue};
use shared::platform::telemetry::emit_metric;
use shared::platform::tick::{self, ClockCursors, RunBudget, TickWork};
use std::sync::Arc;
use tracing::{Instrument, info, info_span, warn};

/// The cursor's name in the table.
pub const CLOCK: &str = "scheduled-sends";
/// A first run (no cursor yet) looks this far back.
pub const FIRST_LOOK_BACK_MS: i64 = 60 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct ScheduledSendsConfig {
    pub table_name: String,
    pub outbound_queue_url: String,
    pub event_bus_name: String,
}

impl ScheduledSendsConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
        })
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub minutes_read: u32,
    pub sent: u32,
    pub failed: u32,
    /// Settled by another run meanwhile, or cancelled: nothing done.
    pub unchanged: u32,
    /// Left for a later run (due later in its minute, or an error).
    pub left: u32,
    /// Minutes with shards the run's budget left unread (a backlog that drains over the next runs).
    pub unread_minutes: u32,
}

/// The tick's work: each page of due entries, worked off by the service.
struct DuePages<'a> {
    service: &'a ScheduledSendsService,
    now_ms: i64,
    summary: &'a mut RunSummary,
}

#[async_trait::async_trait]
impl TickWork<ScheduledDue> for DuePages<'_> {
    async fn page(&mut self, _minute: &str, entries: Vec<ScheduledDue>) -> u32 {
        let left_before = self.summary.left;
        self.service.work_page(entries, self.now_ms, self.summary).await;
        self.summary.left - left_before
    }
}

/// What the function works through: its ports (DynamoDB, SQS and EventBridge in Lambda; in
/// memory in unit tests).
#[derive(Clone)]
pub struct ScheduledSendsPorts {
    pub scheduled: Arc<dyn ScheduledMessages>,
    pub cursors: Arc<dyn ClockCursors>,
    pub conversations: Arc<dyn ConversationReads>,
    pub contacts: Arc<dyn ContactReads>,
    pub outbound: Arc<dyn JobQueue>,
    pub events: Arc<dyn EventPublisher>,
}

pub struct ScheduledSendsService {
    ports: ScheduledSendsPorts,
    clock: Clock,
}

impl ScheduledSendsService {
    pub fn new(ports: ScheduledSendsPorts, clock: Clock) -> Self {
        Self { ports, clock }
    }

    pub fn from_aws(config: &ScheduledSendsConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let table = &config.table_name;
        let ports = ScheduledSendsPorts {
            scheduled: Arc::new(ScheduledStore::new(dynamo.clone(), table)),
            cursors: Arc::new(DueIndex::new(dynamo.clone(), table)),
            conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
            contacts: Arc::new(ContactStore::new(dynamo, table)),
            outbound: Arc::new(SqsJobQueue::new(
                aws_sdk_sqs::Client::new(aws),
                &config.outbound_queue_url,
            )),
            events: Arc::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                &config.event_bus_name,
            )),
        };
        Self::new(ports, Clock::system())
    }

    /// Reads "now" from `clock` when the event carries no time (tests drive time without sleeping).
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Clock::new(clock);
        self
    }

    pub async fn handle(
        &self,
        event: lambda_runtime::LambdaEvent<serde_json::Value>,
    ) -> Result<(), lambda_runtime::Error> {
        // An error fails the invocation: EventBridge retries it, then its dead-letter queue.
        self.run(&event.payload).await?;
        Ok(())
    }

    /// One run; "now" is the scheduled event's `time`, else the clock's.
    pub async fn run(&self, event: &serde_json::Value) -> Result<RunSummary, StoreError> {
        let now_ms = self.clock.now_for(event);
        let mut summary = RunSummary::default();
        let tick = tick::run(
            &*self.ports.cursors,
            &*self.ports.scheduled,
            CLOCK,
            now_ms,
            FIRST_LOOK_BACK_MS,
            &mut RunBudget::for_run(),
            &mut DuePages {
                service: self,
                now_ms,
                summary: &mut summary,
            },
        )
        .await?;
        summary.minutes_read = tick.minutes_read;
        summary.unread_minutes = tick.unread_minutes;
        for (name, value) in [("ScheduledSent", summary.sent), ("ScheduledFailed", summary.failed)] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "scheduled-sends")]);
            }
        }
        if summary.sent + summary.failed + summary.left > 0 {
            info!(?summary, "run done");
        }
        Ok(summary)
    }

    /// A page of due entries: their messages in one read, then each worked off (an error leaves
    /// the entries for the next run).
    async fn work_page(&self, page: Vec<ScheduledDue>, now_ms: i64, summary: &mut RunSummary) {
        let count = page.len() as u32;
        let messages = match self.ports.scheduled.due_messages(page).await {
            Ok(messages) => messages,
            Err(err) => {
                warn!(error = %err, "a page of due entries left for the next run");
                summary.left += count;
                return;
            }
        };
        for (due, message) in messages {
            let span = info_span!("scheduled", org = %due.org_id, scheduled = %due.scheduled_id);
            let done = match message {
                Some(message) => self.work(&message, now_ms, summary).instrument(span).await,
                None => {
                    summary.unchanged += 1;
                    self.ports.scheduled.drop_due(&due).instrument(span).await
                }
            };
            if let Err(err) = done {
                warn!(scheduled = %due.scheduled_id, error = %err, "left for the next run");
                summary.left += 1;
            }
        }
    }

    /// One due-index entry: sent or failed now, announced, or left for later.
    async fn work(&self, message: &ScheduledMessage, now_ms: i64, summary: &mut RunSummary) -> Result<(), StoreError> {
        match message.status {
            ScheduledStatus::Pending => {}
            ScheduledStatus::Sent | ScheduledStatus::Failed if !message.announced => {
                return self.announce(message).await;
            }
            _ => {
                summary.unchanged += 1;
                return self.ports.scheduled.announced(message).await;
            }
        }
        let conversation = self
            .ports
            .conversations
            .conversation(&message.org_id, &message.conversation_id)
            .await?;
        let Some(conversation) = conversation else {
            return self.fail(message, "the conversation no longer exists", summary).await;
        };
        match decide(message, conversation.window_expires_at, now_ms) {
            Due::Wait => {
                summary.left += 1;
                Ok(())
            }
            Due::Fail(reason) => self.fail(message, &reason, summary).await,
            Due::Send => {
                let contact = self
                    .ports
                    .contacts
                    .contact(&message.org_id, &conversation.contact_id)
                    .await?;
                let Some(to) = contact.and_then(|c| c.wa_id) else {
                    return self
                        .fail(
                            message,
                            "the contact has no phone-based WhatsApp id to send to",
                            summary,
                        )
                        .await;
                };
                let (key, outbound, job) = queued_message(
                    Composed {
                        org_id: &message.org_id,
                        conversation_id: &message.conversation_id,
                        account_id: &conversation.account_id,
                        to: &to,
                        message_type: &message.msg_type,
                        content: &message.content,
                        reply_to: message.reply_to.clone(),
                        origin: shared::inbox::origin::Origin::agent(Some(&message.scheduled_by)),
                    },
                    chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default(),
                );
                let send = QueuedSend {
                    key,
                    preview: message.content.preview(),
                    message: outbound,
                    job,
                };
                if self.ports.scheduled.hand_over(message, &send).await? == HandOver::NotPending {
                    summary.unchanged += 1;
                    return Ok(());
                }
                summary.sent += 1;
                if !self.ports.outbound.send_all(&[send.job.body()]).await.is_empty() {
                    warn!("the scheduled message is stored but could not be queued; the sweeper will queue it");
                }
                info!(message_id = %send.message.message_id, "scheduled message handed to the sender");
                let sent = ScheduledMessage {
                    status: ScheduledStatus::Sent,
                    message_id: Some(send.message.message_id.clone()),
                    ..message.clone()
                };
                self.announce(&sent).await
            }
        }
    }

    async fn fail(&self, message: &ScheduledMessage, reason: &str, summary: &mut RunSummary) -> Result<(), StoreError> {
        if !self.ports.scheduled.fail(message, reason).await? {
            summary.unchanged += 1;
            return Ok(());
        }
        summary.failed += 1;
        warn!(%reason, "scheduled message failed");
        let failed = ScheduledMessage {
            status: ScheduledStatus::Failed,
            error_message: Some(reason.to_string()),
            ..message.clone()
        };
        self.announce(&failed).await
    }

    /// Publishes the settled message's event, then takes it out of the due index; a failed publish
    /// leaves it there for the next run.
    async fn announce(&self, message: &ScheduledMessage) -> Result<(), StoreError> {
        let event = match message.status {
            ScheduledStatus::Sent => DomainEvent::scheduled_message_sent(
                &message.org_id,
                &message.conversation_id,
                &message.scheduled_id,
                message.message_id.as_deref().unwrap_or_default(),
            ),
            _ => DomainEvent::scheduled_message_failed(
                &message.org_id,
                &message.conversation_id,
                &message.scheduled_id,
                message.error_message.as_deref().unwrap_or_default(),
            ),
        };
        if !self.ports.events.publish(&[event]).await.is_empty() {
            return Err(StoreError::io("PutEvents(scheduled_message)", "not accepted"));
        }
        self.ports.scheduled.announced(message).await
    }
}

#[cfg(test)]
mod tests;
