use automation::{AutomationConfig, AutomationService};
use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = AutomationConfig::from_env(&ProcessEnv).expect("automation configuration");
    let service = AutomationService::from_aws(&config, &shared::platform::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
