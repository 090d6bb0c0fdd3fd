//! Lambda's DynamoDB stream event source mapping, locally: reads the table's stream from its
//! start, keeps the records the source's filter passes, hands them to the function in batches as
//! Lambda's stream event, and on a reported failure reads again from the failed record (the
//! function's own claims make that safe, as in Lambda).

use crate::functions::StreamHandler;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use serde_json::{Map, Value, json};
use std::time::Duration;
use tracing::{info, warn};

pub struct StreamPoller {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub function: String,
    pub table_name: String,
    pub region: String,
    pub batch_size: usize,
    pub filters: Vec<Value>,
    pub handler: StreamHandler,
    /// Where to read next: (stream arn, shard id, the sequence number to read at, if any).
    position: tokio::sync::Mutex<Option<Position>>,
}

#[derive(Clone)]
struct Position {
    stream_arn: String,
    shard_id: String,
    /// The first record not yet handed over; `None`: the shard's start.
    at: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamOutcome {
    pub read: usize,
    pub handed: usize,
    pub failed: bool,
}

impl StreamPoller {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        dynamodb: aws_sdk_dynamodb::Client,
        streams: aws_sdk_dynamodbstreams::Client,
        function: String,
        table_name: String,
        region: String,
        batch_size: usize,
        filters: Vec<Value>,
        handler: StreamHandler,
    ) -> Self {
        Self {
            dynamodb,
            streams,
            function,
            table_name,
            region,
            batch_size,
            filters,
            handler,
            position: tokio::sync::Mutex::new(None),
        }
    }

    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            tokio::select! {
                outcome = self.poll_once() => match outcome {
                    Ok(outcome) if outcome.handed > 0 => info!(function = %self.function, ?outcome, "stream batch"),
                    Ok(outcome) if outcome.read == 0 => tokio::time::sleep(Duration::from_millis(500)).await,
                    Ok(_) => {}
                    Err(err) => {
                        warn!(function = %self.function, "stream poll failed: {err}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Polls until the stream has nothing more (tests call it before reading the counters).
    pub async fn drain(&self) -> Result<StreamOutcome, String> {
        let mut total = StreamOutcome::default();
        loop {
            let outcome = self.poll_once().await?;
            if outcome.failed {
                return Err(format!("{}: the function reported a failure", self.function));
            }
            total.read += outcome.read;
            total.handed += outcome.handed;
            if outcome.read == 0 {
                return Ok(total);
            }
        }
    }

    /// One read → filter → invoke cycle.
    pub async fn poll_once(&self) -> Result<StreamOutcome, String> {
        let mut position = self.position.lock().await;
        if position.is_none() {
            *position = Some(self.start().await?);
        }
        let Some(current) = position.clone() else {
            return Ok(StreamOutcome::default());
        };
        let iterator = match &current.at {
            Some(sequence) => self
                .streams
                .get_shard_iterator()
                .stream_arn(&current.stream_arn)
                .shard_id(&current.shard_id)
                .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
                .sequence_number(sequence),
            None => self
                .streams
                .get_shard_iterator()
                .stream_arn(&current.stream_arn)
                .shard_id(&current.shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon),
        }
        .send()
        .await
        .map_err(|e| aws_sdk_dynamodbstreams::error::DisplayErrorContext(e).to_string())?
        .shard_iterator
        .ok_or("no shard iterator")?;
        let records = self
            .streams
            .get_records()
            .shard_iterator(iterator)
            .limit(self.batch_size.clamp(1, 1000) as i32)
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodbstreams::error::DisplayErrorContext(e).to_string())?
            .records
            .unwrap_or_default();
        let Some(last) = records.last().and_then(sequence_of) else {
            return Ok(StreamOutcome::default());
        };
        let next = (last.parse::<u128>().map_err(|e| e.to_string())? + 1).to_string();
        let events: Vec<Value> = records
            .iter()
            .map(|r| lambda_record(r, &current.stream_arn, &self.region))
            .filter(|r| self.filters.is_empty() || self.filters.iter().any(|f| matches(f, r)))
            .collect();
        let mut outcome = StreamOutcome {
            read: records.len(),
            handed: events.len(),
            failed: false,
        };
        let mut resume_at = Some(next);
        if !events.is_empty() {
            let event = serde_json::from_value(json!({ "Records": events }))
                .map_err(|e| format!("stream event not accepted: {e}"))?;
            match (self.handler)(event).await {
                Err(err) => {
                    warn!(function = %self.function, "invocation failed, the batch is read again: {err}");
                    resume_at = current.at.clone().or(records.first().and_then(sequence_of));
                    outcome.failed = true;
                }
                Ok(response) => {
                    if let Some(failed) = response.batch_item_failures.first() {
                        resume_at = failed.item_identifier.clone();
                        outcome.failed = true;
                    }
                }
            }
        }
        *position = Some(Position {
            at: resume_at,
            ..current
        });
        Ok(outcome)
    }

    async fn start(&self) -> Result<Position, String> {
        let table = self
            .dynamodb
            .describe_table()
            .table_name(&self.table_name)
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        let stream_arn = table
            .table
            .and_then(|t| t.latest_stream_arn)
            .ok_or_else(|| format!("{} has no stream (StreamSpecification)", self.table_name))?;
        let stream = self
            .streams
            .describe_stream()
            .stream_arn(&stream_arn)
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodbstreams::error::DisplayErrorContext(e).to_string())?;
        let shard_id = stream
            .stream_description
            .and_then(|d| d.shards)
            .and_then(|shards| shards.into_iter().next())
            .and_then(|shard| shard.shard_id)
            .ok_or("the stream has no shard")?;
        Ok(Position {
            stream_arn,
            shard_id,
            at: None,
        })
    }
}

fn sequence_of(record: &Record) -> Option<String> {
    record.dynamodb.as_ref()?.sequence_number.clone()
}

/// A stream record in Lambda's event shape.
fn lambda_record(record: &Record, stream_arn: &str, region: &str) -> Value {
    let change = record.dynamodb.as_ref();
    let image = |item: Option<&std::collections::HashMap<String, AttributeValue>>| {
        Value::Object(
            item.into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), attribute_json(v)))
                .collect(),
        )
    };
    json!({
        "eventID": record.event_id(),
        "eventName": record.event_name().map(|n| n.as_str()),
        "eventVersion": record.event_version(),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
        "dynamodb": {
            "ApproximateCreationDateTime": change
                .and_then(|c| c.approximate_creation_date_time())
                .map(|t| t.secs())
                .unwrap_or_default(),
            "Keys": image(change.and_then(|c| c.keys.as_ref())),
            "NewImage": image(change.and_then(|c| c.new_image.as_ref())),
            "OldImage": image(change.and_then(|c| c.old_image.as_ref())),
            "SequenceNumber": change.and_then(|c| c.sequence_number()),
            "SizeBytes": change.and_then(|c| c.size_bytes()).unwrap_or_default(),
            "StreamViewType": change.and_then(|c| c.stream_view_type()).map(|v| v.as_str()),
        }
    })
}

/// An attribute value as DynamoDB's JSON writes it.
fn attribute_json(value: &AttributeValue) -> Value {
    let b64 = |blob: &aws_sdk_dynamodbstreams::primitives::Blob| {
        Value::String(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            blob.as_ref(),
        ))
    };
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Ss(list) => json!({ "SS": list }),
        AttributeValue::Ns(list) => json!({ "NS": list }),
        AttributeValue::Bs(list) => json!({ "BS": list.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::L(list) => json!({ "L": list.iter().map(attribute_json).collect::<Vec<_>>() }),
        AttributeValue::M(map) => {
            let fields: Map<String, Value> = map.iter().map(|(k, v)| (k.clone(), attribute_json(v))).collect();
            json!({ "M": fields })
        }
        _ => Value::Null,
    }
}

/// Lambda's event filtering, for the patterns the template uses: each key of the pattern must be
/// in the record, an object matching recursively, an array listing the values allowed.
pub fn matches(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(key, expected)| match record.get(key) {
            Some(actual) => matches(expected, actual),
            None => false,
        }),
        Value::Array(allowed) => allowed.iter().any(|value| value == record),
        other => other == record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_passes_only_the_records_it_names() {
        let pattern = json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["WamidClaim"]}}}});
        let record = |event: &str, entity: &str| json!({"eventName": event, "dynamodb": {"NewImage": {"entity": {"S": entity}, "x": {"N": "1"}}}});
        assert!(matches(&pattern, &record("INSERT", "WamidClaim")));
        assert!(!matches(&pattern, &record("MODIFY", "WamidClaim")));
        assert!(!matches(&pattern, &record("INSERT", "Message")));
        assert!(!matches(&pattern, &json!({"eventName": "INSERT"})));
    }
}
