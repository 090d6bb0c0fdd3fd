use lambda_runtime::{Error, service_fn};
use notifier::{NotifierConfig, NotifierService};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = NotifierConfig::from_env(&ProcessEnv).expect("notifier configuration");
    let service = NotifierService::from_aws(&config, &shared::platform::function_aws_config());
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
