//! The minute's schedule: the waits of the due index (`AUTODUE#<minute>`, cursor `automation`)
//! from the cursor through now, each looked at once (`shared::automation::wait_clock`): answered
//! ones end, a passed threshold walks its rules. A wait that fails to be looked at stays in its
//! minute, and the cursor with it, for the next run.

use crate::AutomationService;
use shared::automation::wait_clock::Looked;
use shared::automation::waits::Wait;
use shared::platform::StoreError;
use shared::platform::telemetry::emit_metric;
use shared::platform::tick::{self, RunBudget, TickWork};
use tracing::{Instrument, info, info_span, warn};

/// The waits' cursor name.
pub const CLOCK: &str = "automation";
/// A first run (no cursor yet) looks this far back.
pub const FIRST_LOOK_BACK_MS: i64 = 60 * 60 * 1000;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WaitRun {
    pub fired: u32,
    pub ended: u32,
    pub left: u32,
}

struct DueWaits<'a> {
    service: &'a AutomationService,
    now_ms: i64,
    run: WaitRun,
}

#[async_trait::async_trait]
impl TickWork<Wait> for DueWaits<'_> {
    async fn page(&mut self, _minute: &str, page: Vec<Wait>) -> u32 {
        let left_before = self.run.left;
        for wait in page {
            let span = info_span!("wait", org = %wait.org_id, conversation = %wait.conversation_id,
                side = wait.side.as_str());
            let looked = self
                .service
                .waits
                .look_at(&self.service.engine, &wait, self.now_ms)
                .instrument(span)
                .await;
            match looked {
                Ok(Looked::Fired { .. }) => self.run.fired += 1,
                Ok(Looked::Ended) => self.run.ended += 1,
                Ok(Looked::NotYet) => self.run.left += 1,
                Ok(Looked::Unchanged) => {}
                Err(err) => {
                    warn!(conversation = %wait.conversation_id, error = %err, "wait left for the next run");
                    self.run.left += 1;
                }
            }
        }
        self.run.left - left_before
    }
}

impl AutomationService {
    /// Looks at every wait due from the cursor's minute through `now_ms`.
    pub async fn run_waits(&self, now_ms: i64) -> Result<WaitRun, StoreError> {
        let mut work = DueWaits {
            service: self,
            now_ms,
            run: WaitRun::default(),
        };
        let mut budget = RunBudget::for_run();
        tick::run(
            self.wait_store.cursors(),
            &self.wait_store.due_entries(),
            CLOCK,
            now_ms,
            FIRST_LOOK_BACK_MS,
            &mut budget,
            &mut work,
        )
        .instrument(info_span!("tick", function = CLOCK))
        .await?;
        let run = work.run;
        info!(fired = run.fired, ended = run.ended, left = run.left, "waits looked at");
        if run.fired > 0 {
            emit_metric(
                "AutomationWaitsFired",
                f64::from(run.fired),
                "Count",
                &[("Function", "automation")],
            );
        }
        Ok(run)
    }
}
