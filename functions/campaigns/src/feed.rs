//! The fan-out: from the campaign's checkpoint, one page of recipients (about the number's messages
//! per second times [`shared::outreach::campaign::LEAD_SECONDS`], at most [`MAX_FEED_PAGE`]) is read, its
//! pending ones become send jobs on the outbound queue (SendMessageBatch, ten a request), then the
//! checkpoint moves and the next step is queued a few seconds later (at once when nothing was
//! queued). So the outbound queue stays a few seconds deep, a step's reads are bounded, and a pause
//! stops new sends within seconds: the sender drops jobs of a campaign that is not running, and a
//! resume feeds again from where the last sending step began (what was dropped is still pending).
//! Under a messaging limit a step takes its share of the window before queueing.
//!
//! At the end, a sweep of the recipients a page a step (its own cursor, see
//! [`shared::outreach::campaign::settle`]): claims whose holder died become `unknown`, unknowns without a
//! status for 15 minutes fail (unconfirmed), pending ones whose job was lost are fed again from
//! the first of them, and a campaign a whole sweep found nothing open in is completed.

use crate::{CampaignsService, WATCHDOG_MS};
use shared::inbox::sender_job::SenderJob;
use shared::outreach::campaign::CampaignChange;
use shared::outreach::campaign::settle::{self, Push, SETTLE_PAGE, SweepNext};
use shared::outreach::campaign::{
    Campaign, CampaignJob, CampaignSend, CampaignStatus, LEAD_SECONDS, feed_budget, limit,
};
use shared::outreach::template::{ParameterSpec, render};
use shared::platform::StoreError;
use shared::platform::sqs_batch::Outcome;
use tracing::{info, warn};

/// Recipients one feed step reads at most (one Query page).
pub const MAX_FEED_PAGE: usize = 1_000;

/// How long a finished fan-out waits before it looks at its last sends again.
pub const SETTLE_CHECK_SECONDS: u32 = 30;

impl CampaignsService {
    /// Pauses a running campaign for `reason`: a template Meta paused, an account gone (no due
    /// time: an agent resumes it), or the messaging limit (`resume_at_ms`: the tick resumes it).
    async fn pause(&self, campaign: &Campaign, reason: &str, resume_at_ms: Option<i64>) -> Result<Outcome, StoreError> {
        warn!(reason, ?resume_at_ms, "campaign paused");
        let change = CampaignChange::default()
            .status(CampaignStatus::Paused)
            .pause_reason(Some(reason))
            .due(resume_at_ms);
        self.ports
            .campaigns
            .change(
                &campaign.org_id,
                &campaign.campaign_id,
                CampaignStatus::InProgress,
                change,
            )
            .await?;
        Ok(Outcome::Done)
    }

    pub(crate) async fn feed(&self, org_id: &str, campaign_id: &str) -> Result<Outcome, StoreError> {
        let Some(campaign) = self.ports.campaigns.campaign(org_id, campaign_id).await? else {
            return Ok(Outcome::Done);
        };
        if campaign.status != CampaignStatus::InProgress {
            return Ok(Outcome::Done);
        }
        let Some(account) = self.ports.accounts.account_record(org_id, &campaign.account_id).await? else {
            return self.pause(&campaign, "account_missing", None).await;
        };
        let template = match self.ports.templates.template(org_id, &campaign.template_id).await? {
            Some(template) if template.is_approved() => template,
            Some(template) => {
                return self
                    .pause(&campaign, &format!("template_{}", template.status.to_lowercase()), None)
                    .await;
            }
            None => return self.pause(&campaign, "template_deleted", None).await,
        };
        let spec = ParameterSpec::of(&template.components);
        let now = self.clock.now_ms();
        let mut budget = feed_budget(account.throughput_mps);
        let hour = limit::current_hour(now);
        if let Some(cap) = account.messaging_limit {
            let usage = self
                .ports
                .campaigns
                .limit_usage(org_id, &account.account_id, &limit::window_hours(now))
                .await?;
            match limit::reservation(cap, &usage, budget as u64) {
                Some(room) => budget = budget.min(room.sends as usize),
                None => {
                    return self
                        .pause(&campaign, "messaging_limit", Some(limit::frees_at_ms(&usage, now)))
                        .await;
                }
            }
        }
        let mut cursor = campaign.feed_cursor.clone();
        // (phone, job) in the recipients' order.
        let mut jobs: Vec<(String, String)> = Vec::new();
        let mut more;
        // One page a step, however few of it are pending: a step reads at most one page past its
        // cursor, and a run of sent recipients is crossed a page per step.
        let step_start = cursor.clone();
        {
            let page = self
                .ports
                .campaigns
                .pending_after(org_id, campaign_id, cursor.as_deref(), budget.min(MAX_FEED_PAGE) as i32)
                .await?;
            more = page.more;
            if let Some(last) = page.last_read {
                cursor = Some(last);
            }
            let opted_out = match template.is_marketing() {
                true => {
                    let phones: Vec<String> = page.pending.iter().map(|r| r.phone.clone()).collect();
                    self.ports.campaigns.opted_out_of(org_id, &phones).await?
                }
                false => Default::default(),
            };
            for recipient in page.pending {
                if opted_out.contains(&recipient.phone) {
                    self.ports
                        .campaigns
                        .settle_unsent(&recipient, "skipped", None, "opted out of marketing messages", false)
                        .await?;
                    continue;
                }
                let mut variables = campaign.default_variables.clone();
                variables.extend(recipient.variables.clone());
                let components = match render(&spec, &variables) {
                    Ok(components) => components,
                    Err(err) => {
                        self.ports
                            .campaigns
                            .settle_unsent(&recipient, "failed", None, &err.to_string(), false)
                            .await?;
                        continue;
                    }
                };
                let send = CampaignSend {
                    org_id: org_id.to_string(),
                    account_id: campaign.account_id.clone(),
                    campaign_id: campaign_id.to_string(),
                    phone: recipient.phone.clone(),
                    template_name: template.name.clone(),
                    language: template.language.clone(),
                    components,
                    responding_agent_id: campaign.responding_agent_id.clone(),
                    responding_division_id: campaign.responding_division_id.clone(),
                };
                jobs.push((recipient.phone.clone(), SenderJob::CampaignSend(send).body()));
            }
        }
        // Under a messaging limit, what this step queues is taken from the window first: a
        // conditional add shared by every feed of the number, so together they never pass it.
        let mut reserved = None;
        if let Some(cap) = account.messaging_limit.filter(|_| !jobs.is_empty()) {
            for _ in 0..3 {
                let usage = self
                    .ports
                    .campaigns
                    .limit_usage(org_id, &account.account_id, &limit::window_hours(now))
                    .await?;
                let Some(reservation) = limit::reservation(cap, &usage, jobs.len() as u64) else {
                    break;
                };
                if self
                    .ports
                    .campaigns
                    .reserve_limit(org_id, &account.account_id, &hour, reservation)
                    .await?
                {
                    reserved = Some(reservation.sends);
                    break;
                }
            }
            let Some(sends) = reserved else {
                // Other feeds of the number took the room meanwhile: the next step decides
                // (and pauses when the window is full).
                self.follow_up(&self.feed_job(&campaign), 1).await?;
                return Ok(Outcome::Done);
            };
            if (sends as usize) < jobs.len() {
                jobs.truncate(sends as usize);
                // The rest are read again from after the last one kept.
                cursor = jobs.last().map(|(phone, _)| phone.clone());
                more = true;
            }
        }
        let jobs: Vec<String> = jobs.into_iter().map(|(_, job)| job).collect();
        let not_queued = self.ports.outbound.send_all(&jobs).await;
        if let Some(sends) = reserved {
            let queued = (jobs.len() - not_queued.len()) as u64;
            self.ports
                .campaigns
                .release_limit(org_id, &account.account_id, &hour, sends.saturating_sub(queued))
                .await?;
        }
        if !not_queued.is_empty() {
            // No checkpoint: the next step reads these recipients again (a send queued twice is
            // claimed once).
            warn!(
                not_queued = not_queued.len(),
                "some sends were not queued; feeding again shortly"
            );
            self.follow_up(&self.feed_job(&campaign), LEAD_SECONDS).await?;
            return Ok(Outcome::Done);
        }
        let mut change = CampaignChange::default()
            .after_checkpoint(campaign.checkpoint)
            .feed_cursor(cursor)
            .due(Some(self.clock.now_ms() + WATCHDOG_MS));
        if !jobs.is_empty() {
            change = change
                .feed_rewind(campaign.feed_last_start.clone().or(step_start.clone()))
                .feed_last_start(step_start);
        }
        let Some(campaign) = self
            .ports
            .campaigns
            .change(org_id, campaign_id, CampaignStatus::InProgress, change)
            .await?
        else {
            // Paused, cancelled, or another step moved on: that one carries on.
            return Ok(Outcome::Done);
        };
        info!(queued = jobs.len(), more, "fed");
        if more {
            // Nothing queued (a page of settled recipients): read on at once.
            let delay = if jobs.is_empty() { 0 } else { LEAD_SECONDS };
            self.follow_up(&self.feed_job(&campaign), delay).await?;
            return Ok(Outcome::Done);
        }
        self.settle_end(&campaign).await
    }

    fn feed_job(&self, campaign: &Campaign) -> CampaignJob {
        CampaignJob::Feed {
            org_id: campaign.org_id.clone(),
            campaign_id: campaign.campaign_id.clone(),
        }
    }

    /// Every recipient was fed once: one page of the end's sweep (its own cursor on the campaign).
    /// Pushes what is stuck, feeds again from a pending recipient whose job was lost, and
    /// completes the campaign once a whole sweep found nothing open.
    async fn settle_end(&self, campaign: &Campaign) -> Result<Outcome, StoreError> {
        let (org_id, campaign_id) = (&campaign.org_id, &campaign.campaign_id);
        let page = self
            .ports
            .campaigns
            .unsettled_after(org_id, campaign_id, campaign.settle_cursor.as_deref(), SETTLE_PAGE)
            .await?;
        let now = self.clock.now_ms();
        let mut open_here = 0;
        for recipient in &page.pending {
            let push = settle::push(recipient, now);
            match push {
                Push::MarkUnknown => {
                    self.ports.campaigns.mark_unknown(recipient).await?;
                }
                Push::FailUnconfirmed => {
                    self.ports
                        .campaigns
                        .fail_unconfirmed(
                            recipient,
                            "no answer from Meta and no status within 15 minutes (unconfirmed)",
                        )
                        .await?;
                }
                Push::Wait => {}
            }
            open_here += u32::from(settle::open_after(push));
        }
        let mut change = CampaignChange::default().after_checkpoint(campaign.checkpoint);
        if let Some(first) = page.pending.iter().find(|r| r.status == "pending") {
            // Pending at the end: their jobs were dropped (a pause) or lost. Feed them again from
            // the first of them (a cursor just before its phone), and sweep again after; a job
            // still on its way is claimed once all the same.
            let before_first = first.phone[..first.phone.len().saturating_sub(1)].to_string();
            change = change
                .feed_cursor(Some(before_first).filter(|c| !c.is_empty()))
                .settle_sweep(None, 0);
            self.ports
                .campaigns
                .change(org_id, campaign_id, CampaignStatus::InProgress, change)
                .await?;
            // Not at once: the last step's jobs are still on the queue, pending until claimed.
            self.follow_up(&self.feed_job(campaign), SETTLE_CHECK_SECONDS).await?;
            return Ok(Outcome::Done);
        }
        let delay = match settle::sweep_next(campaign.settle_open, open_here, page.last_read, page.more) {
            SweepNext::Complete => {
                let change = change.status(CampaignStatus::Completed).completed_now().due(None);
                if self
                    .ports
                    .campaigns
                    .change(org_id, campaign_id, CampaignStatus::InProgress, change)
                    .await?
                    .is_some()
                {
                    info!("campaign completed");
                }
                return Ok(Outcome::Done);
            }
            SweepNext::Continue { cursor, open } => {
                change = change.settle_sweep(Some(cursor), open);
                0
            }
            SweepNext::Again => {
                change = change.settle_sweep(None, 0);
                SETTLE_CHECK_SECONDS
            }
        };
        if self
            .ports
            .campaigns
            .change(org_id, campaign_id, CampaignStatus::InProgress, change)
            .await?
            .is_some()
        {
            self.follow_up(&self.feed_job(campaign), delay).await?;
        }
        Ok(Outcome::Done)
    }
}
