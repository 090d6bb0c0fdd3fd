//! AI usage: per day (UTC) and agent, from the usage partition (one Query), with the totals.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, ok, unprocessable};
use crate::views;
use chrono::NaiveDate;
use shared::ai::ports::UsageMeter;

/// The longest range one request reads.
pub const MAX_DAYS: i64 = 92;

fn day(cx: &Context<'_>, name: &str) -> Result<Option<NaiveDate>, shared::platform::http_error::HttpError> {
    cx.query(name)
        .map(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| unprocessable(name, "a date, YYYY-MM-DD")))
        .transpose()
}

pub async fn get(api: &ApiService, cx: &Context<'_>) -> Answer {
    let today = api.clock.now().date_naive();
    let (from, to) = match (day(cx, "from")?, day(cx, "to")?) {
        (Some(from), Some(to)) => (from, to),
        (Some(from), None) => (from, today.min(from + chrono::Days::new(MAX_DAYS as u64 - 1)).max(from)),
        (None, to) => {
            let to = to.unwrap_or(today);
            (to - chrono::Days::new(29), to)
        }
    };
    if from > to {
        return Err(unprocessable("from", "on or before `to`"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(unprocessable("to", format!("at most {MAX_DAYS} days after `from`")));
    }
    let (from, to) = (from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string());
    let days = api.ai.usage.days(cx.org(), &from, &to).await?;
    let data: Vec<views::AiUsageDay> = days.iter().map(views::AiUsageDay::from).collect();
    ok(&views::AiUsage {
        prompt_tokens: data.iter().map(|d| d.prompt_tokens).sum(),
        completion_tokens: data.iter().map(|d| d.completion_tokens).sum(),
        total_tokens: data.iter().map(|d| d.total_tokens).sum(),
        total_cost: days.iter().map(|d| d.cost_micros).sum::<u64>() as f64 / 1_000_000.0,
        request_count: data.iter().map(|d| d.request_count).sum(),
        from,
        to,
        data,
    })
}
