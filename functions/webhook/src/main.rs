use lambda_http::{Error, service_fn};
use shared::platform::config::ProcessEnv;
use webhook::{WebhookConfig, WebhookService};

// One thread: Lambda hands the sandbox one request at a time, and the SQS send's I/O then wakes
// no other thread (0.76 -> 0.49 ms CPU per warm invocation under the runtime emulator).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::platform::telemetry::init_tracing();
    let config = WebhookConfig::from_env(&ProcessEnv).expect("webhook configuration");
    let aws = shared::platform::function_aws_config();
    let service = WebhookService::from_aws(&config, &aws);
    lambda_http::run(service_fn(|request| service.handle(request))).await
}
