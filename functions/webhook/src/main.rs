use lambda_http::{Error, service_fn};
use shared::config::ProcessEnv;
use webhook::{WebhookConfig, WebhookService};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::telemetry::init_tracing();
    let config = WebhookConfig::from_env(&ProcessEnv).expect("webhook configuration");
    let aws = shared::adapters::function_aws_config();
    let service = WebhookService::from_aws(&config, &aws);
    lambda_http::run(service_fn(|request| service.handle(request))).await
}
