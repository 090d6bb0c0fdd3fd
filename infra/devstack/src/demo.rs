//! The demo tenant `make dev` seeds. Its credentials are fixed and public (they are only ever used
//! against the local stack), so the signed samples in `events/` verify against it.

use crate::stack::{Physical, Stack};
use serde::Serialize;
use shared::access::tenancy::{DEFAULT_THROUGHPUT_MPS, NewWhatsAppAccount};
use shared::access::tenancy_store::{NewOrganization, TenancyStore};
use shared::platform::secret::Secret;
use shared::platform::secret_keeper::KmsSecretKeeper;
use std::collections::BTreeMap;

pub const ORG_ID: &str = "org_demo";
pub const ACCOUNT_ID: &str = "acc_demo";
pub const APP_SECRET: &str = "demo-app-secret-local-only";
pub const VERIFY_TOKEN: &str = "demo-verify-token-local-only";
pub const ACCESS_TOKEN: &str = "demo-access-token-local-only";
/// The ids in Meta's documentation samples (`events/meta/`), so those payloads route to the demo.
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const WABA_ID: &str = "102290129340398";
pub const DISPLAY_PHONE_NUMBER: &str = "15550783881";

/// The demo admin signs in with `owner@demo.example` and this (local only).
pub const ADMIN_EMAIL: &str = "owner@demo.example";
pub const ADMIN_PASSWORD: &str = "demo-password-local-only";

/// Everything a script or walk-through needs to use the running local system (`.dev/demo.json`).
#[derive(Debug, Serialize)]
pub struct DemoInfo {
    pub org_id: String,
    pub account_id: String,
    /// Meta's ids of the demo number and its WABA, for building webhook payloads.
    pub phone_number_id: String,
    pub waba_id: String,
    pub display_phone_number: String,
    pub webhook_url: String,
    pub verify_token: String,
    pub app_secret: String,
    pub api_key: String,
    pub api_key_prefix: String,
    pub admin_email: String,
    pub admin_password: String,
    pub http_base_url: String,
    pub aws_endpoint: String,
    pub graph_api_base_url: String,
    pub region: String,
    pub table_name: String,
    pub media_bucket: String,
    pub event_bus: String,
    pub queues: BTreeMap<String, String>,
}

pub async fn seed(
    stack: &Stack,
    aws: &aws_config::SdkConfig,
    http_base_url: &str,
    aws_endpoint: &str,
) -> Result<DemoInfo, shared::platform::StoreError> {
    let table = find(stack, |p| matches!(p, Physical::Table { .. }));
    let store = TenancyStore::new(aws_sdk_dynamodb::Client::new(aws), &table);
    let created = store
        .create_organization(NewOrganization {
            org_id: Some(ORG_ID.into()),
            name: "Demo Shop".into(),
            owner_email: ADMIN_EMAIL.into(),
            owner_name: "Demo Owner".into(),
        })
        .await?;
    let client = aws_sdk_dynamodb::Client::new(aws);
    let sign_in = shared::access::login_store::LoginStore::new(client.clone(), &table).claim_email(
        ADMIN_EMAIL,
        ORG_ID,
        &created.owner.agent_id,
    );
    shared::access::agent_store::AgentStore::new(client, &table)
        .set_password(
            ORG_ID,
            &created.owner.agent_id,
            &shared::access::password::hash(ADMIN_PASSWORD),
            sign_in,
        )
        .await?;
    store
        .register_account(
            ORG_ID,
            Some(ACCOUNT_ID.into()),
            NewWhatsAppAccount {
                phone_number_id: PHONE_NUMBER_ID.into(),
                waba_id: WABA_ID.into(),
                display_phone_number: DISPLAY_PHONE_NUMBER.into(),
                verify_token: Secret::new(VERIFY_TOKEN),
                app_secret: Secret::new(APP_SECRET),
                access_token: Secret::new(ACCESS_TOKEN),
                throughput_mps: DEFAULT_THROUGHPUT_MPS,
            },
            KmsSecretKeeper::shared(aws, &find(stack, |p| matches!(p, Physical::Key { .. }))).as_ref(),
        )
        .await?;
    let queues = stack
        .resources
        .iter()
        .filter_map(|(id, p)| {
            if let Physical::Queue { url, .. } = p {
                Some((id.clone(), url.clone()))
            } else {
                None
            }
        })
        .collect();
    Ok(DemoInfo {
        org_id: ORG_ID.into(),
        account_id: ACCOUNT_ID.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        waba_id: WABA_ID.into(),
        display_phone_number: DISPLAY_PHONE_NUMBER.into(),
        webhook_url: format!("{http_base_url}/webhooks/whatsapp/{ACCOUNT_ID}"),
        verify_token: VERIFY_TOKEN.into(),
        app_secret: APP_SECRET.into(),
        api_key: created.api_key_plaintext,
        api_key_prefix: created.api_key.key_prefix,
        admin_email: ADMIN_EMAIL.into(),
        admin_password: ADMIN_PASSWORD.into(),
        http_base_url: http_base_url.into(),
        aws_endpoint: aws_endpoint.into(),
        graph_api_base_url: stack.parameters.get("GraphApiBaseUrl").cloned().unwrap_or_default(),
        region: stack.region.clone(),
        table_name: table,
        media_bucket: find(stack, |p| matches!(p, Physical::Bucket { .. })),
        event_bus: find(stack, |p| matches!(p, Physical::EventBus { .. })),
        queues,
    })
}

/// The media the demo payloads refer to (`events/meta/demo-inbound-photo.json`).
pub fn add_demo_media(graph: &fake_graph::FakeGraph) -> std::io::Result<()> {
    let photo = std::fs::read("events/media/demo-photo.png")?;
    graph.add_media("demo-photo-1", photo, "image/png");
    Ok(())
}

fn find(stack: &Stack, wanted: impl Fn(&Physical) -> bool) -> String {
    stack
        .resources
        .values()
        .find(|p| wanted(p))
        .map(|p| match p {
            Physical::Table { name, .. }
            | Physical::Bucket { name, .. }
            | Physical::EventBus { name, .. }
            | Physical::Queue { name, .. }
            | Physical::Stage { name }
            | Physical::Rule { name, .. }
            | Physical::Function { name, .. } => name.clone(),
            Physical::HttpApi { id } | Physical::Key { id, .. } => id.clone(),
            Physical::WebSocketApi { endpoint, .. } => endpoint.clone(),
        })
        .unwrap_or_default()
}
