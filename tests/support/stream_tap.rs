//! The table's stream on a test stack: the tally run over it as its event source would, and its
//! records kept for a benchmark to invoke the tally with (so the stream reads, free in AWS, are
//! not measured).

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

impl TestStack {
    /// Runs the tally over the table's stream until it has caught up, as its event source would
    /// (a new reader each time, from the stream's start: the tally's claims keep it exact).
    pub async fn tally(&self) -> devstack::stream_poller::StreamOutcome {
        let service = std::sync::Arc::new(self.tally_service());
        self.stream_reader(std::sync::Arc::new(move |event| {
            let service = service.clone();
            Box::pin(async move { Ok(service.process(event).await.0) })
        }))
        .drain()
        .await
        .expect("the tally catches up")
    }

    pub fn tally_service(&self) -> tally::TallyService {
        tally::TallyService::from_aws(
            &tally::TallyConfig::from_env(&self.env_of("TallyFunction")).expect("template gives the tally its config"),
            &self.aws,
        )
    }

    /// A reader of the table's stream from its start, as the tally's event source (its batch
    /// size and filter), handing each batch to `handler`.
    pub fn stream_reader(&self, handler: devstack::functions::StreamHandler) -> devstack::stream_poller::StreamPoller {
        let spec = self
            .template
            .functions()
            .expect("functions parse")
            .into_iter()
            .find(|f| f.logical_id == "TallyFunction")
            .expect("the template has the tally");
        let source = spec.stream_sources.first().expect("the tally reads a stream").clone();
        devstack::stream_poller::StreamPoller::new(
            aws_sdk_dynamodb::Client::new(&self.aws),
            aws_sdk_dynamodbstreams::Client::new(&self.aws),
            spec.logical_id,
            self.name_of(&source.table),
            self.stack.region.clone(),
            source.batch_size,
            source.filters,
            handler,
        )
    }
}
