//! Satisfaction surveys (`CSAT#<survey>`, one per conversation) and the pointer from a customer to
//! the survey they were sent last (`CSATPENDING#<account>#<wa_id>`), through which their reply is
//! matched. Counters: surveys sent, answers, and the sum of ratings (for the average).

use crate::care::csat::{CsatSurvey, SurveyStatus};
use crate::platform::StoreError;
use crate::platform::items::{key_item, n, now_rfc3339, record_item, s};
use crate::platform::records::{Page, PageKey, Records, Write};
use crate::platform::table::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;

/// The pointer outlives the answer window, so a redelivered answer is still recognised.
const POINTER_DAYS: i64 = 8;

#[derive(Clone)]
pub struct CsatStore {
    records: Records,
}

impl CsatStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            records: Records::new(client, table),
        }
    }

    /// Surveys come one per resolve, not per message: the organization's unsharded counters item
    /// carries them (and stays clear of the message-counter shard the survey's send writes).
    fn counter(&self, survey: &CsatSurvey, adds: &[(&str, i64)]) -> Write {
        self.records.counters(&table::org_counters(&survey.org_id), adds).into()
    }

    /// The writes that store a new survey sent to `wa_id`, for the transaction that creates its
    /// message: `Conflict("survey exists")` when the conversation had one.
    pub fn created(&self, survey: &CsatSurvey, wa_id: &str) -> Result<Vec<Write>, StoreError> {
        let item = record_item(
            survey,
            &table::csat_survey(&survey.org_id, &survey.survey_id),
            "CsatSurvey",
        )?;
        let mut pointer = key_item(&table::csat_pending(&survey.org_id, &survey.account_id, wa_id));
        pointer.insert(attr::ENTITY.into(), s("CsatPending"));
        pointer.insert("survey_id".into(), s(&survey.survey_id));
        pointer.insert(
            attr::EXPIRES_AT.into(),
            n(survey.created_ms / 1000 + POINTER_DAYS * 86_400),
        );
        Ok(vec![
            Write::failing_as(
                self.records.put(item, Some("attribute_not_exists(pk)")),
                StoreError::Conflict("survey exists".into()),
            ),
            self.records.put(pointer, None).into(),
            self.counter(survey, &[("csat_sent", 1)]),
        ])
    }

    /// The survey a customer of `account_id` was sent last, if any.
    pub async fn pending_for(
        &self,
        org_id: &str,
        account_id: &str,
        wa_id: &str,
    ) -> Result<Option<CsatSurvey>, StoreError> {
        let pointer = self
            .records
            .get_item(&table::csat_pending(org_id, account_id, wa_id))
            .await?;
        let Some(survey_id) = pointer.and_then(|p| crate::platform::items::string_of(&p, "survey_id")) else {
            return Ok(None);
        };
        self.survey(org_id, &survey_id).await
    }

    pub async fn survey(&self, org_id: &str, survey_id: &str) -> Result<Option<CsatSurvey>, StoreError> {
        self.records
            .get(&table::csat_survey(org_id, survey_id), "CsatSurvey")
            .await
    }

    /// Records the rating of a sent survey with its counters; false when it was rated meanwhile.
    pub async fn rate(
        &self,
        survey: &CsatSurvey,
        rating: u8,
        comment: Option<&str>,
        wamid: &str,
    ) -> Result<bool, StoreError> {
        let update = self
            .records
            .update_of(&table::csat_survey(&survey.org_id, &survey.survey_id))
            .expression(
                "SET #status = :rated, rating = :rating, #comment = :comment, rating_wamid = :wamid, rated_at = :now",
            )
            .when("#status = :sent")
            .name("#status", "status")
            .name("#comment", "comment")
            .value(":rated", s("rated"))
            .value(":sent", s("sent"))
            .value(":rating", n(rating))
            .value(":comment", comment.map_or(AttributeValue::Null(true), s))
            .value(":wamid", s(wamid))
            .value(":now", s(now_rfc3339()));
        let writes = vec![
            Write::failing_as(update, StoreError::Conflict("rated".into())),
            self.counter(survey, &[("csat_responses", 1), ("csat_rating_sum", i64::from(rating))]),
        ];
        match self.records.transact(writes).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(what)) if what == "rated" => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Surveys, newest conversation first, optionally only one status.
    pub async fn page(
        &self,
        org_id: &str,
        status: Option<SurveyStatus>,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<CsatSurvey>, StoreError> {
        let page = self
            .records
            .page(
                &table::org_partition(org_id),
                table::prefix::CSAT,
                "CsatSurvey",
                limit,
                start,
                true,
            )
            .await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .filter(|survey: &CsatSurvey| status.is_none_or(|s| survey.status == s))
                .collect(),
            next: page.next,
        })
    }
}
