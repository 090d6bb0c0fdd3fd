use deliveries::{DeliveriesConfig, DeliveriesService};
use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = DeliveriesConfig::from_env(&ProcessEnv).expect("deliveries configuration");
    let service = DeliveriesService::from_aws(&config, &shared::platform::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
