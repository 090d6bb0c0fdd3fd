//! A campaign's recipients: added by contact id and phone number at once (one conditional write
//! each, so a phone is one recipient however it was added), by tag through the campaigns function
//! (status `preparing`, so a tag of 100,000 contacts answers at once), and listed by status.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::campaigns::{enqueue, load, view};
use crate::request::{Context, conflict, next_cursor, ok, unprocessable};
use crate::views;
use futures::StreamExt;
use shared::outreach::campaign::CampaignChange;
use shared::outreach::campaign::{self, CampaignJob, CampaignStatus, Command, Recipient, Variables, phone_key};
use shared::outreach::template::{ParameterSpec, render};
use shared::platform::http_error::HttpError;
use shared::platform::items::now_rfc3339;
use std::collections::BTreeMap;

/// Entries one request may name in each list (contact ids, tags, phone numbers).
pub const MAX_ENTRIES: usize = 1_000;

/// Variables one phone may carry, and the longest variable name.
pub const MAX_VARIABLES: usize = 50;
pub const MAX_VARIABLE_NAME_CHARS: usize = 64;

/// 422 naming the first entry of a list or map that is longer than its field allows.
fn check_lengths(
    contact_ids: &[String],
    tags: &[String],
    phones: &[String],
    variables: &BTreeMap<String, Variables>,
) -> Result<(), HttpError> {
    fn too_long<'a>(field: &str, mut entries: impl Iterator<Item = &'a String>, max: usize) -> Result<(), HttpError> {
        match entries.any(|entry| entry.chars().count() > max) {
            true => Err(unprocessable(
                field,
                format!("an entry is longer than {max} characters"),
            )),
            false => Ok(()),
        }
    }
    too_long("contact_ids", contact_ids.iter(), 64)?;
    too_long("tags", tags.iter(), shared::desk::MAX_TAG_CHARS)?;
    too_long("phone_numbers", phones.iter(), shared::desk::MAX_PHONE_CHARS)?;
    too_long("variables", variables.keys(), shared::desk::MAX_PHONE_CHARS)?;
    for own in variables.values() {
        if own.len() > MAX_VARIABLES {
            return Err(unprocessable(
                "variables",
                format!("at most {MAX_VARIABLES} variables per phone"),
            ));
        }
        too_long("variables", own.keys(), MAX_VARIABLE_NAME_CHARS)?;
        too_long("variables", own.values(), shared::inbox::outbound::MAX_PARAMETER_CHARS)?;
    }
    Ok(())
}

/// Conditional writes in flight at once.
const WRITES_AT_ONCE: usize = 16;

fn refusal(field: &str, entry: &str, reason: impl Into<String>) -> views::RecipientRefusal {
    views::RecipientRefusal {
        field: field.into(),
        entry: entry.into(),
        reason: reason.into(),
    }
}

pub async fn add(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::AddRecipients = cx.json()?;
    let contact_ids = body.contact_ids.unwrap_or_default();
    let tags = body.tags.unwrap_or_default();
    let phones = body.phone_numbers.unwrap_or_default();
    let variables = body.variables.unwrap_or_default();
    if contact_ids.len() + tags.len() + phones.len() + variables.len() == 0 {
        return Err(unprocessable(
            "contact_ids",
            "name contact_ids, tags, phone_numbers or variables",
        ));
    }
    check_lengths(&contact_ids, &tags, &phones, &variables)?;
    for (field, len) in [
        ("contact_ids", contact_ids.len()),
        ("tags", tags.len()),
        ("phone_numbers", phones.len()),
        ("variables", variables.len()),
    ] {
        if len > MAX_ENTRIES {
            return Err(unprocessable(
                field,
                format!("at most {MAX_ENTRIES} entries per request"),
            ));
        }
    }
    let campaign = load(api, cx).await?;
    campaign::after(campaign.status, Command::Edit, campaign.total_recipients)
        .map_err(|refusal| conflict(refusal.code, refusal.message))?;
    let template = api
        .outreach
        .templates
        .template(cx.org(), &campaign.template_id)
        .await?
        .ok_or_else(|| conflict("template_gone", "the campaign's template no longer exists"))?;
    let spec = ParameterSpec::of(&template.components);
    let mut refused = Vec::new();

    let mut by_phone: BTreeMap<String, Variables> = BTreeMap::new();
    for (raw, own) in variables {
        match phone_key(&raw) {
            Some(phone) => {
                by_phone.insert(phone, own);
            }
            None => refused.push(refusal("variables", &raw, "not a phone number in international format")),
        }
    }
    // (phone, contact) pairs to add, in request order, each phone once.
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    let mut add = |phone: String, contact: Option<String>| {
        if !wanted.iter().any(|(p, _)| *p == phone) {
            wanted.push((phone, contact));
        }
    };
    for raw in &phones {
        match phone_key(raw) {
            Some(phone) => add(phone, None),
            None => refused.push(refusal(
                "phone_numbers",
                raw,
                "not a phone number in international format",
            )),
        }
    }
    let well_formed: Vec<String> = contact_ids
        .iter()
        .filter(|id| shared::platform::ids::is_well_formed(id))
        .cloned()
        .collect();
    let found = api.inbox.contacts.contacts(cx.org(), &well_formed).await?;
    for id in &contact_ids {
        match found.iter().find(|c| &c.contact_id == id) {
            Some(contact) => match &contact.wa_id {
                Some(wa_id) => add(wa_id.clone(), Some(id.clone())),
                None => refused.push(refusal("contact_ids", id, "the contact has no WhatsApp phone number")),
            },
            None => refused.push(refusal("contact_ids", id, "no such contact")),
        }
    }

    // Per-phone variables apply to the recipient with that phone however it is added: a phone
    // not named above whose contact carries a tag of this request (or of the campaign) is added
    // now with its variables (the tag's expansion finds it present); one already in the campaign
    // gets them if it is still pending; any other is reported, not dropped.
    let named_tags: Vec<String> = tags
        .iter()
        .filter_map(|raw| {
            shared::desk::normalize_tags(std::slice::from_ref(raw))
                .ok()?
                .into_iter()
                .next()
        })
        .chain(campaign.tags.iter().cloned())
        .chain(campaign.pending_tags.iter().cloned())
        .collect();
    let mut earlier: Vec<String> = Vec::new();
    for phone in by_phone.keys() {
        if wanted.iter().any(|(p, _)| p == phone) {
            continue;
        }
        let contact = api.inbox.contacts.by_phone(cx.org(), phone).await?;
        match contact.filter(|c| c.tags.iter().any(|t| named_tags.contains(t))) {
            Some(contact) => wanted.push((phone.clone(), Some(contact.contact_id))),
            None => earlier.push(phone.clone()),
        }
    }
    let now = now_rfc3339();
    let mut recipients = Vec::new();
    for (phone, contact_id) in wanted {
        let own = by_phone.get(&phone).cloned().unwrap_or_default();
        let mut merged = campaign.default_variables.clone();
        merged.extend(own.clone());
        if let Err(err) = render(&spec, &merged) {
            refused.push(refusal("variables", &format!("+{phone}"), err.reason));
            continue;
        }
        recipients.push(Recipient::pending(
            cx.org(),
            &campaign.campaign_id,
            phone,
            contact_id,
            own,
            &now,
        ));
    }
    // Owned values in each future: the stream's futures must not borrow the request.
    let results: Vec<(String, Result<bool, _>)> = futures::stream::iter(recipients.into_iter().map(|recipient| {
        let store = api.outreach.campaigns.clone();
        async move {
            let added = store.add_recipient(&recipient.org_id.clone(), &recipient).await;
            (recipient.phone, added)
        }
    }))
    .buffer_unordered(WRITES_AT_ONCE)
    .collect()
    .await;
    let mut added = 0u32;
    let mut already_present = 0u32;
    for (phone, result) in results {
        match result? {
            true => added += 1,
            false => {
                already_present += 1;
                if by_phone.contains_key(&phone) {
                    earlier.push(phone);
                }
            }
        }
    }
    for phone in earlier {
        let own = &by_phone[&phone];
        let mut merged = campaign.default_variables.clone();
        merged.extend(own.clone());
        if let Err(err) = render(&spec, &merged) {
            refused.push(refusal("variables", &format!("+{phone}"), err.reason));
            continue;
        }
        let exists = api
            .outreach
            .campaigns
            .recipient(cx.org(), &campaign.campaign_id, &phone)
            .await?;
        let reason = match exists {
            None => "matches no recipient: name the phone, its contact, or a tag its contact has",
            Some(_)
                if api
                    .outreach
                    .campaigns
                    .set_variables(cx.org(), &campaign.campaign_id, &phone, own)
                    .await? =>
            {
                continue;
            }
            Some(_) => "the recipient was already sent to; its variables stay",
        };
        refused.push(refusal("variables", &format!("+{phone}"), reason));
    }
    api.outreach
        .campaigns
        .add_total(cx.org(), &campaign.campaign_id, added as u64)
        .await?;

    let mut tags_queued = Vec::new();
    for raw in &tags {
        let normalized = shared::desk::normalize_tags(std::slice::from_ref(raw));
        match normalized.ok().and_then(|t| t.into_iter().next()) {
            None => refused.push(refusal("tags", raw, "not a tag (1-40 letters, digits, -, _ or :)")),
            Some(tag)
                if campaign.tags.contains(&tag)
                    || campaign.pending_tags.contains(&tag)
                    || tags_queued.contains(&tag) =>
            {
                refused.push(refusal("tags", raw, "added to this campaign before"))
            }
            Some(tag) if !api.inbox.contacts.tag_in_use(cx.org(), &tag).await? => {
                refused.push(refusal("tags", raw, "no contact has this tag"))
            }
            Some(tag) => tags_queued.push(tag),
        }
    }
    let mut campaign = match api.outreach.campaigns.campaign(cx.org(), &campaign.campaign_id).await? {
        Some(campaign) => campaign,
        None => return Err(HttpError::not_found("no such campaign")),
    };
    if !tags_queued.is_empty() {
        let mut pending = campaign.pending_tags.clone();
        pending.extend(tags_queued.iter().cloned());
        let change = CampaignChange::default()
            .status(CampaignStatus::Preparing)
            .prepared_status(Some(campaign.status))
            .pending_tags(&pending)
            // A watchdog: should the job be lost, the minute tick queues the expansion again.
            .due(Some(api.clock.now_ms() + shared::outreach::campaign::WATCHDOG_MS));
        campaign = api
            .outreach
            .campaigns
            .change(cx.org(), &campaign.campaign_id, campaign.status, change)
            .await?
            .ok_or_else(|| conflict("changed_meanwhile", "the campaign changed meanwhile; read it and retry"))?;
        enqueue(
            api,
            &CampaignJob::Expand {
                org_id: cx.org().to_string(),
                campaign_id: campaign.campaign_id.clone(),
            },
        )
        .await;
    }
    ok(&views::RecipientsAdded {
        added,
        already_present,
        tags_queued,
        refused,
        campaign: view(api, &campaign).await?,
    })
}

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let campaign = load(api, cx).await?;
    let (limit, start) = cx.page()?;
    let partition = shared::platform::table::campaign_recipients_partition(cx.org(), &campaign.campaign_id);
    if start.as_ref().is_some_and(|key| key.get("pk") != Some(&partition)) {
        return Err(HttpError::new(
            lambda_http::http::StatusCode::NOT_FOUND,
            "unknown_cursor",
            "cursor: no page of this list has this cursor",
        ));
    }
    let status = cx.query("status");
    if let Some(status) = &status
        && !RECIPIENT_STATUSES.contains(&status.as_str())
    {
        return Err(unprocessable(
            "status",
            format!("must be one of {}", RECIPIENT_STATUSES.join(", ")),
        ));
    }
    let page = api
        .outreach
        .campaigns
        .recipients_page(cx.org(), &campaign.campaign_id, status.as_deref(), limit, start)
        .await?;
    ok(&views::RecipientList {
        data: page.items.iter().map(views::Recipient::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

pub const RECIPIENT_STATUSES: &[&str] = &[
    "pending",
    "sending",
    "unknown",
    "sent",
    "delivered",
    "read",
    "failed",
    "skipped",
];
