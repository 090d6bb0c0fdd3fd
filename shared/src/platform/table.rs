//! The single DynamoDB table: attribute names, index names and the key of every entity.
//!
//! `DATA_MODEL.md` (next to this crate's Cargo.toml) lists the access patterns these keys serve.
//! template.yaml declares the same attributes and indexes; a test fails when the two disagree, and
//! local provisioning reads template.yaml itself, so there is one definition of the table.

pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1_PK: &str = "gsi1pk";
    pub const GSI1_SK: &str = "gsi1sk";
    pub const GSI2_PK: &str = "gsi2pk";
    pub const GSI2_SK: &str = "gsi2sk";
    /// Epoch seconds; DynamoDB's TTL deletes the item some time after it.
    pub const EXPIRES_AT: &str = "expires_at";
    /// Which entity an item holds, so a Query over a mixed partition can tell items apart.
    pub const ENTITY: &str = "entity";
}

pub mod index {
    /// Global identifiers to their owner: webhook account id, API key hash.
    pub const LOOKUP: &str = "lookup";
    /// Time-ordered lists: conversations by last activity, due scheduled sends and SLA deadlines.
    pub const TIMELINE: &str = "gsi2";
}

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: impl Into<String>) -> Self {
        Self { pk, sk: sk.into() }
    }
}

/// The primary key of an item read from a keys-only index.
pub fn key_of_item(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> Option<Key> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Some(Key::new(text(attr::PK)?, text(attr::SK)?))
}

/// The sort-key prefix of an organization's accounts.
pub fn whatsapp_accounts_prefix() -> &'static str {
    "ACCOUNT#"
}

pub fn org_partition(org_id: &str) -> String {
    format!("ORG#{org_id}")
}

pub fn organization(org_id: &str) -> Key {
    Key::new(org_partition(org_id), "ORG")
}

pub fn whatsapp_account(org_id: &str, account_id: &str) -> Key {
    Key::new(
        org_partition(org_id),
        format!("{}{account_id}", whatsapp_accounts_prefix()),
    )
}

/// GSI1 key that finds an account from the path segment of its webhook URL.
pub fn webhook_lookup(account_id: &str) -> (String, String) {
    (format!("WEBHOOK#{account_id}"), "ACCOUNT".to_string())
}

/// Guard item that makes a Meta phone number id registrable once across all organizations (Meta
/// delivers a number's webhooks to one app, so two tenants cannot both own it). It holds only ids.
pub fn phone_number_claim(phone_number_id: &str) -> Key {
    Key::new(format!("PHONE#{phone_number_id}"), "CLAIM")
}

pub fn agent(org_id: &str, agent_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("AGENT#{agent_id}"))
}

/// Guard item: one agent per e-mail address within an organization.
pub fn agent_email_claim(org_id: &str, email: &str) -> Key {
    Key::new(org_partition(org_id), format!("AGENTEMAIL#{}", email.to_lowercase()))
}

/// A custom role ([`crate::access::roles`]; built-in roles are not stored).
pub fn role(org_id: &str, role_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{role_id}", prefix::ROLE))
}

/// Guard item: one role per (lower-cased) name within an organization.
pub fn role_name_claim(org_id: &str, name: &str) -> Key {
    Key::new(org_partition(org_id), format!("ROLENAME#{}", name.to_lowercase()))
}

pub fn api_key(org_id: &str, key_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("APIKEY#{key_id}"))
}

/// GSI1 key that finds an API key record from the SHA-256 of the presented key.
pub fn api_key_lookup(key_hash_hex: &str) -> (String, String) {
    (format!("APIKEY#{key_hash_hex}"), "APIKEY".to_string())
}

/// Per-organization counters (atomic `ADD`), read by the analytics overview without a scan.
pub fn org_counters(org_id: &str) -> Key {
    Key::new(org_partition(org_id), "COUNTERS")
}

/// Hot counters (messages, conversations) are spread over this many items so one busy organization
/// stays under DynamoDB's per-item write rate; readers add the shards up.
pub const COUNTER_SHARDS: u32 = 8;

pub fn org_counter_shard(org_id: &str, shard: u32) -> Key {
    Key::new(org_partition(org_id), format!("COUNTERS#{shard}"))
}

/// A tally claim: the stream records from `first_sequence` through its `through` were counted
/// (not an organization's item: one chunk of the stream may count several).
pub fn tally_claim(first_sequence: u128) -> Key {
    Key::new("TALLY".to_string(), format!("SEQ#{first_sequence:040}"))
}

/// Per-day counters (messages today, billable conversations by category), sharded like the totals.
pub fn org_daily_counter_shard(org_id: &str, day: &str, shard: u32) -> Key {
    Key::new(org_partition(org_id), format!("COUNTERS#{day}#{shard}"))
}

/// Whether a sort key is one of `day`'s [`org_daily_counter_shard`]s.
pub fn is_daily_counter_sort_key(sk: &str, day: &str) -> bool {
    sk.strip_prefix("COUNTERS#")
        .and_then(|rest| rest.strip_prefix(day))
        .is_some_and(|rest| rest.starts_with('#'))
}

pub fn contact(org_id: &str, contact_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("CONTACT#{contact_id}"))
}

/// Maps one identity of a customer (`BSUID#<user_id>` or `WA#<wa_id>`) to its contact.
pub fn contact_identity(org_id: &str, identity: &str) -> Key {
    Key::new(org_partition(org_id), format!("IDENTITY#{identity}"))
}

/// The identity (`WA#…`, `BSUID#…`) a [`contact_identity`] sort key names.
pub fn identity_of_sort_key(sk: &str) -> Option<&str> {
    sk.strip_prefix("IDENTITY#")
}

pub fn conversation(org_id: &str, conversation_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("CONV#{conversation_id}"))
}

/// GSI2 key of a conversation: the organization's conversations by last activity.
pub fn conversation_timeline(org_id: &str, conversation_id: &str, last_activity_ms: i64) -> (String, String) {
    (
        format!("ORG#{org_id}#CONVS"),
        format!("{:013}#{conversation_id}", last_activity_ms.max(0)),
    )
}

/// Names the open conversation of (account, contact); exists only while one is open.
pub fn open_conversation(org_id: &str, account_id: &str, contact_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("OPENCONV#{account_id}#{contact_id}"))
}

/// One item per (contact, conversation): a contact's conversations are one Query, so a change of
/// the contact's name reaches each conversation's copy of it.
pub fn contact_conversation(org_id: &str, contact_id: &str, conversation_id: &str) -> Key {
    Key::new(
        contact_conversations_partition(org_id, contact_id),
        format!("CONV#{conversation_id}"),
    )
}

pub fn contact_conversations_partition(org_id: &str, contact_id: &str) -> String {
    format!("ORG#{org_id}#CONTACTCONVS#{contact_id}")
}

pub fn conversation_partition(org_id: &str, conversation_id: &str) -> String {
    format!("ORG#{org_id}#CONV#{conversation_id}")
}

/// The sort-key prefix of a conversation partition's messages.
pub const MESSAGE_PREFIX: &str = "MSG#";

/// Sort-key prefixes that list one kind of item of a partition (Query `begins_with`).
pub mod prefix {
    pub const AGENT: &str = "AGENT#";
    pub const API_KEY: &str = "APIKEY#";
    pub const ROLE: &str = "ROLE#";
    pub const AUTOMATION_RULE: &str = "AUTORULE#";
    pub const SCENARIO: &str = "SCENARIO#";
    pub const SCENARIO_TEMPLATE: &str = "SCNTPL#";
    pub const AI_AGENT: &str = "AIAGENT#";
    pub const CONTACT: &str = "CONTACT#";
    pub const DIVISION: &str = "DIVISION#";
    pub const QUICK_REPLY: &str = "QUICKREPLY#";
    pub const NOTE: &str = "NOTE#";
    pub const TRANSFER: &str = "TRANSFER#";
    pub const TEMPLATE: &str = "TEMPLATE#";
    pub const CAMPAIGN: &str = "CAMPAIGN#";
    pub const RECIPIENT: &str = "RCPT#";
    pub const SCHEDULED: &str = "SCHEDULED#";
    pub const SLA_POLICY: &str = "SLAPOLICY#";
    pub const SLA_BREACH: &str = "SLABREACH#";
    pub const CHAT_EXPIRY: &str = "CHATEXPIRY#";
    pub const CSAT: &str = "CSAT#";
    pub const OUTGOING_WEBHOOK: &str = "OUTHOOK#";
    pub const WEBHOOK_DELIVERY: &str = "DELIVERY#";
}

/// The conversation a [`contact_conversation`] sort key names.
pub fn conversation_of_contact_conversation(sk: &str) -> Option<&str> {
    sk.strip_prefix("CONV#")
}

/// Messages sort by Meta's timestamp (milliseconds), then by id, whatever their arrival order.
pub fn message(org_id: &str, conversation_id: &str, meta_timestamp_ms: i64, message_id: &str) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("MSG#{:013}#{message_id}", meta_timestamp_ms.max(0)),
    )
}

/// The message id in a message's key (its sort key ends with it).
pub fn message_id_in(key: &Key) -> Option<&str> {
    key.sk
        .strip_prefix("MSG#")?
        .split_once('#')
        .map(|(_, id)| id)
        .filter(|id| !id.is_empty())
}

/// The conversation a message's key belongs to.
pub fn conversation_id_in(key: &Key) -> Option<&str> {
    key.pk
        .split_once("#CONV#")
        .map(|(_, id)| id)
        .filter(|id| !id.is_empty())
}

/// One per WhatsApp message id: the idempotency claim of an inbound message, the link from an
/// outbound message's wamid to its record, and the parking place of statuses that arrive first.
pub fn wamid(org_id: &str, wamid: &str) -> Key {
    Key::new(org_partition(org_id), format!("WAMID#{wamid}"))
}

/// Non-message webhook changes (template status, account updates), kept for later features.
pub fn account_event(org_id: &str, account_id: &str, received_at_ms: u64, digest: &str) -> Key {
    Key::new(
        org_partition(org_id),
        format!("ACCOUNTEVENT#{account_id}#{received_at_ms:013}#{digest}"),
    )
}

pub fn division(org_id: &str, division_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("DIVISION#{division_id}"))
}

/// Division members sort under their division, so one Query lists them.
pub fn division_member(org_id: &str, division_id: &str, agent_id: &str) -> Key {
    Key::new(
        org_partition(org_id),
        format!("DIVISIONMEMBER#{division_id}#{agent_id}"),
    )
}

pub fn division_members_prefix(division_id: &str) -> String {
    format!("DIVISIONMEMBER#{division_id}#")
}

pub fn tag_partition(org_id: &str, tag: &str) -> String {
    format!("ORG#{org_id}#TAG#{tag}")
}

/// The page cursor of a tag's contacts that resumes after the entry whose sort key is `sk`.
pub fn tag_page_key(org_id: &str, tag: &str, sk: &str) -> crate::platform::records::PageKey {
    std::collections::BTreeMap::from([
        (attr::PK.to_string(), tag_partition(org_id, tag)),
        (attr::SK.to_string(), sk.to_string()),
    ])
}

/// One item per (tag, contact): contacts by tag is one Query.
pub fn contact_tag(org_id: &str, tag: &str, contact_id: &str) -> Key {
    Key::new(tag_partition(org_id, tag), format!("CONTACT#{contact_id}"))
}

/// GSI1 key of a contact for search by name prefix (the name in [`crate::desk::search_form`]).
pub fn contact_name_lookup(org_id: &str, search_form: &str, contact_id: &str) -> (String, String) {
    (
        format!("ORG#{org_id}#CONTACTNAMES"),
        format!("{search_form}#{contact_id}"),
    )
}

pub fn note(org_id: &str, conversation_id: &str, created_ms: i64, note_id: &str) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("NOTE#{:013}#{note_id}", created_ms.max(0)),
    )
}

pub fn transfer(org_id: &str, conversation_id: &str, created_ms: i64, transfer_id: &str) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("TRANSFER#{:013}#{transfer_id}", created_ms.max(0)),
    )
}

pub fn quick_reply(org_id: &str, quick_reply_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("QUICKREPLY#{quick_reply_id}"))
}

pub fn uploaded_media(org_id: &str, media_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("MEDIA#{media_id}"))
}

/// Where an uploaded file's bytes live in the media bucket.
pub fn uploaded_media_object(org_id: &str, media_id: &str) -> String {
    format!("uploads/{org_id}/{media_id}")
}

/// One shard of one second of an account's send budget (pacing); expires a minute later. Each
/// shard is its own partition so a 1,000 mps number spreads its pacing writes.
pub fn pace_bucket(org_id: &str, account_id: &str, shard: u32, epoch_second: i64) -> Key {
    Key::new(
        format!("ORG#{org_id}#PACE#{account_id}#{shard}"),
        epoch_second.to_string(),
    )
}

/// Outbound messages not yet settled (queued, sending, unknown) are in gsi2 under one of these
/// partitions, sorted by when the sweeper must look at them; the shards spread a busy hour's writes.
pub const SEND_SHARDS: u32 = 8;

pub fn pending_sends_partition(shard: u32) -> String {
    format!("SENDS#{shard}")
}

/// GSI2 key of an unsettled outbound message, due for the sweeper at `due_ms`.
pub fn pending_send(org_id: &str, message_id: &str, due_ms: i64) -> (String, String) {
    (
        pending_sends_partition(shard_of(message_id, SEND_SHARDS)),
        format!("{:013}#{org_id}#{message_id}", due_ms.max(0)),
    )
}

/// A stable shard of `seed` among `shards`.
pub fn shard_of(seed: &str, shards: u32) -> u32 {
    seed.bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32))
        % shards.max(1)
}

/// Finds an outbound message from its id, which Meta echoes in status webhooks
/// (`biz_opaque_callback_data`) even when the send's answer, and so the wamid, was lost.
pub fn outbound_message(org_id: &str, message_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("OUTMSG#{message_id}"))
}

/// One `Idempotency-Key` of a send request (by its SHA-256), kept 24 hours.
pub fn send_idempotency(org_id: &str, key_sha256_hex: &str) -> Key {
    Key::new(org_partition(org_id), format!("IDEMPOTENCY#{key_sha256_hex}"))
}

/// One template, by its id ([`crate::outreach::template::template_id`]: derived from WABA, name, language).
pub fn template(org_id: &str, template_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{template_id}", prefix::TEMPLATE))
}

/// GSI2 key of every WhatsApp account of the deployment, for the jobs that visit each account on
/// a schedule (template sync): one Query, no scan.
pub fn account_directory(org_id: &str, account_id: &str) -> (String, String) {
    (ACCOUNT_DIRECTORY.to_string(), format!("{org_id}#{account_id}"))
}

pub const ACCOUNT_DIRECTORY: &str = "ACCOUNTS";

pub fn campaign(org_id: &str, campaign_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{campaign_id}", prefix::CAMPAIGN))
}

/// A campaign's recipients are one partition, keyed by phone digits: one recipient per phone
/// however often it was added, and the fan-out reads them in pages.
pub fn campaign_recipients_partition(org_id: &str, campaign_id: &str) -> String {
    format!("ORG#{org_id}#CAMPAIGN#{campaign_id}")
}

pub fn campaign_recipient(org_id: &str, campaign_id: &str, phone: &str) -> Key {
    Key::new(
        campaign_recipients_partition(org_id, campaign_id),
        format!("{}{phone}", prefix::RECIPIENT),
    )
}

/// The phone of a [`campaign_recipient`] sort key.
pub fn phone_of_recipient_sort_key(sk: &str) -> Option<&str> {
    sk.strip_prefix(prefix::RECIPIENT)
}

/// A campaign's status counters are spread over this many items, each its own partition, so a
/// 1,000 mps campaign's three or four counter updates per send stay far below one item's limit.
pub const CAMPAIGN_COUNTER_SHARDS: u32 = 16;

pub fn campaign_counter_shard(org_id: &str, campaign_id: &str, shard: u32) -> Key {
    Key::new(format!("ORG#{org_id}#CAMPAIGNSTATS#{campaign_id}#{shard}"), "STATS")
}

/// GSI2 key of a campaign that must be looked at when `due_ms` comes: a scheduled start, or a
/// resume after the messaging limit's window moved on. The campaigns function's tick queries it.
pub fn campaign_due(org_id: &str, campaign_id: &str, due_ms: i64) -> (String, String) {
    (
        CAMPAIGNS_DUE.to_string(),
        format!("{:013}#{org_id}#{campaign_id}", due_ms.max(0)),
    )
}

pub const CAMPAIGNS_DUE: &str = "CAMPAIGNDUE";

/// A customer's marketing opt-out (Meta's `user_preferences` webhook or a 131050 refusal),
/// by phone digits: campaigns of MARKETING templates skip them.
pub fn marketing_opt_out(org_id: &str, phone: &str) -> Key {
    Key::new(org_partition(org_id), format!("OPTOUT#{phone}"))
}

/// The latest campaign send that reached `phone` (TTL: the reply-attribution window).
pub fn campaign_reach(org_id: &str, phone: &str) -> Key {
    Key::new(org_partition(org_id), format!("REACHED#{phone}"))
}

/// Campaign sends of one account in one clock hour, for the rolling 24-hour messaging limit.
pub fn messaging_limit_hour(org_id: &str, account_id: &str, hour: &str) -> Key {
    Key::new(org_partition(org_id), format!("MSGLIMIT#{account_id}#{hour}"))
}

/// A scheduled message lives in its conversation's partition: listed with it, gone with it.
pub fn scheduled_message(org_id: &str, conversation_id: &str, scheduled_id: &str) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("{}{scheduled_id}", prefix::SCHEDULED),
    )
}

/// A scheduled message's entry in the due index while it has work left: a small pointer next to
/// the message (the message itself, up to a full text or template, stays out of the index, so a
/// page of due entries is a page of ids).
pub fn scheduled_due_entry(org_id: &str, conversation_id: &str, scheduled_id: &str) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("SCHEDDUE#{scheduled_id}"),
    )
}

/// GSI2 key of a scheduled message's due entry: the minute it is due in, then when.
pub fn scheduled_due(
    minute: &str,
    due_ms: i64,
    org_id: &str,
    conversation_id: &str,
    scheduled_id: &str,
) -> (String, String) {
    (
        due_partition(SCHEDULED_DUE, minute, org_id),
        format!("{:013}#{org_id}#{conversation_id}#{scheduled_id}", due_ms.max(0)),
    )
}

pub fn sla_policy(org_id: &str, policy_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{policy_id}", prefix::SLA_POLICY))
}

/// An organization's working hours (`division_id` `None`), or a division's.
pub fn working_hours(org_id: &str, division_id: Option<&str>) -> Key {
    Key::new(
        org_partition(org_id),
        match division_id {
            None => "WORKINGHOURS#ORG".to_string(),
            Some(division) => format!("WORKINGHOURS#DIVISION#{division}"),
        },
    )
}

/// A conversation's SLA clocks (one item, next to its messages).
pub fn conversation_sla(org_id: &str, conversation_id: &str) -> Key {
    Key::new(conversation_partition(org_id, conversation_id), "SLA".to_string())
}

/// GSI2 key of a conversation's SLA clocks while a deadline is still to fire.
pub fn sla_due(minute: &str, due_ms: i64, org_id: &str, conversation_id: &str) -> (String, String) {
    (
        due_partition(SLA_DUE, minute, org_id),
        format!("{:013}#{org_id}#{conversation_id}", due_ms.max(0)),
    )
}

/// Each minute of a due index is split in shards, an organization's entries all in one (by its
/// id): a run reads the shards in turn, a page at a time, each within its own budget, so one
/// organization's backlog holds back at most the organizations that share its shard.
pub const DUE_SHARDS: u32 = 8;

/// The due-index partition of `minute` (`yyyy-mm-ddThh:mm`) and `shard` under `prefix`.
pub fn due_shard_partition(prefix: &str, minute: &str, shard: u32) -> String {
    format!("{prefix}{minute}#{shard}")
}

fn due_partition(prefix: &str, minute: &str, org_id: &str) -> String {
    due_shard_partition(prefix, minute, shard_of(org_id, DUE_SHARDS))
}

/// An organization's outgoing webhook endpoint.
pub fn outgoing_webhook(org_id: &str, webhook_id: &str) -> Key {
    Key::new(
        org_partition(org_id),
        format!("{}{webhook_id}", prefix::OUTGOING_WEBHOOK),
    )
}

/// One endpoint's deliveries, newest first by their time-ordered ids: each endpoint its own
/// partition, so its log is one Query and one endpoint's volume shares no partition with another.
pub fn webhook_deliveries_partition(org_id: &str, webhook_id: &str) -> String {
    format!("ORG#{org_id}#OUTHOOK#{webhook_id}")
}

pub fn webhook_delivery(org_id: &str, webhook_id: &str, delivery_id: &str) -> Key {
    Key::new(
        webhook_deliveries_partition(org_id, webhook_id),
        format!("{}{delivery_id}", prefix::WEBHOOK_DELIVERY),
    )
}

/// The guard that makes one delivery per (endpoint, event): it names that delivery.
pub fn webhook_event_guard(org_id: &str, webhook_id: &str, event_id: &str) -> Key {
    Key::new(
        webhook_deliveries_partition(org_id, webhook_id),
        format!("EVENT#{event_id}"),
    )
}

/// GSI2 key of a delivery waiting for a retry past SQS's longest delay (or a safety net for a
/// shorter one).
pub fn webhook_retry_due(
    minute: &str,
    due_ms: i64,
    org_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> (String, String) {
    (
        due_partition(WEBHOOK_RETRY_DUE, minute, org_id),
        format!("{:013}#{org_id}#{webhook_id}#{delivery_id}", due_ms.max(0)),
    )
}

/// The due-index partition prefixes: scheduled messages, SLA clocks, idle conversations, webhook
/// retries.
pub const WEBHOOK_RETRY_DUE: &str = "HOOKDUE#";
pub const SCHEDULED_DUE: &str = "DUE#";
pub const SLA_DUE: &str = "SLADUE#";
pub const EXPIRY_DUE: &str = "EXPDUE#";
pub const WAIT_DUE: &str = "AUTODUE#";

/// The out-of-hours auto-reply's claim: one per conversation and closed period (named by when
/// working hours resume).
pub fn out_of_hours_reply(org_id: &str, conversation_id: &str, reopens_ms: i64) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("OOHREPLY#{reopens_ms:013}"),
    )
}

/// Which agent signs in with this e-mail (lowercase): one across all organizations.
pub fn sign_in(email: &str) -> Key {
    Key::new("SIGNIN".to_string(), email.to_string())
}

/// A browser session, by its token's SHA-256.
pub fn session(token_hash_hex: &str) -> Key {
    Key::new(format!("SESSION#{token_hash_hex}"), "SESSION".to_string())
}

/// A session listed under its agent (org partition), so every session of an agent can be ended
/// when their password, role or standing changes.
pub fn agent_session(org_id: &str, agent_id: &str, token_hash_hex: &str) -> Key {
    Key::new(
        org_partition(org_id),
        format!("{}{token_hash_hex}", agent_sessions_prefix(agent_id)),
    )
}

pub fn agent_sessions_prefix(agent_id: &str) -> String {
    format!("AGENTSESSION#{agent_id}#")
}

/// A customer's edit or deletion of a message never stored here (sent before the number was
/// connected, say), kept for operators once Meta's redeliveries are over.
pub fn orphan_change(org_id: &str, change_wamid: &str) -> Key {
    Key::new(org_partition(org_id), format!("ORPHANCHANGE#{change_wamid}"))
}

/// A password-reset token, by its SHA-256: single use, short-lived.
pub fn password_reset(token_hash_hex: &str) -> Key {
    Key::new(format!("PWRESET#{token_hash_hex}"), "PWRESET".to_string())
}

/// Failed sign-ins of one e-mail or source address (`who`) in one attempt window.
pub fn sign_in_failures(who: &str, window_ms: i64) -> Key {
    Key::new(format!("SIGNINFAILURES#{who}"), format!("{window_ms:013}"))
}

/// A satisfaction survey (one per conversation).
pub fn csat_survey(org_id: &str, survey_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{survey_id}", prefix::CSAT))
}

/// The survey a customer (by phone-based WhatsApp id) of an account was sent last: their rating
/// reply is matched through it.
pub fn csat_pending(org_id: &str, account_id: &str, wa_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("CSATPENDING#{account_id}#{wa_id}"))
}

/// An organization's chat expiration rule for one channel.
pub fn chat_expiration_rule(org_id: &str, channel: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{channel}", prefix::CHAT_EXPIRY))
}

/// When an open conversation is next looked at for expiry (one item, next to its messages).
pub fn conversation_expiry(org_id: &str, conversation_id: &str) -> Key {
    Key::new(conversation_partition(org_id, conversation_id), "EXPIRY".to_string())
}

/// A conversation's wait for a reply (`side`: `customer` or `agent`) that time-triggered
/// automation rules count from.
pub fn conversation_wait(org_id: &str, conversation_id: &str, side: &str) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("AUTOWAIT#{side}"),
    )
}

/// GSI2 key of a wait's next threshold.
pub fn wait_due(minute: &str, due_ms: i64, org_id: &str, conversation_id: &str, side: &str) -> (String, String) {
    (
        due_partition(WAIT_DUE, minute, org_id),
        format!("{:013}#{org_id}#{conversation_id}#{side}", due_ms.max(0)),
    )
}

/// GSI2 key of a conversation's expiry entry.
pub fn expiry_due(minute: &str, due_ms: i64, org_id: &str, conversation_id: &str) -> (String, String) {
    (
        due_partition(EXPIRY_DUE, minute, org_id),
        format!("{:013}#{org_id}#{conversation_id}", due_ms.max(0)),
    )
}

/// A breach of one kind (`first_response`, `resolution`) in one resolution cycle: written once.
pub fn sla_breach(org_id: &str, conversation_id: &str, kind: &str, cycle: u32) -> Key {
    Key::new(
        conversation_partition(org_id, conversation_id),
        format!("{}{kind}#{cycle}", prefix::SLA_BREACH),
    )
}

/// An organization's open WebSocket connections, in a partition of their own: the notifier reads
/// them with one Query per event and nothing else.
pub fn live_connections_partition(org_id: &str) -> String {
    format!("LIVE#{org_id}")
}

pub fn live_connection(org_id: &str, connection_id: &str) -> Key {
    Key::new(live_connections_partition(org_id), format!("CONN#{connection_id}"))
}

/// Which organization a connection belongs to: `$disconnect` knows only the connection id.
pub fn live_connection_owner(connection_id: &str) -> Key {
    Key::new(format!("CONN#{connection_id}"), "CONN".to_string())
}

/// An automation rule of an organization ([`crate::automation::rule`]).
pub fn automation_rule(org_id: &str, rule_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{rule_id}", prefix::AUTOMATION_RULE))
}

/// The organization's pause switch for its rules.
pub fn automation_control(org_id: &str) -> Key {
    Key::new(org_partition(org_id), "AUTOCONTROL".to_string())
}

/// Claim: a rule runs once per event (payload hash, done; TTL 30 days). One partition per rule,
/// so a busy organization's claims spread.
pub fn automation_claim(org_id: &str, rule_id: &str, event_id: &str) -> Key {
    Key::new(format!("ORG#{org_id}#AUTOCLAIM#{rule_id}"), event_id.to_string())
}

/// A rule's cooldown for one conversation (or contact): until when, held by which event.
pub fn automation_cooldown(org_id: &str, rule_id: &str, subject: &str) -> Key {
    Key::new(format!("ORG#{org_id}#AUTOCOOL#{rule_id}"), subject.to_string())
}

/// A rule's runs, newest last in key order (TTL 30 days).
pub fn automation_runs_partition(org_id: &str, rule_id: &str) -> String {
    format!("ORG#{org_id}#AUTORUNS#{rule_id}")
}

pub fn automation_run(org_id: &str, rule_id: &str, at_ms: i64, event_id: &str) -> Key {
    Key::new(
        automation_runs_partition(org_id, rule_id),
        format!("RUN#{at_ms:013}#{event_id}"),
    )
}

/// A rule's failure streak (for its alert), beside its runs.
pub fn automation_streak(org_id: &str, rule_id: &str) -> Key {
    Key::new(automation_runs_partition(org_id, rule_id), "STREAK".to_string())
}

/// A keyword scenario (its item graph inline).
pub fn scenario(org_id: &str, scenario_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{scenario_id}", prefix::SCENARIO))
}

/// A scenario template: a product list or the catalog the bot sends.
pub fn scenario_template(org_id: &str, template_id: &str) -> Key {
    Key::new(
        org_partition(org_id),
        format!("{}{template_id}", prefix::SCENARIO_TEMPLATE),
    )
}

/// How often a contact started a scenario (its `repeat_count`), one partition per contact.
pub fn scenario_count(org_id: &str, contact_id: &str, scenario_id: &str) -> Key {
    Key::new(format!("ORG#{org_id}#BOTCOUNT#{contact_id}"), scenario_id.to_string())
}

/// An AI agent, with its assignments and handoff rules inline ([`crate::ai::agent`]).
pub fn ai_agent(org_id: &str, ai_agent_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("{}{ai_agent_id}", prefix::AI_AGENT))
}

/// An AI agent's products, a partition per agent (what `lookup_product` reads, cached).
pub fn ai_products_partition(org_id: &str, ai_agent_id: &str) -> String {
    format!("ORG#{org_id}#AIPRODUCTS#{ai_agent_id}")
}

pub fn ai_product(org_id: &str, ai_agent_id: &str, product_id: &str) -> Key {
    Key::new(
        ai_products_partition(org_id, ai_agent_id),
        format!("PRODUCT#{product_id}"),
    )
}

/// An agent's corrections, newest last in key order (ULID ids).
pub fn ai_evaluations_partition(org_id: &str, ai_agent_id: &str) -> String {
    format!("ORG#{org_id}#AIEVALS#{ai_agent_id}")
}

pub fn ai_evaluation(org_id: &str, ai_agent_id: &str, evaluation_id: &str) -> Key {
    Key::new(
        ai_evaluations_partition(org_id, ai_agent_id),
        format!("EVAL#{evaluation_id}"),
    )
}

/// Which agent's partition a correction is in, by its id.
pub fn ai_evaluation_pointer(org_id: &str, evaluation_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("AIEVALREF#{evaluation_id}"))
}

/// A conversation's life with AI agents: who answers, turns counted, the handoff (next to its
/// messages).
pub fn ai_session(org_id: &str, conversation_id: &str) -> Key {
    Key::new(conversation_partition(org_id, conversation_id), "AISESSION".to_string())
}

/// The organization's AI usage, in a partition of its own (written on every model call, read by
/// date range).
pub fn ai_usage_partition(org_id: &str) -> String {
    format!("ORG#{org_id}#AIUSAGE")
}

/// One agent's usage on one day (YYYY-MM-DD).
pub fn ai_usage(org_id: &str, date: &str, ai_agent_id: &str) -> Key {
    Key::new(ai_usage_partition(org_id), format!("{date}#{ai_agent_id}"))
}

/// A clock-driven function's checkpoint: the oldest minute of its due index that may hold work.
pub fn clock_cursor(function: &str) -> Key {
    Key::new("CLOCK".into(), function.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listing_prefix_is_the_prefix_its_keys_are_built_with() {
        let listed = [
            (prefix::AGENT, agent("o", "agt_1")),
            (prefix::API_KEY, api_key("o", "key_1")),
            (prefix::ROLE, role("o", "rol_1")),
            (prefix::AUTOMATION_RULE, automation_rule("o", "aut_1")),
            (prefix::SCENARIO, scenario("o", "scn_1")),
            (prefix::SCENARIO_TEMPLATE, scenario_template("o", "stl_1")),
            (prefix::AI_AGENT, ai_agent("o", "aia_1")),
            (prefix::CONTACT, contact("o", "ct_1")),
            (prefix::DIVISION, division("o", "div_1")),
            (prefix::QUICK_REPLY, quick_reply("o", "qr_1")),
            (prefix::NOTE, note("o", "cv_1", 1, "nt_1")),
            (prefix::TRANSFER, transfer("o", "cv_1", 1, "tr_1")),
            (prefix::TEMPLATE, template("o", "tpl_1")),
            (prefix::CAMPAIGN, campaign("o", "cmp_1")),
            (prefix::RECIPIENT, campaign_recipient("o", "cmp_1", "4915")),
            (prefix::SCHEDULED, scheduled_message("o", "cv_1", "sch_1")),
            (prefix::SLA_POLICY, sla_policy("o", "sla_1")),
            (MESSAGE_PREFIX, message("o", "cv_1", 1, "msg_1")),
        ];
        for (prefix, key) in listed {
            assert!(key.sk.starts_with(prefix), "{prefix} / {key:?}");
        }
        assert!(
            !scheduled_due_entry("o", "cv_1", "sch_1")
                .sk
                .starts_with(prefix::SCHEDULED),
            "a due entry is not listed with the scheduled messages"
        );
        let pointer = contact_conversation("o", "ct_1", "cv_1");
        assert_eq!(conversation_of_contact_conversation(&pointer.sk), Some("cv_1"));
        assert_eq!(identity_of_sort_key(&contact_identity("o", "WA#1").sk), Some("WA#1"));
        assert!(is_daily_counter_sort_key(
            &org_daily_counter_shard("o", "2026-11-30", 3).sk,
            "2026-11-30"
        ));
        assert!(!is_daily_counter_sort_key(&org_counter_shard("o", 3).sk, "2026-11-30"));
    }

    #[test]
    fn an_organizations_due_entries_share_one_shard_of_each_minute() {
        let minute = "2026-12-04T10:00";
        let (a1, _) = scheduled_due(minute, 1, "org_a", "cv_1", "sch_1");
        let (a2, _) = sla_due(minute, 2, "org_a", "cv_2");
        assert_eq!(
            a1,
            due_shard_partition(SCHEDULED_DUE, minute, shard_of("org_a", DUE_SHARDS))
        );
        assert_eq!(a2, due_shard_partition(SLA_DUE, minute, shard_of("org_a", DUE_SHARDS)));
        let shards: std::collections::BTreeSet<u32> =
            (0..64).map(|n| shard_of(&format!("org_{n:02}"), DUE_SHARDS)).collect();
        assert_eq!(
            shards.len(),
            DUE_SHARDS as usize,
            "organizations spread over every shard"
        );
    }

    #[test]
    fn every_org_owned_key_lives_in_the_org_partition() {
        let org = "org_1";
        for key in [
            organization(org),
            whatsapp_account(org, "acc_1"),
            agent(org, "agt_1"),
            api_key(org, "key_1"),
            agent_email_claim(org, "A@B.c"),
            role(org, "rol_1"),
            role_name_claim(org, "Leads"),
            org_counters(org),
        ] {
            assert_eq!(key.pk, "ORG#org_1", "{key:?}");
        }
        assert_eq!(
            agent_email_claim(org, "Ada@Example.COM").sk,
            "AGENTEMAIL#ada@example.com"
        );
        assert_eq!(message_id_in(&message(org, "cv_1", 17, "msg_1")), Some("msg_1"));
        assert_eq!(message_id_in(&contact(org, "ct_1")), None);
    }
}
