//! A conversation's triage by an agent: its priority and its snooze (`PATCH
//! /v1/conversations/{id}`). Rules set the same fields through their `set_priority` and `snooze`
//! actions; the customer's next message wakes a snoozed conversation.

use crate::ApiService;
use crate::handlers::Answer;
use crate::handlers::conversations::load;
use crate::request::{Context, ok, unprocessable};
use crate::views;
use shared::automation::rule::MAX_SNOOZE_MINUTES;
use shared::inbox::{Priority, Triage};
use shared::platform::http_error::HttpError;

fn priority_of(given: Option<String>) -> Result<Option<Priority>, HttpError> {
    given
        .map(|text| {
            Priority::parse(&text).ok_or_else(|| unprocessable("priority", "must be urgent, high, medium, low or null"))
        })
        .transpose()
}

/// The snooze's end as epoch milliseconds: in the future, within the longest snooze.
fn snooze_of(given: Option<String>, now_ms: i64) -> Result<Option<i64>, HttpError> {
    let Some(text) = given.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let until = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map_err(|_| unprocessable("snoozed_until", "must be an RFC 3339 time"))?
        .timestamp_millis();
    if until <= now_ms {
        return Err(unprocessable("snoozed_until", "must be in the future"));
    }
    if until > now_ms + i64::from(MAX_SNOOZE_MINUTES) * 60_000 {
        return Err(unprocessable("snoozed_until", "at most 30 days ahead"));
    }
    Ok(Some(until))
}

pub async fn update(api: &ApiService, cx: &Context<'_>) -> Answer {
    let body: views::UpdateConversation = cx.json()?;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let triage = Triage {
        priority: body.priority.map(priority_of).transpose()?,
        snoozed_until_ms: body.snoozed_until.map(|given| snooze_of(given, now_ms)).transpose()?,
    };
    if triage.is_empty() {
        return Err(unprocessable("priority", "give priority or snoozed_until"));
    }
    let mut conversation = load(api, cx).await?;
    api.inbox
        .conversations
        .set_triage(cx.org(), &conversation.conversation_id, &triage)
        .await
        .map_err(|e| match e {
            shared::platform::StoreError::NotFound(_) => crate::request::not_found("conversation"),
            other => other.into(),
        })?;
    triage.apply(&mut conversation);
    ok(&views::Conversation::from(&conversation))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_765_000_000_000;

    #[test]
    fn a_snooze_is_a_future_time_within_thirty_days_and_blank_wakes() {
        let at = |ms: i64| Some(shared::platform::items::rfc3339_of_ms(ms));
        assert_eq!(snooze_of(at(NOW + 3_600_000), NOW).unwrap(), Some(NOW + 3_600_000));
        assert_eq!(snooze_of(Some("  ".into()), NOW).unwrap(), None);
        assert_eq!(snooze_of(None, NOW).unwrap(), None);
        for refused in [at(NOW), at(NOW + 31 * 86_400_000), Some("tomorrow".into())] {
            assert!(snooze_of(refused.clone(), NOW).is_err(), "{refused:?}");
        }
        assert!(priority_of(Some("soon".into())).is_err());
        assert_eq!(priority_of(Some("low".into())).unwrap(), Some(Priority::Low));
        assert_eq!(priority_of(None).unwrap(), None);
    }
}
