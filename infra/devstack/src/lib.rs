//! Switchboard on one machine: provisions template.yaml's resources on moto and runs every
//! function's real handler behind a local API Gateway, SQS event source mappings and schedules.

pub mod demo;
pub mod functions;
pub mod gateway;
pub mod http_server;
pub mod scheduler;
pub mod sqs_poller;
pub mod stack;
pub mod stream_poller;
pub mod template;
pub mod websocket;

use functions::{Handler, LocalFunction};
use gateway::Gateway;
use sqs_poller::SqsPoller;
use stack::Stack;
use std::sync::Arc;
use std::time::Duration;
use stream_poller::StreamPoller;
use template::Template;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Stack(#[from] stack::StackError),
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    #[error(transparent)]
    Build(#[from] functions::BuildError),
    #[error("{function}: {source}")]
    Schedule {
        function: String,
        source: scheduler::ScheduleError,
    },
    #[error("{function}: its {kind} event needs a handler of that kind")]
    HandlerKind { function: String, kind: &'static str },
    #[error("{function}: SQS event source names {queue}, which the stack does not have")]
    MissingQueue { function: String, queue: String },
    #[error("{function}: stream event source names {table}, which the stack does not have")]
    MissingTable { function: String, table: String },
}

#[derive(Debug, Clone, Default)]
pub struct RuntimeOptions {
    pub failed_visibility_seconds: Option<i32>,
    /// Where functions reach Bedrock Runtime (a fake), as `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.
    pub bedrock_endpoint: Option<String>,
    /// Where functions reach Lambda's Invoke (devstack's own HTTP port), as
    /// `AWS_ENDPOINT_URL_LAMBDA` would point the SDK.
    pub lambda_endpoint: Option<String>,
}

/// The SDK config the functions get: `aws`, with Lambda's endpoint at devstack when asked.
fn functions_config(aws: &aws_config::SdkConfig, lambda_endpoint: Option<&str>) -> aws_config::SdkConfig {
    let Some(endpoint) = lambda_endpoint else {
        return aws.clone();
    };
    aws.to_builder()
        .service_config(LocalEndpoints {
            lambda: endpoint.to_string(),
            inner: aws.clone(),
        })
        .build()
}

/// Answers Lambda's endpoint with devstack's; every other service as before.
#[derive(Debug)]
struct LocalEndpoints {
    lambda: String,
    inner: aws_config::SdkConfig,
}

impl aws_types::service_config::LoadServiceConfig for LocalEndpoints {
    fn load_config(&self, key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        if key.service_id() == "Lambda" && key.env() == "AWS_ENDPOINT_URL" {
            return Some(self.lambda.clone());
        }
        self.inner.service_config().and_then(|inner| inner.load_config(key))
    }
}

pub struct LocalRuntime {
    pub gateway: Arc<Gateway>,
    /// The template's WebSocket API; served when [`LocalRuntime::serve_websocket_on`] gave it a port.
    pub websocket: Arc<websocket::WebSocketGateway>,
    websocket_listener: Option<tokio::net::TcpListener>,
    pub pollers: Vec<SqsPoller>,
    pub stream_pollers: Vec<StreamPoller>,
    pub schedules: Vec<(String, Duration, functions::ScheduledHandler)>,
}

impl LocalRuntime {
    /// Builds every function of `template` with the environment `stack` resolves for it.
    pub fn build(
        template: &Template,
        stack: &Stack,
        aws: &aws_config::SdkConfig,
        options: &RuntimeOptions,
    ) -> Result<Self, RuntimeError> {
        let mut routes = Vec::new();
        let mut pollers = Vec::new();
        let mut stream_pollers = Vec::new();
        let mut schedules = Vec::new();
        let websocket_routes = template.websocket_routes()?;
        let mut websocket_handlers = std::collections::BTreeMap::new();
        let functions_aws = functions_config(aws, options.lambda_endpoint.as_deref());
        let aws = &functions_aws;
        let mut invokers = std::collections::BTreeMap::new();
        for spec in template.functions()? {
            let mut environment = stack.environment_of(&spec)?;
            if let Some(url) = &options.bedrock_endpoint {
                environment.insert(functions::BEDROCK_ENDPOINT.into(), url.clone());
            }
            let LocalFunction { spec, handler } = functions::build(spec, &environment, aws)?;
            if let (Some(invoke), Some(name)) = (handler.invoke(), stack.function_name(&spec.logical_id)) {
                invokers.insert(name.to_string(), invoke.clone());
            }
            let wrong_kind = |kind| RuntimeError::HandlerKind {
                function: spec.logical_id.clone(),
                kind,
            };
            for route in websocket_routes.iter().filter(|r| r.function == spec.logical_id) {
                let Handler::WebSocket(handler) = &handler else {
                    return Err(wrong_kind("WebSocket"));
                };
                websocket_handlers.insert(route.route_key.clone(), handler.clone());
            }
            for route in &spec.routes {
                let Handler::Http(http) = &handler else {
                    return Err(wrong_kind("HttpApi"));
                };
                routes.push((route.clone(), http.clone()));
            }
            for source in &spec.sqs_sources {
                let Some(sqs) = handler.sqs() else {
                    return Err(wrong_kind("SQS"));
                };
                let (url, arn) = stack.queue(&source.queue).ok_or_else(|| RuntimeError::MissingQueue {
                    function: spec.logical_id.clone(),
                    queue: source.queue.clone(),
                })?;
                pollers.push(SqsPoller {
                    client: aws_sdk_sqs::Client::new(aws),
                    function: spec.logical_id.clone(),
                    queue_url: url.to_string(),
                    queue_arn: arn.to_string(),
                    region: stack.region.clone(),
                    batch_size: source.batch_size,
                    report_batch_item_failures: source.report_batch_item_failures,
                    failed_visibility_seconds: options.failed_visibility_seconds,
                    handler: sqs.clone(),
                });
            }
            for source in &spec.stream_sources {
                let Handler::Stream(stream) = &handler else {
                    return Err(wrong_kind("DynamoDB"));
                };
                let table = stack.table(&source.table).ok_or_else(|| RuntimeError::MissingTable {
                    function: spec.logical_id.clone(),
                    table: source.table.clone(),
                })?;
                stream_pollers.push(StreamPoller::new(
                    aws_sdk_dynamodb::Client::new(aws),
                    aws_sdk_dynamodbstreams::Client::new(aws),
                    spec.logical_id.clone(),
                    table.to_string(),
                    stack.region.clone(),
                    source.batch_size,
                    source.filters.clone(),
                    stream.clone(),
                ));
            }
            for expression in &spec.schedules {
                let Some(scheduled) = handler.scheduled() else {
                    return Err(wrong_kind("Schedule"));
                };
                let every = scheduler::parse_rate(expression).map_err(|source| RuntimeError::Schedule {
                    function: spec.logical_id.clone(),
                    source,
                })?;
                schedules.push((spec.logical_id.clone(), every, scheduled.clone()));
            }
        }
        Ok(Self {
            gateway: Arc::new(Gateway::new(routes).with_invokers(invokers)),
            websocket: Arc::new(websocket::WebSocketGateway::new(
                stack.websocket_stage().unwrap_or("live"),
                websocket_handlers,
            )),
            websocket_listener: None,
            pollers,
            stream_pollers,
            schedules,
        })
    }

    /// Serves the WebSocket API (connections and `@connections`) on `listener` too.
    pub fn serve_websocket_on(mut self, listener: tokio::net::TcpListener) -> Self {
        self.websocket_listener = Some(listener);
        self
    }

    /// Serves HTTP on `listener` and runs every poller and schedule until `shutdown` flips to true.
    pub async fn run(
        self,
        listener: tokio::net::TcpListener,
        stack: &Stack,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut tasks = tokio::task::JoinSet::new();
        for poller in self.pollers {
            tasks.spawn(poller.run(shutdown.clone()));
        }
        for poller in self.stream_pollers {
            tasks.spawn(poller.run(shutdown.clone()));
        }
        for (function, every, handler) in self.schedules {
            let (region, account) = (stack.region.clone(), stack.account_id.clone());
            let rule_arn = format!("arn:aws:events:{region}:{account}:rule/{}-{function}", stack.name);
            tasks.spawn(scheduler::run(
                function,
                every,
                handler,
                move || scheduler::scheduled_event(&rule_arn, &region, &account),
                shutdown.clone(),
            ));
        }
        if let Some(listener) = self.websocket_listener {
            let mut websocket_shutdown = shutdown.clone();
            tasks.spawn(self.websocket.serve(listener, async move {
                let _ = websocket_shutdown.wait_for(|stop| *stop).await;
            }));
        }
        let mut http_shutdown = shutdown.clone();
        self.gateway
            .serve(listener, async move {
                let _ = http_shutdown.wait_for(|stop| *stop).await;
            })
            .await;
        tasks.join_all().await;
    }
}
