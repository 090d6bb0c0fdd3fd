//! What a decision changes on a campaign, as typed data: the API's commands, the tick, the
//! expansion and the fan-out each build one; `CampaignStore::change` writes it (conditioned on the
//! status it was decided from), and [`CampaignChange::apply`] is the same change on the record
//! (the in-memory campaigns, and what a reader expects back).

use super::{Campaign, CampaignStatus, Variables};

/// Each field: `None` leaves the attribute alone; for optional attributes `Some(None)` clears it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CampaignChange {
    pub status: Option<CampaignStatus>,
    pub name: Option<String>,
    pub scheduled_at: Option<Option<String>>,
    pub responding_agent_id: Option<Option<String>>,
    pub responding_division_id: Option<Option<String>>,
    pub default_variables: Option<Variables>,
    /// `started_at` / `completed_at` become the time of the write.
    pub started_now: bool,
    pub completed_now: bool,
    pub pause_reason: Option<Option<String>>,
    pub prepared_status: Option<Option<CampaignStatus>>,
    pub pending_tags: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub expand_cursor: Option<Option<String>>,
    /// Recipients added (an `ADD` to the total, with the checkpoint that added them).
    pub added_recipients: i64,
    pub feed_cursor: Option<Option<String>>,
    pub feed_rewind: Option<Option<String>>,
    pub feed_last_start: Option<Option<String>>,
    /// The end's sweep: its cursor and how many it found open so far.
    pub settle_sweep: Option<(Option<String>, u32)>,
    /// When the campaign is due for the tick's look (`Some(None)`: out of the due index).
    pub due_ms: Option<Option<i64>>,
    /// The checkpoint read before this change: the write requires it unchanged and moves it on,
    /// so of two workers that read the same checkpoint only one moves past it.
    pub checkpoint: Option<u64>,
}

impl CampaignChange {
    pub fn after_checkpoint(mut self, read: u64) -> Self {
        self.checkpoint = Some(read);
        self
    }

    pub fn status(mut self, status: CampaignStatus) -> Self {
        self.status = Some(status);
        self
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// When a scheduled campaign starts (RFC 3339), or none.
    pub fn scheduled_at(mut self, at: Option<&str>) -> Self {
        self.scheduled_at = Some(at.map(str::to_string));
        self
    }

    pub fn responding_agent_id(mut self, agent_id: Option<String>) -> Self {
        self.responding_agent_id = Some(agent_id);
        self
    }

    pub fn responding_division_id(mut self, division_id: Option<String>) -> Self {
        self.responding_division_id = Some(division_id);
        self
    }

    pub fn default_variables(mut self, variables: &Variables) -> Self {
        self.default_variables = Some(variables.clone());
        self
    }

    pub fn started_now(mut self) -> Self {
        self.started_now = true;
        self
    }

    pub fn completed_now(mut self) -> Self {
        self.completed_now = true;
        self
    }

    pub fn pause_reason(mut self, reason: Option<&str>) -> Self {
        self.pause_reason = Some(reason.map(str::to_string));
        self
    }

    /// The status a campaign returns to once its audience is prepared (none: prepared).
    pub fn prepared_status(mut self, status: Option<CampaignStatus>) -> Self {
        self.prepared_status = Some(status);
        self
    }

    /// The tags still to expand into recipients, first first.
    pub fn pending_tags(mut self, tags: &[String]) -> Self {
        self.pending_tags = Some(tags.to_vec());
        self
    }

    pub fn tags(mut self, tags: &[String]) -> Self {
        self.tags = Some(tags.to_vec());
        self
    }

    /// The expansion's checkpoint in the first pending tag.
    pub fn expand_cursor(mut self, cursor: Option<String>) -> Self {
        self.expand_cursor = Some(cursor);
        self
    }

    /// Recipients added by this change (counted with the checkpoint that added them).
    pub fn add_recipients(mut self, count: i64) -> Self {
        self.added_recipients += count;
        self
    }

    /// The fan-out's checkpoint (none: from the first recipient).
    pub fn feed_cursor(mut self, cursor: Option<String>) -> Self {
        self.feed_cursor = Some(cursor);
        self
    }

    pub fn feed_rewind(mut self, cursor: Option<String>) -> Self {
        self.feed_rewind = Some(cursor);
        self
    }

    pub fn feed_last_start(mut self, cursor: Option<String>) -> Self {
        self.feed_last_start = Some(cursor);
        self
    }

    /// The end's sweep: where it stands and how many it found open so far.
    pub fn settle_sweep(mut self, cursor: Option<String>, open: u32) -> Self {
        self.settle_sweep = Some((cursor, open));
        self
    }

    /// Due for the tick's look at `due_ms` (a scheduled start, a watchdog, an automatic resume),
    /// or (`None`) out of the due index.
    pub fn due(mut self, due_ms: Option<i64>) -> Self {
        self.due_ms = Some(due_ms);
        self
    }

    /// The change on the record as the store writes it, at `now` (RFC 3339). The caller checks
    /// the expected status and checkpoint first.
    pub fn apply(&self, campaign: &mut Campaign, now: &str) {
        fn put<T: Clone>(field: &mut T, value: &Option<T>) {
            if let Some(value) = value {
                *field = value.clone();
            }
        }
        put(&mut campaign.status, &self.status);
        put(&mut campaign.name, &self.name);
        put(&mut campaign.scheduled_at, &self.scheduled_at);
        put(&mut campaign.responding_agent_id, &self.responding_agent_id);
        put(&mut campaign.responding_division_id, &self.responding_division_id);
        put(&mut campaign.default_variables, &self.default_variables);
        put(&mut campaign.pause_reason, &self.pause_reason);
        put(&mut campaign.prepared_status, &self.prepared_status);
        put(&mut campaign.pending_tags, &self.pending_tags);
        put(&mut campaign.tags, &self.tags);
        put(&mut campaign.expand_cursor, &self.expand_cursor);
        put(&mut campaign.feed_cursor, &self.feed_cursor);
        put(&mut campaign.feed_rewind, &self.feed_rewind);
        put(&mut campaign.feed_last_start, &self.feed_last_start);
        if let Some((cursor, open)) = &self.settle_sweep {
            campaign.settle_cursor = cursor.clone();
            campaign.settle_open = *open;
        }
        if self.started_now {
            campaign.started_at = Some(now.into());
        }
        if self.completed_now {
            campaign.completed_at = Some(now.into());
        }
        campaign.total_recipients = campaign.total_recipients.saturating_add_signed(self.added_recipients);
        if self.checkpoint.is_some() {
            campaign.checkpoint += 1;
        }
        campaign.updated_at = now.into();
    }

    /// Whether a campaign whose status and checkpoint are these takes the change.
    pub fn holds(&self, expected: CampaignStatus, campaign: &Campaign) -> bool {
        campaign.status == expected && self.checkpoint.is_none_or(|read| read == campaign.checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::campaign_sends_contract::running_campaign;

    #[test]
    fn a_change_sets_clears_and_leaves_alone() {
        let mut campaign = running_campaign("org_c", "cmp_c");
        campaign.feed_cursor = Some("1555".into());
        campaign.pause_reason = Some("manual".into());
        let change = CampaignChange::default()
            .status(CampaignStatus::Paused)
            .pause_reason(None)
            .settle_sweep(Some("1666".into()), 2)
            .add_recipients(5)
            .after_checkpoint(0)
            .completed_now();
        assert!(change.holds(CampaignStatus::InProgress, &campaign));
        assert!(!change.holds(CampaignStatus::Paused, &campaign), "another status");
        change.apply(&mut campaign, "2026-12-05T10:00:00Z");
        assert_eq!(campaign.status, CampaignStatus::Paused);
        assert_eq!(campaign.pause_reason, None, "cleared");
        assert_eq!(campaign.feed_cursor.as_deref(), Some("1555"), "left alone");
        assert_eq!(
            (campaign.settle_cursor.as_deref(), campaign.settle_open),
            (Some("1666"), 2)
        );
        assert_eq!((campaign.total_recipients, campaign.checkpoint), (8, 1));
        assert_eq!(campaign.completed_at.as_deref(), Some("2026-12-05T10:00:00Z"));
        assert!(
            !change.holds(CampaignStatus::Paused, &campaign),
            "the checkpoint it read has moved on"
        );
    }
}
