//! template.yaml, the code's key schema, the local runtime and `events/` must agree.

use integration_tests::*;
use serde_yaml::Value;
use shared::platform::table::{attr, index};
use std::collections::{BTreeMap, BTreeSet};

fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
    &template["Resources"][id]
}

fn raw_template() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("template.yaml")).unwrap()).unwrap()
}

fn key_schema(value: &Value) -> Vec<(String, String)> {
    value["KeySchema"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap().to_string(),
                k["KeyType"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_table_in_template_yaml_is_the_one_the_code_addresses() {
    let template = raw_template();
    let table = &resource(&template, "Table")["Properties"];
    let hash_range = |pk: &str, sk: &str| {
        vec![
            (pk.to_string(), "HASH".to_string()),
            (sk.to_string(), "RANGE".to_string()),
        ]
    };
    assert_eq!(key_schema(table), hash_range(attr::PK, attr::SK));
    let indexes: BTreeMap<String, Vec<(String, String)>> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|i| (i["IndexName"].as_str().unwrap().to_string(), key_schema(i)))
        .collect();
    assert_eq!(indexes[index::LOOKUP], hash_range(attr::GSI1_PK, attr::GSI1_SK));
    let lookup = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|i| i["IndexName"] == index::LOOKUP)
        .unwrap();
    assert_eq!(
        lookup["Projection"]["ProjectionType"], "KEYS_ONLY",
        "lookups read the item itself: nothing (no secret) is copied into the index"
    );
    assert_eq!(indexes[index::TIMELINE], hash_range(attr::GSI2_PK, attr::GSI2_SK));
    assert_eq!(indexes.len(), 2, "an index the code does not know of");
    let defined: BTreeSet<&str> = table["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a["AttributeName"].as_str().unwrap())
        .collect();
    assert_eq!(
        defined,
        BTreeSet::from([
            attr::PK,
            attr::SK,
            attr::GSI1_PK,
            attr::GSI1_SK,
            attr::GSI2_PK,
            attr::GSI2_SK
        ])
    );
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some(attr::EXPIRES_AT)
    );
    assert_eq!(table["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(table["SSESpecification"]["SSEEnabled"].as_bool(), Some(true));
}

#[tokio::test]
async fn the_provisioned_table_matches_template_yaml() {
    let stack = TestStack::new().await;
    let described = aws_sdk_dynamodb::Client::new(&stack.aws)
        .describe_table()
        .table_name(stack.name_of("Table"))
        .send()
        .await
        .unwrap();
    let table = described.table().unwrap();
    let keys: Vec<(String, String)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name().to_string(), k.key_type().as_str().to_string()))
        .collect();
    assert_eq!(
        keys,
        vec![
            (attr::PK.to_string(), "HASH".to_string()),
            (attr::SK.to_string(), "RANGE".to_string())
        ]
    );
    let indexes: BTreeSet<&str> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    assert_eq!(indexes, BTreeSet::from([index::LOOKUP, index::TIMELINE]));

    let sqs = stack.sqs();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(stack.queue_url("IngestQueue"))
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes().unwrap();
    let redrive: serde_json::Value =
        serde_json::from_str(&attributes[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy]).unwrap();
    assert_eq!(
        redrive["deadLetterTargetArn"].as_str(),
        stack.stack.queue("IngestDeadLetterQueue").map(|(_, arn)| arn)
    );
    assert_eq!(redrive["maxReceiveCount"].to_string().trim_matches('"'), "5");
    assert_eq!(
        attributes[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout],
        "180"
    );
}

#[test]
fn every_queue_has_a_dlq_and_enough_visibility_for_its_consumer() {
    let template = raw_template();
    let queues: Vec<(String, Value)> = template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::SQS::Queue"))
        .map(|(k, r)| (k.as_str().unwrap().to_string(), r["Properties"].clone()))
        .collect();
    // Dead-letter queues: of a queue (RedrivePolicy), of a scheduled function's failed runs, or
    // a stream event source's on-failure destination.
    let functions_dlqs = template["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .flat_map(|r| {
            let events = r["Properties"]["Events"].as_mapping().cloned().unwrap_or_default();
            let on_failure = events.into_iter().filter_map(|(_, event)| {
                devstack::template::referenced_logical_id(
                    &event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"],
                )
            });
            devstack::template::referenced_logical_id(&r["Properties"]["DeadLetterQueue"]["TargetArn"])
                .into_iter()
                .chain(on_failure)
                .collect::<Vec<_>>()
        });
    let dlq_targets: BTreeSet<String> = queues
        .iter()
        .filter_map(|(_, p)| devstack::template::referenced_logical_id(&p["RedrivePolicy"]["deadLetterTargetArn"]))
        .chain(functions_dlqs)
        .collect();
    assert!(!queues.is_empty());
    for (id, properties) in &queues {
        if dlq_targets.contains(id) {
            assert_eq!(
                properties["MessageRetentionPeriod"].as_u64(),
                Some(1_209_600),
                "{id}: DLQs keep messages 14 days"
            );
            continue;
        }
        let redrive = &properties["RedrivePolicy"];
        assert!(
            redrive["maxReceiveCount"].as_u64().unwrap_or(0) >= 5,
            "{id}: needs a RedrivePolicy with maxReceiveCount >= 5"
        );
        let target = devstack::template::referenced_logical_id(&redrive["deadLetterTargetArn"]).unwrap();
        assert!(
            queues.iter().any(|(q, _)| *q == target),
            "{id}: DLQ {target} is not a queue of the template"
        );
    }
    for function in integration_tests::template().functions().unwrap() {
        for source in &function.sqs_sources {
            let visibility = queues.iter().find(|(q, _)| *q == source.queue).unwrap().1["VisibilityTimeout"]
                .as_u64()
                .unwrap_or(30);
            assert!(
                visibility >= 6 * function.timeout_seconds,
                "{}: {} visibility {visibility} < 6 x {}",
                function.logical_id,
                source.queue,
                function.timeout_seconds
            );
            assert!(
                source.report_batch_item_failures,
                "{}: SQS sources report batch item failures",
                function.logical_id
            );
        }
    }
}

#[test]
fn every_function_is_a_cargo_lambda_crate_the_local_runtime_hosts_with_sample_events() {
    let template = raw_template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(
        template["Parameters"]["Architecture"]["Default"].as_str(),
        Some("arm64")
    );
    let functions = integration_tests::template().functions().unwrap();
    assert!(!functions.is_empty());
    let events: Vec<String> = std::fs::read_dir(repo_root().join("events"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    for function in functions {
        let metadata = &resource(&template, &function.logical_id)["Metadata"];
        assert_eq!(
            metadata["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{}",
            function.logical_id
        );
        assert!(
            repo_root()
                .join("functions")
                .join(&function.binary)
                .join("Cargo.toml")
                .exists(),
            "functions/{} is missing",
            function.binary
        );
        assert!(
            devstack::functions::KNOWN_BINARIES.contains(&function.binary.as_str()),
            "devstack cannot host {}",
            function.binary
        );
        assert!(
            events.iter().any(|e| e.starts_with(&format!("{}-", function.binary))),
            "events/ has no sample for {}",
            function.binary
        );
    }
}

#[tokio::test]
async fn sample_events_are_valid_api_gateway_events_signed_for_the_demo_account() {
    for entry in std::fs::read_dir(repo_root().join("events")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.starts_with("webhook-") {
            continue;
        }
        let text = std::fs::read_to_string(repo_root().join("events").join(&name)).unwrap();
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            lambda_http::RequestExt::path_parameters(&request).first("account"),
            Some(devstack::demo::ACCOUNT_ID),
            "{name}"
        );
        if request.method() == lambda_http::http::Method::POST {
            let signature = request
                .headers()
                .get("x-hub-signature-256")
                .and_then(|v| v.to_str().ok());
            let body: &[u8] = request.body().as_ref();
            assert_eq!(
                shared::access::webhook_auth::verify_signature(devstack::demo::APP_SECRET.as_bytes(), body, signature),
                Ok(()),
                "{name}: re-sign with the demo secret (expected {})",
                shared::access::webhook_auth::sign(devstack::demo::APP_SECRET.as_bytes(), body)
            );
        }
    }
}

#[test]
fn sample_api_events_name_routes_of_the_api() {
    let mut samples = 0;
    for entry in std::fs::read_dir(repo_root().join("events")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.starts_with("api-") {
            continue;
        }
        samples += 1;
        let text = std::fs::read_to_string(repo_root().join("events").join(&name)).unwrap();
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (route, _) = api::routes::find(request.method().as_str(), request.uri().path()).unwrap_or_else(|_| {
            panic!(
                "{name}: {} {} is not an API route",
                request.method(),
                request.uri().path()
            )
        });
        if let api::routes::Body::Json(_) = route.body {
            let body: &[u8] = request.body().as_ref();
            assert!(
                serde_json::from_slice::<serde_json::Value>(body).is_ok(),
                "{name}: the body is JSON"
            );
        }
    }
    assert!(samples >= 5, "API samples: {samples}");
}

#[test]
fn sample_ingest_events_are_sqs_events_of_demo_deliveries() {
    let mut seen = 0;
    for entry in std::fs::read_dir(repo_root().join("events")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !name.starts_with("ingest-") {
            continue;
        }
        let event: aws_lambda_events::event::sqs::SqsEvent =
            serde_json::from_str(&std::fs::read_to_string(repo_root().join("events").join(&name)).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        for record in event.records {
            assert_eq!(
                record.message_attributes["sb-org-id"].string_value.as_deref(),
                Some(devstack::demo::ORG_ID),
                "{name}"
            );
            assert_eq!(
                record.message_attributes["sb-account-id"].string_value.as_deref(),
                Some(devstack::demo::ACCOUNT_ID),
                "{name}"
            );
            let body = record.body.unwrap();
            assert!(
                !shared::meta::parse_notification(body.as_bytes()).unwrap().is_empty(),
                "{name}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 5);
}

#[test]
fn sample_media_events_carry_media_jobs() {
    let text = std::fs::read_to_string(repo_root().join("events/media-image-job.json")).unwrap();
    let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_str(&text).unwrap();
    let job: shared::inbox::media_job::MediaJob =
        serde_json::from_str(event.records[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        (job.org_id.as_str(), job.media_id.as_str()),
        (devstack::demo::ORG_ID, "demo-photo-1")
    );
}
