//! Queued attempts on SQS: the delivering function's own queue, `{"attempt": job}` bodies, delayed
//! by SQS up to its 15 minutes.

use crate::integrations::AttemptJob;
use crate::integrations::ports::AttemptQueue;
use crate::platform::StoreError;
use crate::platform::job_queue::JobQueue;
use std::sync::Arc;

/// The body of a queued attempt.
pub fn job_body(job: &AttemptJob) -> String {
    serde_json::json!({ "attempt": job }).to_string()
}

/// A queued attempt read back from a body; `None` for anything else.
pub fn job_of(body: &serde_json::Value) -> Option<AttemptJob> {
    serde_json::from_value(body.get("attempt")?.clone()).ok()
}

pub struct QueuedAttempts(pub Arc<dyn JobQueue>);

#[async_trait::async_trait]
impl AttemptQueue for QueuedAttempts {
    async fn enqueue(&self, job: &AttemptJob, delay_s: u32) -> Result<(), StoreError> {
        match delay_s {
            0 => self.0.send_one(&job_body(job)).await,
            delay => self.0.send_later(&job_body(job), delay).await,
        }
    }
}
