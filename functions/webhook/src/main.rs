use lambda_http::{Error, service_fn};
use shared::platform::config::ProcessEnv;
use webhook::{WebhookConfig, WebhookService};

#[tokio::main]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = WebhookConfig::from_env(&ProcessEnv).expect("webhook configuration");
    let aws = shared::platform::function_aws_config();
    let service = WebhookService::from_aws(&config, &aws);
    lambda_http::run(service_fn(|request| service.handle(request))).await
}
