//! What a customer's message does for the clock: a conversation it opens gets its SLA clocks and
//! its expiry; a message after hours gets the out-of-hours reply once per closed period; a reply
//! that reads as a rating answers the survey, once, and is not stored as a message.

use super::*;
use shared::care::csat::{CsatSurvey, SurveyStatus};
use shared::care::sla::SlaPolicy;

/// Monday 2026-12-07 00:00 UTC.
const MONDAY: i64 = 1_796_601_600;
const HOUR: i64 = 3600;

/// Weekdays 9 to 18, UTC (the care contract's hours).
fn weekdays_nine_to_six() -> shared::care::working_hours::WorkingHours {
    shared::care::contract::office_hours(ORG)
}

#[tokio::test]
async fn a_customer_writing_after_hours_gets_the_reply_once_per_closed_period() {
    let text_of_reply = "Thanks! We are closed now and answer from 9:00.";
    let rig = rig_with(WhatsAppAccount {
        out_of_hours_reply: Some(text_of_reply.into()),
        ..account()
    });
    rig.care.put_hours(weekdays_nine_to_six());
    rig.deliver(&text("wamid.ooh-1", MONDAY + 20 * HOUR, "hi")).await;
    let conversation = rig.only_conversation().conversation_id;
    let replies = |rig: &Rig| rig.outbound_jobs.bodies.lock().unwrap().len();
    assert_eq!(replies(&rig), 1, "handed to the sender");
    // The same night, and a redelivery: nothing more. In working hours: nothing.
    rig.deliver(&text("wamid.ooh-2", MONDAY + 23 * HOUR, "still there?"))
        .await;
    rig.deliver(&text("wamid.ooh-1", MONDAY + 20 * HOUR, "hi")).await;
    rig.deliver(&text("wamid.ooh-3", MONDAY + 34 * HOUR, "morning")).await;
    assert_eq!(replies(&rig), 1);
    // The next evening is another closed period.
    rig.deliver(&text("wamid.ooh-4", MONDAY + 43 * HOUR, "evening")).await;
    assert_eq!(replies(&rig), 2);
    let job: Value = serde_json::from_str(&rig.outbound_jobs.bodies.lock().unwrap()[0]).unwrap();
    assert!(
        job["message_pk"].as_str().unwrap_or_default().ends_with(&conversation),
        "the reply is in the customer's conversation: {job}"
    );
    let key = shared::platform::table::Key {
        pk: job["message_pk"].as_str().unwrap().into(),
        sk: job["message_sk"].as_str().unwrap().into(),
    };
    let reply = rig.outbound.message(&key).expect("the reply is stored");
    assert_eq!(
        (reply.content, reply.status.as_str()),
        (
            shared::meta::Content::Text {
                body: text_of_reply.into()
            },
            "queued"
        )
    );
}

#[tokio::test]
async fn without_a_reply_text_nothing_goes_out_after_hours() {
    let rig = rig();
    rig.care.put_hours(weekdays_nine_to_six());
    rig.deliver(&text("wamid.late", MONDAY + 20 * HOUR, "hi")).await;
    assert!(rig.outbound_jobs.taken().is_empty());
}

fn policy() -> SlaPolicy {
    serde_json::from_value(json!({"policy_id": "sla_1", "org_id": ORG, "name": "Standard",
        "first_response_time_secs": 600, "resolution_time_secs": 86400, "warning_threshold_pct": 80,
        "is_default": true, "is_active": true, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"}))
    .expect("a policy")
}

#[tokio::test]
async fn a_conversation_opened_gets_its_clocks_and_expiry_from_its_first_message() {
    let rig = rig();
    rig.care.put_policy(policy());
    rig.care.put_rule(shared::care::contract::idle_rule(ORG));
    let opened = rig.now_s() - 60;
    rig.deliver(&text("wamid.open", opened, "hi")).await;
    let conversation = rig.only_conversation().conversation_id;
    let clocks = rig.care.clocks(ORG, &conversation).expect("clocks started");
    assert_eq!(clocks.policy_id, "sla_1");
    assert_eq!(rig.care.armed(ORG, &conversation), Some((opened + 24 * HOUR) * 1000));
    // A later message of the same conversation starts nothing again.
    rig.deliver(&text("wamid.later", opened + 30, "more")).await;
    assert_eq!(rig.care.clocks(ORG, &conversation), Some(clocks));
    assert_eq!(rig.care.armed(ORG, &conversation), Some((opened + 24 * HOUR) * 1000));
}

fn survey(created_ms: i64) -> CsatSurvey {
    serde_json::from_value(
        json!({"survey_id": "csat_1", "org_id": ORG, "conversation_id": "cv_done",
        "account_id": ACCOUNT, "contact_id": "ct_1", "agent_id": "ag_ada", "status": "sent", "via": "interactive",
        "message_id": "msg_survey", "created_ms": created_ms, "created_at": "2026-12-05T00:00:00Z"}),
    )
    .expect("a survey")
}

#[tokio::test]
async fn a_rating_answers_the_survey_once_and_is_not_a_message() {
    let rig = rig();
    let now = rig.now_s();
    rig.care.put_survey(survey(now * 1000 - 60_000), CUSTOMER);
    let rating = text("wamid.rating", now, "5 - quick and friendly");
    for _ in 0..2 {
        let (response, summary) = rig.deliver(&rating).await;
        assert!(response.batch_item_failures.is_empty());
        assert_eq!((summary.survey_answers, summary.messages_stored), (1, 0));
    }
    let rated = rig.care.survey_now(ORG, "csat_1").unwrap();
    assert_eq!(rated.status, SurveyStatus::Rated);
    assert_eq!(
        (rated.rating, rated.comment.as_deref()),
        (Some(5), Some("quick and friendly"))
    );
    assert!(rig.inbox.conversations(ORG).is_empty(), "it opens no conversation");
    assert!(rig.events().iter().all(|e| e == "csat.rated:csat_1"));
    // Another digit later is a message: the survey is answered.
    let (_, summary) = rig.deliver(&text("wamid.other", now + 5, "3")).await;
    assert_eq!((summary.survey_answers, summary.messages_stored), (0, 1));
    assert_eq!(rig.care.survey_now(ORG, "csat_1").unwrap().rating, Some(5));
}
