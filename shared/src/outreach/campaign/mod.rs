//! Campaigns, free of I/O: which command a campaign's status allows and where it leads, how a
//! recipient moves forward (and which counters a move adds to), how far ahead the fan-out feeds
//! the sender, and the job the sender gets for one recipient.

mod change;
pub mod limit;
mod record;
pub mod settle;
mod steps;

pub use change::CampaignChange;
pub use record::{Campaign, CampaignCounters, Recipient};
pub use steps::{DueStep, WATCHDOG_MS, command_change, due_step};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    /// Recipients added by tag are being expanded by the campaigns function.
    Preparing,
    InProgress,
    Paused,
    Completed,
    Cancelled,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Preparing => "preparing",
            Self::InProgress => "in_progress",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        ALL_STATUSES.iter().copied().find(|s| s.as_str() == text)
    }

    /// Whether the audience and settings may still change.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Scheduled)
    }
}

pub const ALL_STATUSES: &[CampaignStatus] = &[
    CampaignStatus::Draft,
    CampaignStatus::Scheduled,
    CampaignStatus::Preparing,
    CampaignStatus::InProgress,
    CampaignStatus::Paused,
    CampaignStatus::Completed,
    CampaignStatus::Cancelled,
];

/// What an agent asks of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    Pause,
    Resume,
    Cancel,
    Edit,
}

/// Why a command does not apply (answered 409 with `code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
    }
}

/// The status `command` leads to from `status`, or why it does not apply. `recipients` is the
/// campaign's total so far.
pub fn after(status: CampaignStatus, command: Command, recipients: u64) -> Result<CampaignStatus, Refusal> {
    use CampaignStatus::*;
    match (command, status) {
        (Command::Start, Draft | Scheduled) if recipients == 0 => {
            Err(refuse("no_recipients", "the campaign has no recipients yet"))
        }
        (Command::Start, Draft | Scheduled) => Ok(InProgress),
        (Command::Start, Preparing) => Err(refuse(
            "audience_preparing",
            "recipients are still being added from tags; start when the campaign is back in draft",
        )),
        (Command::Start, _) => Err(refuse(
            "already_started",
            format!("the campaign is {}", status.as_str()),
        )),
        (Command::Pause, InProgress) => Ok(Paused),
        (Command::Pause, _) => Err(refuse(
            "not_running",
            format!("only a running campaign pauses; it is {}", status.as_str()),
        )),
        (Command::Resume, Paused) => Ok(InProgress),
        (Command::Resume, _) => Err(refuse("not_paused", format!("the campaign is {}", status.as_str()))),
        (Command::Cancel, Completed | Cancelled) => Err(refuse(
            "finished",
            format!("the campaign is {} already", status.as_str()),
        )),
        (Command::Cancel, _) => Ok(Cancelled),
        (Command::Edit, Draft | Scheduled) => Ok(status),
        (Command::Edit, _) => Err(refuse(
            "not_editable",
            format!(
                "a campaign changes only while draft or scheduled; it is {}",
                status.as_str()
            ),
        )),
    }
}

/// A recipient's progress; it only ever moves up (statuses out of order or repeated change
/// nothing), `failed` sitting between delivered and read as Meta's statuses do.
pub mod rank {
    pub const PENDING: i64 = 0;
    pub const SENDING: i64 = 5;
    pub const UNKNOWN: i64 = 6;
    /// Failed without a word from Meta (no answer, no status in time): counted as failed, but
    /// any status of the send that comes later wins.
    pub const FAILED_UNCONFIRMED: i64 = 8;
    const _: () = assert!(UNKNOWN < FAILED_UNCONFIRMED && FAILED_UNCONFIRMED < SENT);
    pub const SENT: i64 = 10;
    pub const DELIVERED: i64 = 20;
    pub const FAILED: i64 = 25;
    pub const READ: i64 = 30;
}

/// The rank of a recipient status (`pending`, `sending`, `unknown`, `sent`, `delivered`,
/// `failed`, `read`; `skipped` recipients rank as failed: they are settled).
pub fn rank_of(status: &str) -> Option<i64> {
    Some(match status {
        "pending" => rank::PENDING,
        "sending" => rank::SENDING,
        "unknown" => rank::UNKNOWN,
        "sent" => rank::SENT,
        "delivered" => rank::DELIVERED,
        "failed" | "skipped" => rank::FAILED,
        "read" | "played" => rank::READ,
        _ => return None,
    })
}

/// Counters a recipient adds to when it moves from `from` up to `to`: every level it passes
/// (a `read` that overtakes `delivered` counts both); a failure counts as failed only, as it
/// says nothing of delivery.
pub fn counters_crossed(from: i64, to: i64) -> Vec<(&'static str, i64)> {
    if to == rank::FAILED {
        // An unconfirmed failure that Meta confirms was counted already.
        return match from < rank::FAILED && from != rank::FAILED_UNCONFIRMED {
            true => vec![("failed", 1)],
            false => vec![],
        };
    }
    let mut counters = Vec::new();
    if from == rank::FAILED_UNCONFIRMED && to > from {
        // A status proves the send went out: it was not a failure after all.
        counters.push(("failed", -1));
    }
    for (level, name) in [
        (rank::SENT, "sent"),
        (rank::DELIVERED, "delivered"),
        (rank::READ, "read"),
    ] {
        if from < level && level <= to {
            counters.push((name, 1));
        }
    }
    counters
}

/// Every counter a campaign shows.
pub const COUNTERS: &[&str] = &["total", "sent", "delivered", "read", "failed", "replied", "skipped"];

/// How many seconds of the number's throughput the fan-out keeps queued ahead of the sender:
/// enough that the sender never waits, little enough that a pause stops sends within seconds.
pub const LEAD_SECONDS: u32 = 5;

/// Recipients one feed step enqueues for a number of `mps` messages per second.
pub fn feed_budget(mps: u32) -> usize {
    (mps.max(1) as usize * LEAD_SECONDS as usize).clamp(10, 5_000)
}

/// A phone number as recipients are keyed: its digits, 6 to 15 of them, after `+`, spaces, `-`,
/// `(`, `)` and `.`; anything else is not a phone number.
pub fn phone_key(raw: &str) -> Option<String> {
    let separator = |c: char| matches!(c, '+' | ' ' | '-' | '(' | ')' | '.');
    if !raw.chars().all(|c| separator(c) || c.is_ascii_digit()) {
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    (6..=15).contains(&digits.len()).then_some(digits)
}

const CALLBACK_PREFIX: &str = "cmp:";

/// What a campaign send carries as `biz_opaque_callback_data`: Meta echoes it on every status,
/// so a status finds its recipient without any lookup.
pub fn callback_data(campaign_id: &str, phone: &str) -> String {
    format!("{CALLBACK_PREFIX}{campaign_id}:{phone}")
}

/// The (campaign, phone) a callback names, if it is a campaign's.
pub fn parse_callback(data: &str) -> Option<(&str, &str)> {
    let (campaign, phone) = data.strip_prefix(CALLBACK_PREFIX)?.split_once(':')?;
    (crate::platform::ids::is_well_formed(campaign) && phone_key(phone).as_deref() == Some(phone))
        .then_some((campaign, phone))
}

/// The outbound queue's message for one campaign recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSend {
    pub org_id: String,
    pub account_id: String,
    pub campaign_id: String,
    /// The recipient's phone digits (also its WhatsApp id to send to).
    pub phone: String,
    pub template_name: String,
    pub language: String,
    /// Meta's send components, rendered from the recipient's variables.
    pub components: serde_json::Value,
    /// Who answers a reply (kept for the reply's conversation).
    #[serde(default)]
    pub responding_agent_id: Option<String>,
    #[serde(default)]
    pub responding_division_id: Option<String>,
}

/// A campaign send that reached a customer, kept a while so that the customer's reply finds the
/// campaign (and who answers it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    pub campaign_id: String,
    pub account_id: String,
    pub phone: String,
    #[serde(default)]
    pub responding_agent_id: Option<String>,
    #[serde(default)]
    pub responding_division_id: Option<String>,
}

/// The campaign send a reply answers, as a message of the conversation the reply is in, so the
/// agent reads what the customer answers: rendered as it was sent, its wamid and the status it
/// reached, `origin: campaign:<id>`, with the time its key sorts by. Its id is the send's (one per
/// campaign and phone), so it is put once however often the reply is delivered. `None` when Meta
/// never took the send.
pub fn reply_context(
    recipient: &Recipient,
    conversation_id: &str,
    template: &crate::outreach::template::Template,
    components: serde_json::Value,
) -> Option<(i64, crate::inbox::Message)> {
    let wamid = recipient.wamid.clone()?;
    // When it went out: a `delivered` or `read` that came first stands for it.
    let sent_at = [&recipient.sent_at, &recipient.delivered_at, &recipient.read_at]
        .into_iter()
        .find_map(|at| at.clone())?;
    let sent_ms = chrono::DateTime::parse_from_rfc3339(&sent_at).ok()?.timestamp_millis();
    let status = crate::meta::DeliveryStatus::parse(&recipient.status).unwrap_or(crate::meta::DeliveryStatus::Sent);
    let message = crate::inbox::Message {
        org_id: recipient.org_id.clone(),
        conversation_id: conversation_id.to_string(),
        message_id: campaign_message_id(&recipient.campaign_id, &recipient.phone, sent_ms),
        wamid: Some(wamid),
        direction: crate::inbox::Direction::Outbound,
        message_type: "template".into(),
        content: crate::meta::Content::Template {
            name: template.name.clone(),
            language: template.language.clone(),
            components,
        },
        status: status.as_str().to_string(),
        status_rank: status.rank(),
        meta_timestamp: sent_ms / 1000,
        received_at_ms: sent_ms.max(0) as u64,
        context: None,
        referral: None,
        errors: vec![],
        status_errors: vec![],
        media: None,
        pricing: None,
        created_at: sent_at,
        edited_at: None,
        revoked_at: None,
        previous_contents: vec![],
        origin: Some(
            crate::inbox::origin::Origin::of(crate::inbox::origin::OriginKind::Campaign, &recipient.campaign_id)
                .stored(),
        ),
    };
    // Keyed a millisecond before its second: Meta stamps a reply in whole seconds, so even one
    // in the same second as the send sorts after it.
    Some((sent_ms - sent_ms.rem_euclid(1000) - 1, message))
}

/// A campaign send's message id: a ULID of its send time and a digest of campaign and phone.
fn campaign_message_id(campaign_id: &str, phone: &str, sent_ms: i64) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{campaign_id}#{phone}").as_bytes());
    let mut random = [0u8; 16];
    random.copy_from_slice(&digest[..16]);
    let ulid = ulid::Ulid::from_parts(sent_ms.max(0) as u64, u128::from_be_bytes(random));
    format!("msg_{}", ulid.to_string().to_lowercase())
}

/// How long after a send a reply is attributed to the campaign.
pub const REPLY_ATTRIBUTION_SECONDS: i64 = 7 * 24 * 3600;

/// The campaign queue's message: what the campaigns function does next for one campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CampaignJob {
    /// Expand the pending tags into recipients, page by page, from the campaign's checkpoint.
    Expand { org_id: String, campaign_id: String },
    /// Queue the next sends, from the campaign's checkpoint, then come back a few seconds later.
    Feed { org_id: String, campaign_id: String },
}

/// Variables as a recipient carries them.
pub type Variables = BTreeMap<String, String>;

#[cfg(test)]
mod tests {
    use super::CampaignStatus::*;
    use super::*;

    #[test]
    fn a_reply_shows_the_campaign_send_it_answers_once_and_as_sent() {
        let template: crate::outreach::template::Template = serde_json::from_value(serde_json::json!({
            "org_id": "org_1", "template_id": "tpl_1", "account_id": "acc_1", "waba_id": "1", "name": "restock",
            "language": "en", "category": "MARKETING", "status": "APPROVED", "components": "[]",
            "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
        }))
        .unwrap();
        let mut recipient = Recipient::pending("org_1", "cmp_1", "4915100000001".into(), None, Default::default(), "x");
        assert!(
            reply_context(&recipient, "cv_1", &template, serde_json::json!([])).is_none(),
            "never sent"
        );
        recipient.wamid = Some("wamid.c1".into());
        recipient.sent_at = Some("2026-12-01T10:00:00Z".into());
        recipient.status = "read".into();
        let (sent_ms, message) = reply_context(&recipient, "cv_1", &template, serde_json::json!([])).unwrap();
        let (_, again) = reply_context(&recipient, "cv_1", &template, serde_json::json!([])).unwrap();
        assert_eq!(message.message_id, again.message_id, "one id per campaign and phone");
        assert!(crate::platform::ids::is_well_formed(&message.message_id));
        assert_eq!(sent_ms, 1_796_119_200_000 - 1, "before any reply stamped in its second");
        assert_eq!(
            (message.status.as_str(), message.wamid.as_deref()),
            ("read", Some("wamid.c1"))
        );
        assert_eq!(message.origin.as_deref(), Some("campaign:cmp_1"));
        assert!(matches!(message.content, crate::meta::Content::Template { ref name, .. } if name == "restock"));
    }

    #[test]
    fn commands_follow_the_status() {
        assert_eq!(after(Draft, Command::Start, 3), Ok(InProgress));
        assert_eq!(after(Draft, Command::Start, 0).unwrap_err().code, "no_recipients");
        assert_eq!(
            after(InProgress, Command::Start, 3).unwrap_err().code,
            "already_started"
        );
        assert_eq!(
            after(Preparing, Command::Start, 3).unwrap_err().code,
            "audience_preparing"
        );
        assert_eq!(after(InProgress, Command::Pause, 3), Ok(Paused));
        assert_eq!(after(Completed, Command::Pause, 3).unwrap_err().code, "not_running");
        assert_eq!(after(Paused, Command::Resume, 3), Ok(InProgress));
        assert_eq!(after(InProgress, Command::Resume, 3).unwrap_err().code, "not_paused");
        assert_eq!(after(Paused, Command::Cancel, 3), Ok(Cancelled));
        assert_eq!(after(Completed, Command::Cancel, 3).unwrap_err().code, "finished");
        assert_eq!(after(Scheduled, Command::Edit, 0), Ok(Scheduled));
        assert_eq!(after(InProgress, Command::Edit, 0).unwrap_err().code, "not_editable");
        for status in ALL_STATUSES {
            assert_eq!(CampaignStatus::parse(status.as_str()), Some(*status));
        }
    }

    /// The counters a move adds to, by name (each +1 unless said).
    fn crossed(from: i64, to: i64) -> Vec<String> {
        counters_crossed(from, to)
            .into_iter()
            .map(|(name, by)| {
                if by == 1 {
                    name.to_string()
                } else {
                    format!("{name}{by:+}")
                }
            })
            .collect()
    }

    #[test]
    fn a_status_after_an_unconfirmed_failure_wins_and_moves_the_count() {
        assert_eq!(
            crossed(rank::FAILED_UNCONFIRMED, rank::DELIVERED),
            ["failed-1", "sent", "delivered"]
        );
        assert_eq!(crossed(rank::FAILED_UNCONFIRMED, rank::SENT), ["failed-1", "sent"]);
        assert_eq!(
            crossed(rank::FAILED_UNCONFIRMED, rank::FAILED),
            Vec::<String>::new(),
            "confirmed: counted once"
        );
    }

    #[test]
    fn a_recipient_counts_each_level_once_whatever_the_order() {
        assert_eq!(crossed(rank::SENDING, rank::SENT), ["sent"]);
        assert_eq!(crossed(rank::SENDING, rank::READ), ["sent", "delivered", "read"]);
        assert_eq!(
            crossed(rank::READ, rank::DELIVERED),
            Vec::<String>::new(),
            "late delivered"
        );
        assert_eq!(
            crossed(rank::SENT, rank::FAILED),
            ["failed"],
            "a failure is not a delivery"
        );
        assert_eq!(crossed(rank::SENDING, rank::FAILED), ["failed"]);
        assert_eq!(crossed(rank::FAILED, rank::READ), ["read"]);
        // Every order of sent, delivered and read adds each counter exactly once.
        let orders = [[10, 20, 30], [30, 20, 10], [20, 30, 10], [10, 30, 20]];
        for order in orders {
            let mut at = rank::SENDING;
            let mut counted = Vec::new();
            for status in order {
                if status > at {
                    counted.extend(crossed(at, status));
                    at = status;
                }
            }
            counted.sort();
            assert_eq!(counted, ["delivered", "read", "sent"], "{order:?}");
        }
    }

    #[test]
    fn the_feed_keeps_a_few_seconds_of_throughput_queued() {
        assert_eq!(feed_budget(80), 400);
        assert_eq!(feed_budget(1_000), 5_000);
        assert_eq!(feed_budget(0), 10);
    }

    #[test]
    fn phones_and_callbacks() {
        assert_eq!(phone_key("+49 (151) 234-5678").as_deref(), Some("491512345678"));
        assert_eq!(phone_key("12345"), None);
        assert_eq!(phone_key("+49 151 x"), None);
        let data = callback_data("cmp_01", "491512345678");
        assert_eq!(parse_callback(&data), Some(("cmp_01", "491512345678")));
        assert_eq!(parse_callback("msg_01"), None);
        assert_eq!(parse_callback("cmp:CMP#1:4915"), None);
    }
}
