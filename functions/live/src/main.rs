use lambda_runtime::{Error, service_fn};
use live::{LiveConfig, LiveService};
use shared::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_tracing();
    let config = LiveConfig::from_env(&ProcessEnv).expect("live configuration");
    let service = LiveService::from_aws(&config, &shared::adapters::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
