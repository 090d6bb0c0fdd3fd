//! The deliveries function: outgoing webhooks. Its queue gets every domain event from the bus (a
//! rule) and the attempts it queues itself (retries up to SQS's 15-minute delay, tests and
//! redeliveries from the API); an EventBridge schedule runs it every minute as well, to queue the
//! retries the due index holds (waits past 15 minutes). What each record comes to is decided by
//! `shared::integrations::dispatcher`; this crate only wires the ports and reads the wire shapes.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use shared::integrations::address_policy::Reach;
use shared::integrations::attempt_queue::{QueuedAttempts, job_of};
use shared::integrations::delivery_store::{self, DeliveryStore};
use shared::integrations::dispatcher::{DispatchPorts, Dispatched, Dispatcher, PublishedEvent};
use shared::integrations::endpoint_store::EndpointStore;
use shared::integrations::safe_http::SafeHttpClient;
use shared::integrations::{Delivery, ports::DeliveryLog};
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::due_index::DueIndex;
use shared::platform::event_bus::EventBridgePublisher;
use shared::platform::job_queue::SqsJobQueue;
use shared::platform::secret_keeper::KmsSecretKeeper;
use shared::platform::sqs_batch::{Attempt, BatchCounts, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use shared::platform::table::WEBHOOK_RETRY_DUE;
use shared::platform::telemetry::emit_metric;
use shared::platform::tick::{self, RunBudget, TickWork};
use std::sync::Arc;
use tracing::{Instrument, info, info_span};

/// The due index cursor's name.
pub const CLOCK: &str = "deliveries";
/// A first run looks this far back.
pub const FIRST_LOOK_BACK_MS: i64 = 60 * 60 * 1000;
/// A record whose delivery another invocation is attempting is looked at again after this.
pub const BUSY_RETRY_S: u32 = 30;

#[derive(Debug, Clone)]
pub struct DeliveriesConfig {
    pub table_name: String,
    pub consumer: ConsumerSettings,
    pub event_bus_name: String,
    pub secrets_key_id: String,
    pub reach: Reach,
}

impl DeliveriesConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            consumer: ConsumerSettings::from_env(env, vars::DELIVERIES_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            secrets_key_id: env.required(vars::SECRETS_KEY_ID)?,
            reach: Reach::from_env(env)?,
        })
    }
}

pub struct DeliveriesService {
    dispatcher: Dispatcher,
    log: Arc<DeliveryStore>,
    due: DueIndex,
    runner: BatchRunner,
    clock: Clock,
}

impl DeliveriesService {
    pub fn from_aws(config: &DeliveriesConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let table = &config.table_name;
        let log = Arc::new(DeliveryStore::new(dynamo.clone(), table));
        let ports = DispatchPorts {
            endpoints: Arc::new(EndpointStore::new(dynamo.clone(), table)),
            log: log.clone(),
            queue: Arc::new(QueuedAttempts(Arc::new(SqsJobQueue::new(
                sqs.clone(),
                &config.consumer.queue_url,
            )))),
            caller: Arc::new(SafeHttpClient::new(config.reach)),
            secrets: KmsSecretKeeper::shared(aws, &config.secrets_key_id),
            events: Arc::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                &config.event_bus_name,
            )),
        };
        Self::new(
            Dispatcher::new(ports, Clock::system()),
            log,
            DueIndex::new(dynamo, table),
            BatchRunner::from_aws("deliveries", sqs, &config.consumer, Order::Concurrent),
            Clock::system(),
        )
    }

    pub fn new(
        dispatcher: Dispatcher,
        log: Arc<DeliveryStore>,
        due: DueIndex,
        runner: BatchRunner,
        clock: Clock,
    ) -> Self {
        Self {
            dispatcher,
            log,
            due,
            runner,
            clock,
        }
    }

    /// An SQS batch (events and queued attempts), or the minute's schedule (due retries).
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
        if event.payload.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            let (response, _) = Box::pin(self.process(batch)).await;
            return Ok(serde_json::to_value(response)?);
        }
        let (queued, left) = self.tick(&event.payload).await?;
        Ok(serde_json::json!({"queued": queued, "left": left}))
    }

    /// The minute's schedule: queues the due retries; answers (queued, left).
    pub async fn tick(&self, scheduled: &Value) -> Result<(u32, u32), StoreError> {
        let now_ms = self.clock.now_for(scheduled);
        self.run_due(now_ms)
            .instrument(info_span!("tick", function = CLOCK))
            .await
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, BatchCounts) {
        self.runner.run(self, &event).await
    }

    /// Queues every due retry from the cursor's minute through now; answers (queued, left).
    pub async fn run_due(&self, now_ms: i64) -> Result<(u32, u32), StoreError> {
        let pages = self
            .due
            .shards::<Delivery>(WEBHOOK_RETRY_DUE, &[delivery_store::ENTITY]);
        let mut work = DueRetries {
            service: self,
            now_ms,
            queued: 0,
            left: 0,
        };
        let mut budget = RunBudget::for_run();
        tick::run(
            &self.due,
            &pages,
            CLOCK,
            now_ms,
            FIRST_LOOK_BACK_MS,
            &mut budget,
            &mut work,
        )
        .await?;
        info!(queued = work.queued, left = work.left, "due retries queued");
        if work.queued > 0 {
            emit_metric(
                "RetriesQueued",
                f64::from(work.queued),
                "Count",
                &[("Function", "deliveries")],
            );
        }
        Ok((work.queued, work.left))
    }

    /// The delivery log (the tests read it back).
    pub fn log(&self) -> &dyn DeliveryLog {
        self.log.as_ref()
    }
}

struct DueRetries<'a> {
    service: &'a DeliveriesService,
    now_ms: i64,
    queued: u32,
    left: u32,
}

#[async_trait::async_trait]
impl TickWork<Delivery> for DueRetries<'_> {
    async fn page(&mut self, _minute: &str, entries: Vec<Delivery>) -> u32 {
        let mut left = 0;
        for delivery in entries {
            match self.service.dispatcher.on_due(&delivery, self.now_ms).await {
                Ok(true) => self.queued += 1,
                Ok(false) => left += 1,
                Err(err) => {
                    tracing::warn!(delivery_id = %delivery.delivery_id, error = %err, "due retry not queued");
                    left += 1;
                }
            }
        }
        self.left += left;
        left
    }
}

fn outcome_of(dispatched: &Dispatched) -> Outcome {
    for (name, value) in [
        ("DeliveriesSucceeded", dispatched.succeeded),
        ("DeliveriesRetrying", dispatched.retrying),
        ("DeliveriesFailed", dispatched.failed),
    ] {
        if value > 0 {
            emit_metric(name, f64::from(value), "Count", &[("Function", "deliveries")]);
        }
    }
    if dispatched.busy > 0 {
        Outcome::retry(BUSY_RETRY_S, "an attempt of this delivery is in flight elsewhere")
    } else {
        Outcome::Done
    }
}

#[async_trait::async_trait]
impl RecordHandler for DeliveriesService {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, _attempt: Attempt) -> Result<Outcome, StoreError> {
        let body: Value = match serde_json::from_str(record.body.as_deref().unwrap_or_default()) {
            Ok(body) => body,
            Err(err) => return Ok(Outcome::failed(format!("not JSON: {err}"))),
        };
        if let Some(event) = PublishedEvent::from_envelope(&body) {
            let dispatched = self.dispatcher.on_event(&event).await?;
            info!(event_type = %event.detail_type, succeeded = dispatched.succeeded, retrying = dispatched.retrying, failed = dispatched.failed, "event dispatched");
            return Ok(outcome_of(&dispatched));
        }
        if let Some(job) = job_of(&body) {
            let dispatched = self.dispatcher.on_job(&job).await?;
            info!(delivery_id = %job.delivery.delivery_id, after_attempt = job.after_attempt, succeeded = dispatched.succeeded, "attempt");
            return Ok(outcome_of(&dispatched));
        }
        Ok(Outcome::failed("neither a Switchboard event nor a queued attempt"))
    }
}
