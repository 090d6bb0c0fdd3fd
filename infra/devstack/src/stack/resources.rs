//! Creating each kind of stateful resource of the template: tables, queues, buckets, event buses
//! and their rules, KMS keys.

use super::*;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

impl Stack {
    pub(super) async fn create_tables(
        &mut self,
        template: &Template,
        client: &aws_sdk_dynamodb::Client,
    ) -> Result<(), StackError> {
        for (logical_id, properties) in template.resources_of_type("AWS::DynamoDB::Table") {
            let name = physical_name(&self.name, logical_id, 255);
            let mut request = client
                .create_table()
                .table_name(&name)
                .billing_mode(BillingMode::PayPerRequest);
            for definition in sequence(properties, "AttributeDefinitions") {
                let attribute_type = match str_field(definition, "AttributeType") {
                    "N" => ScalarAttributeType::N,
                    "B" => ScalarAttributeType::B,
                    _ => ScalarAttributeType::S,
                };
                request = request.attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(str_field(definition, "AttributeName"))
                        .attribute_type(attribute_type)
                        .build()
                        .map_err(|e| resource_error(logical_id, e))?,
                );
            }
            for element in key_schema(properties, logical_id)? {
                request = request.key_schema(element);
            }
            for index in sequence(properties, "GlobalSecondaryIndexes") {
                let projection = index.get("Projection").unwrap_or(&Value::Null);
                let mut projection_builder = Projection::builder()
                    .projection_type(ProjectionType::from(str_field(projection, "ProjectionType")));
                for attribute in sequence(projection, "NonKeyAttributes") {
                    projection_builder = projection_builder.non_key_attributes(attribute.as_str().unwrap_or_default());
                }
                let mut index_builder = GlobalSecondaryIndex::builder()
                    .index_name(str_field(index, "IndexName"))
                    .projection(projection_builder.build());
                for element in key_schema(index, logical_id)? {
                    index_builder = index_builder.key_schema(element);
                }
                request =
                    request.global_secondary_indexes(index_builder.build().map_err(|e| resource_error(logical_id, e))?);
            }
            if let Some(stream) = properties.get("StreamSpecification") {
                request = request.stream_specification(
                    StreamSpecification::builder()
                        .stream_enabled(true)
                        .stream_view_type(StreamViewType::from(str_field(stream, "StreamViewType")))
                        .build()
                        .map_err(|e| resource_error(logical_id, e))?,
                );
            }
            let created = request.send().await.map_err(|e| aws_error(logical_id, e))?;
            let arn = created
                .table_description()
                .and_then(|d| d.table_arn())
                .map(str::to_string)
                .unwrap_or_else(|| format!("arn:aws:dynamodb:{}:{}:table/{name}", self.region, self.account_id));
            if let Some(ttl) = properties
                .get("TimeToLiveSpecification")
                .filter(|t| t.get("Enabled").and_then(Value::as_bool) == Some(true))
            {
                client
                    .update_time_to_live()
                    .table_name(&name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .attribute_name(str_field(ttl, "AttributeName"))
                            .enabled(true)
                            .build()
                            .map_err(|e| resource_error(logical_id, e))?,
                    )
                    .send()
                    .await
                    .map_err(|e| aws_error(logical_id, e))?;
            }
            self.resources
                .insert(logical_id.to_string(), Physical::Table { name, arn });
        }
        Ok(())
    }

    pub(super) async fn create_queues(
        &mut self,
        template: &Template,
        client: &aws_sdk_sqs::Client,
    ) -> Result<(), StackError> {
        // Dead-letter queues first: a redrive policy names its target's ARN.
        let mut queues: Vec<(&str, &Value)> = template.resources_of_type("AWS::SQS::Queue").collect();
        queues.sort_by_key(|(_, properties)| properties.get("RedrivePolicy").is_some());
        for (logical_id, properties) in queues {
            let fifo = properties.get("FifoQueue").and_then(Value::as_bool) == Some(true);
            let mut name = physical_name(&self.name, logical_id, if fifo { 75 } else { 80 });
            if fifo {
                name.push_str(".fifo");
            }
            let mut request = client.create_queue().queue_name(&name);
            let numeric = [
                ("VisibilityTimeout", QueueAttributeName::VisibilityTimeout),
                ("MessageRetentionPeriod", QueueAttributeName::MessageRetentionPeriod),
                ("DelaySeconds", QueueAttributeName::DelaySeconds),
                (
                    "ReceiveMessageWaitTimeSeconds",
                    QueueAttributeName::ReceiveMessageWaitTimeSeconds,
                ),
                ("MaximumMessageSize", QueueAttributeName::MaximumMessageSize),
            ];
            for (property, attribute) in numeric {
                if let Some(value) = properties.get(property).and_then(scalar_string) {
                    request = request.attributes(attribute, value);
                }
            }
            if fifo {
                request = request.attributes(QueueAttributeName::FifoQueue, "true");
            }
            if let Some(redrive) = properties.get("RedrivePolicy") {
                let target = self.resolve(redrive.get("deadLetterTargetArn").unwrap_or(&Value::Null))?;
                let max_receive = redrive
                    .get("maxReceiveCount")
                    .and_then(scalar_string)
                    .ok_or_else(|| resource_error(logical_id, "RedrivePolicy has no maxReceiveCount"))?;
                let policy =
                    serde_json::json!({"deadLetterTargetArn": target, "maxReceiveCount": max_receive}).to_string();
                request = request.attributes(QueueAttributeName::RedrivePolicy, policy);
            }
            let url = request
                .send()
                .await
                .map_err(|e| aws_error(logical_id, e))?
                .queue_url
                .ok_or_else(|| resource_error(logical_id, "CreateQueue returned no URL"))?;
            let attributes = client
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .map_err(|e| aws_error(logical_id, e))?;
            let arn = attributes
                .attributes()
                .and_then(|a| a.get(&QueueAttributeName::QueueArn))
                .cloned()
                .unwrap_or_else(|| format!("arn:aws:sqs:{}:{}:{name}", self.region, self.account_id));
            self.resources
                .insert(logical_id.to_string(), Physical::Queue { name, url, arn });
        }
        Ok(())
    }

    pub(super) async fn create_buckets(
        &mut self,
        template: &Template,
        client: &aws_sdk_s3::Client,
    ) -> Result<(), StackError> {
        for (logical_id, _) in template.resources_of_type("AWS::S3::Bucket") {
            let name = physical_name(&self.name, logical_id, 63).to_lowercase();
            let mut request = client.create_bucket().bucket(&name);
            if self.region != "us-east-1" {
                request = request.create_bucket_configuration(
                    aws_sdk_s3::types::CreateBucketConfiguration::builder()
                        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(self.region.as_str()))
                        .build(),
                );
            }
            request.send().await.map_err(|e| aws_error(logical_id, e))?;
            self.resources.insert(
                logical_id.to_string(),
                Physical::Bucket {
                    arn: format!("arn:aws:s3:::{name}"),
                    name,
                },
            );
        }
        Ok(())
    }

    pub(super) async fn create_event_buses(
        &mut self,
        template: &Template,
        client: &aws_sdk_eventbridge::Client,
    ) -> Result<(), StackError> {
        for (logical_id, properties) in template.resources_of_type("AWS::Events::EventBus") {
            let name = match properties.get("Name") {
                Some(value) => self.resolve(value)?,
                None => physical_name(&self.name, logical_id, 256),
            };
            let created = client
                .create_event_bus()
                .name(&name)
                .send()
                .await
                .map_err(|e| aws_error(logical_id, e))?;
            let arn = created
                .event_bus_arn
                .unwrap_or_else(|| format!("arn:aws:events:{}:{}:event-bus/{name}", self.region, self.account_id));
            self.resources
                .insert(logical_id.to_string(), Physical::EventBus { name, arn });
        }
        Ok(())
    }

    /// Rules on the stack's buses with their targets (moto delivers matching events to queues).
    pub(super) async fn create_rules(
        &mut self,
        template: &Template,
        client: &aws_sdk_eventbridge::Client,
    ) -> Result<(), StackError> {
        for (logical_id, properties) in template.resources_of_type("AWS::Events::Rule") {
            let name = physical_name(&self.name, logical_id, 64);
            let bus = match properties.get("EventBusName") {
                Some(value) => self.resolve(value)?,
                None => "default".into(),
            };
            let pattern = properties
                .get("EventPattern")
                .ok_or_else(|| resource_error(logical_id, "no EventPattern"))?;
            let pattern = serde_json::to_string(pattern).map_err(|e| resource_error(logical_id, e))?;
            let created = client
                .put_rule()
                .name(&name)
                .event_bus_name(&bus)
                .event_pattern(pattern)
                .send()
                .await
                .map_err(|e| aws_error(logical_id, e))?;
            for target in sequence(properties, "Targets") {
                let arn = self.resolve(target.get("Arn").unwrap_or(&Value::Null))?;
                client
                    .put_targets()
                    .rule(&name)
                    .event_bus_name(&bus)
                    .targets(
                        aws_sdk_eventbridge::types::Target::builder()
                            .id(str_field(target, "Id"))
                            .arn(arn)
                            .build()
                            .map_err(|e| resource_error(logical_id, e))?,
                    )
                    .send()
                    .await
                    .map_err(|e| aws_error(logical_id, e))?;
            }
            let arn = created
                .rule_arn
                .unwrap_or_else(|| format!("arn:aws:events:{}:{}:rule/{bus}/{name}", self.region, self.account_id));
            self.resources
                .insert(logical_id.to_string(), Physical::Rule { name, arn });
        }
        Ok(())
    }

    /// Symmetric KMS keys (their policies are CloudFormation's business; moto does not enforce them).
    pub(super) async fn create_keys(
        &mut self,
        template: &Template,
        client: &aws_sdk_kms::Client,
    ) -> Result<(), StackError> {
        for (logical_id, properties) in template.resources_of_type("AWS::KMS::Key") {
            let mut request = client.create_key();
            if let Some(description) = properties.get("Description").and_then(scalar_string) {
                request = request.description(description);
            }
            let created = request.send().await.map_err(|e| aws_error(logical_id, e))?;
            let metadata = created
                .key_metadata
                .ok_or_else(|| resource_error(logical_id, "CreateKey answered without the key"))?;
            let arn = metadata.arn.unwrap_or_else(|| {
                format!(
                    "arn:aws:kms:{}:{}:key/{}",
                    self.region, self.account_id, metadata.key_id
                )
            });
            self.resources.insert(
                logical_id.to_string(),
                Physical::Key {
                    id: metadata.key_id,
                    arn,
                },
            );
        }
        Ok(())
    }
}

fn sequence<'a>(value: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    value.get(field).and_then(Value::as_sequence).into_iter().flatten()
}

fn str_field<'a>(value: &'a Value, field: &str) -> &'a str {
    value.get(field).and_then(Value::as_str).unwrap_or_default()
}

fn key_schema(value: &Value, logical_id: &str) -> Result<Vec<KeySchemaElement>, StackError> {
    sequence(value, "KeySchema")
        .map(|element| {
            KeySchemaElement::builder()
                .attribute_name(str_field(element, "AttributeName"))
                .key_type(if str_field(element, "KeyType") == "RANGE" {
                    KeyType::Range
                } else {
                    KeyType::Hash
                })
                .build()
                .map_err(|e| resource_error(logical_id, e))
        })
        .collect()
}
