//! A new outbound message as it is stored (`queued`) and the job that queues it for the sender:
//! one definition for an agent's send and a scheduled one.

use crate::inbox::origin::Origin;
use crate::inbox::outbound::OutboundJob;
use crate::inbox::{Direction, Message};
use crate::meta::Content;
use crate::platform::ids;
use crate::platform::table::{self, Key};

/// What is being sent, to whom, in which conversation.
pub struct Composed<'a> {
    pub org_id: &'a str,
    pub conversation_id: &'a str,
    pub account_id: &'a str,
    /// The customer's phone-based WhatsApp id.
    pub to: &'a str,
    pub message_type: &'a str,
    pub content: &'a Content,
    pub reply_to: Option<String>,
    /// Who or what sends it.
    pub origin: Origin,
}

/// The message's key, the message and its job, with a fresh message id, at `now`.
pub fn queued_message(send: Composed<'_>, now: chrono::DateTime<chrono::Utc>) -> (Key, Message, OutboundJob) {
    let message_id = ids::new_id("msg");
    let key = table::message(send.org_id, send.conversation_id, now.timestamp_millis(), &message_id);
    let message = Message {
        org_id: send.org_id.to_string(),
        conversation_id: send.conversation_id.to_string(),
        message_id,
        wamid: None,
        direction: Direction::Outbound,
        message_type: send.message_type.to_string(),
        content: send.content.clone(),
        status: "queued".into(),
        status_rank: 0,
        meta_timestamp: now.timestamp(),
        received_at_ms: now.timestamp_millis() as u64,
        context: None,
        referral: None,
        errors: vec![],
        media: None,
        status_errors: vec![],
        pricing: None,
        created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        edited_at: None,
        revoked_at: None,
        previous_contents: vec![],
        origin: Some(send.origin.stored()),
    };
    let job = OutboundJob {
        org_id: send.org_id.to_string(),
        account_id: send.account_id.to_string(),
        message_pk: key.pk.clone(),
        message_sk: key.sk.clone(),
        to: send.to.to_string(),
        reply_to: send.reply_to,
    };
    (key, message, job)
}
