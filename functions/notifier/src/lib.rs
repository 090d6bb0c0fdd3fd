//! The notifier: domain events reach it from the bus through its queue (a rule on the bus, SQS for
//! retries and a dead-letter queue). Each event becomes a small notice (what changed and the ids)
//! posted to the open connections of the event's organization, and to no other: connections are
//! read from that organization's own partition. A connection of an agent limited to some
//! conversations is told only about those: each connection records what its agent sees, so an
//! event costs one read of its conversation at most, and only when such a connection is open. A connection that answers 410 Gone is deleted. A
//! post that fails otherwise is counted and not retried: the page re-fetches what it may have
//! missed whenever it reconnects, and a retry would repeat the notice to every other agent.

pub mod management_api;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use futures::StreamExt;
use lambda_runtime::LambdaEvent;
use management_api::{ConnectionPoster, ManagementApi, PostError};
use shared::inbox::conversation_store::ConversationStore;
use shared::live::About;
use shared::live::connection_store::ConnectionStore;
use shared::platform::StoreError;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::sqs_batch::{Attempt, BatchCounts, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use shared::platform::telemetry::emit_metric;
use tracing::{info, warn};

/// Posts in flight at once for one event (API Gateway's management API is called per connection).
const CONCURRENT_POSTS: usize = 16;

#[derive(Debug, Clone)]
pub struct NotifierConfig {
    pub table_name: String,
    pub connections_endpoint: String,
    pub consumer: ConsumerSettings,
}

impl NotifierConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            connections_endpoint: shared::live::management_endpoint(&env.required(vars::LIVE_URL)?),
            consumer: ConsumerSettings::from_env(env, vars::NOTIFIER_QUEUE_URL)?,
        })
    }
}

/// What became of one event.
#[derive(Debug)]
pub enum Delivered {
    Done(Delivery),
    /// Not a Switchboard event (or one without an organization): nothing to deliver.
    NotAnEvent(String),
}

/// What one event came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub posted: u32,
    pub gone: u32,
    pub failed: u32,
}

pub struct NotifierService {
    connections: ConnectionStore,
    /// Where a notice's conversation is (division, assignee), for limited connections.
    conversations: ConversationStore,
    poster: Box<dyn ConnectionPoster>,
    runner: BatchRunner,
    /// "Now", for the connections' expiry.
    clock: shared::platform::clock::Clock,
}

impl NotifierService {
    pub fn from_aws(config: &NotifierConfig, aws: &aws_config::SdkConfig) -> Self {
        Self::new(
            ConnectionStore::new(aws_sdk_dynamodb::Client::new(aws), &config.table_name),
            ConversationStore::new(aws_sdk_dynamodb::Client::new(aws), &config.table_name),
            Box::new(ManagementApi::new(aws, &config.connections_endpoint)),
            BatchRunner::from_aws(
                "notifier",
                aws_sdk_sqs::Client::new(aws),
                &config.consumer,
                Order::Concurrent,
            ),
        )
    }

    pub fn new(
        connections: ConnectionStore,
        conversations: ConversationStore,
        poster: Box<dyn ConnectionPoster>,
        runner: BatchRunner,
    ) -> Self {
        Self {
            connections,
            conversations,
            poster,
            runner,
            clock: shared::platform::clock::Clock::system(),
        }
    }

    /// Reads "now" from `clock` (tests move it past a connection's expiry).
    pub fn with_clock(mut self, clock: shared::platform::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        Ok(Box::pin(self.process(event.payload)).await.0)
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, BatchCounts) {
        self.runner.run(self, &event).await
    }

    /// Closes the connections an event closes (an agent's ended sessions, a changed membership or
    /// role: `DELETE @connections`) and forgets them; a close that fails is retried with the record
    /// (SQS redelivers the event).
    async fn close_connections(&self, ended: &shared::live::Closing) -> Result<Delivery, StoreError> {
        let now_ms = self.clock.now_ms();
        let mut delivery = Delivery::default();
        let mut failed = None;
        for connection in self.connections.of_organization(&ended.org_id, now_ms).await? {
            if !ended.closes(
                &connection.agent_id,
                connection.session_id.as_deref(),
                connection.role_id.as_deref(),
            ) {
                continue;
            }
            match self.poster.close(&connection.connection_id).await {
                Ok(()) | Err(PostError::Gone) => {
                    self.connections
                        .forget(&ended.org_id, &connection.connection_id)
                        .await?;
                    delivery.gone += 1;
                }
                Err(PostError::Failed(reason)) => {
                    delivery.failed += 1;
                    failed = Some(reason);
                }
            }
        }
        info!(org = %ended.org_id, closes = ?ended.closes, closed = delivery.gone, failed = delivery.failed, "connections closed");
        match failed {
            Some(reason) => Err(StoreError::io("DeleteConnection", reason)),
            None => Ok(delivery),
        }
    }

    /// Posts one event's notice to its organization's connections (or, for an agent's ended
    /// sessions, closes their connections).
    pub async fn deliver(&self, envelope: &str) -> Result<Delivered, StoreError> {
        if let Some(closing) = shared::live::closing_of(envelope) {
            return self.close_connections(&closing).await.map(Delivered::Done);
        }
        let notice = match shared::live::notice_of(envelope) {
            Ok(notice) => notice,
            Err(err) => return Ok(Delivered::NotAnEvent(err.to_string())),
        };
        let now_ms = self.clock.now_ms();
        let mut connections = self.connections.of_organization(&notice.org_id, now_ms).await?;
        let limited = connections
            .iter()
            .any(|c| c.visibility != shared::access::roles::Visibility::All);
        if limited {
            let about = self.about(&notice).await?;
            connections.retain(|connection| shared::live::is_told(connection, &about));
        }
        let data = serde_json::to_vec(&notice).map_err(|e| StoreError::io("notice", e))?;
        let results: Vec<(String, Result<(), PostError>)> = futures::stream::iter(connections)
            .map(|connection| {
                let data = &data;
                async move {
                    let result = self.poster.post(&connection.connection_id, data).await;
                    (connection.connection_id, result)
                }
            })
            .buffer_unordered(CONCURRENT_POSTS)
            .collect()
            .await;
        let mut delivery = Delivery::default();
        for (connection_id, result) in results {
            match result {
                Ok(()) => delivery.posted += 1,
                Err(PostError::Gone) => {
                    delivery.gone += 1;
                    if let Err(err) = self.connections.forget(&notice.org_id, &connection_id).await {
                        // TTL deletes it in the end; the next event tries again.
                        warn!(connection = %connection_id, error = %err, "could not delete a gone connection");
                    }
                }
                Err(PostError::Failed(reason)) => {
                    delivery.failed += 1;
                    warn!(connection = %connection_id, %reason, "notice not posted");
                }
            }
        }
        info!(kind = %notice.kind, org = %notice.org_id, posted = delivery.posted, gone = delivery.gone, failed = delivery.failed, "notice");
        for (name, value) in [
            ("NoticesPosted", delivery.posted),
            ("ConnectionsGone", delivery.gone),
            ("NoticesNotPosted", delivery.failed),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "notifier")]);
            }
        }
        Ok(Delivered::Done(delivery))
    }
}

impl NotifierService {
    /// Where the notice's conversation is now: one GetItem, read only for limited connections.
    async fn about(&self, notice: &shared::live::Notice) -> Result<About, StoreError> {
        let Some(conversation_id) = notice.conversation_id() else {
            return Ok(About::Organization);
        };
        Ok(
            match self.conversations.conversation(&notice.org_id, conversation_id).await? {
                Some(conversation) => About::Conversation {
                    division_id: conversation.division_id,
                    assignee_id: conversation.assigned_agent_id,
                },
                None => About::Unknown,
            },
        )
    }
}

#[async_trait::async_trait]
impl RecordHandler for NotifierService {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, _attempt: Attempt) -> Result<Outcome, StoreError> {
        Ok(match self.deliver(record.body.as_deref().unwrap_or_default()).await? {
            Delivered::Done(_) => Outcome::Done,
            Delivered::NotAnEvent(reason) => Outcome::failed(format!("not a Switchboard event: {reason}")),
        })
    }
}
