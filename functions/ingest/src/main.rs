use ingest::{IngestConfig, IngestService};
use lambda_runtime::{Error, service_fn};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = IngestConfig::from_env(&ProcessEnv).expect("ingest configuration");
    let aws = shared::platform::function_aws_config();
    let service = IngestService::from_aws(&config, &aws);
    lambda_runtime::run(service_fn(|event| service.handle(event))).await
}
