//! Creates template.yaml's stateful resources (tables, queues, buckets, event buses) on the AWS
//! endpoint of the environment (moto locally) and resolves the intrinsic functions that point at
//! them, so each function's environment is what CloudFormation would give it.

use crate::template::{Template, TemplateError, intrinsic, scalar_string};
use aws_config::SdkConfig;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;
use std::collections::BTreeMap;

mod resources;

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("{resource}: {message}")]
    Resource { resource: String, message: String },
    #[error("cannot resolve {0}")]
    Unresolvable(String),
}

fn resource_error(resource: &str, message: impl std::fmt::Display) -> StackError {
    StackError::Resource {
        resource: resource.to_string(),
        message: message.to_string(),
    }
}

fn aws_error<E: std::error::Error>(resource: &str, err: E) -> StackError {
    resource_error(resource, aws_sdk_dynamodb::error::DisplayErrorContext(err))
}

/// What CloudFormation's `Ref` and `GetAtt` give for one created resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Physical {
    Table {
        name: String,
        arn: String,
    },
    Queue {
        name: String,
        url: String,
        arn: String,
    },
    Bucket {
        name: String,
        arn: String,
    },
    EventBus {
        name: String,
        arn: String,
    },
    HttpApi {
        id: String,
    },
    Key {
        id: String,
        arn: String,
    },
    /// `endpoint` is `GetAtt ApiEndpoint` (`wss://...` on AWS); locally where devstack serves it.
    WebSocketApi {
        id: String,
        endpoint: String,
    },
    Stage {
        name: String,
    },
    Rule {
        name: String,
        arn: String,
    },
    /// A function devstack hosts; its name is what Lambda's Invoke addresses.
    Function {
        name: String,
        arn: String,
    },
}

/// A provisioned stack: its name, region, account and every resource's physical identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stack {
    pub name: String,
    pub region: String,
    pub account_id: String,
    pub parameters: BTreeMap<String, String>,
    pub resources: BTreeMap<String, Physical>,
}

const LOCAL_ACCOUNT_ID: &str = "123456789012";

fn physical_name(stack: &str, logical_id: &str, max_len: usize) -> String {
    let mut name = format!("{stack}-{logical_id}");
    name.truncate(max_len);
    name
}

impl Stack {
    /// Creates every stateful resource of `template` under names prefixed with `name`.
    pub async fn provision(template: &Template, name: &str, aws: &SdkConfig) -> Result<Stack, StackError> {
        let region = aws
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into());
        let mut parameters = BTreeMap::new();
        for param in template.parameter_names() {
            if let Some(default) = template.parameter_default(&param) {
                parameters.insert(param, default);
            }
        }
        let mut stack = Stack {
            name: name.to_string(),
            region,
            account_id: LOCAL_ACCOUNT_ID.into(),
            parameters,
            resources: BTreeMap::new(),
        };
        for (logical_id, _) in template.resources_of_type("AWS::Serverless::HttpApi") {
            stack
                .resources
                .insert(logical_id.to_string(), Physical::HttpApi { id: "local".into() });
        }
        for (logical_id, _) in template.resources_of_type("AWS::Serverless::Function") {
            let function = physical_name(name, logical_id, 64);
            let arn = format!("arn:aws:lambda:{}:{LOCAL_ACCOUNT_ID}:function:{function}", stack.region);
            stack
                .resources
                .insert(logical_id.to_string(), Physical::Function { name: function, arn });
        }
        stack
            .create_tables(template, &aws_sdk_dynamodb::Client::new(aws))
            .await?;
        stack.create_queues(template, &aws_sdk_sqs::Client::new(aws)).await?;
        stack.create_buckets(template, &aws_sdk_s3::Client::new(aws)).await?;
        stack
            .create_event_buses(template, &aws_sdk_eventbridge::Client::new(aws))
            .await?;
        stack.create_keys(template, &aws_sdk_kms::Client::new(aws)).await?;
        stack.add_websocket_apis(template)?;
        stack
            .create_rules(template, &aws_sdk_eventbridge::Client::new(aws))
            .await?;
        Ok(stack)
    }

    /// A hosted function's name (what Lambda's Invoke addresses).
    pub fn function_name(&self, logical_id: &str) -> Option<&str> {
        match self.resources.get(logical_id) {
            Some(Physical::Function { name, .. }) => Some(name),
            _ => None,
        }
    }

    /// WebSocket APIs are served by devstack itself (moto's API Gateway does not run functions):
    /// until [`Stack::serve_websocket_apis_at`], their endpoint is a placeholder.
    fn add_websocket_apis(&mut self, template: &Template) -> Result<(), StackError> {
        for (logical_id, _) in template.resources_of_type("AWS::ApiGatewayV2::Api") {
            self.resources.insert(
                logical_id.to_string(),
                Physical::WebSocketApi {
                    id: format!("local-{}", logical_id.to_lowercase()),
                    endpoint: "ws://127.0.0.1:0".into(),
                },
            );
        }
        for (logical_id, properties) in template.resources_of_type("AWS::ApiGatewayV2::Stage") {
            let name = properties
                .get("StageName")
                .ok_or_else(|| resource_error(logical_id, "no StageName"))?;
            let name = self.resolve(name)?;
            self.resources.insert(logical_id.to_string(), Physical::Stage { name });
        }
        Ok(())
    }

    /// Points every WebSocket API at `endpoint` (`ws://127.0.0.1:PORT`), where devstack serves it.
    pub fn serve_websocket_apis_at(&mut self, endpoint: &str) {
        for physical in self.resources.values_mut() {
            if let Physical::WebSocketApi { endpoint: current, .. } = physical {
                *current = endpoint.trim_end_matches('/').to_string();
            }
        }
    }

    /// The stage name of the template's (one) WebSocket stage.
    pub fn websocket_stage(&self) -> Option<&str> {
        self.resources.values().find_map(|p| match p {
            Physical::Stage { name } => Some(name.as_str()),
            _ => None,
        })
    }

    /// Resolves a template value (scalar, `Ref`, `GetAtt`, `Sub`) to the string CloudFormation would
    /// produce for this stack.
    pub fn resolve(&self, value: &Value) -> Result<String, StackError> {
        if let Some(text) = scalar_string(value) {
            return Ok(text);
        }
        let (function, argument) = intrinsic(value).ok_or_else(|| StackError::Unresolvable(format!("{value:?}")))?;
        match function.as_str() {
            "Ref" => self.reference(argument.as_str().unwrap_or_default()),
            "GetAtt" => {
                let target = match argument {
                    Value::String(s) => s.clone(),
                    Value::Sequence(parts) => parts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("."),
                    _ => String::new(),
                };
                self.attribute(&target)
            }
            "Sub" => match argument {
                Value::String(text) => self.substitute(text, &BTreeMap::new()),
                Value::Sequence(parts) if parts.len() == 2 => {
                    let mut variables = BTreeMap::new();
                    for (name, v) in parts[1].as_mapping().into_iter().flatten() {
                        variables.insert(name.as_str().unwrap_or_default().to_string(), self.resolve(v)?);
                    }
                    self.substitute(parts[0].as_str().unwrap_or_default(), &variables)
                }
                _ => Err(StackError::Unresolvable(format!("Sub {argument:?}"))),
            },
            other => Err(StackError::Unresolvable(format!("intrinsic {other}"))),
        }
    }

    fn reference(&self, name: &str) -> Result<String, StackError> {
        match name {
            "AWS::Region" => return Ok(self.region.clone()),
            "AWS::AccountId" => return Ok(self.account_id.clone()),
            "AWS::StackName" => return Ok(self.name.clone()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".into()),
            "AWS::Partition" => return Ok("aws".into()),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(value.clone());
        }
        match self.resources.get(name) {
            Some(Physical::Table { name, .. } | Physical::Bucket { name, .. } | Physical::EventBus { name, .. }) => {
                Ok(name.clone())
            }
            Some(Physical::Queue { url, .. }) => Ok(url.clone()),
            Some(Physical::HttpApi { id } | Physical::Key { id, .. } | Physical::WebSocketApi { id, .. }) => {
                Ok(id.clone())
            }
            Some(Physical::Stage { name } | Physical::Rule { name, .. } | Physical::Function { name, .. }) => {
                Ok(name.clone())
            }
            None => Err(StackError::Unresolvable(format!("Ref {name}"))),
        }
    }

    fn attribute(&self, target: &str) -> Result<String, StackError> {
        let (logical_id, attribute) = target
            .split_once('.')
            .ok_or_else(|| StackError::Unresolvable(format!("GetAtt {target}")))?;
        let value = match (self.resources.get(logical_id), attribute) {
            (
                Some(
                    Physical::Table { arn, .. }
                    | Physical::Queue { arn, .. }
                    | Physical::Bucket { arn, .. }
                    | Physical::EventBus { arn, .. }
                    | Physical::Key { arn, .. }
                    | Physical::Rule { arn, .. }
                    | Physical::Function { arn, .. },
                ),
                "Arn",
            ) => arn.clone(),
            (Some(Physical::WebSocketApi { endpoint, .. }), "ApiEndpoint") => endpoint.clone(),
            (Some(Physical::Queue { name, .. }), "QueueName") => name.clone(),
            (Some(Physical::Queue { url, .. }), "QueueUrl") => url.clone(),
            (Some(Physical::EventBus { name, .. }), "Name") => name.clone(),
            _ => return Err(StackError::Unresolvable(format!("GetAtt {target}"))),
        };
        Ok(value)
    }

    fn substitute(&self, text: &str, variables: &BTreeMap<String, String>) -> Result<String, StackError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| StackError::Unresolvable(format!("Sub {text}")))?
                + start;
            let name = &rest[start + 2..end];
            let value = match variables.get(name) {
                Some(v) => v.clone(),
                None if name.contains('.') && !name.starts_with("AWS::") => self.attribute(name)?,
                None => self.reference(name)?,
            };
            out.push_str(&value);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A table's physical name.
    pub fn table(&self, logical_id: &str) -> Option<&str> {
        match self.resources.get(logical_id) {
            Some(Physical::Table { name, .. }) => Some(name),
            _ => None,
        }
    }

    pub fn queue(&self, logical_id: &str) -> Option<(&str, &str)> {
        match self.resources.get(logical_id) {
            Some(Physical::Queue { url, arn, .. }) => Some((url, arn)),
            _ => None,
        }
    }

    /// A function's environment as Lambda would see it.
    pub fn environment_of(
        &self,
        function: &crate::template::FunctionSpec,
    ) -> Result<BTreeMap<String, String>, StackError> {
        function
            .environment
            .iter()
            .map(|(name, value)| Ok((name.clone(), self.resolve(value)?)))
            .collect()
    }
}
