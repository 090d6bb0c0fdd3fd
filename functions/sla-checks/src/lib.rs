//! The sla-checks function (EventBridge schedule, every minute). It reads the SLA due index one
//! minute at a time (`SLADUE#<minute>`), from the oldest minute that may still hold work (a cursor)
//! through now. Each entry is one conversation's clocks, indexed at their next deadline; for each,
//! `SlaClocks::fire` says which warnings and breaches have come due, and one write conditioned on
//! the clocks' version records them (with the breach logs, each `attribute_not_exists`, and the
//! counters), so overlapping runs and retries record each once. The notices stay on the clocks,
//! which stay due, until their `sla.warning` / `sla.breached` events are published.
//!
//! Then the same for idle conversations and the chat expiration rules (`expiry`).
//!
//! A run's work scales with what is due: it never reads conversations that are not.

mod expiry;

#[cfg(test)]
mod tests;

use shared::care::chat_expiry_store::ChatExpiryStore;
use shared::care::check_ports::{ExpiryEntries, ResolvedSurveys, SlaClockBook, SlaLifecycle};
use shared::care::csat_surveyor::CsatSurveyor;
use shared::care::sla_clock::{SlaClocks, Tally};
use shared::care::sla_keeper::SlaKeeper;
use shared::care::sla_store::SlaStore;
use shared::inbox::conversation_store::ConversationStore;
use shared::inbox::moves::ConversationResolves;
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::due_index::DueIndex;
use shared::platform::event_bus::{EventBridgePublisher, EventPublisher};
use shared::platform::events::DomainEvent;
use shared::platform::job_queue::SqsJobQueue;
use shared::platform::telemetry::emit_metric;
use shared::platform::tick::{self, ClockCursors, RunBudget, TickWork, minute_of};
use std::sync::Arc;
use tracing::{Instrument, info, info_span, warn};

/// The cursor's name in the table.
pub const CLOCK: &str = "sla-checks";
/// A first run (no cursor yet) looks this far back.
pub const FIRST_LOOK_BACK_MS: i64 = 60 * 60 * 1000;
/// Tries per entry when other writers (a reply, a resolve) move the clocks meanwhile.
const ATTEMPTS: usize = 3;

#[derive(Debug, Clone)]
pub struct SlaChecksConfig {
    pub table_name: String,
    pub event_bus_name: String,
    pub outbound_queue_url: String,
}

impl SlaChecksConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
        })
    }
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub minutes_read: u32,
    pub warnings: u32,
    pub breaches: u32,
    /// Idle conversations resolved by their chat expiration rule.
    pub auto_resolved: u32,
    /// Entries with nothing due any more (stopped, or moved by another writer).
    pub unchanged: u32,
    /// Left for a later run (due later in its minute, or an error).
    pub left: u32,
}

/// The tick's work on the SLA clocks: each page's clocks fired, saved and announced.
struct DueClocks<'a> {
    service: &'a SlaChecksService,
    now_ms: i64,
    summary: &'a mut RunSummary,
}

#[async_trait::async_trait]
impl TickWork<SlaClocks> for DueClocks<'_> {
    async fn page(&mut self, minute: &str, page: Vec<SlaClocks>) -> u32 {
        let left_before = self.summary.left;
        for clocks in page {
            let span = info_span!("sla", org = %clocks.org_id, conversation = %clocks.conversation_id);
            let conversation = clocks.conversation_id.clone();
            let worked = self.service.work(clocks, minute, self.now_ms, self.summary);
            if let Err(err) = worked.instrument(span).await {
                warn!(%conversation, error = %err, "left for the next run");
                self.summary.left += 1;
            }
        }
        self.summary.left - left_before
    }
}

/// What the function works through: its ports (DynamoDB, SQS and EventBridge in Lambda; in
/// memory in unit tests).
#[derive(Clone)]
pub struct SlaChecksPorts {
    pub clocks: Arc<dyn SlaClockBook>,
    pub cursors: Arc<dyn ClockCursors>,
    pub expiries: Arc<dyn ExpiryEntries>,
    pub conversations: Arc<dyn ConversationResolves>,
    pub lifecycle: Arc<dyn SlaLifecycle>,
    pub surveys: Arc<dyn ResolvedSurveys>,
    pub events: Arc<dyn EventPublisher>,
}

pub struct SlaChecksService {
    ports: SlaChecksPorts,
    clock: Clock,
}

impl SlaChecksService {
    pub fn new(ports: SlaChecksPorts, clock: Clock) -> Self {
        Self { ports, clock }
    }

    pub fn from_aws(config: &SlaChecksConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let table = &config.table_name;
        let outbound = SqsJobQueue::new(aws_sdk_sqs::Client::new(aws), &config.outbound_queue_url);
        let ports = SlaChecksPorts {
            clocks: Arc::new(SlaStore::new(dynamo.clone(), table)),
            cursors: Arc::new(DueIndex::new(dynamo.clone(), table)),
            expiries: Arc::new(ChatExpiryStore::new(dynamo.clone(), table)),
            conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
            lifecycle: Arc::new(SlaKeeper::new(dynamo.clone(), table)),
            surveys: Arc::new(CsatSurveyor::new(dynamo, table, Box::new(outbound))),
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
        // One budget for both walks: the expiry walk gets what the SLA walk left.
        let mut budget = RunBudget::for_run();
        let tick = tick::run(
            &*self.ports.cursors,
            &*self.ports.clocks,
            CLOCK,
            now_ms,
            FIRST_LOOK_BACK_MS,
            &mut budget,
            &mut DueClocks {
                service: self,
                now_ms,
                summary: &mut summary,
            },
        )
        .await?;
        summary.minutes_read = tick.minutes_read;
        self.expire(now_ms, &mut budget, &mut summary).await?;
        for (name, value) in [
            ("SlaWarnings", summary.warnings),
            ("SlaBreaches", summary.breaches),
            ("AutoResolved", summary.auto_resolved),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "sla-checks")]);
            }
        }
        if summary.warnings + summary.breaches + summary.auto_resolved + summary.left > 0 {
            info!(?summary, "run done");
        }
        Ok(summary)
    }

    /// One due-index entry (as the index holds it, which may be a version behind).
    async fn work(
        &self,
        mut clocks: SlaClocks,
        minute: &str,
        now_ms: i64,
        summary: &mut RunSummary,
    ) -> Result<(), StoreError> {
        for _ in 0..ATTEMPTS {
            if !clocks.unannounced.is_empty() {
                return self.announce(clocks, now_ms).await;
            }
            let (fired, tally) = clocks.fire(now_ms);
            if fired.is_empty() {
                match clocks.next_due_ms() {
                    Some(due) if due > now_ms && minute_of(due) == minute => summary.left += 1,
                    _ => summary.unchanged += 1,
                }
                return Ok(());
            }
            let breaches = clocks.breach_logs(&fired, now_ms);
            match self.ports.clocks.save(&mut clocks, now_ms, tally, &breaches).await {
                Ok(()) => {
                    for notice in &fired {
                        match notice.breached {
                            true => summary.breaches += 1,
                            false => summary.warnings += 1,
                        }
                        info!(
                            kind = notice.kind.as_str(),
                            breached = notice.breached,
                            "SLA notice recorded"
                        );
                    }
                    return self.announce(clocks, now_ms).await;
                }
                Err(StoreError::Conflict(_)) => {
                    let Some(current) = self
                        .ports
                        .clocks
                        .clocks(&clocks.org_id, &clocks.conversation_id)
                        .await?
                    else {
                        summary.unchanged += 1;
                        return Ok(());
                    };
                    if !current.unannounced.is_empty() {
                        // Another run fired them and is publishing them; if it fails, they stay
                        // due and this minute is read again.
                        summary.left += 1;
                        return Ok(());
                    }
                    clocks = current;
                }
                Err(err) => return Err(err),
            }
        }
        Err(StoreError::Conflict("the SLA clocks kept changing".into()))
    }

    /// Publishes the clocks' unannounced notices, then lets them wait for their next deadline; a
    /// failed publish leaves them due now, for the next run (the events' ids repeat).
    async fn announce(&self, mut clocks: SlaClocks, now_ms: i64) -> Result<(), StoreError> {
        let events: Vec<DomainEvent> = clocks
            .unannounced
            .iter()
            .map(|notice| DomainEvent::sla_notice(&clocks.org_id, &clocks.conversation_id, &clocks.policy_id, notice))
            .collect();
        if !self.ports.events.publish(&events).await.is_empty() {
            return Err(StoreError::io("PutEvents(sla)", "not accepted"));
        }
        clocks.unannounced.clear();
        match self.ports.clocks.save(&mut clocks, now_ms, Tally::default(), &[]).await {
            // Another writer came first and keeps the notices due: the next run publishes them
            // again under the same ids.
            Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
