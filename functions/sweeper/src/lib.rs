//! The sweeper (EventBridge schedule, every minute): settles the outbound messages no job is left
//! to settle. It reads the pending-sends index (one Query per shard for what is due, no scan) and
//! does what `shared::inbox::send_policy::on_sweep` says:
//! - still `queued` 5 minutes after it was stored (the API could not queue it, or its job was
//!   dead-lettered): queue another job, then look again later, with growing spacing; `failed` once
//!   it is a day old;
//! - `sending` with a claim older than the sender's timeout plus a margin (the invocation died):
//!   `unknown`, never resent;
//! - `unknown` with no status from Meta within the settle period: `failed` (unconfirmed) and a
//!   `message.failed` event.
//!
//! Each write is conditioned on the state it was decided from, so a sweep racing the sender or a
//! status webhook changes nothing the other already settled. "Now" is the scheduled event's time.

#[cfg(test)]
mod tests;

use shared::inbox::outbound_store::{OutboundStore, PendingSend};
use shared::inbox::send_policy::{self, Next, SendState};
use shared::inbox::send_port::PendingSweeps;
use shared::meta::MetaError;
use shared::platform::StoreError;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::event_bus::{EventBridgePublisher, EventPublisher, announce_failed_send};
use shared::platform::job_queue::{JobQueue, SqsJobQueue};
use shared::platform::table::SEND_SHARDS;
use shared::platform::telemetry::emit_metric;
use std::sync::Arc;
use tracing::{Instrument, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct SweeperConfig {
    pub table_name: String,
    pub outbound_queue_url: String,
    pub event_bus_name: String,
}

impl SweeperConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
        })
    }
}

/// Due messages read per Query.
const PAGE: i32 = 100;
/// Pages per shard and run: a backlog larger than this is worked off over the next runs.
const MAX_PAGES_PER_SHARD: usize = 10;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    pub requeued: u32,
    pub marked_unknown: u32,
    pub failed: u32,
    /// Due but settled meanwhile by someone else (a lost race changes nothing).
    pub unchanged: u32,
}

/// What the sweeper works through: its ports (DynamoDB, SQS and EventBridge in Lambda; in memory
/// in unit tests).
#[derive(Clone)]
pub struct SweeperPorts {
    pub sends: Arc<dyn PendingSweeps>,
    pub outbound: Arc<dyn JobQueue>,
    pub events: Arc<dyn EventPublisher>,
}

pub struct SweeperService {
    ports: SweeperPorts,
    /// "Now" when a run has no scheduled event's time.
    clock: shared::platform::clock::Clock,
}

impl SweeperService {
    pub fn new(ports: SweeperPorts, clock: shared::platform::clock::Clock) -> Self {
        Self { ports, clock }
    }

    pub fn from_aws(config: &SweeperConfig, aws: &aws_config::SdkConfig) -> Self {
        let ports = SweeperPorts {
            sends: Arc::new(OutboundStore::new(
                aws_sdk_dynamodb::Client::new(aws),
                &config.table_name,
            )),
            outbound: Arc::new(SqsJobQueue::new(
                aws_sdk_sqs::Client::new(aws),
                &config.outbound_queue_url,
            )),
            events: Arc::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                &config.event_bus_name,
            )),
        };
        Self::new(ports, shared::platform::clock::Clock::system())
    }

    pub async fn handle(
        &self,
        event: lambda_runtime::LambdaEvent<serde_json::Value>,
    ) -> Result<(), lambda_runtime::Error> {
        // An error fails the invocation: EventBridge retries it, and the function's error alarm fires.
        self.sweep(&event.payload).await?;
        Ok(())
    }

    /// One run; `event` is EventBridge's scheduled event, whose `time` is "now".
    pub async fn sweep(&self, event: &serde_json::Value) -> Result<SweepSummary, StoreError> {
        let now_ms = self.clock.now_for(event);
        let mut summary = SweepSummary::default();
        for shard in 0..SEND_SHARDS {
            self.sweep_shard(shard, now_ms, &mut summary)
                .instrument(info_span!("sweep", shard))
                .await?;
        }
        for (name, value) in [
            ("SendsRequeued", summary.requeued),
            ("SendsMarkedUnknown", summary.marked_unknown),
            ("SendsFailedBySweeper", summary.failed),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "sweeper")]);
            }
        }
        info!(?summary, "sweep done");
        Ok(summary)
    }

    async fn sweep_shard(&self, shard: u32, now_ms: i64, summary: &mut SweepSummary) -> Result<(), StoreError> {
        for _ in 0..MAX_PAGES_PER_SHARD {
            let due = self.ports.sends.due(shard, now_ms, PAGE).await?;
            let mut moved = 0;
            for pending in &due {
                if self.settle(pending, now_ms, summary).await? {
                    moved += 1;
                }
            }
            // Each settled message left the due range; a page that moved nothing would come back as is.
            if due.len() < PAGE as usize || moved == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Carries out the policy for one due message; true when it moved.
    async fn settle(&self, pending: &PendingSend, now_ms: i64, summary: &mut SweepSummary) -> Result<bool, StoreError> {
        let moved = match send_policy::on_sweep(pending.state, now_ms) {
            Next::Requeue => match &pending.job {
                Some(job) => {
                    if !self.ports.outbound.send_all(&[job.body()]).await.is_empty() {
                        return Err(StoreError::io("SendMessageBatch(requeue)", "not accepted"));
                    }
                    summary.requeued += 1;
                    self.ports.sends.requeued(pending).await?
                }
                None => {
                    self.fail(pending, "stored without a send job; cannot be sent", true, summary)
                        .await?
                }
            },
            Next::MarkUnknown => match pending.state {
                SendState::Sending { claimed_ms } => {
                    summary.marked_unknown += 1;
                    self.ports.sends.mark_unknown(pending, claimed_ms).await?
                }
                _ => false,
            },
            Next::Fail { reason, confirmed } => self.fail(pending, &reason, confirmed, summary).await?,
            Next::Send | Next::WaitUntil(_) | Next::Nothing => false,
        };
        if !moved {
            summary.unchanged += 1;
        }
        Ok(moved)
    }

    async fn fail(
        &self,
        pending: &PendingSend,
        reason: &str,
        confirmed: bool,
        summary: &mut SweepSummary,
    ) -> Result<bool, StoreError> {
        let error = MetaError {
            code: 0,
            title: Some(reason.to_string()),
            message: None,
            details: None,
        };
        announce_failed_send(self.ports.events.as_ref(), &pending.message, &error).await?;
        warn!(message_id = %pending.message.message_id, %reason, "send failed by the sweeper");
        summary.failed += 1;
        self.ports.sends.fail(pending, &error, confirmed).await
    }
}
