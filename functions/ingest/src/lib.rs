//! Inbound ingest (SQS → DynamoDB). Each record is one webhook delivery; every entry, change,
//! message and status in it is stored exactly once. A record fails alone (`batchItemFailures`) and
//! is retried by SQS; one that can never be read (no delivery attributes, not a notification) goes
//! to the dead-letter queue at once with its reason. Side effects (media jobs, domain events) are
//! sent after the record's writes, also for deliveries found to be duplicates, so a failure between
//! write and send is repaired by the redelivery: stored once, announced at least once. Media jobs
//! go out per record; the batch's domain events go out together when it ends, ten to a PutEvents
//! call, and a record whose events were refused is retried.

mod changes;
mod clock;
mod csat;
mod messages;
mod outreach;

pub mod ports;
#[cfg(test)]
mod tests;

pub use ports::IngestPorts;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use shared::access::tenancy::WhatsAppAccount;
use shared::inbox::delivery::{self, PayloadPointer, attribute};
use shared::inbox::store::{AccountEvent, DeliveryContext, StatusOutcome};
use shared::meta::{self, ParsedChange, StatusUpdate};
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::events::DomainEvent;
use shared::platform::sqs_batch::{Attempt, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use shared::platform::telemetry::emit_metric;
use std::sync::Mutex;
use tracing::{info, warn};

#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub table_name: String,
    pub payload_bucket: String,
    pub media_queue_url: String,
    pub event_bus_name: String,
    pub outbound_queue_url: String,
    pub consumer: ConsumerSettings,
}

impl IngestConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            payload_bucket: env.required(vars::MEDIA_BUCKET)?,
            media_queue_url: env.required(vars::MEDIA_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            consumer: ConsumerSettings::from_env(env, vars::INGEST_QUEUE_URL)?,
        })
    }
}

/// Why a record could not be processed now; it is retried, and dead-lettered in the end.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("account {0} of the delivery does not exist")]
    UnknownAccount(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("side effects not accepted: {0}")]
    SideEffects(String),
    #[error("the message {0} an edit or deletion names is not stored (yet)")]
    OriginalNotStored(String),
}

/// How long a change waits for its original message, times the receive: with the queue's five
/// receives, about two and a half hours before it is recorded as an orphan.
pub const ORIGINAL_WAIT_SECONDS: u32 = 900;

/// What one batch did, for logs, metrics and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchSummary {
    pub messages_stored: u32,
    pub duplicates: u32,
    pub statuses_applied: u32,
    pub statuses_parked: u32,
    pub statuses_stale: u32,
    pub tenant_mismatches: u32,
    pub other_changes: u32,
    /// Replies recorded as survey ratings (not stored as messages).
    pub survey_answers: u32,
    /// Customers' edits and deletions applied to their earlier messages.
    pub changes_applied: u32,
    /// Changes of messages never stored, recorded on their record's last receive.
    pub orphan_changes: u32,
    pub failed_records: u32,
}

pub struct IngestService {
    ports: IngestPorts,
    runner: BatchRunner,
    clock: Clock,
}

/// Effects of one record, sent after its writes (and again for a redelivered duplicate).
#[derive(Default)]
struct Effects {
    media_jobs: Vec<String>,
    events: Vec<DomainEvent>,
    /// The record's last receive: what could only wait for a retry is recorded as it is now.
    last_receive: bool,
}

/// Where a delivery came from, as the webhook function stamped it on the SQS message.
struct Delivery {
    org_id: String,
    account_id: String,
    received_at_ms: u64,
}

impl Delivery {
    fn of(record: &SqsMessage) -> Result<Self, String> {
        let attribute_of = |name: &str| record.message_attributes.get(name).and_then(|a| a.string_value.clone());
        Ok(Self {
            org_id: attribute_of(attribute::ORG_ID).ok_or("no org id attribute")?,
            account_id: attribute_of(attribute::ACCOUNT_ID).ok_or("no account id attribute")?,
            received_at_ms: attribute_of(attribute::RECEIVED_AT_MS)
                .and_then(|v| v.parse().ok())
                .ok_or("no receive time")?,
        })
    }

    fn context(&self) -> DeliveryContext<'_> {
        DeliveryContext {
            org_id: &self.org_id,
            account_id: &self.account_id,
            received_at_ms: self.received_at_ms,
        }
    }
}

/// One batch: the service, the batch's summary, filled in as records are processed, and the
/// domain events of the records done, published together when the batch ends.
struct IngestBatch<'a> {
    service: &'a IngestService,
    summary: Mutex<BatchSummary>,
    events: Mutex<Vec<(String, Attempt, Vec<DomainEvent>)>>,
}

#[async_trait::async_trait]
impl RecordHandler for IngestBatch<'_> {
    type Error = RecordError;

    async fn process(&self, record: &SqsMessage, attempt: Attempt) -> Result<Outcome, RecordError> {
        let mut summary = BatchSummary::default();
        let mut events = Vec::new();
        let outcome = match self
            .service
            .process_record(record, attempt, &mut summary, &mut events)
            .await
        {
            // A change that came before its message: wait for it (SQS), longer each time.
            Err(RecordError::OriginalNotStored(wamid)) => Ok(Outcome::retry(
                ORIGINAL_WAIT_SECONDS.saturating_mul(attempt.receive_count),
                format!("the message {wamid} an edit or deletion names is not stored yet"),
            )),
            other => other,
        };
        self.summary.lock().unwrap_or_else(|p| p.into_inner()).add(&summary);
        if matches!(outcome, Ok(Outcome::Done)) && !events.is_empty() {
            let id = record.message_id.clone().unwrap_or_default();
            self.events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((id, attempt, events));
        }
        outcome
    }

    /// The batch's events in PutEvents calls of ten (not one call per record); a record whose
    /// event was not accepted is retried, and its redelivery (a duplicate by then) sends it again.
    async fn finish_batch(&self) -> Vec<(String, Outcome)> {
        let pending = std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()));
        let mut owners = Vec::new();
        let mut all = Vec::new();
        for (index, (_, _, events)) in pending.iter().enumerate() {
            owners.extend(std::iter::repeat_n(index, events.len()));
            all.extend(events.iter().cloned());
        }
        if all.is_empty() {
            return Vec::new();
        }
        let mut refused: Vec<usize> = self
            .service
            .ports
            .platform
            .events
            .publish(&all)
            .await
            .into_iter()
            .filter_map(|event| owners.get(event).copied())
            .collect();
        refused.dedup();
        refused
            .into_iter()
            .map(|index| {
                let (id, attempt, _) = &pending[index];
                (
                    id.clone(),
                    Outcome::retry(
                        attempt.error_backoff_seconds(),
                        RecordError::SideEffects("domain events".into()),
                    ),
                )
            })
            .collect()
    }
}

impl BatchSummary {
    fn add(&mut self, other: &BatchSummary) {
        self.messages_stored += other.messages_stored;
        self.duplicates += other.duplicates;
        self.statuses_applied += other.statuses_applied;
        self.statuses_parked += other.statuses_parked;
        self.statuses_stale += other.statuses_stale;
        self.tenant_mismatches += other.tenant_mismatches;
        self.other_changes += other.other_changes;
        self.survey_answers += other.survey_answers;
        self.changes_applied += other.changes_applied;
        self.orphan_changes += other.orphan_changes;
    }
}

/// A delivery's bytes, or why they cannot be had (a final failure of the record).
enum Payload {
    Bytes(Vec<u8>),
    Refused(String),
}

impl IngestService {
    pub fn new(ports: IngestPorts, runner: BatchRunner, clock: Clock) -> Self {
        Self { ports, runner, clock }
    }

    pub fn from_aws(config: &IngestConfig, aws: &aws_config::SdkConfig) -> Self {
        // In order: deliveries of one conversation in one batch would only race each other.
        let runner = BatchRunner::from_aws(
            "ingest",
            aws_sdk_sqs::Client::new(aws),
            &config.consumer,
            Order::Sequential,
        );
        Self::new(IngestPorts::from_aws(config, aws), runner, Clock::system())
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        // Boxed: keeps the Lambda runtime's future (and the compiler's layout queries) shallow.
        let (response, summary) = Box::pin(self.process(event.payload)).await;
        info!(?summary, "batch done");
        Ok(response)
    }

    /// Processes a batch; returns the failed records and what was done.
    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, BatchSummary) {
        let batch = IngestBatch {
            service: self,
            summary: Mutex::new(BatchSummary::default()),
            events: Mutex::new(Vec::new()),
        };
        let (response, counts) = self.runner.run(&batch, &event).await;
        let mut summary = batch.summary.into_inner().unwrap_or_else(|p| p.into_inner());
        summary.failed_records = counts.retried + counts.dead_lettered + counts.unsettled;
        for (name, value) in [
            ("MessagesIngested", summary.messages_stored),
            ("DuplicateMessages", summary.duplicates),
            ("StatusesApplied", summary.statuses_applied),
            ("TenantMismatches", summary.tenant_mismatches),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "ingest")]);
            }
        }
        (response, summary)
    }

    /// Sends a record's media jobs and hands its events to the batch; a job not accepted fails
    /// the record, whose redelivery (a duplicate by then) sends it again.
    async fn send_effects(&self, effects: Effects, events: &mut Vec<DomainEvent>) -> Result<(), RecordError> {
        if !effects.media_jobs.is_empty()
            && !self
                .ports
                .platform
                .media_jobs
                .send_all(&effects.media_jobs)
                .await
                .is_empty()
        {
            return Err(RecordError::SideEffects("media jobs".into()));
        }
        events.extend(effects.events);
        Ok(())
    }

    async fn process_record(
        &self,
        record: &SqsMessage,
        attempt: Attempt,
        summary: &mut BatchSummary,
        events: &mut Vec<DomainEvent>,
    ) -> Result<Outcome, RecordError> {
        let delivery = match Delivery::of(record) {
            Ok(delivery) => delivery,
            Err(reason) => return Ok(Outcome::failed(format!("not a webhook delivery: {reason}"))),
        };
        tracing::Span::current()
            .record("org", delivery.org_id.as_str())
            .record("account", delivery.account_id.as_str());
        let payload = match self.payload_of(record, &delivery).await? {
            Payload::Bytes(payload) => payload,
            Payload::Refused(reason) => return Ok(Outcome::failed(reason)),
        };
        let changes = match meta::parse_notification(&payload) {
            Ok(changes) => changes,
            Err(err) => return Ok(Outcome::failed(format!("not a WhatsApp notification: {err}"))),
        };
        let account = self
            .ports
            .accounts
            .account(&delivery.org_id, &delivery.account_id)
            .await?
            .ok_or_else(|| RecordError::UnknownAccount(delivery.account_id.clone()))?;
        let mut effects = Effects {
            last_receive: attempt.is_last(),
            ..Effects::default()
        };
        for change in changes {
            self.store_change(&delivery, &account, change, summary, &mut effects)
                .await?;
        }
        self.send_effects(effects, events).await?;
        Ok(Outcome::Done)
    }

    /// The delivery's bytes: inline, or claim-checked in S3 under the organization's prefix.
    async fn payload_of(&self, record: &SqsMessage, delivery: &Delivery) -> Result<Payload, RecordError> {
        let body = record.body.as_deref().unwrap_or_default();
        let location = record
            .message_attributes
            .get(attribute::PAYLOAD_LOCATION)
            .and_then(|a| a.string_value.as_deref());
        if location != Some(delivery::LOCATION_S3) {
            return Ok(Payload::Bytes(body.as_bytes().to_vec()));
        }
        let pointer: PayloadPointer = match serde_json::from_str(body) {
            Ok(pointer) => pointer,
            Err(err) => return Ok(Payload::Refused(format!("bad payload pointer: {err}"))),
        };
        if !pointer
            .key
            .starts_with(&format!("{}/{}/", delivery::PAYLOAD_PREFIX, delivery.org_id))
        {
            return Ok(Payload::Refused(
                "payload pointer outside the organization's prefix".into(),
            ));
        }
        Ok(Payload::Bytes(self.ports.platform.payloads.get(&pointer.key).await?))
    }

    async fn store_change(
        &self,
        delivery: &Delivery,
        account: &WhatsAppAccount,
        change: ParsedChange,
        summary: &mut BatchSummary,
        effects: &mut Effects,
    ) -> Result<(), RecordError> {
        match change {
            ParsedChange::Messages {
                waba_id,
                phone_number_id,
                contacts,
                messages,
                statuses,
                unreadable,
                errors,
                ..
            } => {
                if phone_number_id != account.phone_number_id {
                    summary.tenant_mismatches += 1;
                    warn!(%waba_id, %phone_number_id, "change is for a phone number this account does not own; not stored");
                    return Ok(());
                }
                for (reason, raw) in &unreadable {
                    warn!(reason, raw = %raw.to_string().chars().take(200).collect::<String>(), "element without id skipped");
                }
                for error in &errors {
                    warn!(code = error.code, title = ?error.title, "Meta reported an error on the webhook");
                }
                for message in &messages {
                    self.store_message(delivery, account, message, &contacts, summary, effects)
                        .await?;
                }
                for status in &statuses {
                    self.apply_status(delivery, status, summary, effects).await?;
                }
            }
            ParsedChange::Other { waba_id, field, value } => {
                summary.other_changes += 1;
                info!(%field, "non-message change recorded");
                if field == "user_preferences" {
                    self.record_preferences(&delivery.org_id, &value).await?;
                }
                self.ports
                    .inbox
                    .account_events
                    .record(&AccountEvent {
                        org_id: &delivery.org_id,
                        account_id: &delivery.account_id,
                        received_at_ms: delivery.received_at_ms,
                        waba_id: &waba_id,
                        field: &field,
                        value: &value,
                    })
                    .await?;
            }
        }
        Ok(())
    }

    async fn apply_status(
        &self,
        delivery: &Delivery,
        status: &StatusUpdate,
        summary: &mut BatchSummary,
        effects: &mut Effects,
    ) -> Result<(), RecordError> {
        if self.apply_campaign_status(&delivery.org_id, status, summary).await? {
            return Ok(());
        }
        match self.ports.inbox.statuses.apply_status(&delivery.org_id, status).await? {
            StatusOutcome::Applied { message_key } => {
                summary.statuses_applied += 1;
                let message = shared::platform::table::conversation_id_in(&message_key)
                    .zip(shared::platform::table::message_id_in(&message_key));
                effects.events.push(DomainEvent::message_status(
                    &delivery.org_id,
                    &status.wamid,
                    status.status.as_str(),
                    status.timestamp,
                    message,
                ));
            }
            StatusOutcome::Parked => summary.statuses_parked += 1,
            StatusOutcome::Stale => summary.statuses_stale += 1,
        }
        Ok(())
    }
}
