//! A campaign and its recipients as stored.

use super::{CampaignStatus, Variables};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub campaign_id: String,
    pub org_id: String,
    pub name: String,
    /// The account (phone number) it sends from.
    pub account_id: String,
    pub template_id: String,
    pub template_name: String,
    pub template_language: String,
    #[serde(default)]
    pub template_category: String,
    pub status: CampaignStatus,
    /// When a scheduled campaign starts (RFC 3339, UTC).
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// Replies land in conversations assigned to this agent, or this division.
    #[serde(default)]
    pub responding_agent_id: Option<String>,
    #[serde(default)]
    pub responding_division_id: Option<String>,
    /// Values for every recipient that does not give its own.
    #[serde(default)]
    pub default_variables: Variables,
    /// Tags added whose contacts are still to be expanded into recipients.
    #[serde(default)]
    pub pending_tags: Vec<String>,
    /// Tags already expanded.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The status a campaign returns to once its audience is prepared.
    #[serde(default)]
    pub prepared_status: Option<CampaignStatus>,
    #[serde(default)]
    pub pause_reason: Option<String>,
    #[serde(default)]
    pub total_recipients: u64,
    /// The fan-out's checkpoint: the last recipient (phone) it queued a send for.
    #[serde(default)]
    pub feed_cursor: Option<String>,
    /// Where the fan-out's last step that queued sends started, and the one before it: their
    /// jobs may still be queued when the campaign pauses (the sender then drops them), so a
    /// resume feeds again from `feed_rewind`, not from the first recipient.
    #[serde(default)]
    pub feed_last_start: Option<String>,
    #[serde(default)]
    pub feed_rewind: Option<String>,
    /// The end's sweep (see [`super::settle`]): the last recipient it read, and how many it has
    /// found open so far.
    #[serde(default)]
    pub settle_cursor: Option<String>,
    #[serde(default)]
    pub settle_open: u32,
    /// The expansion's checkpoint: the last contact key read of the first pending tag.
    #[serde(default)]
    pub expand_cursor: Option<String>,
    /// Moves by one with every checkpoint of the expansion or the fan-out (optimistic lock).
    #[serde(default)]
    pub checkpoint: u64,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub org_id: String,
    pub campaign_id: String,
    /// Phone digits, country code first: the recipient's key and WhatsApp id.
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default)]
    pub variables: Variables,
    /// pending | sending | unknown | sent | delivered | read | failed | skipped
    pub status: String,
    pub status_rank: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wamid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replied_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_claimed_ms: Option<i64>,
    #[serde(default)]
    pub send_attempts: u32,
}

impl Recipient {
    /// A recipient added now, not yet sent to.
    pub fn pending(
        org_id: &str,
        campaign_id: &str,
        phone: String,
        contact_id: Option<String>,
        variables: Variables,
        now: &str,
    ) -> Self {
        Self {
            org_id: org_id.to_string(),
            campaign_id: campaign_id.to_string(),
            phone,
            contact_id,
            variables,
            status: "pending".into(),
            status_rank: super::rank::PENDING,
            wamid: None,
            error_code: None,
            error_message: None,
            conversation_id: None,
            created_at: now.to_string(),
            sent_at: None,
            delivered_at: None,
            read_at: None,
            failed_at: None,
            replied_at: None,
            send_claimed_ms: None,
            send_attempts: 0,
        }
    }
}

/// A campaign's counters, summed over their shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CampaignCounters {
    pub total: u64,
    pub sent: u64,
    pub delivered: u64,
    pub read: u64,
    pub failed: u64,
    pub replied: u64,
    pub skipped: u64,
}
