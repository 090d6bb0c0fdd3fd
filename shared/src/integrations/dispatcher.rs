//! The delivering side of outgoing webhooks, over the [`ports`](super::ports): an event becomes
//! one delivery per subscribed endpoint, each created already claimed for its first attempt (one
//! conditional write, so a redelivered event adds none); an attempt is signed, posted, and
//! settled by [`delivery_policy::after_attempt`]; a retry waits in the queue (up to 15 minutes) or
//! in the due index. Every write is conditioned on the attempt it settles, so a late job, a
//! redelivered record or an overlapping run changes nothing another already did.

use crate::integrations::delivery_policy::{self, Answer, Next, RetryRoute};
use crate::integrations::ports::{AttemptQueue, Call, Created, DeliveryLog, EndpointCaller, Endpoints, Settlement};
pub use crate::integrations::published::{PublishedEvent, envelope};
use crate::integrations::{AttemptJob, Delivery, DeliveryRef, DeliveryStatus, Endpoint, SECRET_FIELD, signing};
use crate::platform::StoreError;
use crate::platform::clock::Clock;
use crate::platform::event_bus::EventPublisher;
use crate::platform::events::DomainEvent;
use crate::platform::sealed_secret::{SealedSecret, SecretContext};
use crate::platform::secret::Secret;
use crate::platform::secret_keeper::SecretKeeper;
use crate::platform::ttl_cache::TtlCache;
use std::sync::Arc;
use std::time::Duration;

/// An attempt in flight longer than this died with its invocation (the attempt's own limit is
/// 15 s, the function's 60 s): its delivery may be claimed again.
pub const STALE_ATTEMPT_MS: i64 = 90_000;
/// How long a warm function trusts its copy of an organization's endpoints: changes (a new
/// subscription, a disabled endpoint) reach deliveries within it.
pub const ENDPOINTS_TTL: Duration = Duration::from_secs(30);
/// `last_success_at` is written at most this often per endpoint, not per delivery.
pub const SUCCESS_WRITE_SPACING_MS: i64 = 60_000;

/// What one event or job came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dispatched {
    pub succeeded: u32,
    pub retrying: u32,
    pub failed: u32,
    /// Deliveries another invocation is attempting right now: look again later.
    pub busy: u32,
    /// Nothing to do (already settled or moved on, no endpoint wants it).
    pub skipped: u32,
}

impl Dispatched {
    /// Nothing done: settled or moved on already.
    fn skipped() -> Self {
        Self {
            skipped: 1,
            ..Default::default()
        }
    }

    fn add(&mut self, other: Dispatched) {
        self.succeeded += other.succeeded;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.busy += other.busy;
        self.skipped += other.skipped;
    }
}

pub struct DispatchPorts {
    pub endpoints: Arc<dyn Endpoints>,
    pub log: Arc<dyn DeliveryLog>,
    pub queue: Arc<dyn AttemptQueue>,
    pub caller: Arc<dyn EndpointCaller>,
    pub secrets: Arc<dyn SecretKeeper>,
    pub events: Arc<dyn EventPublisher>,
}

pub struct Dispatcher {
    ports: DispatchPorts,
    clock: Clock,
    /// In [-1, 1]: spreads retry delays.
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    endpoints: TtlCache<String, Arc<Vec<Endpoint>>>,
    /// Opened secrets by their ciphertext (a rotated secret is a new entry).
    opened: TtlCache<String, Secret>,
    /// When this instance last wrote an endpoint's success.
    successes: TtlCache<String, i64>,
}

impl Dispatcher {
    pub fn new(ports: DispatchPorts, clock: Clock) -> Self {
        Self {
            ports,
            clock,
            jitter: Arc::new(|| rand::random::<f64>() * 2.0 - 1.0),
            endpoints: TtlCache::new(1_000),
            opened: TtlCache::new(1_000),
            successes: TtlCache::new(10_000),
        }
    }

    /// Fixes the jitter (tests and the bench).
    pub fn with_jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    async fn endpoints_of(&self, org_id: &str) -> Result<Arc<Vec<Endpoint>>, StoreError> {
        if let Some(cached) = self.endpoints.get(&org_id.to_string()) {
            return Ok(cached);
        }
        let fresh = Arc::new(self.ports.endpoints.endpoints_of(org_id).await?);
        self.endpoints.insert(org_id.to_string(), fresh.clone(), ENDPOINTS_TTL);
        Ok(fresh)
    }

    /// One event from the bus: a delivery per endpoint that wants it, each attempted at once.
    pub async fn on_event(&self, event: &PublishedEvent) -> Result<Dispatched, StoreError> {
        let org_id = event.text("org_id").unwrap_or_default();
        let event_id = event.text("event_id").unwrap_or_default();
        let endpoints = self.endpoints_of(org_id).await?;
        let wanted: Vec<&Endpoint> = endpoints
            .iter()
            .filter(|e| e.wants(&event.detail_type, event.text("account_id")))
            .collect();
        let payload = envelope(&event.detail_type, event.time_ms, &event.detail);
        let now_ms = self.clock.now_ms();
        let work = wanted.into_iter().map(|endpoint| {
            let delivery = Delivery {
                org_id: org_id.to_string(),
                webhook_id: endpoint.webhook_id.clone(),
                delivery_id: super::delivery_id(event.time_ms, event_id, &endpoint.webhook_id),
                event_id: event_id.to_string(),
                event_type: event.detail_type.clone(),
                payload: payload.clone(),
                status: DeliveryStatus::Sending,
                attempt: 1,
                max_attempts: delivery_policy::MAX_ATTEMPTS,
                created_at: self.clock.now_rfc3339(),
                http_status: None,
                response_body: None,
                error_message: None,
                next_retry_ms: None,
                completed_at: None,
                attempt_started_ms: Some(now_ms),
            };
            async move {
                let existing = match self.ports.log.create_delivery(&delivery).await? {
                    Created::New => return self.attempt(endpoint, &delivery).await,
                    Created::Existing { delivery_id } => DeliveryRef {
                        delivery_id,
                        ..delivery.reference()
                    },
                };
                // Delivered before (the event handed out or announced again): carry on from
                // where that delivery is.
                match self.ports.log.delivery(&existing).await? {
                    Some(found) => self.resume(found).await,
                    // Its guard written, the delivery not (the invocation died in between):
                    // make it now, under the guard's id.
                    None => {
                        let delivery = Delivery {
                            delivery_id: existing.delivery_id,
                            ..delivery
                        };
                        match self.ports.log.create_delivery(&delivery).await? {
                            Created::New => self.attempt(endpoint, &delivery).await,
                            Created::Existing { .. } => Ok(Dispatched::skipped()),
                        }
                    }
                }
            }
        });
        let mut total = Dispatched::default();
        for result in futures::future::join_all(work).await {
            total.add(result?);
        }
        Ok(total)
    }

    /// One queued attempt (a retry, a test, a redelivery).
    pub async fn on_job(&self, job: &AttemptJob) -> Result<Dispatched, StoreError> {
        match self.ports.log.delivery(&job.delivery).await? {
            Some(delivery) if delivery.attempt == job.after_attempt => self.resume(delivery).await,
            _ => Ok(Dispatched::skipped()),
        }
    }

    /// A delivery the due index holds: once due, its next attempt is queued and its entry moves on
    /// (a safety net only). Answers `false` when it is not due yet (left for a later run).
    /// `now_ms` is the run's (its scheduled event's time).
    pub async fn on_due(&self, delivery: &Delivery, now_ms: i64) -> Result<bool, StoreError> {
        if delivery.next_retry_ms.is_some_and(|due| due > now_ms) {
            return Ok(false);
        }
        // Settled or in flight meanwhile, a delivery needs no job (its claim or settlement
        // moves the entry itself); either way the entry leaves this minute.
        if matches!(delivery.status, DeliveryStatus::Retrying | DeliveryStatus::Pending) {
            let job = AttemptJob {
                delivery: delivery.reference(),
                after_attempt: delivery.attempt,
            };
            self.ports.queue.enqueue(&job, 0).await?;
        }
        self.ports
            .log
            .recheck_at(
                &delivery.reference(),
                delivery.attempt,
                now_ms + delivery_policy::REQUEUED_SAFETY_MS,
            )
            .await?;
        Ok(true)
    }

    /// Claims the next attempt of a delivery as read, if it is waiting for one, and makes it.
    async fn resume(&self, delivery: Delivery) -> Result<Dispatched, StoreError> {
        let now_ms = self.clock.now_ms();
        let waiting = match delivery.status {
            DeliveryStatus::Pending | DeliveryStatus::Retrying => true,
            DeliveryStatus::Sending => {
                let started = delivery.attempt_started_ms.unwrap_or(0);
                if now_ms - started < STALE_ATTEMPT_MS {
                    return Ok(Dispatched {
                        busy: 1,
                        ..Default::default()
                    });
                }
                true
            }
            DeliveryStatus::Succeeded | DeliveryStatus::Failed => false,
        };
        if !waiting || !self.ports.log.claim(&delivery, now_ms).await? {
            return Ok(Dispatched::skipped());
        }
        let claimed = Delivery {
            status: DeliveryStatus::Sending,
            attempt: delivery.attempt + 1,
            attempt_started_ms: Some(now_ms),
            ..delivery
        };
        let endpoint = self
            .ports
            .endpoints
            .endpoint(&claimed.org_id, &claimed.webhook_id)
            .await?;
        match endpoint {
            Some(endpoint) if endpoint.is_active => self.attempt(&endpoint, &claimed).await,
            other => {
                let reason = if other.is_some() {
                    "endpoint disabled"
                } else {
                    "endpoint deleted"
                };
                self.settle(&claimed, self.final_settlement(None, None, Some(reason.into())))
                    .await?;
                Ok(Dispatched {
                    failed: 1,
                    ..Default::default()
                })
            }
        }
    }

    async fn open(&self, endpoint: &Endpoint, sealed: &SealedSecret) -> Result<Secret, StoreError> {
        let cache_key = format!("{}:{}", endpoint.webhook_id, sealed.ciphertext);
        if let Some(secret) = self.opened.get(&cache_key) {
            return Ok(secret);
        }
        let context = SecretContext {
            org_id: &endpoint.org_id,
            account_id: &endpoint.webhook_id,
            field: SECRET_FIELD,
        };
        let secret = self.ports.secrets.open_sealed(sealed, &context).await?;
        self.opened.insert(cache_key, secret.clone(), Duration::from_secs(300));
        Ok(secret)
    }

    /// Makes attempt `delivery.attempt` (claimed) and settles it.
    async fn attempt(&self, endpoint: &Endpoint, delivery: &Delivery) -> Result<Dispatched, StoreError> {
        let now_ms = self.clock.now_ms();
        let mut secrets = Vec::new();
        for sealed in endpoint.signing_secrets(now_ms) {
            secrets.push(self.open(endpoint, sealed).await?);
        }
        let timestamp_s = now_ms.div_euclid(1000);
        let body = delivery.payload.as_bytes();
        let refs: Vec<&Secret> = secrets.iter().collect();
        let reply = match signing::signature_header(&refs, &delivery.event_id, timestamp_s, body) {
            Ok(signature) => {
                let headers = vec![
                    ("content-type", "application/json".to_string()),
                    ("user-agent", "Switchboard-Webhooks/1".to_string()),
                    ("webhook-id", delivery.event_id.clone()),
                    ("webhook-timestamp", timestamp_s.to_string()),
                    ("webhook-signature", signature),
                ];
                self.ports
                    .caller
                    .post(Call {
                        url: &endpoint.url,
                        headers,
                        body,
                    })
                    .await
            }
            Err(malformed) => crate::integrations::ports::Reply {
                answer: Answer::Refused {
                    reason: malformed.to_string(),
                },
                body: Vec::new(),
            },
        };
        let next =
            delivery_policy::after_attempt(delivery.attempt, delivery.max_attempts, &reply.answer, (self.jitter)());
        let (http_status, error) = match &reply.answer {
            Answer::Status { code, .. } => (Some(*code), None),
            Answer::NoAnswer { reason, .. } | Answer::Refused { reason } => (None, Some(reason.clone())),
        };
        let answer_text = (!reply.body.is_empty()).then(|| delivery_policy::stored_answer(&reply.body));
        let now = self.clock.now_rfc3339();
        let mut dispatched = Dispatched::default();
        match next {
            Next::Succeeded => {
                let settlement = Settlement {
                    status: DeliveryStatus::Succeeded,
                    http_status,
                    response_body: answer_text,
                    error_message: None,
                    next_retry_ms: None,
                    index_at_ms: None,
                    completed_at: Some(now.clone()),
                };
                self.settle(delivery, settlement).await?;
                self.note_success(endpoint, now_ms, &now).await?;
                dispatched.succeeded = 1;
            }
            Next::RetryIn { seconds } => {
                let due_ms = now_ms + i64::from(seconds) * 1000;
                let settlement = Settlement {
                    status: DeliveryStatus::Retrying,
                    http_status,
                    response_body: answer_text,
                    error_message: error,
                    next_retry_ms: Some(due_ms),
                    index_at_ms: Some(delivery_policy::index_at(due_ms, seconds)),
                    completed_at: None,
                };
                if self.settle(delivery, settlement).await?
                    && let RetryRoute::Queue { delay_s } = delivery_policy::retry_route(seconds)
                {
                    let job = AttemptJob {
                        delivery: delivery.reference(),
                        after_attempt: delivery.attempt,
                    };
                    // Lost, the due index's safety entry brings it back a little late.
                    if let Err(err) = self.ports.queue.enqueue(&job, delay_s).await {
                        tracing::warn!(error = %err, "retry not queued; the due index will bring it");
                    }
                }
                self.note_failure(endpoint, now_ms, &now).await?;
                dispatched.retrying = 1;
            }
            Next::Failed | Next::EndpointGone => {
                self.settle(delivery, self.final_settlement(http_status, answer_text, error))
                    .await?;
                if next == Next::EndpointGone {
                    self.disable(endpoint, "gone", &now).await?;
                } else {
                    self.note_failure(endpoint, now_ms, &now).await?;
                }
                dispatched.failed = 1;
            }
        }
        Ok(dispatched)
    }

    fn final_settlement(&self, http_status: Option<u16>, body: Option<String>, error: Option<String>) -> Settlement {
        Settlement {
            status: DeliveryStatus::Failed,
            http_status,
            response_body: body,
            error_message: error,
            next_retry_ms: None,
            index_at_ms: None,
            completed_at: Some(self.clock.now_rfc3339()),
        }
    }

    async fn settle(&self, delivery: &Delivery, settlement: Settlement) -> Result<bool, StoreError> {
        let written = self
            .ports
            .log
            .settle(&delivery.reference(), delivery.attempt, &settlement)
            .await?;
        if !written {
            tracing::info!(delivery_id = %delivery.delivery_id, "attempt already settled elsewhere");
        }
        Ok(written)
    }

    async fn note_success(&self, endpoint: &Endpoint, now_ms: i64, now: &str) -> Result<(), StoreError> {
        let last = self.successes.get(&endpoint.webhook_id);
        let streak = endpoint.consecutive_failures > 0 || endpoint.failing_since_ms.is_some();
        if !streak && last.is_some_and(|at| now_ms - at < SUCCESS_WRITE_SPACING_MS) {
            return Ok(());
        }
        self.ports
            .endpoints
            .record_success(&endpoint.org_id, &endpoint.webhook_id, now)
            .await?;
        self.successes
            .insert(endpoint.webhook_id.clone(), now_ms, Duration::from_secs(3600));
        if streak {
            self.endpoints.remove(&endpoint.org_id);
        }
        Ok(())
    }

    async fn note_failure(&self, endpoint: &Endpoint, now_ms: i64, now: &str) -> Result<(), StoreError> {
        let failing = self
            .ports
            .endpoints
            .record_failure(&endpoint.org_id, &endpoint.webhook_id, now_ms, now)
            .await?;
        // The cached copy must not hide the streak from the next success.
        self.endpoints.remove(&endpoint.org_id);
        if failing.is_some_and(|f| delivery_policy::failing_too_long(Some(f.since_ms), now_ms)) {
            self.disable(endpoint, "failing", now).await?;
        }
        Ok(())
    }

    async fn disable(&self, endpoint: &Endpoint, reason: &str, now: &str) -> Result<(), StoreError> {
        self.endpoints.remove(&endpoint.org_id);
        if self
            .ports
            .endpoints
            .disable(&endpoint.org_id, &endpoint.webhook_id, reason, now)
            .await?
        {
            let event = DomainEvent::webhook_disabled(&endpoint.org_id, &endpoint.webhook_id, reason, now);
            if !self.ports.events.publish(&[event]).await.is_empty() {
                tracing::warn!(webhook_id = %endpoint.webhook_id, "webhook.disabled not published");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "dispatcher_tests.rs"]
mod tests;
