//! What ingest does for campaigns: statuses of campaign sends (their callback data names the
//! campaign and phone) move the recipient and its counters, and `user_preferences` changes record
//! marketing opt-outs and their withdrawal.

use crate::{BatchSummary, IngestService, RecordError};
use shared::meta::StatusUpdate;
use tracing::info;

impl IngestService {
    /// Applies a status of a campaign send; `false` when the status is not one.
    pub(crate) async fn apply_campaign_status(
        &self,
        org_id: &str,
        status: &StatusUpdate,
        summary: &mut BatchSummary,
    ) -> Result<bool, RecordError> {
        let Some((campaign_id, phone)) = status
            .callback_data
            .as_deref()
            .and_then(shared::outreach::campaign::parse_callback)
        else {
            return Ok(false);
        };
        let error = status
            .errors
            .first()
            .map(|e| (e.code, e.title.clone().or(e.message.clone()).unwrap_or_default()));
        let moved = self
            .ports
            .outreach
            .campaigns
            .apply_status(org_id, campaign_id, phone, status.status.as_str(), &status.wamid, error)
            .await?;
        match moved {
            true => summary.statuses_applied += 1,
            false => summary.statuses_stale += 1,
        }
        Ok(true)
    }

    /// A customer's message after a campaign reached them is its reply: counted once on the
    /// recipient, recorded on the conversation, and a conversation it opens goes to the campaign's
    /// responding agent or division. Answers whether the conversation was given to a responder
    /// (then the account's own allocation is skipped).
    pub(crate) async fn attribute_reply(
        &self,
        org_id: &str,
        account_id: &str,
        wa_id: Option<&str>,
        conversation_id: &str,
        opened: bool,
    ) -> Result<bool, RecordError> {
        let Some(phone) = wa_id.and_then(shared::outreach::campaign::phone_key) else {
            return Ok(false);
        };
        let Some(reach) = self.ports.outreach.campaigns.reach(org_id, &phone).await? else {
            return Ok(false);
        };
        if reach.account_id != account_id {
            return Ok(false);
        }
        let first = self
            .ports
            .outreach
            .campaigns
            .record_reply(org_id, &reach.campaign_id, &phone, conversation_id)
            .await?;
        info!(campaign = %reach.campaign_id, first, "reply attributed to a campaign");
        self.show_campaign_send(org_id, &reach.campaign_id, &phone, conversation_id)
            .await?;
        self.ports
            .inbox
            .conversations
            .record_campaign(org_id, conversation_id, &reach.campaign_id)
            .await?;
        let mut given = false;
        if opened {
            if let Some(agent) = &reach.responding_agent_id {
                given = self
                    .ports
                    .inbox
                    .conversations
                    .allocate(
                        org_id,
                        conversation_id,
                        reach.responding_division_id.as_deref(),
                        Some(agent),
                    )
                    .await?;
            } else if let Some(division) = &reach.responding_division_id {
                self.ports.allocator.allocate(org_id, conversation_id, division).await?;
                given = true;
            }
        }
        self.ports.outreach.campaigns.forget_reach(org_id, &phone).await?;
        Ok(given)
    }

    /// Puts the campaign send a reply answers into the reply's conversation (once: its id is the
    /// send's), so the agent sees what the customer answers. Read only when a reply comes: the
    /// recipients who never reply cost nothing.
    async fn show_campaign_send(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        conversation_id: &str,
    ) -> Result<(), RecordError> {
        let Some(recipient) = self
            .ports
            .outreach
            .campaigns
            .recipient(org_id, campaign_id, phone)
            .await?
        else {
            return Ok(());
        };
        let Some(campaign) = self.ports.outreach.campaigns.campaign(org_id, campaign_id).await? else {
            return Ok(());
        };
        let Some(template) = self
            .ports
            .outreach
            .templates
            .template(org_id, &campaign.template_id)
            .await?
        else {
            return Ok(());
        };
        let mut variables = campaign.default_variables.clone();
        variables.extend(recipient.variables.clone());
        let spec = shared::outreach::template::ParameterSpec::of(&template.components);
        let components =
            shared::outreach::template::render(&spec, &variables).unwrap_or(serde_json::Value::Array(vec![]));
        let Some((sent_ms, message)) =
            shared::outreach::campaign::reply_context(&recipient, conversation_id, &template, components)
        else {
            return Ok(());
        };
        let key = shared::platform::table::message(org_id, conversation_id, sent_ms, &message.message_id);
        if self.ports.inbox.changes.put_new(&key, &message).await? {
            info!(message_id = %message.message_id, "campaign send shown before its reply");
        }
        Ok(())
    }

    /// `user_preferences`: `marketing_messages` `stop` records an opt-out, `resume` withdraws it.
    pub(crate) async fn record_preferences(&self, org_id: &str, value: &serde_json::Value) -> Result<(), RecordError> {
        for preference in value
            .get("user_preferences")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            let text = |name: &str| preference.get(name).and_then(|v| v.as_str()).unwrap_or_default();
            if text("category") != "marketing_messages" {
                continue;
            }
            let Some(phone) = shared::outreach::campaign::phone_key(text("wa_id")) else {
                continue;
            };
            let stop = match text("value") {
                "stop" => true,
                "resume" => false,
                _ => continue,
            };
            info!(stop, "marketing preference recorded");
            self.ports
                .outreach
                .campaigns
                .set_opt_out(
                    org_id,
                    &phone,
                    stop,
                    "the customer stopped marketing messages on WhatsApp",
                )
                .await?;
        }
        Ok(())
    }
}
