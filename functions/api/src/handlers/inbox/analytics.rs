//! The analytics overview, read from the organization's counters (one BatchGetItem, no scan).

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, ok};
use crate::views;

pub async fn overview(api: &ApiService, cx: &Context<'_>) -> Answer {
    let today = api.clock.now().format("%Y-%m-%d").to_string();
    let counters = api.inbox.counters.totals_with_day(cx.org(), &today).await?;
    let get = |name: &str| counters.get(name).copied().unwrap_or(0).max(0);
    let total = get("conversations_created");
    let resolved = get("resolved_conversations");
    let (surveys, responses) = (get("csat_sent"), get("csat_responses"));
    let one_decimal = |x: f64| (x * 10.0).round() / 10.0;
    ok(&views::Overview {
        total_conversations: total,
        open_conversations: get("open_conversations"),
        pending_conversations: get("pending_conversations"),
        resolved_conversations: resolved,
        total_contacts: get("contacts_created"),
        total_agents: get("total_agents"),
        online_agents: get("online_agents"),
        messages_today: get("day.messages_received") + get("day.messages_sent"),
        resolution_rate: if total == 0 {
            0.0
        } else {
            (resolved as f64 * 1000.0 / total as f64).round() / 10.0
        },
        sla_first_response_hits: get("sla_first_response_met"),
        sla_first_response_breaches: get("sla_first_response_breached"),
        sla_resolution_hits: get("sla_resolution_met"),
        sla_resolution_breaches: get("sla_resolution_breached"),
        csat_surveys_sent: surveys,
        csat_responses: responses,
        csat_response_rate: if surveys == 0 {
            0.0
        } else {
            one_decimal(responses as f64 * 100.0 / surveys as f64)
        },
        csat_average: (responses > 0).then(|| {
            let average = get("csat_rating_sum") as f64 / responses as f64;
            (average * 100.0).round() / 100.0
        }),
    })
}
