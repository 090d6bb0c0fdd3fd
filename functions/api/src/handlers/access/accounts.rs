//! WhatsApp accounts (numbers): register, list, read, update. Secrets are write-only: every
//! response masks them (the verify token is shown once, at registration, to paste into Meta).

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::division;
use crate::request::{Context, created, next_cursor, not_found, ok, unprocessable};
use crate::rules;
use crate::views;
use shared::access::account_store::AccountChanges;
use shared::access::tenancy::{
    DEFAULT_THROUGHPUT_MPS, MAX_THROUGHPUT_MPS, NewWhatsAppAccount, ValidationError, WhatsAppAccount, secret_field,
};
use shared::platform::http_error::HttpError;
use shared::platform::secret::Secret;

/// Where this deployment receives webhooks: the API's own origin (same HTTP API).
fn webhook_base(cx: &Context<'_>) -> String {
    let headers = cx.request.headers();
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "http" || *p == "https")
        .unwrap_or(if host.starts_with("localhost") || host.starts_with("127.") {
            "http"
        } else {
            "https"
        });
    format!("{scheme}://{host}")
}

fn field_error(err: ValidationError) -> HttpError {
    let ValidationError::Field { field, reason } = err;
    unprocessable(field, reason)
}

async fn load(api: &ApiService, cx: &Context<'_>) -> Result<WhatsAppAccount, HttpError> {
    let id = cx.id("account_id", "account")?;
    api.access
        .tenancy
        .get_account(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("account"))
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let accounts: Vec<WhatsAppAccount> = api.access.accounts.accounts(cx.org()).await?;
    let base = webhook_base(cx);
    ok(&views::AccountList {
        data: accounts.iter().map(|a| views::Account::of(a, &base)).collect(),
        next_cursor: next_cursor(None),
    })
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let account = load(api, cx).await?;
    ok(&views::Account::of(&account, &webhook_base(cx)))
}

pub async fn register(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::RegisterAccount = cx.json()?;
    for (field, value, rule) in [
        ("phone_number_id", body.phone_number_id.as_deref(), rules::META_ID),
        ("waba_id", body.waba_id.as_deref(), rules::META_ID),
        (
            "display_phone_number",
            body.display_phone_number.as_deref(),
            rules::DISPLAY_NUMBER,
        ),
        ("app_secret", body.app_secret.as_deref(), rules::NEW_CREDENTIAL),
        ("access_token", body.access_token.as_deref(), rules::NEW_CREDENTIAL),
        ("verify_token", body.verify_token.as_deref(), rules::VERIFY_TOKEN),
        ("division_id", body.division_id.as_deref(), rules::OPTIONAL_ID),
    ] {
        rule.check(field, value)?;
    }
    let new = NewWhatsAppAccount {
        phone_number_id: body.phone_number_id.unwrap_or_default(),
        waba_id: body.waba_id.unwrap_or_default(),
        display_phone_number: body.display_phone_number.unwrap_or_default(),
        verify_token: Secret::new(
            body.verify_token
                .unwrap_or_else(|| shared::access::api_key::random_token(32)),
        ),
        app_secret: Secret::new(body.app_secret.unwrap_or_default()),
        access_token: Secret::new(body.access_token.unwrap_or_default()),
        throughput_mps: body.throughput_mps.unwrap_or(DEFAULT_THROUGHPUT_MPS),
    };
    new.validate().map_err(field_error)?;
    if let Some(id) = &body.division_id {
        division(api, cx, "division_id", id).await?;
    }
    let verify_token = new.verify_token.clone();
    let mut account = api
        .access
        .tenancy
        .register_account(cx.org(), None, new, api.access.accounts.keeper())
        .await?;
    if let Some(id) = body.division_id {
        let changes = AccountChanges {
            division_id: Some(Some(id)),
            ..AccountChanges::default()
        };
        account = api
            .access
            .accounts
            .update(cx.org(), &account.account_id, changes)
            .await?;
    }
    tracing::info!(account = %account.account_id, "account registered");
    let mut view = views::Account::of(&account, &webhook_base(cx));
    // Shown once, to paste into Meta's dashboard; stored only sealed.
    view.verify_token = verify_token.expose().to_string();
    created(&view)
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateAccount = cx.json()?;
    let account = load(api, cx).await?;
    rules::NEW_DISPLAY_NUMBER.check("display_phone_number", body.display_phone_number.as_deref())?;
    rules::Rule::IdOrEmpty.check("division_id", body.division_id.as_deref())?;
    if let Some(mps) = body.throughput_mps
        && !(1..=MAX_THROUGHPUT_MPS).contains(&mps)
    {
        return Err(unprocessable(
            "throughput_mps",
            format!("must be between 1 and {MAX_THROUGHPUT_MPS}"),
        ));
    }
    let division_id = match body.division_id {
        Some(id) if id.is_empty() => Some(None),
        Some(id) => {
            division(api, cx, "division_id", &id).await?;
            Some(Some(id))
        }
        None => None,
    };
    let mut secrets = vec![];
    for (field, value) in [
        (secret_field::APP_SECRET, body.app_secret),
        (secret_field::ACCESS_TOKEN, body.access_token),
    ] {
        if let Some(secret) = rules::REPLACED_CREDENTIAL.check(field, value.as_deref())? {
            secrets.push((field, Secret::new(secret)));
        }
    }
    let messaging_limit = rules::MESSAGING_LIMIT
        .check("messaging_limit", body.messaging_limit.as_deref())?
        .map(|tier| tier.parse::<u32>().ok());
    let out_of_hours_reply = match body.out_of_hours_reply.as_deref() {
        Some(text) => Some(rules::OUT_OF_HOURS_REPLY.check("out_of_hours_reply", Some(text))?),
        None => None,
    };
    let csat_template_name = match body.csat_template_name.as_deref() {
        Some(name) => Some(rules::CSAT_TEMPLATE_NAME.check("csat_template_name", Some(name))?),
        None => None,
    };
    let changes = AccountChanges {
        out_of_hours_reply,
        csat_enabled: body.csat_enabled,
        csat_template_name,
        display_phone_number: body.display_phone_number,
        throughput_mps: body.throughput_mps,
        messaging_limit,
        division_id,
        secrets,
    };
    let updated = api
        .access
        .accounts
        .update(cx.org(), &account.account_id, changes)
        .await?;
    ok(&views::Account::of(&updated, &webhook_base(cx)))
}
