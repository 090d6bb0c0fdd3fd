//! Inbound ingest (SQS → DynamoDB). Each record is one webhook delivery; every entry, change,
//! message and status in it is stored exactly once. A record fails alone (`batchItemFailures`) and
//! is retried by SQS, reaching the dead-letter queue after maxReceiveCount. Side effects (media
//! jobs, domain events) are sent after the writes, also for deliveries found to be duplicates, so
//! a failure between write and send is repaired by the redelivery: stored once, announced at least
//! once.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use shared::adapters::StoreError;
use shared::adapters::account_cache::AccountCache;
use shared::adapters::allocator::Allocator;
use shared::adapters::conversation_store::ConversationStore;
use shared::adapters::desk_store::DeskStore;
use shared::adapters::event_bus::{EventBridgePublisher, EventPublisher};
use shared::adapters::inbox_store::{DeliveryContext, InboundOutcome, InboxStore, StatusOutcome};
use shared::adapters::job_queue::{JobQueue, SqsJobQueue};
use shared::adapters::payload_store::{PayloadStore, S3PayloadStore};
use shared::config::{ConfigError, EnvSource, vars};
use shared::delivery::{self, PayloadPointer, attribute};
use shared::events::DomainEvent;
use shared::inbox::CustomerIdentity;
use shared::media_job::MediaJob;
use shared::meta::{self, ParsedChange};
use shared::telemetry::emit_metric;
use tracing::{Instrument, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct IngestConfig {
    pub table_name: String,
    pub payload_bucket: String,
    pub media_queue_url: String,
    pub event_bus_name: String,
}

impl IngestConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            payload_bucket: env.required(vars::MEDIA_BUCKET)?,
            media_queue_url: env.required(vars::MEDIA_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
        })
    }
}

/// Why a record could not be processed; it is retried either way, and dead-lettered eventually.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("record is not a webhook delivery: {0}")]
    Malformed(String),
    #[error("payload is not a WhatsApp notification: {0}")]
    NotANotification(#[from] meta::ParseError),
    #[error("account {0} of the delivery does not exist")]
    UnknownAccount(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("side effects not accepted: {0}")]
    SideEffects(String),
}

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
    pub failed_records: u32,
}

pub struct IngestService {
    inbox: InboxStore,
    allocator: Allocator,
    accounts: AccountCache,
    payloads: Box<dyn PayloadStore>,
    media_jobs: Box<dyn JobQueue>,
    events: Box<dyn EventPublisher>,
}

/// Effects of one record, sent after the whole batch was written.
#[derive(Default)]
struct Effects {
    media_jobs: Vec<String>,
    events: Vec<DomainEvent>,
}

impl IngestService {
    pub fn from_aws(config: &IngestConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        Self {
            inbox: InboxStore::new(dynamo.clone(), &config.table_name),
            allocator: Allocator::new(
                DeskStore::new(dynamo.clone(), &config.table_name),
                ConversationStore::new(dynamo.clone(), &config.table_name),
            ),
            accounts: AccountCache::new(shared::adapters::tenancy_store::TenancyStore::new(
                dynamo,
                &config.table_name,
            )),
            payloads: Box::new(S3PayloadStore::new(
                aws_sdk_s3::Client::new(aws),
                &config.payload_bucket,
            )),
            media_jobs: Box::new(SqsJobQueue::new(aws_sdk_sqs::Client::new(aws), &config.media_queue_url)),
            events: Box::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                &config.event_bus_name,
            )),
        }
    }

    pub async fn handle(&self, event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
        // Boxed: keeps the Lambda runtime's future (and the compiler's layout queries) shallow.
        let (response, summary) = Box::pin(self.process(event.payload)).await;
        info!(?summary, "batch done");
        Ok(response)
    }

    /// Processes a batch; returns the failed records and what was done.
    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, BatchSummary) {
        let mut summary = BatchSummary::default();
        let mut failed: Vec<String> = Vec::new();
        let mut effects: Vec<(String, Effects)> = Vec::new();
        for record in &event.records {
            let message_id = record.message_id.clone().unwrap_or_default();
            let span = info_span!("ingest_record", sqs_message_id = %message_id, org = tracing::field::Empty, account = tracing::field::Empty);
            let mut record_effects = Effects::default();
            match self
                .process_record(record, &mut summary, &mut record_effects)
                .instrument(span)
                .await
            {
                Ok(()) => effects.push((message_id, record_effects)),
                Err(err) => {
                    warn!(sqs_message_id = %message_id, error = %err, "record failed; SQS will redeliver it");
                    failed.push(message_id);
                }
            }
        }
        failed.extend(self.send_effects(&effects).await);
        failed.sort();
        failed.dedup();
        summary.failed_records = failed.len() as u32;
        for (name, value) in [
            ("MessagesIngested", summary.messages_stored),
            ("DuplicateMessages", summary.duplicates),
            ("StatusesApplied", summary.statuses_applied),
            ("TenantMismatches", summary.tenant_mismatches),
            ("IngestRecordsFailed", summary.failed_records),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", "ingest")]);
            }
        }
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        (response, summary)
    }

    /// Sends media jobs and events of the batch in as few calls as possible; returns the records
    /// whose effects were not all accepted.
    async fn send_effects(&self, effects: &[(String, Effects)]) -> Vec<String> {
        let mut owners = Vec::new();
        let mut jobs = Vec::new();
        let mut events = Vec::new();
        let mut event_owners = Vec::new();
        for (record, e) in effects {
            for job in &e.media_jobs {
                owners.push(record.clone());
                jobs.push(job.clone());
            }
            for event in &e.events {
                event_owners.push(record.clone());
                events.push(event.clone());
            }
        }
        let mut failed: Vec<String> = Vec::new();
        if !jobs.is_empty() {
            failed.extend(
                self.media_jobs
                    .send_all(&jobs)
                    .await
                    .into_iter()
                    .map(|i| owners[i].clone()),
            );
        }
        if !events.is_empty() {
            failed.extend(
                self.events
                    .publish(&events)
                    .await
                    .into_iter()
                    .map(|i| event_owners[i].clone()),
            );
        }
        if !failed.is_empty() {
            warn!(
                records = failed.len(),
                "side effects not accepted; those records will be redelivered"
            );
        }
        failed
    }

    async fn process_record(
        &self,
        record: &SqsMessage,
        summary: &mut BatchSummary,
        effects: &mut Effects,
    ) -> Result<(), RecordError> {
        let attribute_of = |name: &str| record.message_attributes.get(name).and_then(|a| a.string_value.clone());
        let org_id =
            attribute_of(attribute::ORG_ID).ok_or_else(|| RecordError::Malformed("no org id attribute".into()))?;
        let account_id = attribute_of(attribute::ACCOUNT_ID)
            .ok_or_else(|| RecordError::Malformed("no account id attribute".into()))?;
        let received_at_ms: u64 = attribute_of(attribute::RECEIVED_AT_MS)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| RecordError::Malformed("no receive time".into()))?;
        tracing::Span::current()
            .record("org", org_id.as_str())
            .record("account", account_id.as_str());
        let body = record
            .body
            .as_deref()
            .ok_or_else(|| RecordError::Malformed("empty body".into()))?;
        let payload = match attribute_of(attribute::PAYLOAD_LOCATION).as_deref() {
            Some(delivery::LOCATION_S3) => {
                let pointer: PayloadPointer = serde_json::from_str(body)
                    .map_err(|e| RecordError::Malformed(format!("bad payload pointer: {e}")))?;
                if !pointer
                    .key
                    .starts_with(&format!("{}/{org_id}/", delivery::PAYLOAD_PREFIX))
                {
                    return Err(RecordError::Malformed(
                        "payload pointer outside the organization's prefix".into(),
                    ));
                }
                self.payloads.get(&pointer.key).await?
            }
            _ => body.as_bytes().to_vec(),
        };
        let changes = meta::parse_notification(&payload)?;
        let account = self
            .accounts
            .get(&org_id, &account_id)
            .await?
            .ok_or_else(|| RecordError::UnknownAccount(account_id.clone()))?;
        let delivery = DeliveryContext {
            org_id: &org_id,
            account_id: &account_id,
            received_at_ms,
        };

        for change in changes {
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
                        continue;
                    }
                    for (reason, raw) in &unreadable {
                        warn!(reason, raw = %raw.to_string().chars().take(200).collect::<String>(), "element without id skipped");
                    }
                    for error in &errors {
                        warn!(code = error.code, title = ?error.title, "Meta reported an error on the webhook");
                    }
                    for message in &messages {
                        let (identity, profile_name) = CustomerIdentity::of_sender(message, &contacts);
                        if !identity.is_known() {
                            warn!(wamid = %message.wamid, "message without sender identity skipped");
                            continue;
                        }
                        let outcome = self
                            .inbox
                            .store_inbound(&delivery, &identity, profile_name.as_deref(), message)
                            .instrument(info_span!("message", wamid = %message.wamid))
                            .await?;
                        // Effects are repeated for duplicates: the first delivery may have stored the
                        // message and then failed to announce it. Events carry stable ids.
                        let (conversation_id, contact_id, opened) = match outcome {
                            InboundOutcome::Stored {
                                conversation_id,
                                contact_id,
                                new_conversation,
                                ..
                            } => {
                                summary.messages_stored += 1;
                                (Some(conversation_id), Some(contact_id), new_conversation)
                            }
                            InboundOutcome::Duplicate {
                                conversation_id,
                                contact_id,
                                opened_conversation,
                                ..
                            } => {
                                summary.duplicates += 1;
                                info!(wamid = %message.wamid, "duplicate delivery; already stored");
                                (conversation_id, contact_id, opened_conversation)
                            }
                        };
                        if let (true, Some(conversation_id), Some(division_id)) =
                            (opened, &conversation_id, &account.division_id)
                        {
                            let allocation = self.allocator.allocate(&org_id, conversation_id, division_id).await?;
                            info!(%conversation_id, ?allocation, "new conversation allocated");
                        }
                        if let (true, Some(conversation_id), Some(contact_id)) = (opened, &conversation_id, &contact_id)
                        {
                            effects.events.push(DomainEvent::conversation_created(
                                &org_id,
                                &account_id,
                                conversation_id,
                                contact_id,
                            ));
                        }
                        if let (Some(conversation_id), Some(contact_id)) = (conversation_id, contact_id) {
                            effects.events.push(DomainEvent::message_received(
                                &org_id,
                                &account_id,
                                &conversation_id,
                                &contact_id,
                                &message.wamid,
                                &message.message_type,
                                message.timestamp,
                            ));
                        }
                        if let Some((media_kind, media_id)) = message.content.media() {
                            let (mime_type, sha256) = match &message.content {
                                meta::Content::Media { mime_type, sha256, .. } => (mime_type.clone(), sha256.clone()),
                                _ => (None, None),
                            };
                            let job = MediaJob {
                                org_id: org_id.clone(),
                                account_id: account_id.clone(),
                                wamid: message.wamid.clone(),
                                media_id: media_id.into(),
                                media_kind,
                                mime_type,
                                sha256,
                                received_at_ms,
                            };
                            effects
                                .media_jobs
                                .push(serde_json::to_string(&job).expect("job serialises"));
                        }
                    }
                    for status in &statuses {
                        match self.inbox.apply_status(&org_id, status).await? {
                            StatusOutcome::Applied { .. } => {
                                summary.statuses_applied += 1;
                                effects.events.push(DomainEvent::message_status(
                                    &org_id,
                                    &status.wamid,
                                    status.status.as_str(),
                                    status.timestamp,
                                ));
                            }
                            StatusOutcome::Parked => summary.statuses_parked += 1,
                            StatusOutcome::Stale => summary.statuses_stale += 1,
                        }
                    }
                }
                ParsedChange::Other { waba_id, field, value } => {
                    summary.other_changes += 1;
                    info!(%field, "non-message change recorded");
                    self.inbox
                        .record_account_event(&org_id, &account_id, received_at_ms, &waba_id, &field, &value)
                        .await?;
                }
            }
        }
        Ok(())
    }
}
