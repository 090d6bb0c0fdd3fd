//! Chat expiration rules (one per channel) and what they decide: when an idle conversation is
//! resolved on its own, and whether free-form text may still be sent.
//!
//! Idle is measured from the conversation's last message in either direction; the text window from
//! the customer's last message (as Meta's own 24-hour window is), and never longer than Meta's.

use crate::desk::{FieldError, field_error};
use crate::inbox::SERVICE_WINDOW_SECONDS;
use serde::{Deserialize, Serialize};

/// The longest window: a year.
pub const MAX_WINDOW_HOURS: u32 = 366 * 24;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatExpirationRule {
    pub rule_id: String,
    pub org_id: String,
    pub channel: String,
    /// Hours of inactivity after which a conversation expires; 0: never.
    pub window_hours: u32,
    /// Resolve expired conversations (through the same path as an agent's resolve).
    pub auto_resolve: bool,
    /// Refuse free-form text once `window_hours` have passed since the customer's last message.
    pub block_text_after_window: bool,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
}

pub fn check(rule: &ChatExpirationRule) -> Result<(), FieldError> {
    if rule.window_hours > MAX_WINDOW_HOURS {
        return Err(field_error(
            "window_hours",
            format!("must be 0 (never) to {MAX_WINDOW_HOURS}"),
        ));
    }
    Ok(())
}

impl ChatExpirationRule {
    fn window_ms(&self) -> Option<i64> {
        (self.is_active && self.window_hours > 0).then(|| i64::from(self.window_hours) * 3_600_000)
    }

    /// When a conversation last active at `last_activity_ms` is to be resolved, if the rule
    /// resolves at all.
    pub fn resolve_at_ms(&self, last_activity_ms: i64) -> Option<i64> {
        match self.auto_resolve {
            true => self.window_ms().map(|w| last_activity_ms.saturating_add(w)),
            false => None,
        }
    }

    /// End of the free-form text window (epoch seconds) for a customer who last wrote at
    /// `last_inbound_ms`: the rule's when it blocks text and is shorter than Meta's, else Meta's.
    pub fn text_window_expires_at(&self, last_inbound_ms: Option<i64>, meta_expires_at: Option<i64>) -> Option<i64> {
        let rule_expiry = match (self.block_text_after_window, self.window_ms(), last_inbound_ms) {
            (true, Some(window), Some(inbound)) => Some((inbound + window) / 1000),
            _ => None,
        };
        match (rule_expiry, meta_expires_at) {
            (Some(rule), Some(meta)) => Some(rule.min(meta)),
            (Some(rule), None) => Some(rule.min(last_inbound_ms.unwrap_or(0) / 1000 + SERVICE_WINDOW_SECONDS)),
            (None, meta) => meta,
        }
    }
}

/// What the expiry check does with an idle conversation's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryStep {
    /// Resolved already, or no rule resolves it any more: the entry goes.
    Drop,
    /// Active since: wait until then.
    WaitUntil(i64),
    /// Idle for the whole window: resolve it.
    Resolve,
}

/// The step for a conversation (`None`: resolved or gone) last active at `last_activity_ms`.
pub fn expiry_step(rule: Option<&ChatExpirationRule>, open_last_activity_ms: Option<i64>, now_ms: i64) -> ExpiryStep {
    let (Some(rule), Some(last)) = (rule, open_last_activity_ms) else {
        return ExpiryStep::Drop;
    };
    match rule.resolve_at_ms(last) {
        None => ExpiryStep::Drop,
        Some(at) if at > now_ms => ExpiryStep::WaitUntil(at),
        Some(_) => ExpiryStep::Resolve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(window_hours: u32, auto_resolve: bool, block: bool) -> ChatExpirationRule {
        ChatExpirationRule {
            rule_id: "cxr_1".into(),
            org_id: "org".into(),
            channel: "whatsapp".into(),
            window_hours,
            auto_resolve,
            block_text_after_window: block,
            is_active: true,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn an_idle_conversation_is_resolved_after_the_window_and_an_active_one_waits() {
        let hour = 3_600_000;
        let r = rule(2, true, false);
        assert_eq!(
            expiry_step(Some(&r), Some(0), 2 * hour - 1),
            ExpiryStep::WaitUntil(2 * hour)
        );
        assert_eq!(expiry_step(Some(&r), Some(0), 2 * hour), ExpiryStep::Resolve);
        assert_eq!(
            expiry_step(Some(&r), None, 5 * hour),
            ExpiryStep::Drop,
            "resolved already"
        );
        assert_eq!(expiry_step(None, Some(0), 5 * hour), ExpiryStep::Drop, "no rule");
        assert_eq!(
            expiry_step(Some(&rule(0, true, false)), Some(0), 5 * hour),
            ExpiryStep::Drop,
            "0 = never"
        );
        assert_eq!(
            expiry_step(Some(&rule(2, false, true)), Some(0), 5 * hour),
            ExpiryStep::Drop
        );
        let mut inactive = rule(2, true, false);
        inactive.is_active = false;
        assert_eq!(expiry_step(Some(&inactive), Some(0), 5 * hour), ExpiryStep::Drop);
    }

    #[test]
    fn blocking_text_shortens_the_window_never_lengthens_it() {
        let inbound = 1_000_000_000_000;
        let meta = Some(inbound / 1000 + SERVICE_WINDOW_SECONDS);
        assert_eq!(
            rule(2, false, true).text_window_expires_at(Some(inbound), meta),
            Some(inbound / 1000 + 7200)
        );
        assert_eq!(rule(48, false, true).text_window_expires_at(Some(inbound), meta), meta);
        assert_eq!(rule(2, false, false).text_window_expires_at(Some(inbound), meta), meta);
        assert_eq!(rule(0, false, true).text_window_expires_at(Some(inbound), meta), meta);
    }

    #[test]
    fn a_window_past_a_year_is_refused() {
        assert_eq!(
            check(&rule(MAX_WINDOW_HOURS + 1, true, false)).unwrap_err().field,
            "window_hours"
        );
        assert!(check(&rule(MAX_WINDOW_HOURS, true, false)).is_ok());
    }
}
