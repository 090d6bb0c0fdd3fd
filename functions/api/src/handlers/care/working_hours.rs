//! Working hours of the organization and of a division: read (empty when none), replace (checked
//! as a whole: 422 naming the interval), delete.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, no_content, ok, unprocessable};
use crate::views;
use shared::care::working_hours::{Calendar, DaySchedule, WorkingHours};
use shared::platform::http_error::HttpError;

/// `None` for the organization's routes; the division (which must exist) for a division's.
async fn division_of(api: &ApiService, cx: &Context<'_>, of_division: bool) -> Result<Option<String>, HttpError> {
    if !of_division {
        return Ok(None);
    }
    Ok(Some(crate::handlers::divisions::load(api, cx).await?.division_id))
}

pub async fn get(api: &ApiService, cx: &Context<'_>, of_division: bool) -> Answer {
    let division = division_of(api, cx, of_division).await?;
    match api.care.working_hours.get(cx.org(), division.as_deref()).await? {
        Some(hours) => ok(&views::WorkingHours::from(&hours)),
        None => ok(&views::WorkingHours::none(division)),
    }
}

pub async fn set(api: &ApiService, cx: &Context<'_>, of_division: bool) -> Answer {
    let body: views::SetWorkingHours = cx.json()?;
    let division = division_of(api, cx, of_division).await?;
    let days: Vec<DaySchedule> = body
        .days
        .into_iter()
        .map(|d| DaySchedule {
            day_of_week: d.day_of_week,
            start_time: d.start_time,
            end_time: d.end_time,
            is_active: d.is_active.unwrap_or(true),
        })
        .collect();
    Calendar::new(&body.time_zone, &days).map_err(|e| unprocessable(&e.field, e.reason))?;
    let hours = WorkingHours {
        org_id: cx.org().to_string(),
        division_id: division,
        time_zone: body.time_zone,
        days,
        updated_by: cx.caller.agent_id.clone(),
        updated_at: shared::platform::items::now_rfc3339(),
    };
    api.care.working_hours.put(&hours).await?;
    ok(&views::WorkingHours::from(&hours))
}

pub async fn delete(api: &ApiService, cx: &Context<'_>, of_division: bool) -> Answer {
    let division = division_of(api, cx, of_division).await?;
    // Already none is fine: the outcome asked for holds.
    api.care.working_hours.delete(cx.org(), division.as_deref()).await?;
    no_content()
}
