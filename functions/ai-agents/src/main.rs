use ai_agents::{AiAgentsConfig, AiAgentsService};
use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = AiAgentsConfig::from_env(&ProcessEnv).expect("AI agents configuration");
    let service = AiAgentsService::from_aws(&config, &shared::platform::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
