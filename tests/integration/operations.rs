//! Operations as template.yaml states them, checked against the code's constants: receive limits,
//! dead-letter queues, timeouts that fit, retry windows, alarms, log retention, concurrency; and
//! the redrive command against moto.

use devstack::template::referenced_logical_id;
use integration_tests::*;
use serde_yaml::Value;
use std::time::Duration;

fn raw() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("template.yaml")).unwrap()).unwrap()
}

fn resources_of<'a>(template: &'a Value, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(move |(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().unwrap(), &r["Properties"]))
}

fn function(template: &Value, id: &str) -> Value {
    template["Resources"][id]["Properties"].clone()
}

fn seconds(value: &Value) -> Duration {
    Duration::from_secs(value.as_u64().expect("a number of seconds"))
}

/// What an invocation needs beyond its Graph calls: DynamoDB writes, S3, SQS, start-up.
const MARGIN: Duration = Duration::from_secs(10);

#[test]
fn every_consumer_knows_its_queues_receive_limit_and_dead_letter_queue() {
    let template = raw();
    let functions = integration_tests::template().functions().unwrap();
    let consumers: Vec<_> = functions.iter().filter(|f| !f.sqs_sources.is_empty()).collect();
    assert_eq!(
        consumers.len(),
        8,
        "ingest, media, sender, campaigns, notifier, deliveries, automation, ai-agents"
    );
    for consumer in consumers {
        let queue = &template["Resources"][consumer.sqs_sources[0].queue.as_str()]["Properties"];
        let env = &function(&template, &consumer.logical_id)["Environment"]["Variables"];
        assert_eq!(
            env["MAX_RECEIVE_COUNT"].as_u64(),
            queue["RedrivePolicy"]["maxReceiveCount"].as_u64(),
            "{}: MAX_RECEIVE_COUNT is its queue's maxReceiveCount",
            consumer.logical_id
        );
        let dlq = referenced_logical_id(&queue["RedrivePolicy"]["deadLetterTargetArn"]).unwrap();
        assert_eq!(
            referenced_logical_id(&env["DEAD_LETTER_QUEUE_URL"]).as_deref(),
            Some(dlq.as_str()),
            "{}: moves what fails for good to its own queue's DLQ",
            consumer.logical_id
        );
        let policies = serde_yaml::to_string(&function(&template, &consumer.logical_id)["Policies"]).unwrap();
        assert!(
            policies.contains(&format!("{dlq}.QueueName")),
            "{}: may send to {dlq}",
            consumer.logical_id
        );
    }
}

#[test]
fn graph_timeouts_and_pacing_fit_in_the_function_timeouts() {
    let template = raw();
    let sender = function(&template, "SenderFunction");
    let sender_timeout = seconds(&sender["Timeout"]);
    assert!(
        sender::SEND_TIMEOUT + sender::MAX_PACING_WAIT + MARGIN <= sender_timeout,
        "sender: {:?} + {:?} + {MARGIN:?} > {sender_timeout:?}",
        sender::SEND_TIMEOUT,
        sender::MAX_PACING_WAIT
    );
    assert!(shared::meta::graph::CONNECT_TIMEOUT < sender::SEND_TIMEOUT);
    // A claim is only taken over once its invocation must have ended.
    assert!(
        Duration::from_millis(shared::inbox::send_policy::CLAIM_STALE_AFTER_MS as u64)
            >= sender_timeout + Duration::from_secs(30),
        "CLAIM_STALE_AFTER_MS is the sender's timeout plus a margin"
    );
    let media = function(&template, "MediaFunction");
    let batch = media["Events"]["Jobs"]["Properties"]["BatchSize"].as_u64().unwrap() as u32;
    assert!(
        media::JOB_DEADLINE * batch + MARGIN <= seconds(&media["Timeout"]),
        "media: {batch} jobs of {:?} each, in order, fit in its timeout",
        media::JOB_DEADLINE
    );
    assert!(media::GRAPH_TIMEOUT <= media::JOB_DEADLINE);
    // The sweeper runs every minute, one at a time: a run ends before the next starts.
    let sweeper = function(&template, "SweeperFunction");
    assert_eq!(
        sweeper["Events"]["EveryMinute"]["Properties"]["Schedule"].as_str(),
        Some("rate(1 minute)")
    );
    assert!(seconds(&sweeper["Timeout"]) < Duration::from_secs(60));
}

#[test]
fn media_is_retried_for_as_long_as_meta_keeps_it() {
    let template = raw();
    let queue = &template["Resources"]["MediaQueue"]["Properties"];
    let receives = queue["RedrivePolicy"]["maxReceiveCount"].as_u64().unwrap() as u32;
    let window = media::retry_window_seconds(receives);
    let validity = shared::inbox::media_job::MEDIA_ID_VALIDITY_MS / 1000;
    assert!(
        window >= validity,
        "{receives} receives retry for {window} s < {validity} s"
    );
    assert!(
        queue["MessageRetentionPeriod"].as_u64().unwrap() > window,
        "the queue keeps a job through all its retries"
    );
}

#[test]
fn every_dead_letter_queue_and_function_alarms_to_the_topic_and_logs_are_kept_for_a_while() {
    let template = raw();
    let alarms: Vec<&Value> = resources_of(&template, "AWS::CloudWatch::Alarm")
        .map(|(_, p)| p)
        .collect();
    let alarm_on = |metric: &str, target: &str| {
        alarms.iter().any(|a| {
            a["MetricName"].as_str() == Some(metric)
                && a["Dimensions"].as_sequence().is_some_and(|d| {
                    d.iter()
                        .any(|d| referenced_logical_id(&d["Value"]).as_deref() == Some(target))
                })
                && a["AlarmActions"].as_sequence().is_some_and(|actions| {
                    actions
                        .iter()
                        .any(|x| referenced_logical_id(x).as_deref() == Some("AlarmTopic"))
                })
        })
    };
    let dlqs: Vec<String> = resources_of(&template, "AWS::SQS::Queue")
        .filter_map(|(_, p)| referenced_logical_id(&p["RedrivePolicy"]["deadLetterTargetArn"]))
        .collect();
    assert_eq!(dlqs.len(), 8);
    for dlq in &dlqs {
        assert!(
            alarm_on("ApproximateNumberOfMessagesVisible", dlq),
            "{dlq} has no depth alarm"
        );
    }
    let logs: Vec<String> = resources_of(&template, "AWS::Logs::LogGroup")
        .filter(|(_, p)| referenced_logical_id(&p["RetentionInDays"]).as_deref() == Some("LogRetentionDays"))
        .map(|(_, p)| serde_yaml::to_string(&p["LogGroupName"]).unwrap())
        .collect();
    for function in integration_tests::template().functions().unwrap() {
        let id = &function.logical_id;
        assert!(alarm_on("Errors", id), "{id} has no errors alarm");
        assert!(alarm_on("Throttles", id), "{id} has no throttles alarm");
        assert!(
            logs.iter().any(|name| name.contains(&format!("/aws/lambda/${{{id}}}"))),
            "{id} has no log group with retention"
        );
    }
}

#[test]
fn the_functions_that_could_swamp_dynamodb_or_meta_are_bounded() {
    let template = raw();
    for (id, event) in [
        ("SenderFunction", "Sends"),
        ("MediaFunction", "Jobs"),
        ("IngestFunction", "Deliveries"),
    ] {
        let limit =
            function(&template, id)["Events"][event]["Properties"]["ScalingConfig"]["MaximumConcurrency"].as_u64();
        assert!(
            limit.is_some_and(|l| (2..=1000).contains(&l)),
            "{id}: SQS MaximumConcurrency"
        );
    }
    assert_eq!(
        function(&template, "SweeperFunction")["ReservedConcurrentExecutions"].as_u64(),
        Some(1)
    );
}

#[tokio::test]
async fn redrive_moves_dead_letters_back_to_their_queue_without_the_failure_reason() {
    let stack = TestStack::new().await;
    let (dlq, source) = (stack.queue_url("IngestDeadLetterQueue"), stack.queue_url("IngestQueue"));
    let attribute = |value: &str| {
        aws_sdk_sqs::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value(value)
            .build()
            .unwrap()
    };
    for i in 0..13 {
        stack
            .sqs()
            .send_message()
            .queue_url(&dlq)
            .message_body(format!("delivery {i}"))
            .message_attributes("sb-org-id", attribute("org_1"))
            .message_attributes(
                shared::platform::sqs_batch::FAILURE_REASON_ATTRIBUTE,
                attribute("store down"),
            )
            .send()
            .await
            .unwrap();
    }
    let moved = shared::platform::redrive::redrive(&stack.sqs(), &dlq, &source, 100)
        .await
        .unwrap();
    assert_eq!((moved.moved, moved.failed), (13, 0));
    assert!(stack.drain("IngestDeadLetterQueue").await.is_empty());
    let back = stack.drain("IngestQueue").await;
    assert_eq!(back.len(), 13);
    for message in &back {
        let attributes = message.message_attributes().unwrap();
        assert_eq!(attributes["sb-org-id"].string_value(), Some("org_1"));
        assert!(!attributes.contains_key(shared::platform::sqs_batch::FAILURE_REASON_ATTRIBUTE));
    }
    let mut bodies: Vec<&str> = back.iter().filter_map(|m| m.body()).collect();
    bodies.sort();
    assert_eq!(bodies[0], "delivery 0");
}

/// The configuration every function's `main` builds (environment only, no default chain) reaches
/// the stack with the environment Lambda (here: `make test`) gives it.
#[tokio::test]
async fn the_functions_environment_only_sdk_config_reaches_the_stack() {
    let stack = TestStack::new().await;
    let aws = shared::platform::function_aws_config();
    assert_eq!(aws.region().map(|r| r.to_string()), std::env::var("AWS_REGION").ok());
    let table = aws_sdk_dynamodb::Client::new(&aws)
        .describe_table()
        .table_name(stack.name_of("Table"))
        .send()
        .await
        .expect("DynamoDB answers with the function's configuration");
    assert_eq!(
        table.table().and_then(|t| t.table_name()),
        Some(stack.name_of("Table").as_str())
    );
    let queue = aws_sdk_sqs::Client::new(&aws)
        .get_queue_attributes()
        .queue_url(stack.queue_url("IngestQueue"))
        .send()
        .await;
    assert!(queue.is_ok(), "SQS answers: {queue:?}");
}
