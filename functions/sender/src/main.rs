use lambda_runtime::{Error, service_fn};
use sender::{SenderConfig, SenderService};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = SenderConfig::from_env(&ProcessEnv).expect("sender configuration");
    let aws = shared::platform::function_aws_config();
    let service = SenderService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
