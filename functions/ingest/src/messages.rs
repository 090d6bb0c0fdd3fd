//! One inbound message: stored exactly once with its conversation (or taken as a survey answer),
//! then what follows from it: the campaign it answers, allocation, the out-of-hours reply, the SLA
//! clocks and expiry of a conversation it opens, its events and media job.

use crate::{BatchSummary, Delivery, Effects, IngestService, RecordError};
use shared::access::tenancy::WhatsAppAccount;
use shared::inbox::CustomerIdentity;
use shared::inbox::media_job::MediaJob;
use shared::inbox::store::InboundOutcome;
use shared::meta;
use shared::platform::events::DomainEvent;
use tracing::{Instrument, info, info_span, warn};

impl IngestService {
    pub(crate) async fn store_message(
        &self,
        delivery: &Delivery,
        account: &WhatsAppAccount,
        message: &meta::InboundMessage,
        contacts: &[meta::ContactProfile],
        summary: &mut BatchSummary,
        effects: &mut Effects,
    ) -> Result<(), RecordError> {
        let (org_id, account_id) = (&delivery.org_id, &delivery.account_id);
        let (identity, profile_name) = CustomerIdentity::of_sender(message, contacts);
        if !identity.is_known() {
            warn!(wamid = %message.wamid, "message without sender identity skipped");
            return Ok(());
        }
        match self.apply_change(org_id, message, effects).await? {
            crate::changes::ChangeDone::NotAChange => {}
            crate::changes::ChangeDone::Applied => {
                summary.changes_applied += 1;
                return Ok(());
            }
            crate::changes::ChangeDone::Orphaned => {
                summary.orphan_changes += 1;
                return Ok(());
            }
        }
        if self
            .answer_survey(org_id, account_id, identity.wa_id.as_deref(), message, effects)
            .await?
        {
            summary.survey_answers += 1;
            return Ok(());
        }
        let outcome = self
            .ports
            .inbox
            .messages
            .store_inbound(&delivery.context(), &identity, profile_name.as_deref(), message)
            .instrument(info_span!("message", wamid = %message.wamid))
            .await?;
        // Effects are repeated for duplicates: the first delivery may have stored the message and
        // then failed to announce it. Events carry stable ids.
        let (conversation_id, contact_id, opened, check_reach) = match outcome {
            InboundOutcome::Stored {
                conversation_id,
                contact_id,
                new_conversation,
                new_contact,
                check_reach,
                ..
            } => {
                summary.messages_stored += 1;
                if new_contact {
                    effects
                        .events
                        .push(DomainEvent::contact_created(org_id, &contact_id, Some(account_id)));
                }
                (Some(conversation_id), Some(contact_id), new_conversation, check_reach)
            }
            InboundOutcome::Duplicate {
                conversation_id,
                contact_id,
                opened_conversation,
                check_reach,
                new_contact,
                ..
            } => {
                summary.duplicates += 1;
                if let (true, Some(contact_id)) = (new_contact, &contact_id) {
                    effects
                        .events
                        .push(DomainEvent::contact_created(org_id, contact_id, Some(account_id)));
                }
                info!(wamid = %message.wamid, "duplicate delivery; already stored");
                (conversation_id, contact_id, opened_conversation, check_reach)
            }
        };
        // Only where a campaign's reach can be new to this conversation (see `ReplyWatch`).
        let answered_by_campaign = match &conversation_id {
            Some(conversation_id) if check_reach => {
                self.attribute_reply(org_id, account_id, identity.wa_id.as_deref(), conversation_id, opened)
                    .await?
            }
            _ => false,
        };
        if let (true, false, Some(conversation_id), Some(division_id)) =
            (opened, answered_by_campaign, &conversation_id, &account.division_id)
        {
            let allocation = self
                .ports
                .allocator
                .allocate(org_id, conversation_id, division_id)
                .await?;
            info!(%conversation_id, ?allocation, "new conversation allocated");
        }
        if let Some(conversation_id) = &conversation_id {
            let written_ms = message.timestamp.saturating_mul(1000);
            self.reply_out_of_hours(account, conversation_id, identity.wa_id.as_deref(), written_ms)
                .await?;
        }
        if let (true, Some(conversation_id)) = (opened, &conversation_id) {
            self.start_clocks(org_id, conversation_id, message.timestamp.saturating_mul(1000))
                .await?;
        }
        if let (true, Some(conversation_id), Some(contact_id)) = (opened, &conversation_id, &contact_id) {
            effects.events.push(DomainEvent::conversation_created(
                org_id,
                account_id,
                conversation_id,
                contact_id,
            ));
        }
        if let (Some(conversation_id), Some(contact_id)) = (conversation_id, contact_id) {
            effects.events.push(DomainEvent::message_received(
                org_id,
                shared::platform::events::Received {
                    account_id,
                    conversation_id: &conversation_id,
                    contact_id: &contact_id,
                    wamid: &message.wamid,
                    message_type: &message.message_type,
                    timestamp: message.timestamp,
                    text: message.content.words(),
                    reply_id: message.content.reply_id(),
                    first_in_conversation: opened,
                },
            ));
        }
        if let Some((media_kind, media_id)) = message.content.media() {
            let (mime_type, sha256) = match &message.content {
                meta::Content::Media { mime_type, sha256, .. } => (mime_type.clone(), sha256.clone()),
                _ => (None, None),
            };
            let job = MediaJob {
                org_id: org_id.clone(),
                account_id: account_id.clone(),
                wamid: message.wamid.clone(),
                media_id: media_id.into(),
                media_kind,
                mime_type,
                sha256,
                received_at_ms: delivery.received_at_ms,
            };
            effects
                .media_jobs
                .push(serde_json::to_string(&job).expect("job serialises"));
        }
        Ok(())
    }
}
