//! Campaign replies in memory, on the same recipients as the in-memory campaign sends: statuses
//! move a recipient up only and add each counter level once (`counters_crossed`, the store's own
//! rule), a reply is counted once. And templates by id.

use crate::outreach::campaign::{counters_crossed, rank_of};
use crate::outreach::campaign_replies::{CampaignReplies, TemplateLookup};
use crate::outreach::campaign_sends::CampaignSends;
use crate::outreach::campaign_sends_memory::MemoryCampaignSends;
use crate::outreach::template::Template;
use crate::platform::StoreError;
use crate::platform::items::now_rfc3339;
use std::collections::HashMap;
use std::sync::Mutex;

#[async_trait::async_trait]
impl CampaignReplies for MemoryCampaignSends {
    async fn apply_status(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        status: &str,
        wamid: &str,
        error: Option<(i64, String)>,
    ) -> Result<bool, StoreError> {
        let Some(to) = rank_of(status) else { return Ok(false) };
        let Some(current) = CampaignSends::recipient(self, org_id, campaign_id, phone).await? else {
            return Ok(false);
        };
        let from = current.status_rank;
        let moved = self.move_recipient(
            &current,
            |stored| stored.status_rank == from && to > from,
            |stored| {
                stored.status = if status == "played" { "read" } else { status }.into();
                stored.status_rank = to;
                stored.wamid = Some(wamid.into());
                let now = Some(now_rfc3339());
                match status {
                    "sent" => stored.sent_at = now,
                    "delivered" => stored.delivered_at = now,
                    "failed" => {
                        stored.failed_at = now;
                        let (code, message) = error.clone().unwrap_or_default();
                        stored.error_code = Some(code);
                        stored.error_message = Some(message.chars().take(500).collect());
                    }
                    _ => stored.read_at = now,
                }
            },
        );
        if moved {
            for (counter, delta) in counters_crossed(from, to) {
                self.add(org_id, campaign_id, counter, delta);
            }
        }
        Ok(moved)
    }

    async fn record_reply(
        &self,
        org_id: &str,
        campaign_id: &str,
        phone: &str,
        conversation_id: &str,
    ) -> Result<bool, StoreError> {
        let Some(current) = CampaignSends::recipient(self, org_id, campaign_id, phone).await? else {
            return Ok(false);
        };
        let first = self.move_recipient(
            &current,
            |stored| stored.replied_at.is_none(),
            |stored| {
                stored.replied_at = Some(now_rfc3339());
                stored.conversation_id = Some(conversation_id.into());
            },
        );
        if first {
            self.add(org_id, campaign_id, "replied", 1);
        }
        Ok(first)
    }

    async fn forget_reach(&self, org_id: &str, phone: &str) -> Result<(), StoreError> {
        self.drop_reach(org_id, phone);
        Ok(())
    }

    async fn set_opt_out(&self, org_id: &str, phone: &str, opted_out: bool, reason: &str) -> Result<(), StoreError> {
        match opted_out {
            true => CampaignSends::opt_out(self, org_id, phone, reason).await,
            false => {
                self.withdraw_opt_out(org_id, phone);
                Ok(())
            }
        }
    }
}

/// Templates by organization and id.
#[derive(Default)]
pub struct MemoryTemplates {
    templates: Mutex<HashMap<(String, String), Template>>,
}

impl MemoryTemplates {
    pub fn put(&self, template: Template) {
        self.templates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((template.org_id.clone(), template.template_id.clone()), template);
    }
}

#[async_trait::async_trait]
impl TemplateLookup for MemoryTemplates {
    async fn template(&self, org_id: &str, template_id: &str) -> Result<Option<Template>, StoreError> {
        Ok(self
            .templates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(org_id.into(), template_id.into()))
            .cloned())
    }
}
