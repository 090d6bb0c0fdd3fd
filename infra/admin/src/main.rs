//! `admin`: the operator's command for tenancy. Talks to the table named by `TABLE_NAME` through
//! the standard AWS environment (a real account, or moto with `AWS_ENDPOINT_URL`). Secrets are read
//! from environment variables, not flags, so they stay out of shell history and process listings.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use shared::access::account_store::AccountStore;
use shared::access::tenancy::{DEFAULT_THROUGHPUT_MPS, NewWhatsAppAccount, secret_field};
use shared::access::tenancy_store::{NewOrganization, TenancyStore};
use shared::platform::config::{EnvSource, ProcessEnv, vars};
use shared::platform::secret::Secret;
use shared::platform::secret_keeper::KmsSecretKeeper;

#[derive(Parser)]
#[command(about = "Switchboard operator commands (uses TABLE_NAME and the standard AWS environment)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an organization with its first admin agent; prints that agent's API key once.
    CreateOrg {
        #[arg(long)]
        name: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        owner_name: String,
    },
    /// Register a WhatsApp number. Reads WA_APP_SECRET and WA_ACCESS_TOKEN from the environment
    /// (and WA_VERIFY_TOKEN, or generates one); prints the webhook path and verify token to enter
    /// in Meta's app dashboard.
    RegisterAccount {
        #[arg(long)]
        org: String,
        #[arg(long)]
        phone_number_id: String,
        #[arg(long)]
        waba_id: String,
        #[arg(long)]
        display_phone_number: String,
        /// Outbound messages per second for this number (80 by default; up to 1000 after Meta's upgrade).
        #[arg(long, default_value_t = DEFAULT_THROUGHPUT_MPS)]
        throughput_mps: u32,
        /// Base URL of the deployment (stack output WebhookBaseUrl), to print the full callback URL.
        #[arg(long)]
        webhook_base_url: Option<String>,
    },
    /// Move the messages of a dead-letter queue back to its source queue (after fixing what made
    /// them fail; README "When an alarm fires"). Needs no TABLE_NAME.
    Redrive {
        /// The DLQ's URL (stack outputs *DeadLetterQueueUrl).
        #[arg(long)]
        from: String,
        /// The source queue's URL.
        #[arg(long)]
        to: String,
        /// Move at most this many.
        #[arg(long, default_value_t = 10_000)]
        max: usize,
    },
    /// Replace an account's Meta app secret with WA_APP_SECRET (after a reset in Meta's dashboard).
    RotateAppSecret {
        #[arg(long)]
        org: String,
        #[arg(long)]
        account: String,
    },
    /// Seal the secrets an organization's accounts still hold in clear (written before sealing
    /// existed). Safe to run again; functions refuse clear secrets until it has run.
    SealSecrets {
        #[arg(long)]
        org: String,
    },
}

fn secret_from_env(name: &str) -> Result<Secret> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
        _ => bail!("set {name} in the environment (it is not accepted as a flag, to keep it out of shell history)"),
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    shared::platform::telemetry::init_tracing();
    let cli = Cli::parse();
    let aws = shared::platform::load_aws_config().await;
    if let Command::Redrive { from, to, max } = &cli.command {
        let moved = shared::platform::redrive::redrive(&aws_sdk_sqs::Client::new(&aws), from, to, *max).await?;
        println!(
            "moved {} message(s) back; {} could not be moved",
            moved.moved, moved.failed
        );
        return Ok(());
    }
    let table = ProcessEnv
        .required(vars::TABLE_NAME)
        .context("the table to administer")?;
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let store = TenancyStore::new(dynamo.clone(), &table);
    // Seals only: the operator's tool never needs a secret's clear value back.
    let secrets = || -> Result<AccountStore> {
        let key_id = ProcessEnv
            .required(vars::SECRETS_KEY_ID)
            .context("the KMS key that seals secrets (stack output SecretsKeyId)")?;
        Ok(AccountStore::new(
            dynamo.clone(),
            &table,
            KmsSecretKeeper::shared(&aws, &key_id),
        ))
    };
    match cli.command {
        Command::CreateOrg {
            name,
            owner_email,
            owner_name,
        } => {
            if !owner_email.contains('@') {
                bail!("--owner-email must be an e-mail address");
            }
            let created = store
                .create_organization(NewOrganization {
                    org_id: None,
                    name,
                    owner_email,
                    owner_name,
                })
                .await?;
            println!("organization  {}", created.organization.org_id);
            println!("admin agent   {} <{}>", created.owner.agent_id, created.owner.email);
            println!("API key       {}", created.api_key_plaintext);
            println!(
                "              shown once; only its SHA-256 is stored (prefix {})",
                created.api_key.key_prefix
            );
        }
        Command::RegisterAccount {
            org,
            phone_number_id,
            waba_id,
            display_phone_number,
            throughput_mps,
            webhook_base_url,
        } => {
            let verify_token = match std::env::var("WA_VERIFY_TOKEN") {
                Ok(token) if !token.is_empty() => Secret::new(token),
                _ => Secret::new(shared::access::api_key::random_token(32)),
            };
            let new = NewWhatsAppAccount {
                phone_number_id,
                waba_id,
                display_phone_number,
                verify_token: verify_token.clone(),
                app_secret: secret_from_env("WA_APP_SECRET")?,
                access_token: secret_from_env("WA_ACCESS_TOKEN")?,
                throughput_mps,
            };
            new.validate()?;
            let account = store.register_account(&org, None, new, secrets()?.keeper()).await?;
            let base = webhook_base_url.unwrap_or_else(|| "<WebhookBaseUrl>/".into());
            println!("account       {}", account.account_id);
            println!("callback URL  {}/{}", base.trim_end_matches('/'), account.account_id);
            println!("verify token  {}", verify_token.expose());
            println!(
                "app secret    {}   access token {}",
                account.app_secret.masked(),
                account.access_token.masked()
            );
        }
        Command::Redrive { .. } => unreachable!("handled before the table is needed"),
        Command::RotateAppSecret { org, account } => {
            secrets()?
                .replace(
                    &org,
                    &account,
                    &[(secret_field::APP_SECRET, secret_from_env("WA_APP_SECRET")?)],
                )
                .await?;
            println!("app secret of {account} replaced; the webhook uses it from the first delivery signed with it");
        }
        Command::SealSecrets { org } => {
            let report = secrets()?.seal_clear(&org).await?;
            println!(
                "{} account(s) of {org}: {} secret(s) sealed now; every secret is sealed",
                report.accounts, report.sealed_fields
            );
        }
    }
    Ok(())
}
