use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;
use sla_checks::{SlaChecksConfig, SlaChecksService};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = SlaChecksConfig::from_env(&ProcessEnv).expect("sla-checks configuration");
    let aws = shared::platform::function_aws_config();
    let service = SlaChecksService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
