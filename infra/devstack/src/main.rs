//! `devstack`: the local Switchboard. `up` provisions template.yaml's resources on the AWS endpoint
//! of the environment (moto), seeds the demo tenant and serves every function until interrupted.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use devstack::stack::{Physical, Stack};
use devstack::template::Template;
use devstack::{LocalRuntime, RuntimeOptions, demo};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Run Switchboard locally against moto")]
struct Cli {
    /// The SAM template that defines resources, functions, routes, queues and schedules.
    #[arg(long, default_value = "template.yaml", global = true)]
    template: PathBuf,
    /// Where local state files (stack.json, demo.json, env/) are written and read.
    #[arg(long, default_value = ".dev", global = true)]
    dev_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Provision, seed the demo tenant, print what to do next, serve until Ctrl-C.
    Up {
        #[arg(long, default_value = "switchboard-dev")]
        stack: String,
        #[arg(long, env = "HTTP_PORT", default_value_t = 3000)]
        port: u16,
        /// Make failed SQS messages visible again after this many seconds instead of the queue's
        /// visibility timeout, to watch retries and dead-lettering quickly.
        #[arg(long)]
        failed_visibility_seconds: Option<i32>,
        /// Overrides a template parameter, as `sam deploy --parameter-overrides` does
        /// (e.g. `--parameter SelfRegistration=enabled`); repeatable.
        #[arg(long = "parameter", value_name = "NAME=VALUE")]
        parameters: Vec<String>,
    },
    /// Show a queue of the running stack: its depth, and with --peek its messages (each peek counts
    /// as a receive towards the queue's maxReceiveCount).
    Queue {
        /// Logical id from template.yaml, e.g. IngestQueue or IngestDeadLetterQueue.
        name: String,
        #[arg(long)]
        peek: bool,
    },
    /// Show the stored conversations of the demo organization (or --org) with their messages.
    Inbox {
        #[arg(long)]
        org: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: i32,
    },
    /// Print the X-Hub-Signature-256 header Meta would send for FILE with the demo app secret.
    Sign { file: PathBuf },
    /// Deliver a customer's text message to the demo number now, as Meta would (signed webhook);
    /// with `--choose ID`, their press of the reply button (or, with `--row`, the list row) ID
    /// titled TEXT.
    Customer {
        text: String,
        #[arg(long)]
        choose: Option<String>,
        #[arg(long)]
        row: bool,
        /// The customer's WhatsApp id (phone number, digits).
        #[arg(long, default_value = "16505551234")]
        from: String,
        #[arg(long, default_value = "Sheena Nelson")]
        name: String,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    shared::platform::telemetry::init_tracing();
    let cli = Cli::parse();
    match cli.command {
        Command::Up {
            stack,
            port,
            failed_visibility_seconds,
            parameters,
        } => {
            let aws = shared::platform::load_aws_config().await;
            let overrides = parameters
                .iter()
                .map(|p| {
                    p.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .with_context(|| format!("--parameter {p}: expected NAME=VALUE"))
                })
                .collect::<Result<Vec<_>>>()?;
            up(
                &cli.template,
                &cli.dev_dir,
                &stack,
                port,
                failed_visibility_seconds,
                &overrides,
                &aws,
            )
            .await
        }
        Command::Queue { name, peek } => {
            queue(&cli.dev_dir, &name, peek, &running_stack_aws(&cli.dev_dir).await?).await
        }
        Command::Inbox { org, limit } => inbox(&cli.dev_dir, org, limit, &running_stack_aws(&cli.dev_dir).await?).await,
        Command::Sign { file } => {
            let body = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            println!(
                "{}",
                shared::access::webhook_auth::sign(demo::APP_SECRET.as_bytes(), &body)
            );
            Ok(())
        }
        Command::Customer {
            text,
            choose,
            row,
            from,
            name,
        } => customer_says(&cli.dev_dir, &text, choose.map(|id| (id, row)), &from, &name).await,
    }
}

/// Posts a signed `messages` webhook with one text from `from`, timestamped now (so the 24-hour
/// window is open for a free-form reply).
async fn customer_says(
    dev_dir: &std::path::Path,
    text: &str,
    choice: Option<(String, bool)>,
    from: &str,
    name: &str,
) -> Result<()> {
    let demo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dev_dir.join("demo.json")).context("no .dev/demo.json: is `make dev` running?")?,
    )?;
    let url = demo["webhook_url"].as_str().context("demo.json has no webhook_url")?;
    let now = chrono::Utc::now().timestamp();
    let mut message = serde_json::json!({"from": from, "id": format!("wamid.local.{}", ulid::Ulid::new()), "timestamp": now.to_string(), "type": "text", "text": {"body": text}});
    if let Some((id, row)) = choice {
        let kind = if row { "list_reply" } else { "button_reply" };
        message["type"] = "interactive".into();
        message["interactive"] = serde_json::json!({"type": kind, kind: {"id": id, "title": text}});
        message.as_object_mut().map(|m| m.remove("text"));
    }
    let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": demo::WABA_ID, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": demo::DISPLAY_PHONE_NUMBER, "phone_number_id": demo::PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": from}],
        "messages": [message],
    }}]}]})
    .to_string();
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            shared::access::webhook_auth::sign(demo::APP_SECRET.as_bytes(), body.as_bytes()),
        )
        .body(body)
        .send()
        .await?;
    println!(
        "{} {}",
        response.status().as_u16(),
        response.text().await.unwrap_or_default()
    );
    Ok(())
}

async fn up(
    template_path: &std::path::Path,
    dev_dir: &std::path::Path,
    stack_name: &str,
    port: u16,
    failed_visibility_seconds: Option<i32>,
    overrides: &[(String, String)],
    aws: &aws_config::SdkConfig,
) -> Result<()> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .context("AWS_ENDPOINT_URL must point at the local moto server (make dev sets it)")?;
    let template = Template::load(template_path)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("port {port} is in use; set HTTP_PORT"))?;
    let mut stack = Stack::provision(&template, stack_name, aws).await?;
    for (name, value) in overrides {
        if !template.parameter_names().contains(name) {
            bail!("--parameter {name}: template.yaml has no such parameter");
        }
        stack.parameters.insert(name.clone(), value.clone());
    }
    let graph_port: u16 = std::env::var("GRAPH_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(port + 1);
    let graph_listener = tokio::net::TcpListener::bind(("127.0.0.1", graph_port))
        .await
        .with_context(|| format!("port {graph_port} is in use; set GRAPH_PORT"))?;
    let graph = fake_graph::FakeGraph::serve(graph_listener, vec![demo::ACCESS_TOKEN.to_string()]);
    demo::add_demo_media(&graph)?;
    let webhooks = fake_graph::StatusWebhooks {
        url: format!("http://127.0.0.1:{port}/webhooks/whatsapp/{}", demo::ACCOUNT_ID),
        app_secret: demo::APP_SECRET.into(),
        waba_id: demo::WABA_ID.into(),
        display_phone_number: demo::DISPLAY_PHONE_NUMBER.into(),
        step: std::time::Duration::from_millis(500),
    };
    graph.report_statuses_to(webhooks.clone());
    // Meta reviews new templates; the fake approves the demo WABA's after a few seconds.
    graph.review_templates(fake_graph::Review {
        webhooks,
        delay: std::time::Duration::from_secs(3),
        verdict: "APPROVED".into(),
        reason: "NONE".into(),
    });
    stack
        .parameters
        .insert("GraphApiBaseUrl".into(), graph.base_url().to_string());
    // Amazon Bedrock, as the fake answers it (infra/fake-bedrock's documented script), on
    // BEDROCK_PORT or any free port: functions find it through .dev/env and the local runtime.
    let bedrock_port: u16 = std::env::var("BEDROCK_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let bedrock_listener = tokio::net::TcpListener::bind(("127.0.0.1", bedrock_port))
        .await
        .with_context(|| format!("port {bedrock_port} is in use; set BEDROCK_PORT"))?;
    let bedrock = fake_bedrock::FakeBedrock::serve(bedrock_listener);
    let websocket_port: u16 = std::env::var("WS_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(port + 2);
    let websocket_listener = tokio::net::TcpListener::bind(("127.0.0.1", websocket_port))
        .await
        .with_context(|| format!("port {websocket_port} is in use; set WS_PORT"))?;
    stack.serve_websocket_apis_at(&format!("ws://127.0.0.1:{websocket_port}"));
    let base_url = format!("http://127.0.0.1:{port}");
    let info = demo::seed(&stack, aws, &base_url, &endpoint).await?;
    std::fs::create_dir_all(dev_dir.join("env"))?;
    std::fs::write(dev_dir.join("stack.json"), serde_json::to_string_pretty(&stack)?)?;
    std::fs::write(dev_dir.join("demo.json"), serde_json::to_string_pretty(&info)?)?;
    for function in template.functions()? {
        let mut lines = format!(
            "AWS_ENDPOINT_URL={endpoint}\nAWS_REGION={}\nAWS_ACCESS_KEY_ID=test\nAWS_SECRET_ACCESS_KEY=test\n",
            stack.region
        );
        for (name, value) in stack.environment_of(&function)? {
            lines.push_str(&format!("{name}={value}\n"));
        }
        lines.push_str(&format!(
            "{}={}\nAWS_ENDPOINT_URL_LAMBDA=http://127.0.0.1:{port}\n",
            devstack::functions::BEDROCK_ENDPOINT,
            bedrock.url()
        ));
        std::fs::write(dev_dir.join("env").join(format!("{}.env", function.binary)), lines)?;
    }
    let runtime = LocalRuntime::build(
        &template,
        &stack,
        aws,
        &RuntimeOptions {
            failed_visibility_seconds,
            bedrock_endpoint: Some(bedrock.url().to_string()),
            lambda_endpoint: Some(format!("http://127.0.0.1:{port}")),
        },
    )?
    .serve_websocket_on(websocket_listener);
    print_banner(&info, dev_dir);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!("\nstopping ...");
        let _ = stop.send(true);
    });
    runtime.run(listener, &stack, shutdown).await;
    Ok(())
}

/// The AWS environment if one is set, else the moto endpoint the running `make dev` recorded.
async fn running_stack_aws(dev_dir: &std::path::Path) -> Result<aws_config::SdkConfig> {
    if std::env::var_os("AWS_ENDPOINT_URL").is_some() {
        return Ok(shared::platform::load_aws_config().await);
    }
    let demo_file = dev_dir.join("demo.json");
    let demo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&demo_file)
            .with_context(|| format!("{} not found: is make dev running?", demo_file.display()))?,
    )?;
    let (Some(endpoint), Some(region)) = (demo["aws_endpoint"].as_str(), demo["region"].as_str()) else {
        bail!("{} has no aws_endpoint/region", demo_file.display());
    };
    Ok(aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "make-dev",
        ))
        .load()
        .await)
}

async fn wait_for_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

fn print_banner(info: &demo::DemoInfo, dev_dir: &std::path::Path) {
    let sample = "events/meta/inbound-text.json";
    let signature = std::fs::read(sample)
        .map(|body| shared::access::webhook_auth::sign(info.app_secret.as_bytes(), &body))
        .unwrap_or_default();
    println!(
        r#"
Switchboard is running locally.

  Agents' page    {base}/app   (sign in as the demo admin below)
  HTTP API        {base}
  Webhook URL     {webhook}
  Verify token    {token}
  App secret      {secret}
  API key         {key}   (demo tenant {org}; shown here because it is local)
  Demo admin      {admin} / {password}   (POST /v1/auth/login)
  AWS endpoint    {aws}   (moto)
  Graph API       {graph}   (fake; serves the demo media)
  Everything above, plus queue URLs and resource names: {dev}/demo.json

Try it:
  # Meta's verification handshake (answers 42)
  curl -sS '{webhook}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=42'; echo

  # a signed inbound text message (answers EVENT_RECEIVED)
  curl -sS -X POST {webhook} -H 'Content-Type: application/json' \
    -H 'X-Hub-Signature-256: {signature}' --data-binary @{sample}; echo

  # see it waiting on the ingest queue
  cargo run -q -p devstack -- queue IngestQueue --peek

Ctrl-C stops everything make dev started.
"#,
        base = info.http_base_url,
        webhook = info.webhook_url,
        token = info.verify_token,
        secret = info.app_secret,
        key = info.api_key,
        admin = info.admin_email,
        password = info.admin_password,
        org = info.org_id,
        aws = info.aws_endpoint,
        graph = info.graph_api_base_url,
        dev = dev_dir.display(),
    );
}

async fn queue(dev_dir: &std::path::Path, name: &str, peek: bool, aws: &aws_config::SdkConfig) -> Result<()> {
    let stack_file = dev_dir.join("stack.json");
    let stack: Stack = serde_json::from_str(
        &std::fs::read_to_string(&stack_file)
            .with_context(|| format!("{} not found: is make dev running?", stack_file.display()))?,
    )?;
    let Some(Physical::Queue { url, .. }) = stack.resources.get(name) else {
        bail!(
            "{name} is not a queue of the stack; queues: {:?}",
            stack
                .resources
                .iter()
                .filter(|(_, p)| matches!(p, Physical::Queue { .. }))
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        );
    };
    let sqs = aws_sdk_sqs::Client::new(aws);
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await?;
    let count = |n| {
        attributes
            .attributes()
            .and_then(|a| a.get(&n))
            .cloned()
            .unwrap_or_default()
    };
    println!(
        "{name} ({url}): {} visible, {} in flight",
        count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages),
        count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
    );
    if peek {
        let received = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .message_attribute_names("All")
            .send()
            .await?;
        for message in received.messages() {
            println!("--- message {}", message.message_id().unwrap_or_default());
            for (attribute, value) in message.message_attributes().into_iter().flatten() {
                println!("{attribute}: {}", value.string_value().unwrap_or_default());
            }
            println!("{}", message.body().unwrap_or_default());
        }
    }
    Ok(())
}

async fn inbox(dev_dir: &std::path::Path, org: Option<String>, limit: i32, aws: &aws_config::SdkConfig) -> Result<()> {
    let demo_file = dev_dir.join("demo.json");
    let demo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&demo_file)
            .with_context(|| format!("{} not found: is make dev running?", demo_file.display()))?,
    )?;
    let table = demo["table_name"].as_str().context("demo.json has no table_name")?;
    let org = org.unwrap_or_else(|| demo["org_id"].as_str().unwrap_or_default().to_string());
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    let messages = shared::inbox::store::MessageStore::new(dynamo.clone(), table);
    let contacts = shared::inbox::contact_store::ContactStore::new(dynamo.clone(), table);
    let conversations = shared::inbox::conversation_store::ConversationStore::new(dynamo, table)
        .page(&org, &Default::default(), limit, None)
        .await?
        .items;
    if conversations.is_empty() {
        println!("no conversations yet in {org}: post a signed message (see make dev's output)");
    }
    for conversation in conversations {
        let contact = contacts.contact(&org, &conversation.contact_id).await?;
        let name = contact
            .as_ref()
            .and_then(|c| c.profile_name.clone())
            .unwrap_or_else(|| "?".into());
        let number = contact.as_ref().and_then(|c| c.wa_id.clone()).unwrap_or_default();
        println!(
            "conversation {}  {} {}  status {}  unread {}  window until {}",
            conversation.conversation_id,
            name,
            number,
            conversation.status.as_str(),
            conversation.unread_count,
            conversation
                .window_expires_at
                .map(shared::inbox::rfc3339_seconds)
                .unwrap_or_else(|| "-".into())
        );
        for message in messages.oldest_first(&org, &conversation.conversation_id, 50).await? {
            let media = message
                .media
                .as_ref()
                .map(|m| format!("  media {:?} {}", m.state, m.s3_key.clone().unwrap_or_default()))
                .unwrap_or_default();
            println!(
                "  {}  {:?} {:<11} {:<9} {}{}",
                shared::inbox::rfc3339_seconds(message.meta_timestamp),
                message.direction,
                message.message_type,
                message.status,
                message.content.preview(),
                media
            );
        }
    }
    Ok(())
}
