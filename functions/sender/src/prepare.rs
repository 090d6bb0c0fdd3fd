//! Everything a claimed send needs before its request leaves: the account, Meta's request body
//! (with a presigned link for uploads) and, last, a pacing slot.

use crate::{MAX_PACING_WAIT, SenderService, refusal};
use shared::access::account_cache::Account;
use shared::inbox::outbound::{self, OutboundJob};
use shared::inbox::outbound_store::PendingSend;
use shared::inbox::pacer::Pacer;
use shared::meta::MetaError;
use shared::platform::StoreError;
use tracing::warn;

/// A claimed send, made ready to leave.
pub(crate) enum Prepared {
    Ready {
        account: std::sync::Arc<Account>,
        request: serde_json::Value,
    },
    /// It cannot be sent (the account or the uploaded file is gone).
    Refused(MetaError),
    /// No pacing slot within the wait.
    NoSlot,
}

/// Meta's request body for a send, or why there is none.
pub(crate) enum Request {
    Body(serde_json::Value),
    Refused(MetaError),
}

impl SenderService {
    /// Meta's request body; uploads (`med_...`) go as presigned links. A vanished upload is an error
    /// for the agent, not a retry.
    pub(crate) async fn request_of(&self, job: &OutboundJob, pending: &PendingSend) -> Result<Request, StoreError> {
        let content = &pending.message.content;
        let link = match content {
            shared::meta::Content::Media { media_id, .. }
                if media_id.starts_with(shared::desk::UPLOADED_MEDIA_PREFIX) =>
            {
                match self.ports.uploads.link(&job.org_id, media_id).await? {
                    Some(link) => Some(link),
                    None => return Ok(Request::Refused(refusal("the uploaded media no longer exists"))),
                }
            }
            _ => None,
        };
        Ok(Request::Body(outbound::graph_request(
            &job.to,
            content,
            job.reply_to.as_deref(),
            link.as_deref(),
            &pending.message.message_id,
        )))
    }

    /// The account, the request body and, last, a pacing slot.
    pub(crate) async fn prepare(&self, job: &OutboundJob, pending: &PendingSend) -> Result<Prepared, StoreError> {
        let Some(account) = self.ports.accounts.account(&job.org_id, &job.account_id).await? else {
            return Ok(Prepared::Refused(refusal("account no longer exists")));
        };
        // A token that cannot be opened (KMS unavailable, a clear value awaiting `admin
        // seal-secrets`) is an error before the send: the claim goes back and the job retries.
        account.access_token()?;
        let request = match self.request_of(job, pending).await? {
            Request::Body(request) => request,
            Request::Refused(refused) => return Ok(Prepared::Refused(refused)),
        };
        match self.pace(&job.org_id, &job.account_id, account.throughput_mps).await? {
            true => Ok(Prepared::Ready { account, request }),
            false => Ok(Prepared::NoSlot),
        }
    }

    /// A send slot of the account within [`MAX_PACING_WAIT`]. A slot whose second ran out before
    /// the send could leave (a stalled process) is not used: another is taken.
    pub(crate) async fn pace(&self, org_id: &str, account_id: &str, mps: u32) -> Result<bool, StoreError> {
        let give_up_at = std::time::Instant::now() + MAX_PACING_WAIT;
        loop {
            let wait = give_up_at.saturating_duration_since(std::time::Instant::now());
            match self.ports.pacer.acquire(org_id, account_id, mps, wait).await? {
                Some(slot) if Pacer::still_within(slot) => return Ok(true),
                Some(_) => warn!("pacing slot expired before the send left; taking another"),
                None => return Ok(false),
            }
        }
    }
}
