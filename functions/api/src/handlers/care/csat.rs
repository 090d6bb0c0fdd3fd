//! Satisfaction surveys: the list, newest conversation first, with the agent's and contact's names.

use crate::ApiService;
use crate::handlers::Answer;
use crate::request::{Context, next_cursor, ok, unprocessable};
use crate::views;
use shared::care::csat::SurveyStatus;

pub async fn list(api: &ApiService, cx: &Context<'_>) -> Answer {
    let status = match cx.query("status").as_deref() {
        None => None,
        Some("sent") => Some(SurveyStatus::Sent),
        Some("rated") => Some(SurveyStatus::Rated),
        Some(_) => return Err(unprocessable("status", "must be sent or rated")),
    };
    let (limit, start) = cx.page()?;
    let page = api.care.csat.page(cx.org(), status, limit, start).await?;
    // A survey records the agent who resolved, not the conversation's division: a caller limited
    // to some conversations sees the surveys of their own resolutions (a page may come out short).
    let viewer = &cx.caller.viewer;
    let limited = viewer.visibility != shared::access::roles::Visibility::All;
    ok(&views::CsatSurveyList {
        data: page
            .items
            .iter()
            .filter(|survey| !limited || survey.agent_id.as_deref() == Some(viewer.agent_id.as_str()))
            .map(views::CsatSurvey::from)
            .collect(),
        next_cursor: next_cursor(page.next),
    })
}
