//! The local stand-in for Lambda's function registry: each template function's binary name maps to
//! the same handler its Lambda `main` runs, built from the environment template.yaml gives it.

use crate::template::FunctionSpec;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub type HttpHandler = Arc<dyn Fn(Request) -> BoxFuture<'static, Response<Body>> + Send + Sync>;
pub type SqsHandler = Arc<dyn Fn(SqsEvent) -> BoxFuture<'static, Result<SqsBatchResponse, String>> + Send + Sync>;
pub type StreamHandler = Arc<
    dyn Fn(aws_lambda_events::event::dynamodb::Event) -> BoxFuture<'static, Result<DynamoDbEventResponse, String>>
        + Send
        + Sync,
>;
pub type ScheduledHandler = Arc<dyn Fn(serde_json::Value) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;
/// A synchronous invocation (Lambda's Invoke): the event in, the function's result out.
pub type InvokeHandler =
    Arc<dyn Fn(serde_json::Value) -> BoxFuture<'static, Result<serde_json::Value, String>> + Send + Sync>;

#[derive(Clone)]
pub enum Handler {
    Http(HttpHandler),
    Sqs(SqsHandler),
    /// Behind a DynamoDB stream's event source.
    Stream(StreamHandler),
    Scheduled(ScheduledHandler),
    /// A function with both an SQS source and a schedule (Lambda hands it either event).
    SqsAndScheduled(SqsHandler, ScheduledHandler),
    /// Behind a WebSocket API's routes.
    WebSocket(crate::websocket::WebSocketHandler),
    /// An SQS source, and invoked synchronously by another function (Lambda's Invoke).
    SqsAndInvoke(SqsHandler, InvokeHandler),
}

impl Handler {
    pub fn sqs(&self) -> Option<&SqsHandler> {
        match self {
            Handler::Sqs(sqs) | Handler::SqsAndScheduled(sqs, _) | Handler::SqsAndInvoke(sqs, _) => Some(sqs),
            _ => None,
        }
    }

    pub fn invoke(&self) -> Option<&InvokeHandler> {
        match self {
            Handler::SqsAndInvoke(_, invoke) => Some(invoke),
            _ => None,
        }
    }

    pub fn scheduled(&self) -> Option<&ScheduledHandler> {
        match self {
            Handler::Scheduled(scheduled) | Handler::SqsAndScheduled(_, scheduled) => Some(scheduled),
            _ => None,
        }
    }
}

pub struct LocalFunction {
    pub spec: FunctionSpec,
    pub handler: Handler,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{function}: no local handler for binary {binary:?}; add it to devstack::functions::build")]
    UnknownBinary { function: String, binary: String },
    #[error("{function}: {source}")]
    Config {
        function: String,
        source: shared::platform::config::ConfigError,
    },
}

/// The variable that points Bedrock Runtime's SDK client at another endpoint.
pub const BEDROCK_ENDPOINT: &str = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME";

/// Binaries the local runtime can host. A test checks every function in template.yaml is here.
pub const KNOWN_BINARIES: &[&str] = &[
    "webhook",
    "ingest",
    "media",
    "sender",
    "api",
    "sweeper",
    "campaigns",
    "scheduled-sends",
    "sla-checks",
    "live",
    "notifier",
    "tally",
    "deliveries",
    "automation",
    "ai-agents",
];

pub fn build(
    spec: FunctionSpec,
    environment: &BTreeMap<String, String>,
    aws: &aws_config::SdkConfig,
) -> Result<LocalFunction, BuildError> {
    let env: HashMap<String, String> = environment.clone().into_iter().collect();
    let config_error = |source| BuildError::Config {
        function: spec.logical_id.clone(),
        source,
    };
    // Each arm builds the function's service exactly as its Lambda main does, from its environment.
    macro_rules! http_function {
        ($config:ty, $service:ty) => {{
            let config = <$config>::from_env(&env).map_err(config_error)?;
            let service = Arc::new(<$service>::from_aws(&config, aws));
            Handler::Http(Arc::new(move |request| {
                let service = service.clone();
                Box::pin(async move {
                    service
                        .handle(request)
                        .await
                        .unwrap_or_else(|err| internal_error(&err.to_string()))
                })
            }))
        }};
    }
    macro_rules! sqs_function {
        ($config:ty, $service:ty) => {{
            let config = <$config>::from_env(&env).map_err(config_error)?;
            let service = Arc::new(<$service>::from_aws(&config, aws));
            Handler::Sqs(Arc::new(move |event| {
                let service = service.clone();
                Box::pin(async move { Ok(service.process(event).await.0) })
            }))
        }};
    }
    macro_rules! scheduled_function {
        ($config:ty, $service:ty, $run:ident) => {{
            let config = <$config>::from_env(&env).map_err(config_error)?;
            let service = Arc::new(<$service>::from_aws(&config, aws));
            Handler::Scheduled(Arc::new(move |event| {
                let service = service.clone();
                Box::pin(async move { service.$run(&event).await.map(|_| ()).map_err(|e| e.to_string()) })
            }))
        }};
    }
    // One function, two triggers: its queue's records, and a schedule that calls its `tick`.
    macro_rules! sqs_and_scheduled_function {
        ($config:ty, $service:ty) => {{
            let config = <$config>::from_env(&env).map_err(config_error)?;
            let service = Arc::new(<$service>::from_aws(&config, aws));
            let records = service.clone();
            Handler::SqsAndScheduled(
                Arc::new(move |event| {
                    let service = records.clone();
                    Box::pin(async move { Ok(service.process(event).await.0) })
                }),
                Arc::new(move |event| {
                    let service = service.clone();
                    Box::pin(async move { service.tick(&event).await.map(|_| ()).map_err(|e| e.to_string()) })
                }),
            )
        }};
    }
    let handler = match spec.binary.as_str() {
        "webhook" => http_function!(webhook::WebhookConfig, webhook::WebhookService),
        "api" => http_function!(api::ApiConfig, api::ApiService),
        "ingest" => sqs_function!(ingest::IngestConfig, ingest::IngestService),
        "media" => sqs_function!(media::MediaConfig, media::MediaService),
        "sender" => sqs_function!(sender::SenderConfig, sender::SenderService),
        "sweeper" => scheduled_function!(sweeper::SweeperConfig, sweeper::SweeperService, sweep),
        "scheduled-sends" => scheduled_function!(
            scheduled_sends::ScheduledSendsConfig,
            scheduled_sends::ScheduledSendsService,
            run
        ),
        "notifier" => sqs_function!(notifier::NotifierConfig, notifier::NotifierService),
        "tally" => {
            let config = tally::TallyConfig::from_env(&env).map_err(config_error)?;
            let service = Arc::new(tally::TallyService::from_aws(&config, aws));
            Handler::Stream(Arc::new(move |event| {
                let service = service.clone();
                Box::pin(async move { Ok(service.process(event).await.0) })
            }))
        }
        "live" => {
            let config = live::LiveConfig::from_env(&env).map_err(config_error)?;
            let service = Arc::new(live::LiveService::from_aws(&config, aws));
            Handler::WebSocket(Arc::new(move |request| {
                let service = service.clone();
                Box::pin(async move { service.respond(request).await.map_err(|e| e.to_string()) })
            }))
        }
        "deliveries" => sqs_and_scheduled_function!(deliveries::DeliveriesConfig, deliveries::DeliveriesService),
        "automation" => sqs_and_scheduled_function!(automation::AutomationConfig, automation::AutomationService),
        "ai-agents" => {
            let config = ai_agents::AiAgentsConfig::from_env(&env).map_err(config_error)?;
            // As the SDK in Lambda reads AWS_ENDPOINT_URL_BEDROCK_RUNTIME: the local fake.
            let model = match env.get(BEDROCK_ENDPOINT) {
                Some(url) => shared::ai::bedrock::BedrockModel::at(aws, url),
                None => shared::ai::bedrock::BedrockModel::from_aws(aws),
            };
            let service = Arc::new(ai_agents::AiAgentsService::with_model(&config, aws, Arc::new(model)));
            let invoked = service.clone();
            Handler::SqsAndInvoke(
                Arc::new(move |event| {
                    let service = service.clone();
                    Box::pin(async move { Ok(service.process(event).await.0) })
                }),
                Arc::new(move |event| {
                    let service = invoked.clone();
                    Box::pin(async move {
                        let invocation: shared::ai::test_chat::wire::Invocation =
                            serde_json::from_value(event).map_err(|e| e.to_string())?;
                        serde_json::to_value(service.test_chat(&invocation.test_chat).await).map_err(|e| e.to_string())
                    })
                }),
            )
        }
        "sla-checks" => scheduled_function!(sla_checks::SlaChecksConfig, sla_checks::SlaChecksService, run),
        "campaigns" => sqs_and_scheduled_function!(campaigns::CampaignsConfig, campaigns::CampaignsService),
        other => {
            return Err(BuildError::UnknownBinary {
                function: spec.logical_id.clone(),
                binary: other.to_string(),
            });
        }
    };
    Ok(LocalFunction { spec, handler })
}

fn internal_error(message: &str) -> Response<Body> {
    tracing::error!("handler error: {message}");
    shared::platform::http_error::HttpError::internal().into_response()
}
