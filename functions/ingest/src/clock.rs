//! What ingest does for the clock: a conversation a customer's message opens gets its SLA clocks,
//! started at that message under the policy matching the conversation once it has been allocated,
//! and its expiry entry when a chat expiration rule resolves idle conversations; a customer writing
//! outside working hours gets the account's out-of-hours reply, once per closed period.

use crate::{IngestService, RecordError};
use shared::access::tenancy::WhatsAppAccount;
use shared::inbox::ingest_port::OutOfHoursReply;
use shared::meta;
use tracing::{info, warn};

impl IngestService {
    pub(crate) async fn start_clocks(
        &self,
        org_id: &str,
        conversation_id: &str,
        started_ms: i64,
    ) -> Result<(), RecordError> {
        let Some(conversation) = self
            .ports
            .inbox
            .conversations
            .conversation(org_id, conversation_id)
            .await?
        else {
            return Ok(());
        };
        let now_ms = self.clock.now_ms();
        if let Some(clocks) = self.ports.care.sla.start(&conversation, started_ms, now_ms).await? {
            info!(%conversation_id, policy = %clocks.policy_id, "SLA clocks started");
        }
        self.ports
            .care
            .expiry
            .arm_if_ruled(org_id, "whatsapp", conversation_id, started_ms)
            .await?;
        Ok(())
    }
}

impl IngestService {
    /// A customer wrote outside working hours (the account's division's, else the organization's)
    /// to an account with an out-of-hours reply: the reply goes out through the outbound path, once
    /// per conversation and closed period (a claim written with the reply). Repeated for duplicate
    /// deliveries, which the claim makes harmless.
    pub(crate) async fn reply_out_of_hours(
        &self,
        account: &WhatsAppAccount,
        conversation_id: &str,
        to: Option<&str>,
        written_ms: i64,
    ) -> Result<(), RecordError> {
        let (Some(text), Some(to)) = (account.out_of_hours_reply.as_deref(), to) else {
            return Ok(());
        };
        let org_id = &account.org_id;
        let Some(hours) = self
            .ports
            .care
            .hours
            .in_force(org_id, account.division_id.as_deref())
            .await?
        else {
            return Ok(());
        };
        let Ok(calendar) = hours.calendar() else {
            return Ok(());
        };
        let Some(reopens_ms) = calendar.closed_until(written_ms) else {
            return Ok(());
        };
        let content = meta::Content::Text { body: text.to_string() };
        let (key, message, job) = shared::inbox::compose::queued_message(
            shared::inbox::compose::Composed {
                org_id,
                conversation_id,
                account_id: &account.account_id,
                to,
                message_type: "text",
                content: &content,
                reply_to: None,
                origin: shared::inbox::origin::Origin::of(shared::inbox::origin::OriginKind::System, "out_of_hours"),
            },
            self.clock.now(),
        );
        let reply = OutOfHoursReply {
            key: &key,
            message: &message,
            preview: &content.preview(),
            job: &job,
            reopens_ms,
        };
        if !self.ports.inbox.out_of_hours.queue_once(&reply).await? {
            return Ok(());
        }
        if !self
            .ports
            .platform
            .outbound_jobs
            .send_all(&[job.body()])
            .await
            .is_empty()
        {
            warn!("the out-of-hours reply is stored but could not be queued; the sweeper will queue it");
        }
        info!(%conversation_id, reopens = %shared::inbox::rfc3339_millis(reopens_ms), "out-of-hours reply queued");
        Ok(())
    }
}
