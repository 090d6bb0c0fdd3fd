//! Customer satisfaction surveys: the record, the survey message (an interactive list inside the
//! 24-hour window, an approved template outside it), and how a customer's reply reads as a rating.

use crate::meta::{Content, ListRow};
use serde::{Deserialize, Serialize};

/// A survey takes ratings for this long after it was sent.
pub const ANSWER_WINDOW_MS: i64 = 3 * 24 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStatus {
    Sent,
    Rated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatSurvey {
    pub survey_id: String,
    pub org_id: String,
    pub conversation_id: String,
    pub account_id: String,
    pub contact_id: String,
    #[serde(default)]
    pub contact_name: Option<String>,
    /// The agent the conversation was assigned to when it was resolved.
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    pub agent_name: Option<String>,
    pub status: SurveyStatus,
    /// `interactive` (inside the window) or `template`.
    pub via: String,
    /// The outbound message that carried it.
    pub message_id: String,
    #[serde(default)]
    pub rating: Option<u8>,
    #[serde(default)]
    pub comment: Option<String>,
    /// The customer's message that rated it (a redelivery of it changes nothing).
    #[serde(default)]
    pub rating_wamid: Option<String>,
    pub created_ms: i64,
    pub created_at: String,
    #[serde(default)]
    pub rated_at: Option<String>,
}

/// One survey per conversation: its id follows from the conversation's.
pub fn survey_id(conversation_id: &str) -> String {
    format!("csat_{}", conversation_id.trim_start_matches("cv_"))
}

const SCALE: [(u8, &str); 5] = [
    (5, "5 - Excellent"),
    (4, "4 - Good"),
    (3, "3 - Okay"),
    (2, "2 - Poor"),
    (1, "1 - Very poor"),
];

/// The survey inside the window: a list whose rows name the survey and the rating.
pub fn list_content(survey_id: &str) -> Content {
    Content::List {
        header: None,
        footer: None,
        sections: vec![],
        body: "Thanks for talking to us! How did we do? Choose a rating, or reply with a number from 1 to 5 and a comment.".into(),
        button: "Rate us".into(),
        rows: SCALE
            .iter()
            .map(|(n, title)| ListRow {
                id: format!("csat:{survey_id}:{n}"),
                title: (*title).into(),
                description: None,
            })
            .collect(),
    }
}

/// What a customer's reply says, when it reads as a rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub rating: u8,
    pub comment: Option<String>,
    /// Named by a list row's id.
    pub survey_id: Option<String>,
}

/// A digit 1-5 opening a text (optionally followed by a comment), a button of that text or
/// payload, or a survey list's row.
pub fn rating_of(content: &Content) -> Option<Rating> {
    match content {
        Content::Interactive { id: Some(id), .. } => {
            let rest = id.strip_prefix("csat:")?;
            let (survey, n) = rest.rsplit_once(':')?;
            Some(Rating {
                rating: digit(n)?,
                comment: None,
                survey_id: Some(survey.to_string()),
            })
        }
        Content::Button { payload, text } => {
            let value = payload.as_deref().or(text.as_deref())?;
            Some(Rating {
                rating: digit(value.trim())?,
                comment: None,
                survey_id: None,
            })
        }
        Content::Text { body } => {
            let body = body.trim();
            let first = body.chars().next()?;
            let rest = &body[first.len_utf8()..];
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            let comment = rest
                .trim_start_matches(|c: char| c.is_whitespace() || "-:.,/!)".contains(c))
                .trim();
            Some(Rating {
                rating: digit(&first.to_string())?,
                comment: (!comment.is_empty()).then(|| comment.chars().take(1000).collect()),
                survey_id: None,
            })
        }
        _ => None,
    }
}

fn digit(text: &str) -> Option<u8> {
    match text {
        "1" | "2" | "3" | "4" | "5" => text.parse().ok(),
        _ => None,
    }
}

/// What a rating-shaped reply does to the customer's pending survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Record it.
    Record,
    /// It was recorded from this very message before (a redelivery).
    Duplicate,
    /// Not an answer to this survey: the message is an ordinary one.
    NotAnAnswer,
}

pub fn judge(survey: &CsatSurvey, rating: &Rating, wamid: &str, now_ms: i64) -> Judgement {
    if survey.rating_wamid.as_deref() == Some(wamid) {
        return Judgement::Duplicate;
    }
    let named_other = rating.survey_id.as_deref().is_some_and(|id| id != survey.survey_id);
    let expired = now_ms - survey.created_ms > ANSWER_WINDOW_MS;
    match (survey.status, named_other || expired) {
        (SurveyStatus::Sent, false) => Judgement::Record,
        _ => Judgement::NotAnAnswer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> Content {
        Content::Text { body: body.into() }
    }

    #[test]
    fn a_digit_with_an_optional_comment_a_button_or_a_row_reads_as_a_rating() {
        let r = rating_of(&text(" 4 - quick and friendly ")).unwrap();
        assert_eq!((r.rating, r.comment.as_deref()), (4, Some("quick and friendly")));
        assert_eq!(rating_of(&text("5")).unwrap().comment, None);
        assert_eq!(rating_of(&text("10 stars")), None, "not a digit 1-5 alone");
        assert_eq!(rating_of(&text("0")), None);
        assert_eq!(rating_of(&text("six")), None);
        assert_eq!(rating_of(&text("")), None);
        let row = Content::Interactive {
            interactive_type: "list_reply".into(),
            id: Some("csat:csat_01abc:2".into()),
            title: Some("2 - Poor".into()),
            description: None,
            response: None,
        };
        let r = rating_of(&row).unwrap();
        assert_eq!((r.rating, r.survey_id.as_deref()), (2, Some("csat_01abc")));
        let button = Content::Button {
            payload: Some("3".into()),
            text: Some("3".into()),
        };
        assert_eq!(rating_of(&button).unwrap().rating, 3);
        let other_row = Content::Interactive {
            interactive_type: "list_reply".into(),
            id: Some("size:M".into()),
            title: None,
            description: None,
            response: None,
        };
        assert_eq!(rating_of(&other_row), None);
    }

    #[test]
    fn a_survey_takes_one_answer_while_it_is_fresh() {
        let mut survey = CsatSurvey {
            survey_id: "csat_1".into(),
            org_id: "o".into(),
            conversation_id: "cv_1".into(),
            account_id: "a".into(),
            contact_id: "c".into(),
            contact_name: None,
            agent_id: None,
            agent_name: None,
            status: SurveyStatus::Sent,
            via: "interactive".into(),
            message_id: "m".into(),
            rating: None,
            comment: None,
            rating_wamid: None,
            created_ms: 0,
            created_at: String::new(),
            rated_at: None,
        };
        let five = rating_of(&text("5")).unwrap();
        assert_eq!(judge(&survey, &five, "w1", 1000), Judgement::Record);
        assert_eq!(
            judge(&survey, &five, "w1", ANSWER_WINDOW_MS + 1),
            Judgement::NotAnAnswer
        );
        let other = Rating {
            survey_id: Some("csat_2".into()),
            ..five.clone()
        };
        assert_eq!(judge(&survey, &other, "w1", 1000), Judgement::NotAnAnswer);
        survey.status = SurveyStatus::Rated;
        survey.rating_wamid = Some("w1".into());
        assert_eq!(judge(&survey, &five, "w1", 1000), Judgement::Duplicate);
        assert_eq!(judge(&survey, &five, "w2", 1000), Judgement::NotAnAnswer);
        let list = list_content("csat_1");
        assert!(matches!(list, Content::List { ref rows, .. } if rows.len() == 5 && rows[0].id == "csat:csat_1:5"));
    }
}
