use lambda_runtime::{Error, service_fn};
use media::{MediaConfig, MediaService};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = MediaConfig::from_env(&ProcessEnv).expect("media configuration");
    let aws = shared::platform::function_aws_config();
    let service = MediaService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
