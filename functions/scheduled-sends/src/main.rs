use lambda_runtime::{Error, service_fn};
use scheduled_sends::{ScheduledSendsConfig, ScheduledSendsService};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = ScheduledSendsConfig::from_env(&ProcessEnv).expect("scheduled-sends configuration");
    let aws = shared::platform::function_aws_config();
    let service = ScheduledSendsService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
