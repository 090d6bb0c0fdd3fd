//! A rule on a test stack's bus that forwards every Switchboard event to a queue the test reads.

use crate::TestStack;
use serde_json::Value;

pub struct EventTap {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl EventTap {
    pub async fn new(stack: &TestStack) -> Self {
        let sqs = stack.sqs();
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("{}-events-tap", stack.stack.name))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes()
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        let events = aws_sdk_eventbridge::Client::new(&stack.aws);
        let bus = stack.name_of("EventBus");
        events
            .put_rule()
            .name("tap")
            .event_bus_name(&bus)
            .event_pattern(r#"{"source":["switchboard"]}"#)
            .send()
            .await
            .unwrap();
        events
            .put_targets()
            .rule("tap")
            .event_bus_name(&bus)
            .targets(
                aws_sdk_eventbridge::types::Target::builder()
                    .id("queue")
                    .arn(queue_arn)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        Self { sqs, queue_url }
    }

    /// Events forwarded so far, waiting up to a few seconds for at least `at_least` of them.
    pub async fn received(&self, at_least: usize) -> Vec<Value> {
        let mut received = Vec::new();
        for _ in 0..5 {
            let batch = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .unwrap();
            let messages = batch.messages.unwrap_or_default();
            let empty = messages.is_empty();
            received.extend(
                messages
                    .into_iter()
                    .filter_map(|m| m.body)
                    .map(|b| serde_json::from_str::<Value>(&b).unwrap()),
            );
            if received.len() >= at_least && empty {
                break;
            }
        }
        received
    }
}
