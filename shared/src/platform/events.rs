//! Domain events published on the EventBridge bus for later consumers (outgoing webhooks,
//! automation, analytics). Delivery is at least once: consumers de-duplicate by `event_id`.

use serde::Serialize;
use serde_json::{Value, json};

pub const SOURCE: &str = "switchboard";

/// A `message.received` event carries at most this much of what the customer wrote.
pub const MAX_EVENT_TEXT_CHARS: usize = 1_024;

/// What a `message.received` event says of the message.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub account_id: &'a str,
    pub conversation_id: &'a str,
    pub contact_id: &'a str,
    pub wamid: &'a str,
    pub message_type: &'a str,
    pub timestamp: i64,
    /// What the customer wrote or chose ([`crate::meta::Content::words`]).
    pub text: Option<&'a str>,
    /// The reply button or list row chosen.
    pub reply_id: Option<&'a str>,
    /// The message opened its conversation.
    pub first_in_conversation: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainEvent {
    /// `message.received`, `message.status`, `conversation.created`, ...
    pub detail_type: &'static str,
    pub detail: Value,
}

impl DomainEvent {
    /// `event_id` is derived from what happened, so a re-published event has the same id.
    fn new(detail_type: &'static str, event_id: String, org_id: &str, mut detail: Value) -> Self {
        detail["event_id"] = Value::String(event_id);
        detail["org_id"] = Value::String(org_id.into());
        // When the change happened, as the publisher saw it: a webhook receiver orders the
        // copies it gets of one object by it.
        detail["occurred_at"] = Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        Self { detail_type, detail }
    }

    /// Marks an event as the effect of an automation rule (`depth`: how many rules deep), so the
    /// rules it reaches can refuse to loop.
    pub fn with_cause(mut self, rule_id: &str, depth: u8) -> Self {
        self.detail["caused_by"] = json!({"rule_id": rule_id, "depth": depth});
        self
    }

    pub fn message_received(org_id: &str, received: Received<'_>) -> Self {
        let text = received
            .text
            .map(|t| t.chars().take(MAX_EVENT_TEXT_CHARS).collect::<String>());
        Self::new(
            "message.received",
            format!("message.received:{}", received.wamid),
            org_id,
            json!({"account_id": received.account_id, "conversation_id": received.conversation_id,
                "contact_id": received.contact_id, "wamid": received.wamid, "type": received.message_type,
                "timestamp": received.timestamp, "text": text, "reply_id": received.reply_id,
                "first_in_conversation": received.first_in_conversation}),
        )
    }

    pub fn conversation_created(org_id: &str, account_id: &str, conversation_id: &str, contact_id: &str) -> Self {
        Self::new(
            "conversation.created",
            format!("conversation.created:{conversation_id}"),
            org_id,
            json!({"account_id": account_id, "conversation_id": conversation_id, "contact_id": contact_id}),
        )
    }

    /// An outbound message ended `failed` (Meta refused it, it could not be sent, or no answer and
    /// no status came); `reason` is what an agent sees.
    pub fn message_failed(org_id: &str, conversation_id: &str, message_id: &str, code: i64, reason: &str) -> Self {
        Self::new(
            "message.failed",
            format!("message.failed:{message_id}"),
            org_id,
            json!({"conversation_id": conversation_id, "message_id": message_id, "code": code, "reason": reason}),
        )
    }

    /// Meta accepted an outbound message (`wamid` is its id there).
    pub fn message_sent(org_id: &str, conversation_id: &str, message_id: &str, wamid: &str) -> Self {
        Self::new(
            "message.sent",
            format!("message.sent:{message_id}"),
            org_id,
            json!({"conversation_id": conversation_id, "message_id": message_id, "wamid": wamid}),
        )
    }

    /// A scheduled message was handed to the outbound path as `message_id`.
    pub fn scheduled_message_sent(org_id: &str, conversation_id: &str, scheduled_id: &str, message_id: &str) -> Self {
        Self::new(
            "scheduled_message.sent",
            format!("scheduled_message.sent:{scheduled_id}"),
            org_id,
            json!({"conversation_id": conversation_id, "scheduled_message_id": scheduled_id, "message_id": message_id}),
        )
    }

    pub fn scheduled_message_failed(org_id: &str, conversation_id: &str, scheduled_id: &str, reason: &str) -> Self {
        Self::new(
            "scheduled_message.failed",
            format!("scheduled_message.failed:{scheduled_id}"),
            org_id,
            json!({"conversation_id": conversation_id, "scheduled_message_id": scheduled_id, "reason": reason}),
        )
    }

    /// An SLA clock reached its warning threshold (`breached` false) or its target; the id names
    /// the conversation, the clock and its resolution cycle, so a re-published notice repeats it.
    pub fn sla_notice(
        org_id: &str,
        conversation_id: &str,
        policy_id: &str,
        notice: &crate::care::sla_clock::Notice,
    ) -> Self {
        let event_type = if notice.breached { "sla.breached" } else { "sla.warning" };
        let kind = notice.kind.as_str();
        Self::new(
            event_type,
            format!("{event_type}:{conversation_id}:{kind}:{}", notice.cycle),
            org_id,
            json!({
                "conversation_id": conversation_id, "sla_policy_id": policy_id, "kind": kind,
                "cycle": notice.cycle, "at": crate::inbox::rfc3339_millis(notice.at_ms),
            }),
        )
    }

    /// An idle conversation was resolved by its chat expiration rule; `due_ms` (when its expiry
    /// came due) tells apart the expiries of a conversation reopened in between.
    pub fn conversation_auto_resolved(org_id: &str, conversation_id: &str, due_ms: i64) -> Self {
        Self::new(
            "conversation.auto_resolved",
            format!("conversation.auto_resolved:{conversation_id}:{due_ms}"),
            org_id,
            json!({"conversation_id": conversation_id}),
        )
    }

    /// The customer edited (`edited`) or deleted one of their messages; the change's wamid is the id.
    pub fn message_changed(
        org_id: &str,
        edited: bool,
        conversation_id: &str,
        message_id: &str,
        change_wamid: &str,
    ) -> Self {
        let detail_type = if edited { "message.edited" } else { "message.revoked" };
        Self::new(
            detail_type,
            format!("{detail_type}:{change_wamid}"),
            org_id,
            json!({"conversation_id": conversation_id, "message_id": message_id, "wamid": change_wamid}),
        )
    }

    /// A customer rated a satisfaction survey.
    pub fn csat_rated(
        org_id: &str,
        conversation_id: &str,
        survey_id: &str,
        rating: u8,
        agent_id: Option<&str>,
    ) -> Self {
        Self::new(
            "csat.rated",
            format!("csat.rated:{survey_id}"),
            org_id,
            json!({"conversation_id": conversation_id, "survey_id": survey_id, "rating": rating, "agent_id": agent_id}),
        )
    }

    /// An agent changed a conversation through the API (`change`: the operation, e.g. `transfer`,
    /// `sendMessage`, `resolve`); every change is its own event.
    pub fn conversation_changed(org_id: &str, conversation_id: &str, change: &str, agent_id: &str) -> Self {
        Self::new(
            "conversation.changed",
            format!("conversation.changed:{conversation_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"conversation_id": conversation_id, "change": change, "agent_id": agent_id}),
        )
    }

    /// Every session of an agent but `kept_session` ended (a password change or reset, a role
    /// change, a deactivation): the notifier closes their live connections.
    pub fn agent_sessions_ended(org_id: &str, agent_id: &str, kept_session: Option<&str>, reason: &str) -> Self {
        Self::new(
            "agent.sessions_ended",
            format!("agent.sessions_ended:{agent_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"agent_id": agent_id, "kept_session_id": kept_session, "reason": reason}),
        )
    }

    /// A custom role's permissions changed: the notifier closes its holders' live connections
    /// (their pages reconnect with what they may see now).
    pub fn role_changed(org_id: &str, role_id: &str, changed_by: &str) -> Self {
        Self::new(
            "role.changed",
            format!("role.changed:{role_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"role_id": role_id, "changed_by": changed_by}),
        )
    }

    /// An agent joined or left a division: the notifier closes their live connections (kept
    /// sessions; the page reconnects with what they may see now).
    pub fn agent_access_changed(org_id: &str, agent_id: &str, reason: &str) -> Self {
        Self::new(
            "agent.access_changed",
            format!("agent.access_changed:{agent_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"agent_id": agent_id, "reason": reason}),
        )
    }

    /// An admin asked for an agent's password reset; the token itself is never on the bus (an
    /// e-mail integration tells the agent to ask their admin, or the admin hands it over).
    pub fn agent_password_reset_requested(
        org_id: &str,
        agent_id: &str,
        email: &str,
        expires_at: &str,
        requested_by: &str,
    ) -> Self {
        Self::new(
            "agent.password_reset_requested",
            format!("agent.password_reset_requested:{agent_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"agent_id": agent_id, "email": email, "expires_at": expires_at, "requested_by": requested_by}),
        )
    }

    /// An outgoing webhook endpoint was disabled by delivery (`gone`: it answered 410;
    /// `failing`: no success for five days); `at` tells one disabling from a later one.
    pub fn webhook_disabled(org_id: &str, webhook_id: &str, reason: &str, at: &str) -> Self {
        Self::new(
            "webhook.disabled",
            format!("webhook.disabled:{webhook_id}:{at}"),
            org_id,
            json!({"webhook_id": webhook_id, "reason": reason}),
        )
    }

    /// An automation rule failed `failures` runs in a row (its `alert_settings`); one per streak,
    /// named by the event whose run began it.
    pub fn automation_alert(
        org_id: &str,
        rule_id: &str,
        rule_name: &str,
        failures: u32,
        since_event: &str,
        last_error: &str,
    ) -> Self {
        let last_error: String = last_error.chars().take(MAX_EVENT_TEXT_CHARS).collect();
        Self::new(
            "automation.alert",
            format!("automation.alert:{rule_id}:{since_event}"),
            org_id,
            json!({"rule_id": rule_id, "rule_name": rule_name, "failures": failures, "last_error": last_error}),
        )
    }

    /// An agent resolved a conversation (beside `conversation.changed`, for integrations).
    pub fn conversation_resolved(org_id: &str, conversation_id: &str, resolved_by: &str) -> Self {
        Self::new(
            "conversation.resolved",
            format!("conversation.resolved:{conversation_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"conversation_id": conversation_id, "resolved_by": resolved_by}),
        )
    }

    /// A conversation was assigned or transferred: to `agent_id`, or (none) to `division_id`'s
    /// queue, or unassigned.
    pub fn conversation_assigned(
        org_id: &str,
        conversation_id: &str,
        agent_id: Option<&str>,
        division_id: Option<&str>,
        assigned_by: &str,
    ) -> Self {
        Self::new(
            "conversation.assigned",
            format!("conversation.assigned:{conversation_id}:{}", ulid::Ulid::new()),
            org_id,
            json!({"conversation_id": conversation_id, "agent_id": agent_id, "division_id": division_id, "assigned_by": assigned_by}),
        )
    }

    /// A contact was created: a new customer wrote (`account_id` theirs), or an agent added one.
    pub fn contact_created(org_id: &str, contact_id: &str, account_id: Option<&str>) -> Self {
        Self::new(
            "contact.created",
            format!("contact.created:{contact_id}"),
            org_id,
            json!({"contact_id": contact_id, "account_id": account_id}),
        )
    }

    /// A message's delivery state moved (`sent`, `delivered`, `read`, `failed`); the conversation
    /// and message ids let the agents' pages update the ticks.
    pub fn message_status(
        org_id: &str,
        wamid: &str,
        status: &str,
        timestamp: i64,
        message: Option<(&str, &str)>,
    ) -> Self {
        let (conversation_id, message_id) = message.unwrap_or_default();
        Self::new(
            "message.status",
            format!("message.status:{wamid}:{status}"),
            org_id,
            json!({"wamid": wamid, "status": status, "timestamp": timestamp, "conversation_id": conversation_id, "message_id": message_id}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_a_stable_id_and_their_org() {
        let received = Received {
            account_id: "acc",
            conversation_id: "cv",
            contact_id: "ct",
            wamid: "wamid.X",
            message_type: "text",
            timestamp: 1,
            text: Some("hi"),
            reply_id: None,
            first_in_conversation: true,
        };
        let a = DomainEvent::message_received("org_1", received);
        let b = DomainEvent::message_received("org_1", received);
        assert_eq!(a.detail["event_id"], b.detail["event_id"]);
        assert_eq!(a.detail["org_id"], "org_1");
        assert_eq!(
            DomainEvent::message_status("o", "w", "read", 2, None).detail_type,
            "message.status"
        );
    }
}
