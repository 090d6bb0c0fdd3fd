//! Contacts: create, read, update (name, e-mail, tags), list, and find by phone, name prefix or tag.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, created, invalid, next_cursor, not_found, ok, unprocessable};
use crate::rules;
use crate::views;
use shared::desk;
use shared::inbox::contact_store::{ContactChanges, NewContact};
use shared::platform::http_error::HttpError;

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let (limit, start) = cx.page()?;
    let (phone, name, tag) = (cx.query("phone"), cx.query("q"), cx.query("tag"));
    // Several filters narrow together: the most selective one is the query, the others filter it.
    let name = match name {
        Some(name) if name.chars().count() > 100 => return Err(unprocessable("q", "at most 100 characters")),
        // Blank matches every name: no filter.
        Some(name) => Some(desk::search_form(&name)).filter(|form| !form.is_empty()),
        None => None,
    };
    let tag = match tag {
        Some(tag) => Some(
            desk::normalize_tags(&[tag])
                .map_err(|_| unprocessable("tag", "is not a tag (1-40 of a-z, 0-9, -, _ or :)"))?
                .remove(0),
        ),
        None => None,
    };
    let mut page = if let Some(phone) = phone {
        let phone = desk::normalize_phone("phone", &phone).map_err(invalid)?;
        let found = api.inbox.contacts.by_phone(cx.org(), &phone).await?;
        shared::platform::records::Page {
            items: found.into_iter().collect(),
            next: None,
        }
    } else if let Some(tag) = &tag {
        api.inbox.contacts.by_tag(cx.org(), tag, limit, start).await?
    } else if let Some(name) = &name {
        api.inbox.contacts.by_name(cx.org(), name, limit, start).await?
    } else {
        api.inbox.contacts.page(cx.org(), limit, start).await?
    };
    page.items.retain(|contact| {
        let named = name.as_deref().is_none_or(|prefix| {
            shared::inbox::contact_store::display_name(contact)
                .is_some_and(|n| desk::search_form(n).starts_with(prefix))
        });
        let tagged = tag.as_ref().is_none_or(|tag| contact.tags.contains(tag));
        named && tagged
    });
    ok(&views::ContactList {
        data: page.items.iter().map(views::Contact::from).collect(),
        next_cursor: next_cursor(page.next),
    })
}

/// The contact the path names (404 when it is none of the organization's).
pub(crate) async fn load(api: &ApiService, cx: &Context<'_>) -> Result<shared::inbox::Contact, HttpError> {
    let id = cx.id("contact_id", "contact")?;
    api.inbox
        .contacts
        .contact(cx.org(), &id)
        .await?
        .ok_or_else(|| not_found("contact"))
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    ok(&views::Contact::from(&load(api, cx).await?))
}

pub async fn create(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::CreateContact = cx.json()?;
    let new = NewContact {
        phone_number: rules::PHONE_REQUIRED
            .check("phone_number", body.phone_number.as_deref())?
            .unwrap_or_default(),
        name: rules::CONTACT_NAME.check("name", body.name.as_deref())?,
        email: rules::EMAIL_OPTIONAL.check("email", body.email.as_deref())?,
        tags: desk::normalize_tags(&body.tags.unwrap_or_default()).map_err(invalid)?,
    };
    let contact = api.inbox.contacts.create(cx.org(), new).await?;
    // Stored already: a lost announcement is logged, not the request's failure.
    let event = shared::platform::events::DomainEvent::contact_created(cx.org(), &contact.contact_id, None);
    if !api.events.publish(&[event]).await.is_empty() {
        tracing::warn!(contact_id = %contact.contact_id, "contact.created not published");
    }
    created(&views::Contact::from(&contact))
}

/// An ISO 3166-1 alpha-2 code, upper-cased; empty clears it.
fn country(text: &str) -> Result<Option<String>, shared::platform::http_error::HttpError> {
    match text {
        "" => Ok(None),
        code if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) => Ok(Some(code.to_ascii_uppercase())),
        _ => Err(crate::request::unprocessable(
            "country",
            "an ISO 3166-1 alpha-2 code (two letters), or empty",
        )),
    }
}

/// What AI agents know about the customer: a JSON object within its size limit.
fn llm_context(context: serde_json::Value) -> Result<serde_json::Value, shared::platform::http_error::HttpError> {
    if !context.is_object() {
        return Err(crate::request::unprocessable("llm_context", "a JSON object"));
    }
    let max = shared::ai::turn::MAX_CONTACT_CONTEXT_BYTES;
    if context.to_string().len() > max {
        return Err(crate::request::unprocessable(
            "llm_context",
            format!("at most {max} bytes as JSON"),
        ));
    }
    Ok(context)
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateContact = cx.json()?;
    let id = cx.id("contact_id", "contact")?;
    let changes = ContactChanges {
        name: body
            .name
            .as_deref()
            .map(|name| rules::CONTACT_NAME.check("name", Some(name)))
            .transpose()?,
        email: body
            .email
            .as_deref()
            .map(|text| rules::EMAIL_OPTIONAL.check("email", Some(text)))
            .transpose()?,
        tags: body
            .tags
            .as_deref()
            .map(desk::normalize_tags)
            .transpose()
            .map_err(invalid)?,
        description: body
            .description
            .as_deref()
            .map(|text| rules::CONTACT_DESCRIPTION.check("description", Some(text)))
            .transpose()?,
        country: body.country.as_deref().map(country).transpose()?,
        llm_context: body
            .llm_context
            .map(|context| context.map(llm_context).transpose())
            .transpose()?,
    };
    let contact = api
        .inbox
        .contacts
        .update(cx.org(), &id, changes)
        .await?
        .ok_or_else(|| not_found("contact"))?;
    ok(&views::Contact::from(&contact))
}
