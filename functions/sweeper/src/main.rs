use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;
use sweeper::{SweeperConfig, SweeperService};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = SweeperConfig::from_env(&ProcessEnv).expect("sweeper configuration");
    let aws = shared::platform::function_aws_config();
    let service = SweeperService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
