use super::*;
use crate::platform::StoreError;
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

/// The message ids the response reports as batch item failures.
fn failed_ids(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
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
    let failed = failed_ids(&response);
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

/// Done with every record, then refuses the batch's effects of the named records.
struct RefusesAtTheEnd {
    refused: Vec<(String, Outcome)>,
}

#[async_trait::async_trait]
impl RecordHandler for RefusesAtTheEnd {
    type Error = String;
    async fn process(&self, record: &SqsMessage, _: Attempt) -> Result<Outcome, String> {
        match record.body.as_deref() {
            Some("retry") => Ok(Outcome::retry(7, "busy")),
            _ => Ok(Outcome::Done),
        }
    }
    async fn finish_batch(&self) -> Vec<(String, Outcome)> {
        self.refused.clone()
    }
}

#[tokio::test]
async fn effects_refused_at_the_end_of_the_batch_settle_done_records_again() {
    let queue = std::sync::Arc::new(Recorded::default());
    let runner = BatchRunner::new("test", Box::new(queue.clone()), 3, Order::Sequential);
    let handler = RefusesAtTheEnd {
        refused: vec![
            ("m0".into(), Outcome::retry(9, "events refused")),
            // Already retried: not settled twice.
            ("m1".into(), Outcome::retry(9, "events refused")),
            // Its last receive: a retry is a final failure.
            ("m3".into(), Outcome::retry(9, "events refused")),
        ],
    };
    let (response, counts) = runner
        .run(&handler, &event(&[("done", 1), ("retry", 1), ("done", 1), ("done", 3)]))
        .await;
    let failed = failed_ids(&response);
    assert_eq!(failed, vec!["m0", "m1"]);
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
        vec![("h1".to_string(), 7), ("h0".to_string(), 9)]
    );
    assert_eq!(queue.dead.lock().unwrap().len(), 1);
}
