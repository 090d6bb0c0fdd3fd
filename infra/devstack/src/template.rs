//! Reads template.yaml: the one definition of Switchboard's resources, functions, routes, queue
//! subscriptions and schedules. Local provisioning and the local runtime are driven by it.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("template.yaml is not valid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("template.yaml: {0}")]
    Shape(String),
}

fn shape(message: impl Into<String>) -> TemplateError {
    TemplateError::Shape(message.into())
}

#[derive(Debug, Clone)]
pub struct Template {
    root: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsSource {
    /// Logical id of the queue.
    pub queue: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
}

/// A DynamoDB stream event source: the table, the batch and the event filter.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSource {
    /// Logical id of the table.
    pub table: String,
    pub batch_size: usize,
    pub report_batch_item_failures: bool,
    /// `FilterCriteria.Filters[].Pattern`, parsed: a record passes when any matches.
    pub filters: Vec<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the crate binary this function runs.
    pub binary: String,
    pub timeout_seconds: u64,
    /// Global variables overlaid by the function's own, still unresolved.
    pub environment: BTreeMap<String, Value>,
    pub routes: Vec<Route>,
    pub sqs_sources: Vec<SqsSource>,
    pub stream_sources: Vec<StreamSource>,
    /// `rate(...)` / `cron(...)` expressions of Schedule and ScheduleV2 events.
    pub schedules: Vec<String>,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let root: Value = serde_yaml::from_str(text)?;
        if !root.get("Resources").is_some_and(Value::is_mapping) {
            return Err(shape("no Resources mapping"));
        }
        Ok(Self { root })
    }

    /// `(logical id, properties)` of every resource of `resource_type`, in template order.
    pub fn resources_of_type<'a>(&'a self, resource_type: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
        self.resources()
            .filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(resource_type))
            .map(|(id, r)| (id, r.get("Properties").unwrap_or(&Value::Null)))
    }

    pub fn resources(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.root["Resources"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.iter())
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
    }

    pub fn resource_type(&self, logical_id: &str) -> Option<&str> {
        self.root["Resources"].get(logical_id)?.get("Type")?.as_str()
    }

    pub fn resource_properties(&self, logical_id: &str) -> Option<&Value> {
        self.root["Resources"].get(logical_id)?.get("Properties")
    }

    pub fn parameter_names(&self) -> Vec<String> {
        self.root
            .get("Parameters")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .collect()
    }

    /// A parameter's default value, as a string.
    pub fn parameter_default(&self, name: &str) -> Option<String> {
        scalar_string(self.root.get("Parameters")?.get(name)?.get("Default")?)
    }

    pub fn functions(&self) -> Result<Vec<FunctionSpec>, TemplateError> {
        let globals = self.root.get("Globals").and_then(|g| g.get("Function"));
        let global_timeout = globals
            .and_then(|g| g.get("Timeout"))
            .and_then(Value::as_u64)
            .unwrap_or(3);
        let global_env = globals
            .and_then(|g| g.get("Environment"))
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping);
        let mut functions = Vec::new();
        for (logical_id, resource) in self
            .resources()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::Serverless::Function"))
        {
            let properties = resource
                .get("Properties")
                .ok_or_else(|| shape(format!("{logical_id} has no Properties")))?;
            let binary = resource
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Value::as_str)
                .ok_or_else(|| shape(format!("{logical_id} has no Metadata.BuildProperties.Binary")))?
                .to_string();
            let mut environment = BTreeMap::new();
            let own_env = properties
                .get("Environment")
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_mapping);
            for mapping in [global_env, own_env].into_iter().flatten() {
                for (name, value) in mapping {
                    if let Some(name) = name.as_str() {
                        environment.insert(name.to_string(), value.clone());
                    }
                }
            }
            let mut spec = FunctionSpec {
                logical_id: logical_id.to_string(),
                binary,
                timeout_seconds: properties
                    .get("Timeout")
                    .and_then(Value::as_u64)
                    .unwrap_or(global_timeout),
                environment,
                routes: Vec::new(),
                sqs_sources: Vec::new(),
                stream_sources: Vec::new(),
                schedules: Vec::new(),
            };
            for (event_name, event) in properties
                .get("Events")
                .and_then(Value::as_mapping)
                .into_iter()
                .flatten()
            {
                let event_name = event_name.as_str().unwrap_or("?");
                let event_properties = event.get("Properties").unwrap_or(&Value::Null);
                match event.get("Type").and_then(Value::as_str) {
                    Some("HttpApi") => spec.routes.push(Route {
                        method: event_properties
                            .get("Method")
                            .and_then(Value::as_str)
                            .unwrap_or("ANY")
                            .to_uppercase(),
                        path: event_properties
                            .get("Path")
                            .and_then(Value::as_str)
                            .ok_or_else(|| shape(format!("{logical_id}.{event_name} has no Path")))?
                            .to_string(),
                    }),
                    Some("SQS") => spec.sqs_sources.push(SqsSource {
                        queue: referenced_logical_id(event_properties.get("Queue").unwrap_or(&Value::Null))
                            .ok_or_else(|| {
                                shape(format!("{logical_id}.{event_name}: Queue must be !GetAtt <Queue>.Arn"))
                            })?,
                        batch_size: event_properties.get("BatchSize").and_then(Value::as_u64).unwrap_or(10) as usize,
                        report_batch_item_failures: event_properties
                            .get("FunctionResponseTypes")
                            .and_then(Value::as_sequence)
                            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures"))),
                    }),
                    Some("DynamoDB") => spec.stream_sources.push(StreamSource {
                        table: referenced_logical_id(event_properties.get("Stream").unwrap_or(&Value::Null))
                            .ok_or_else(|| {
                                shape(format!(
                                    "{logical_id}.{event_name}: Stream must be !GetAtt <Table>.StreamArn"
                                ))
                            })?,
                        batch_size: event_properties.get("BatchSize").and_then(Value::as_u64).unwrap_or(100) as usize,
                        report_batch_item_failures: event_properties
                            .get("FunctionResponseTypes")
                            .and_then(Value::as_sequence)
                            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some("ReportBatchItemFailures"))),
                        filters: event_properties
                            .get("FilterCriteria")
                            .and_then(|c| c.get("Filters"))
                            .and_then(Value::as_sequence)
                            .into_iter()
                            .flatten()
                            .filter_map(|f| f.get("Pattern").and_then(Value::as_str))
                            .map(|pattern| {
                                serde_json::from_str(pattern).map_err(|e| {
                                    shape(format!("{logical_id}.{event_name}: a filter pattern is not JSON: {e}"))
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    }),
                    Some("Schedule") | Some("ScheduleV2") => spec.schedules.push(
                        event_properties
                            .get("Schedule")
                            .or_else(|| event_properties.get("ScheduleExpression"))
                            .and_then(Value::as_str)
                            .ok_or_else(|| shape(format!("{logical_id}.{event_name} has no schedule expression")))?
                            .to_string(),
                    ),
                    _ => {}
                }
            }
            functions.push(spec);
        }
        Ok(functions)
    }
}

/// A WebSocket API route: its key (`$connect`, ...) and the function its integration invokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketRoute {
    pub api: String,
    pub route_key: String,
    pub function: String,
}

impl Template {
    /// Every `AWS::ApiGatewayV2::Route` with the function its `AWS_PROXY` integration names
    /// (`Target: integrations/${Integration}`, `IntegrationUri: ...${Function.Arn}/invocations`).
    pub fn websocket_routes(&self) -> Result<Vec<WebSocketRoute>, TemplateError> {
        let sub_names = |value: &Value| -> Vec<String> {
            let text = match intrinsic(value) {
                Some((function, argument)) if function == "Sub" => argument.as_str().unwrap_or_default().to_string(),
                _ => return Vec::new(),
            };
            text.split("${")
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
                .collect()
        };
        let mut routes = Vec::new();
        for (logical_id, properties) in self.resources_of_type("AWS::ApiGatewayV2::Route") {
            let route_key = properties
                .get("RouteKey")
                .and_then(Value::as_str)
                .ok_or_else(|| shape(format!("{logical_id} has no RouteKey")))?;
            let api = properties
                .get("ApiId")
                .and_then(referenced_logical_id)
                .ok_or_else(|| shape(format!("{logical_id}: ApiId must be !Ref <Api>")))?;
            let integration = sub_names(properties.get("Target").unwrap_or(&Value::Null))
                .into_iter()
                .next()
                .ok_or_else(|| {
                    shape(format!(
                        "{logical_id}: Target must be !Sub integrations/${{<Integration>}}"
                    ))
                })?;
            let uri = self
                .resource_properties(&integration)
                .and_then(|p| p.get("IntegrationUri"))
                .ok_or_else(|| shape(format!("{integration} has no IntegrationUri")))?;
            let function = sub_names(uri)
                .into_iter()
                .find_map(|name| name.strip_suffix(".Arn").map(str::to_string))
                .ok_or_else(|| shape(format!("{integration}: IntegrationUri names no ${{<Function>.Arn}}")))?;
            routes.push(WebSocketRoute {
                api,
                route_key: route_key.to_string(),
                function,
            });
        }
        Ok(routes)
    }
}

/// The logical id a `!Ref X`, `!GetAtt X.Attr` (or their long forms) points at.
pub fn referenced_logical_id(value: &Value) -> Option<String> {
    let (function, argument) = intrinsic(value)?;
    match function.as_str() {
        "Ref" => argument.as_str().map(str::to_string),
        "GetAtt" => match argument {
            Value::String(s) => s.split('.').next().map(str::to_string),
            Value::Sequence(parts) => parts.first().and_then(Value::as_str).map(str::to_string),
            _ => None,
        },
        _ => None,
    }
}

/// Splits `!Fn arg` / `{Fn::Fn: arg}` / `{Ref: arg}` into (`Fn`, arg).
pub fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => Some((
            tagged.tag.to_string().trim_start_matches('!').to_string(),
            &tagged.value,
        )),
        Value::Mapping(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next()?;
            let key = key.as_str()?;
            let name = if key == "Ref" { "Ref" } else { key.strip_prefix("Fn::")? };
            Some((name.to_string(), argument))
        }
        _ => None,
    }
}

pub fn scalar_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
