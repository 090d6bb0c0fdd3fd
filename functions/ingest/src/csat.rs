//! What ingest does for satisfaction surveys: a customer's reply that reads as a rating (a digit 1-5
//! with an optional comment, a survey row, a template button) to the survey they were sent last is
//! recorded as its rating, once (a redelivery finds it recorded), and announced as `csat.rated`. It
//! is not stored as a message: it neither opens a conversation nor reopens the resolved one.

use crate::{Effects, IngestService, RecordError};
use shared::care::csat::{Judgement, judge, rating_of};
use shared::meta::InboundMessage;
use shared::platform::events::DomainEvent;
use tracing::info;

impl IngestService {
    /// True when `message` answered a survey (and must not be stored as a message).
    pub(crate) async fn answer_survey(
        &self,
        org_id: &str,
        account_id: &str,
        wa_id: Option<&str>,
        message: &InboundMessage,
        effects: &mut Effects,
    ) -> Result<bool, RecordError> {
        let (Some(rating), Some(wa_id)) = (rating_of(&message.content), wa_id) else {
            return Ok(false);
        };
        let Some(survey) = self.ports.care.surveys.pending_for(org_id, account_id, wa_id).await? else {
            return Ok(false);
        };
        let written_ms = message.timestamp.saturating_mul(1000);
        let recorded = match judge(&survey, &rating, &message.wamid, written_ms) {
            Judgement::NotAnAnswer => return Ok(false),
            Judgement::Duplicate => true,
            Judgement::Record => {
                let rated = self
                    .ports
                    .care
                    .surveys
                    .rate(&survey, rating.rating, rating.comment.as_deref(), &message.wamid)
                    .await?;
                // Rated meanwhile: by this message (a concurrent redelivery) it is answered.
                rated
                    || self
                        .ports
                        .care
                        .surveys
                        .survey(org_id, &survey.survey_id)
                        .await?
                        .is_some_and(|s| s.rating_wamid.as_deref() == Some(message.wamid.as_str()))
            }
        };
        if recorded {
            info!(survey = %survey.survey_id, rating = rating.rating, "survey answered");
            effects.events.push(DomainEvent::csat_rated(
                org_id,
                &survey.conversation_id,
                &survey.survey_id,
                rating.rating,
                survey.agent_id.as_deref(),
            ));
        }
        Ok(recorded)
    }
}
