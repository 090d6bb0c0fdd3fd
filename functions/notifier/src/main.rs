use lambda_runtime::{Error, service_fn};
use notifier::{NotifierConfig, NotifierService};
use shared::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_tracing();
    let config = NotifierConfig::from_env(&ProcessEnv).expect("notifier configuration");
    let service = NotifierService::from_aws(&config, &shared::adapters::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
