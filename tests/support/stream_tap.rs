//! The tally's stream records as its event source would hand them over, kept for a benchmark to
//! invoke the tally with (so the stream reads, free in AWS, are not measured).

use crate::TestStack;
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use devstack::stream_poller::StreamPoller;
use std::sync::{Arc, Mutex};

pub struct StreamTap {
    reader: StreamPoller,
    records: Arc<Mutex<Vec<EventRecord>>>,
}

impl StreamTap {
    /// Starts at the stream's start: what is written after [`StreamTap::take`] is the next take.
    pub fn new(stack: &TestStack) -> Self {
        let records = Arc::new(Mutex::new(Vec::new()));
        let kept = records.clone();
        let reader = stack.stream_reader(Arc::new(move |event: Event| {
            kept.lock().unwrap().extend(event.records);
            Box::pin(async { Ok(Default::default()) })
        }));
        Self { reader, records }
    }

    /// The records the filter passed since the last take, in Lambda batches of `batch_size`.
    pub async fn take(&self, batch_size: usize) -> Vec<Event> {
        self.reader.drain().await.expect("the stream reads");
        let records = std::mem::take(&mut *self.records.lock().unwrap());
        records
            .chunks(batch_size.max(1))
            .map(|chunk| {
                let mut event = Event::default();
                event.records = chunk.to_vec();
                event
            })
            .collect()
    }
}
