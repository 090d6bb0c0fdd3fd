use lambda_runtime::{Error, service_fn};
use live::{LiveConfig, LiveService};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = LiveConfig::from_env(&ProcessEnv).expect("live configuration");
    let service = LiveService::from_aws(&config, &shared::platform::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
