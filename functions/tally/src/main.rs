use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;
use tally::{TallyConfig, TallyService};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = TallyConfig::from_env(&ProcessEnv).expect("tally configuration");
    let service = TallyService::from_aws(&config, &shared::platform::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
