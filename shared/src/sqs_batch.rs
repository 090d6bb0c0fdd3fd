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

use crate::adapters::StoreError;
use crate::config::{ConfigError, EnvSource};
use crate::telemetry::emit_metric;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_sqs::types::MessageAttributeValue;
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
}

/// The two queue operations the runner needs besides Lambda's own deletes.
#[async_trait::async_trait]
pub trait QueueControl: Send + Sync {
    async fn retry_after(&self, receipt_handle: &str, seconds: u32) -> Result<(), StoreError>;
    async fn dead_letter(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError>;
}

pub struct SqsQueueControl {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    dead_letter_queue_url: String,
}

impl SqsQueueControl {
    pub fn new(client: aws_sdk_sqs::Client, settings: &ConsumerSettings) -> Self {
        Self {
            client,
            queue_url: settings.queue_url.clone(),
            dead_letter_queue_url: settings.dead_letter_queue_url.clone(),
        }
    }
}

#[async_trait::async_trait]
impl QueueControl for SqsQueueControl {
    async fn retry_after(&self, receipt_handle: &str, seconds: u32) -> Result<(), StoreError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(seconds.min(MAX_VISIBILITY_SECONDS) as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("ChangeMessageVisibility", e))
    }

    async fn dead_letter(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.dead_letter_queue_url)
            .message_body(record.body.clone().unwrap_or_default());
        for (name, attribute) in &record.message_attributes {
            let value = MessageAttributeValue::builder()
                .data_type(attribute.data_type.clone().unwrap_or_else(|| "String".into()))
                .set_string_value(attribute.string_value.clone())
                .set_binary_value(attribute.binary_value.clone().map(|b| b.0.into()))
                .build()
                .map_err(|e| StoreError::io("MessageAttributeValue", e))?;
            request = request.message_attributes(name, value);
        }
        let reason: String = reason.chars().take(1_000).collect();
        let reason = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(if reason.is_empty() { "unknown".into() } else { reason })
            .build()
            .map_err(|e| StoreError::io("MessageAttributeValue", e))?;
        request
            .message_attributes(FAILURE_REASON_ATTRIBUTE, reason)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::aws("SendMessage(dead letter)", e))
    }
}

/// Where a consumer's queue, its dead-letter queue and its receive limit are (template.yaml sets
/// `maxReceiveCount` on the queue and `MAX_RECEIVE_COUNT` on the function; a test keeps them equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSettings {
    pub queue_url: String,
    pub dead_letter_queue_url: String,
    pub max_receive_count: u32,
}

impl ConsumerSettings {
    pub fn from_env(env: &impl EnvSource, queue_url_var: &'static str) -> Result<Self, ConfigError> {
        let max = crate::config::vars::MAX_RECEIVE_COUNT;
        let value = env.required(max)?;
        Ok(Self {
            queue_url: env.required(queue_url_var)?,
            dead_letter_queue_url: env.required(crate::config::vars::DEAD_LETTER_QUEUE_URL)?,
            max_receive_count: value.trim().parse().ok().filter(|n| (1..=1000).contains(n)).ok_or(
                ConfigError::Invalid {
                    name: max,
                    value,
                    reason: "expected SQS's maxReceiveCount, 1 to 1000",
                },
            )?,
        })
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
        let settled: Vec<(String, Settled)> = match self.order {
            Order::Concurrent => futures::future::join_all(settle_each).await,
            Order::Sequential => {
                let mut settled = Vec::with_capacity(event.records.len());
                for run in settle_each {
                    settled.push(run.await);
                }
                settled
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records what the runner asked of the queue (the real SQS control is exercised against moto).
    #[derive(Default)]
    struct Recorded {
        retries: Mutex<Vec<(String, u32)>>,
        dead: Mutex<Vec<(String, String)>>,
        refuse_dead_letters: bool,
    }

    #[async_trait::async_trait]
    impl QueueControl for std::sync::Arc<Recorded> {
        async fn retry_after(&self, handle: &str, seconds: u32) -> Result<(), StoreError> {
            self.retries.lock().unwrap().push((handle.into(), seconds));
            Ok(())
        }
        async fn dead_letter(&self, record: &SqsMessage, reason: &str) -> Result<(), StoreError> {
            if self.refuse_dead_letters {
                return Err(StoreError::io("SendMessage", "refused"));
            }
            self.dead
                .lock()
                .unwrap()
                .push((record.body.clone().unwrap_or_default(), reason.into()));
            Ok(())
        }
    }

    /// Answers by body: "done", "retry", "fail", "error".
    #[derive(Default)]
    struct ByBody {
        finals: Mutex<Vec<(String, String)>>,
    }

    #[async_trait::async_trait]
    impl RecordHandler for ByBody {
        type Error = String;
        async fn process(&self, record: &SqsMessage, _: Attempt) -> Result<Outcome, String> {
            match record.body.as_deref() {
                Some("done") => Ok(Outcome::Done),
                Some("retry") => Ok(Outcome::retry(7, "busy")),
                Some("fail") => Ok(Outcome::failed("not a job")),
                _ => Err("store down".into()),
            }
        }
        async fn on_final_failure(&self, record: &SqsMessage, reason: &str) -> Result<(), String> {
            self.finals
                .lock()
                .unwrap()
                .push((record.body.clone().unwrap_or_default(), reason.into()));
            Ok(())
        }
    }

    fn event(records: &[(&str, u32)]) -> SqsEvent {
        let records: Vec<serde_json::Value> = records
            .iter()
            .enumerate()
            .map(|(i, (body, receives))| serde_json::json!({"messageId": format!("m{i}"), "receiptHandle": format!("h{i}"), "body": body, "attributes": {"ApproximateReceiveCount": receives.to_string()}, "messageAttributes": {}}))
            .collect();
        serde_json::from_value(serde_json::json!({"Records": records})).unwrap()
    }

    #[tokio::test]
    async fn outcomes_become_deletes_delays_and_dead_letters() {
        let queue = std::sync::Arc::new(Recorded::default());
        let runner = BatchRunner::new("test", Box::new(queue.clone()), 3, Order::Concurrent);
        let handler = ByBody::default();
        let (response, counts) = runner
            .run(
                &handler,
                &event(&[("done", 1), ("retry", 1), ("fail", 1), ("error", 2)]),
            )
            .await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        assert_eq!(failed, vec!["m1", "m3"]);
        assert_eq!(
            counts,
            BatchCounts {
                done: 1,
                retried: 2,
                dead_lettered: 1,
                unsettled: 0
            }
        );
        assert_eq!(
            *queue.retries.lock().unwrap(),
            vec![("h1".to_string(), 7), ("h3".to_string(), 10)],
            "the asked delay; errors back off by receive count"
        );
        assert_eq!(
            *queue.dead.lock().unwrap(),
            vec![("fail".to_string(), "not a job".to_string())]
        );
        assert_eq!(
            handler.finals.lock().unwrap().len(),
            1,
            "the hook ran for the failed record"
        );
    }

    #[tokio::test]
    async fn the_last_receive_runs_the_final_hook_before_dead_lettering() {
        let queue = std::sync::Arc::new(Recorded::default());
        let runner = BatchRunner::new("test", Box::new(queue.clone()), 3, Order::Sequential);
        let handler = ByBody::default();
        let (response, counts) = runner.run(&handler, &event(&[("retry", 3), ("error", 5)])).await;
        assert!(response.batch_item_failures.is_empty());
        assert_eq!(counts.dead_lettered, 2);
        let finals = handler.finals.lock().unwrap();
        assert!(finals[0].1.contains("gave up after 3 receives: busy"), "{finals:?}");
        assert!(finals[1].1.contains("store down"));
    }

    #[tokio::test]
    async fn a_record_that_cannot_be_dead_lettered_stays_on_the_queue() {
        let queue = std::sync::Arc::new(Recorded {
            refuse_dead_letters: true,
            ..Default::default()
        });
        let runner = BatchRunner::new("test", Box::new(queue), 3, Order::Sequential);
        let (response, counts) = runner.run(&ByBody::default(), &event(&[("fail", 1)])).await;
        assert_eq!(response.batch_item_failures.len(), 1);
        assert_eq!(counts.unsettled, 1);
    }

    #[test]
    fn receive_counts_and_backoff() {
        let attempt = Attempt {
            receive_count: 1,
            max_receives: 2,
        };
        assert!(!attempt.is_last());
        assert_eq!(attempt.error_backoff_seconds(), 5);
        let last = Attempt {
            receive_count: 2,
            max_receives: 2,
        };
        assert!(last.is_last());
        assert_eq!(
            Attempt {
                receive_count: 40,
                max_receives: 50
            }
            .error_backoff_seconds(),
            300
        );
    }
}
