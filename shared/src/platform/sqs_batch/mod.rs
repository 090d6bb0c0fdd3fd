//! The one way Switchboard consumes an SQS batch (ingest, media, sender and every consumer to come),
//! in the shape of the `advanced-sqs-partial-batch-failures` example of `aws-lambda-rust-runtime`.
//!
//! A consumer says what one record came to, and the runner does the rest:
//! - [`Outcome::Done`]: the record is deleted (left out of `batchItemFailures`);
//! - [`Outcome::Retry`]: its visibility is set to the delay and it is reported as a batch item
//!   failure, so SQS hands it out again then;
//! - [`Outcome::Failed`]: it can never succeed: the consumer's final-failure hook runs, and the
//!   record is moved to the dead-letter queue with the reason as a message attribute.
//!
//! The runner knows each record's receive count and the queue's `maxReceiveCount`: a retry asked
//! for on the last receive is a final failure, so the hook always runs before a record leaves the
//! queue for good (a message waiting on it is marked failed, not left waiting for ever). An error
//! from the consumer is a retry after a backoff that grows with the receive count. Every record has
//! its own span; each batch emits EMF counts per outcome.

mod queue;
#[cfg(test)]
mod tests;

pub use queue::{ConsumerSettings, QueueControl, SqsQueueControl};

use crate::platform::telemetry::emit_metric;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use std::fmt::Display;
use tracing::{Instrument, error, info_span, warn};

/// The message attribute a dead-lettered record carries its reason in.
pub const FAILURE_REASON_ATTRIBUTE: &str = "sb-failure-reason";
/// SQS's longest visibility timeout: 12 hours.
pub const MAX_VISIBILITY_SECONDS: u32 = 43_200;

/// What processing one record came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Try again after this many seconds.
    Retry {
        after_seconds: u32,
        reason: String,
    },
    /// Can never succeed: run the final-failure hook and dead-letter it.
    Failed {
        reason: String,
    },
}

impl Outcome {
    pub fn retry(after_seconds: u32, reason: impl Display) -> Self {
        Self::Retry {
            after_seconds,
            reason: reason.to_string(),
        }
    }

    pub fn failed(reason: impl Display) -> Self {
        Self::Failed {
            reason: reason.to_string(),
        }
    }
}

/// Which receive of its record this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// `ApproximateReceiveCount`: 1 on the first receive.
    pub receive_count: u32,
    /// The queue's `maxReceiveCount`.
    pub max_receives: u32,
}

impl Attempt {
    pub fn of(record: &SqsMessage, max_receives: u32) -> Self {
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|count| count.parse().ok())
            .unwrap_or(1);
        Self {
            receive_count,
            max_receives,
        }
    }

    /// No receive follows this one: SQS dead-letters the record if it stays on the queue.
    pub fn is_last(&self) -> bool {
        self.receive_count >= self.max_receives
    }

    /// Delay before retrying after an unexpected error: 5 s doubling per receive, at most 5 min.
    pub fn error_backoff_seconds(&self) -> u32 {
        5u32.saturating_mul(1 << self.receive_count.saturating_sub(1).min(6))
            .min(300)
    }
}

/// A queue consumer: what one record comes to, and what to do when a record is given up on.
#[async_trait::async_trait]
pub trait RecordHandler: Send + Sync {
    type Error: Display + Send;

    async fn process(&self, record: &SqsMessage, attempt: Attempt) -> Result<Outcome, Self::Error>;

    /// Runs once when a record will not be processed again (failed for good, or its last receive
    /// did not succeed), before it goes to the dead-letter queue.
    async fn on_final_failure(&self, _record: &SqsMessage, _reason: &str) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Runs once after every record was processed: effects gathered over the whole batch (domain
    /// events, ten to a PutEvents call) go out here. Answers the records (by message id) whose
    /// effects did not go out, with what they come to now; only records that were done are
    /// settled again.
    async fn finish_batch(&self) -> Vec<(String, Outcome)> {
        Vec::new()
    }
}

/// Records of one batch run one after another, or all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Sequential,
    Concurrent,
}

/// How a batch ended, for metrics and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchCounts {
    pub done: u32,
    pub retried: u32,
    pub dead_lettered: u32,
    /// Records given up on whose final-failure hook or move to the DLQ failed: left for SQS.
    pub unsettled: u32,
}

pub struct BatchRunner {
    function: &'static str,
    queue: Box<dyn QueueControl>,
    max_receives: u32,
    order: Order,
}

enum Settled {
    Done,
    Retried,
    DeadLettered,
    Unsettled,
}

impl BatchRunner {
    pub fn new(function: &'static str, queue: Box<dyn QueueControl>, max_receives: u32, order: Order) -> Self {
        Self {
            function,
            queue,
            max_receives,
            order,
        }
    }

    pub fn from_aws(
        function: &'static str,
        client: aws_sdk_sqs::Client,
        settings: &ConsumerSettings,
        order: Order,
    ) -> Self {
        Self::new(
            function,
            Box::new(SqsQueueControl::new(client, settings)),
            settings.max_receive_count,
            order,
        )
    }

    pub async fn run<H: RecordHandler + ?Sized>(
        &self,
        handler: &H,
        event: &SqsEvent,
    ) -> (SqsBatchResponse, BatchCounts) {
        let settle_each = event.records.iter().map(|record| {
            let id = record.message_id.clone().unwrap_or_default();
            let attempt = Attempt::of(record, self.max_receives);
            let span = info_span!("record", function = self.function, sqs_message_id = %id, receive_count = attempt.receive_count);
            async move { (id, self.settle(handler, record, attempt).await) }.instrument(span)
        });
        let mut settled: Vec<(String, Settled)> = match self.order {
            Order::Concurrent => futures::future::join_all(settle_each).await,
            Order::Sequential => {
                let mut settled = Vec::with_capacity(event.records.len());
                for run in settle_each {
                    settled.push(run.await);
                }
                settled
            }
        };
        for (id, outcome) in handler.finish_batch().await {
            let Some(index) = settled
                .iter()
                .position(|(done, s)| *done == id && matches!(s, Settled::Done))
            else {
                continue;
            };
            let record = &event.records[index];
            let attempt = Attempt::of(record, self.max_receives);
            let span = info_span!("record", function = self.function, sqs_message_id = %id, receive_count = attempt.receive_count);
            settled[index].1 = self
                .settle_outcome(handler, record, attempt, outcome)
                .instrument(span)
                .await;
        }
        let mut counts = BatchCounts::default();
        let mut response = SqsBatchResponse::default();
        for (id, settled) in settled {
            match settled {
                Settled::Done => counts.done += 1,
                Settled::DeadLettered => counts.dead_lettered += 1,
                Settled::Retried | Settled::Unsettled => {
                    if matches!(settled, Settled::Retried) {
                        counts.retried += 1;
                    } else {
                        counts.unsettled += 1;
                    }
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = id;
                    response.batch_item_failures.push(failure);
                }
            }
        }
        self.emit(&counts);
        (response, counts)
    }

    async fn settle<H: RecordHandler + ?Sized>(&self, handler: &H, record: &SqsMessage, attempt: Attempt) -> Settled {
        let outcome = handler.process(record, attempt).await.unwrap_or_else(|err| {
            warn!(error = %err, "record failed");
            Outcome::retry(attempt.error_backoff_seconds(), err)
        });
        self.settle_outcome(handler, record, attempt, outcome).await
    }

    async fn settle_outcome<H: RecordHandler + ?Sized>(
        &self,
        handler: &H,
        record: &SqsMessage,
        attempt: Attempt,
        outcome: Outcome,
    ) -> Settled {
        let reason = match outcome {
            Outcome::Done => return Settled::Done,
            Outcome::Retry { after_seconds, reason } if !attempt.is_last() => {
                warn!(%reason, after_seconds, "will retry");
                if let Some(handle) = &record.receipt_handle
                    && let Err(err) = self.queue.retry_after(handle, after_seconds).await
                {
                    // The record still comes back, after the queue's visibility timeout.
                    warn!(error = %err, "could not set the retry delay");
                }
                return Settled::Retried;
            }
            Outcome::Retry { reason, .. } => format!("gave up after {} receives: {reason}", attempt.receive_count),
            Outcome::Failed { reason } => reason,
        };
        error!(%reason, "record failed for good");
        if let Err(err) = handler.on_final_failure(record, &reason).await {
            error!(error = %err, "final-failure hook failed; the record stays for SQS to retry or dead-letter");
            return Settled::Unsettled;
        }
        match self.queue.dead_letter(record, &reason).await {
            Ok(()) => Settled::DeadLettered,
            Err(err) => {
                error!(error = %err, "could not move the record to the dead-letter queue; SQS's redrive policy will");
                Settled::Unsettled
            }
        }
    }

    fn emit(&self, counts: &BatchCounts) {
        for (name, value) in [
            ("RecordsDone", counts.done),
            ("RecordsRetried", counts.retried),
            ("RecordsDeadLettered", counts.dead_lettered),
            ("RecordsUnsettled", counts.unsettled),
        ] {
            if value > 0 {
                emit_metric(name, value as f64, "Count", &[("Function", self.function)]);
            }
        }
    }
}
