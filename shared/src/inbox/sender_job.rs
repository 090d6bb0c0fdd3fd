//! The outbound queue's messages: one enum for what the sender is given, told apart by `kind`.

use crate::inbox::outbound::OutboundJob;
use serde::{Deserialize, Serialize};

/// A job on the outbound queue, told apart by its `kind`: a stored message to send, or one
/// campaign recipient's send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SenderJob {
    Message(OutboundJob),
    CampaignSend(crate::outreach::campaign::CampaignSend),
}

impl SenderJob {
    pub fn body(&self) -> String {
        // Strings and JSON values only: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(body: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sender_jobs_are_told_apart_by_their_kind() {
        let job = OutboundJob {
            org_id: "org_1".into(),
            account_id: "acc_1".into(),
            message_pk: "ORG#org_1#CONV#cv_1".into(),
            message_sk: "MSG#1#msg_1".into(),
            to: "4915".into(),
            reply_to: None,
        };
        let body = job.body();
        assert!(body.contains(r#""kind":"message""#), "{body}");
        assert_eq!(SenderJob::parse(&body).unwrap(), SenderJob::Message(job.clone()));
        // A body without its kind is not guessed at.
        let untagged = serde_json::to_string(&job).unwrap();
        assert!(SenderJob::parse(&untagged).is_err());
        let send: SenderJob = serde_json::from_value(json!({
            "kind": "campaign_send", "org_id": "org_1", "account_id": "acc_1", "campaign_id": "cmp_1",
            "phone": "4915", "template_name": "t", "language": "en", "components": []
        }))
        .unwrap();
        assert!(matches!(send, SenderJob::CampaignSend(ref s) if s.campaign_id == "cmp_1"));
    }
}
