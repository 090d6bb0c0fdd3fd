//! The campaigns function. Two triggers, one crate:
//! - the campaign queue (SQS): `expand` jobs turn a campaign's tags into recipients page by page,
//!   `feed` jobs queue the next sends for the sender and come back a few seconds later
//!   ([`expand`], [`feed`]);
//! - a schedule (every minute): campaigns in the due index whose time came are started (scheduled),
//!   or have their lost job queued again (a watchdog for preparing and running ones).
//!
//! Every step checkpoints on the campaign with a write conditioned on its status, so a crash, a
//! timeout or a redelivered job resumes where the last checkpoint left off; a step repeated after
//! a crash writes the same recipients and queues the same sends again, and the sender's claim of a
//! recipient (pending → sending, conditional) lets exactly one of those sends through.

mod expand;
mod feed;
pub mod ports;
mod sync;
#[cfg(test)]
mod tests;

pub use ports::CampaignsPorts;
pub use sync::{SYNC_EVERY_HOURS, SYNC_PAGE, SYNC_TIME, StoredTemplateSync, TemplateSyncPass, is_sync_time};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use shared::outreach::campaign::{CampaignJob, CampaignStatus};
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::job_queue::JobQueue;
use shared::platform::sqs_batch::{Attempt, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use std::sync::Arc;
use std::time::Duration;
use tracing::{Instrument, info, info_span, warn};

/// How long one invocation keeps working on a step before it hands on to a fresh job (the
/// function's timeout is 60 s).
pub const STEP_BUDGET: Duration = Duration::from_secs(20);
/// Longest wait for one Graph call of the template sync.
pub const GRAPH_TIMEOUT: Duration = Duration::from_secs(10);
pub use shared::outreach::campaign::WATCHDOG_MS;

#[derive(Debug, Clone)]
pub struct CampaignsConfig {
    pub table_name: String,
    pub outbound_queue_url: String,
    pub consumer: ConsumerSettings,
    pub secrets_key_id: String,
    pub graph_api_base_url: String,
    pub graph_api_version: String,
}

impl CampaignsConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            consumer: ConsumerSettings::from_env(env, vars::CAMPAIGN_QUEUE_URL)?,
            secrets_key_id: env.required(vars::SECRETS_KEY_ID)?,
            graph_api_base_url: env.required(vars::GRAPH_API_BASE_URL)?,
            graph_api_version: env.required(vars::GRAPH_API_VERSION)?,
        })
    }
}

pub struct CampaignsService {
    ports: CampaignsPorts,
    runner: BatchRunner,
    /// "Now", epoch milliseconds: the messaging limit's window is read against it (tests move it).
    clock: Clock,
}

/// What a tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickSummary {
    pub started: u32,
    pub requeued: u32,
    pub dropped: u32,
    /// WABAs whose templates were pulled from Meta.
    pub synced: u32,
}

impl CampaignsService {
    pub fn new(ports: CampaignsPorts, runner: BatchRunner, clock: Clock) -> Self {
        Self { ports, runner, clock }
    }

    pub fn from_aws(config: &CampaignsConfig, aws: &aws_config::SdkConfig) -> Self {
        let runner = BatchRunner::from_aws(
            "campaigns",
            aws_sdk_sqs::Client::new(aws),
            &config.consumer,
            Order::Sequential,
        );
        Self::new(CampaignsPorts::from_aws(config, aws), runner, Clock::system())
    }

    /// Reads "now" from `clock` instead of the system's (tests drive time without sleeping).
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Clock::new(clock);
        self
    }

    /// Replaces the campaign queue the follow-up steps go to (tests catch them to run at once).
    pub fn wrap_jobs(mut self, wrap: impl FnOnce(Arc<dyn JobQueue>) -> Arc<dyn JobQueue>) -> Self {
        self.ports.jobs = wrap(self.ports.jobs);
        self
    }

    /// Wraps the outbound queue (fault injection in tests: a queue that stalls mid-way).
    pub fn wrap_outbound(mut self, wrap: impl FnOnce(Arc<dyn JobQueue>) -> Arc<dyn JobQueue>) -> Self {
        self.ports.outbound = wrap(self.ports.outbound);
        self
    }

    /// Lambda's entry: an SQS batch (campaign jobs) or EventBridge's scheduled event (the tick).
    pub async fn handle(
        &self,
        event: lambda_runtime::LambdaEvent<serde_json::Value>,
    ) -> Result<serde_json::Value, lambda_runtime::Error> {
        if event.payload.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            let (response, _) = Box::pin(self.process(batch)).await;
            return Ok(serde_json::to_value(response)?);
        }
        self.tick(&event.payload).await?;
        Ok(serde_json::Value::Null)
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, shared::platform::sqs_batch::BatchCounts) {
        self.runner.run(self, &event).await
    }

    /// Follow-up work for a campaign, on the campaign queue after `delay_seconds`.
    async fn follow_up(&self, job: &CampaignJob, delay_seconds: u32) -> Result<(), StoreError> {
        let body = serde_json::to_string(job).map_err(|e| StoreError::io("campaign job", e))?;
        self.ports.jobs.send_later(&body, delay_seconds).await
    }

    /// One minute's look at the due index: scheduled campaigns start; preparing and running ones
    /// whose watchdog expired get their job again. "Now" is the scheduled event's time.
    pub async fn tick(&self, event: &serde_json::Value) -> Result<TickSummary, StoreError> {
        let now = self.clock.now_for(event);
        let mut summary = TickSummary::default();
        for due in self.ports.campaigns.due(now, 100).await? {
            let span = info_span!("campaign", org = %due.org_id, campaign = %due.campaign_id);
            async {
                let Some(campaign) = self.ports.campaigns.campaign(&due.org_id, &due.campaign_id).await? else {
                    return Ok::<_, StoreError>(());
                };
                let id = &due.campaign_id;
                let (change, job) = match shared::outreach::campaign::due_step(&campaign, now) {
                    shared::outreach::campaign::DueStep::Drop(out) => {
                        if campaign.status == CampaignStatus::Scheduled {
                            warn!("scheduled campaign has no recipients; left scheduled");
                        }
                        self.ports
                            .campaigns
                            .change(&due.org_id, id, campaign.status, out)
                            .await?;
                        summary.dropped += 1;
                        return Ok(());
                    }
                    shared::outreach::campaign::DueStep::Start(change, job)
                    | shared::outreach::campaign::DueStep::Requeue(change, job) => (change, job),
                };
                if self
                    .ports
                    .campaigns
                    .change(&due.org_id, id, campaign.status, change)
                    .await?
                    .is_some()
                {
                    self.follow_up(&job, 0).await?;
                    match campaign.status {
                        CampaignStatus::Scheduled | CampaignStatus::Paused => summary.started += 1,
                        _ => summary.requeued += 1,
                    }
                }
                Ok(())
            }
            .instrument(span)
            .await?;
        }
        summary.synced = self.ports.template_sync.step(now).await?;
        if summary != TickSummary::default() {
            info!(?summary, "tick");
        }
        Ok(summary)
    }
}

#[async_trait::async_trait]
impl RecordHandler for CampaignsService {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, _: Attempt) -> Result<Outcome, StoreError> {
        let job = match serde_json::from_str::<CampaignJob>(record.body.as_deref().unwrap_or_default()) {
            Ok(job) => job,
            Err(err) => return Ok(Outcome::failed(format!("not a campaign job: {err}"))),
        };
        match &job {
            CampaignJob::Expand { org_id, campaign_id } => {
                let span = info_span!("expand", org = %org_id, campaign = %campaign_id);
                Box::pin(self.expand(org_id, campaign_id)).instrument(span).await
            }
            CampaignJob::Feed { org_id, campaign_id } => {
                let span = info_span!("feed", org = %org_id, campaign = %campaign_id);
                Box::pin(self.feed(org_id, campaign_id)).instrument(span).await
            }
        }
    }
}
