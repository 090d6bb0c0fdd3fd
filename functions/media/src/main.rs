use lambda_runtime::{Error, service_fn};
use media::{MediaConfig, MediaService};
use shared::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_tracing();
    let config = MediaConfig::from_env(&ProcessEnv).expect("media configuration");
    let aws = shared::adapters::function_aws_config();
    let service = MediaService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
