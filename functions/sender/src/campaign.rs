//! Campaign sends: one recipient of one campaign, the template already rendered by the fan-out.
//! The same rules as a message's send (claim last, never resend an ambiguous one), with the
//! recipient as the ledger:
//! - a campaign that is not running any more (paused, cancelled) drops its jobs: the recipient
//!   stays pending and a resume feeds it again;
//! - the claim (pending → sending) lets one of any duplicate jobs through;
//! - 131049 (marketing cap), 131050 (opted out, which also records the opt-out) and 131026
//!   (undeliverable) fail the recipient with Meta's reason and are not retried; 130429 and
//!   131056 give the claim back and retry.

use crate::{SenderService, Tally};
use shared::inbox::outbound::{self, AfterError};
use shared::meta::{Content, GraphError, MetaError};
use shared::outreach::campaign::{CampaignSend, CampaignStatus, Reach, Recipient, callback_data};
use shared::outreach::campaign_store::Claim;
use shared::platform::StoreError;
use shared::platform::sqs_batch::Outcome;
use std::time::Duration;
use tracing::{info, warn};

/// How long a warm sender trusts a campaign's status: a pause stops its sends within this.
pub const CAMPAIGN_STATUS_TTL: Duration = Duration::from_secs(2);

impl SenderService {
    async fn campaign_running(&self, org_id: &str, campaign_id: &str) -> Result<bool, StoreError> {
        let key = (org_id.to_string(), campaign_id.to_string());
        if let Some(running) = self.campaign_status.get(&key) {
            return Ok(running);
        }
        let running = self.ports.campaigns.status(org_id, campaign_id).await? == Some(CampaignStatus::InProgress);
        self.campaign_status.insert(key, running, CAMPAIGN_STATUS_TTL);
        Ok(running)
    }

    pub(crate) async fn send_campaign(&self, send: CampaignSend) -> Result<(Outcome, Tally), StoreError> {
        if !self.campaign_running(&send.org_id, &send.campaign_id).await? {
            info!("campaign not running; job dropped, recipient left pending");
            return Ok((Outcome::Done, Tally::Skipped));
        }
        // Everything ready (account, token, pacing slot) before the claim, as for a message: a
        // death or a wait for a slot uses no send attempt and leaves the recipient pending.
        let Some(account) = self.ports.accounts.account(&send.org_id, &send.account_id).await? else {
            let recipient = match self
                .ports
                .campaigns
                .claim(&send.org_id, &send.campaign_id, &send.phone)
                .await?
            {
                Claim::Claimed(recipient) => recipient,
                Claim::NotPending(_) | Claim::Missing => return Ok((Outcome::Done, Tally::Skipped)),
            };
            self.ports
                .campaigns
                .settle_unsent(
                    &recipient,
                    "failed",
                    None,
                    "the campaign's account no longer exists",
                    true,
                )
                .await?;
            return Ok((Outcome::Done, Tally::Failed));
        };
        let token = account.access_token()?.expose().to_string();
        if !self
            .pace(&send.org_id, &send.account_id, account.throughput_mps)
            .await?
        {
            return Ok((Outcome::retry(1, "no send slot within the pacing wait"), Tally::Waiting));
        }
        let recipient = match self
            .ports
            .campaigns
            .claim(&send.org_id, &send.campaign_id, &send.phone)
            .await?
        {
            Claim::Claimed(recipient) => recipient,
            Claim::NotPending(_) | Claim::Missing => return Ok((Outcome::Done, Tally::Skipped)),
        };
        let content = Content::Template {
            name: send.template_name.clone(),
            language: send.language.clone(),
            components: send.components.clone(),
        };
        let request = outbound::graph_request(
            &send.phone,
            &content,
            None,
            None,
            &callback_data(&send.campaign_id, &send.phone),
        );
        let answer = self
            .ports
            .graph
            .send_message(&account.phone_number_id, &token, &request)
            .await;
        let err = match answer {
            Ok(wamid) => {
                self.record_campaign_sent(&recipient, &wamid).await?;
                let reach = Reach {
                    campaign_id: send.campaign_id.clone(),
                    account_id: send.account_id.clone(),
                    phone: send.phone.clone(),
                    responding_agent_id: send.responding_agent_id.clone(),
                    responding_division_id: send.responding_division_id.clone(),
                };
                // Only the reply's attribution depends on these: a failure is logged, not retried.
                // The reach first: a conversation that opens after it looks it up itself.
                let remembered = match self.ports.campaigns.remember_reach(&send.org_id, &reach).await {
                    Ok(()) => self
                        .ports
                        .replies
                        .mark_reached(&send.org_id, &send.account_id, &send.phone)
                        .await
                        .map(|_| ()),
                    Err(err) => Err(err),
                };
                if let Err(err) = remembered {
                    warn!(error = %err, "the send is recorded, but its reply may not find the campaign");
                }
                return Ok((Outcome::Done, Tally::Sent));
            }
            Err(err) => err,
        };
        warn!(error = %err, attempt = recipient.send_attempts, "campaign send not accepted");
        match outbound::after_error(&err, recipient.send_attempts) {
            AfterError::Unknown => {
                self.ports.campaigns.mark_unknown(&recipient).await?;
                Ok((Outcome::Done, Tally::Unknown))
            }
            AfterError::Retry(delay) => {
                self.ports.campaigns.release(&recipient).await?;
                Ok((Outcome::retry(delay, err), Tally::Waiting))
            }
            AfterError::RetryWithFreshAccount => {
                // On any attempt: a retry only when the stored token is not the refused one.
                self.ports.accounts.forget(&send.org_id, &send.account_id);
                if self.token_was_replaced(&send.org_id, &send.account_id, &token).await? {
                    self.ports.campaigns.release(&recipient).await?;
                    return Ok((Outcome::retry(1, err), Tally::Waiting));
                }
                match outbound::after_error(&err, u32::MAX) {
                    AfterError::Fail(error) => self.fail_campaign_send(&send, &recipient, &err, error).await,
                    _ => Err(StoreError::io("campaign send", "a refused token without a verdict")),
                }
            }
            AfterError::Fail(error) => self.fail_campaign_send(&send, &recipient, &err, error).await,
        }
    }

    /// A campaign send Meta refused for good (131050 also opts the phone out of marketing).
    async fn fail_campaign_send(
        &self,
        send: &CampaignSend,
        recipient: &Recipient,
        err: &GraphError,
        error: MetaError,
    ) -> Result<(Outcome, Tally), StoreError> {
        let reason = error.title.clone().unwrap_or_else(|| err.to_string());
        if error.code == 131050 {
            self.ports
                .campaigns
                .opt_out(
                    &send.org_id,
                    &send.phone,
                    "Meta 131050: the user stopped marketing messages",
                )
                .await?;
        }
        self.ports
            .campaigns
            .settle_unsent(recipient, "failed", Some(error.code), &reason, true)
            .await?;
        Ok((Outcome::Done, Tally::Failed))
    }

    /// Meta accepted: worth a few tries to record, as only a status could bring it back.
    async fn record_campaign_sent(&self, recipient: &Recipient, wamid: &str) -> Result<(), StoreError> {
        let mut tries = 0;
        loop {
            match self.ports.campaigns.record_sent(recipient, wamid).await {
                Ok(()) => return Ok(()),
                Err(err) if tries < 2 => {
                    tries += 1;
                    warn!(error = %err, "recording the campaign send failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * tries)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }
}
