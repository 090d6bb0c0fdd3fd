//! The tally: the table's stream brings it the inbound messages (the event source's filter
//! passes only those), and it adds each batch's counts to the organizations' counters once (see
//! [`shared::inbox::tally`]). A failed chunk is reported as the batch's first failed record, so
//! Lambda retries from there; after its retries the records go to the dead-letter queue (the
//! event source's on-failure destination), whose alarm tells an operator the overview is short.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use lambda_runtime::LambdaEvent;
use shared::inbox::tally::{Counted, ImageFields, StreamedRecord, TallyBook, TallyReport, tally};
use shared::inbox::tally_store::TallyStore;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::telemetry::emit_metric;
use std::sync::Arc;
use tracing::{Instrument, error, info, info_span, warn};

#[derive(Debug, Clone)]
pub struct TallyConfig {
    pub table_name: String,
}

impl TallyConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
        })
    }
}

pub struct TallyService {
    book: Arc<dyn TallyBook>,
}

impl TallyService {
    pub fn from_aws(config: &TallyConfig, aws: &aws_config::SdkConfig) -> Self {
        Self::new(Arc::new(TallyStore::new(
            aws_sdk_dynamodb::Client::new(aws),
            &config.table_name,
        )))
    }

    pub fn new(book: Arc<dyn TallyBook>) -> Self {
        Self { book }
    }

    pub async fn handle(&self, event: LambdaEvent<Event>) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
        Ok(self.process(event.payload).await.0)
    }

    /// Counts one batch; the response names the first record not counted, if any.
    pub async fn process(&self, event: Event) -> (DynamoDbEventResponse, TallyReport) {
        let span = info_span!("batch", function = "tally", records = event.records.len());
        async move {
            let mut identifiers = Vec::with_capacity(event.records.len());
            let mut records = Vec::with_capacity(event.records.len());
            for record in event.records {
                let Some(sequence_number) = record.change.sequence_number else {
                    warn!(event_id = %record.event_id, "stream record without a sequence number skipped");
                    continue;
                };
                let Ok(sequence) = sequence_number.parse::<u128>() else {
                    warn!(%sequence_number, "stream record with an unreadable sequence number skipped");
                    continue;
                };
                let counted = match record.event_name.as_str() {
                    "INSERT" => Counted::of_image(ImageFields::from_stream_image(record.change.new_image)),
                    _ => None,
                };
                identifiers.push((sequence, sequence_number));
                records.push(StreamedRecord { sequence, counted });
            }
            let mut response = DynamoDbEventResponse::default();
            let report = match tally(self.book.as_ref(), &records).await {
                Ok(report) => report,
                Err((first, err)) => {
                    error!(error = %err, first_not_counted = %first, "tally failed; Lambda retries from there");
                    let identifier = identifiers.iter().find(|(s, _)| *s == first).map(|(_, id)| id.clone());
                    let mut failure = DynamoDbBatchItemFailure::default();
                    failure.item_identifier = identifier;
                    response.batch_item_failures.push(failure);
                    TallyReport::default()
                }
            };
            info!(
                chunks = report.chunks,
                messages = report.messages,
                repeated = report.repeated,
                "batch tallied"
            );
            emit_metric("MessagesTallied", report.messages as f64, "Count", &[]);
            (response, report)
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests;
