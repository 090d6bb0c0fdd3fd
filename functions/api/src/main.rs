use api::{ApiConfig, ApiService};
use lambda_http::{Error, service_fn};
use shared::platform::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = ApiConfig::from_env(&ProcessEnv).expect("api configuration");
    let aws = shared::platform::function_aws_config();
    let service = ApiService::from_aws(&config, &aws);
    lambda_http::run(service_fn(|request| service.handle(request))).await
}
