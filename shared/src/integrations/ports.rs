//! The ports the dispatcher and the API work through: the organization's endpoints, the delivery
//! log, the queue of attempts, and the HTTP call itself. DynamoDB/SQS/hyper adapters live beside
//! (`endpoint_store`, `delivery_store`, `safe_http`); in-memory ones in `memory`.

use crate::integrations::delivery_policy::Answer;
use crate::integrations::{AttemptJob, Delivery, DeliveryRef, DeliveryStatus, Endpoint};
use crate::platform::StoreError;
use crate::platform::records::{Page, PageKey};
use crate::platform::sealed_secret::SealedSecret;

/// What an endpoint's update changes (`None`: unchanged).
#[derive(Debug, Default, Clone)]
pub struct EndpointChanges {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub account_id: Option<Option<String>>,
    /// Re-enabling clears the disabled reason and the failure streak.
    pub is_active: Option<bool>,
    /// A rotation: the new secret, and the old one kept signing until the given time.
    pub rotated: Option<(SealedSecret, SealedSecret, i64)>,
}

impl EndpointChanges {
    /// The update applied to `endpoint`, as both adapters do it.
    pub fn apply_to(self, endpoint: &mut Endpoint, now: &str) {
        let changes = self;
        if let Some(name) = changes.name {
            endpoint.name = name;
        }
        if let Some(url) = changes.url {
            endpoint.url = url;
        }
        if let Some(events) = changes.events {
            endpoint.events = events;
        }
        if let Some(account) = changes.account_id {
            endpoint.account_id = account;
        }
        if let Some(active) = changes.is_active {
            endpoint.is_active = active;
            if active {
                endpoint.disabled_reason = None;
                endpoint.consecutive_failures = 0;
                endpoint.failing_since_ms = None;
            }
        }
        if let Some((secret, previous, until)) = changes.rotated {
            endpoint.secret = secret;
            endpoint.previous_secret = Some(previous);
            endpoint.previous_until_ms = Some(until);
        }
        endpoint.updated_at = now.into();
    }
}

/// The endpoint's health after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failing {
    pub since_ms: i64,
    pub consecutive: u32,
}

#[async_trait::async_trait]
pub trait Endpoints: Send + Sync {
    /// Every endpoint of the organization (at most [`crate::integrations::MAX_ENDPOINTS_PER_ORG`]).
    async fn endpoints_of(&self, org_id: &str) -> Result<Vec<Endpoint>, StoreError>;
    async fn endpoint(&self, org_id: &str, webhook_id: &str) -> Result<Option<Endpoint>, StoreError>;
    /// Creates it; `Ok(false)` when the organization already has the most it may.
    async fn create_endpoint(&self, endpoint: &Endpoint) -> Result<bool, StoreError>;
    async fn update_endpoint(
        &self,
        org_id: &str,
        webhook_id: &str,
        changes: EndpointChanges,
        now: &str,
    ) -> Result<Option<Endpoint>, StoreError>;
    async fn delete_endpoint(&self, org_id: &str, webhook_id: &str) -> Result<bool, StoreError>;
    /// A success: the failure streak ends, `last_success_at` and `last_triggered_at` move.
    async fn record_success(&self, org_id: &str, webhook_id: &str, now: &str) -> Result<(), StoreError>;
    /// A failed attempt: the streak grows (starting now if there was none).
    async fn record_failure(
        &self,
        org_id: &str,
        webhook_id: &str,
        now_ms: i64,
        now: &str,
    ) -> Result<Option<Failing>, StoreError>;
    /// Disables an active endpoint; `Ok(true)` when this call did (the caller then announces it).
    async fn disable(&self, org_id: &str, webhook_id: &str, reason: &str, now: &str) -> Result<bool, StoreError>;
}

/// How an attempt ended, as written onto its delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    pub status: DeliveryStatus,
    pub http_status: Option<u16>,
    pub response_body: Option<String>,
    pub error_message: Option<String>,
    /// When the next attempt is due (`retrying` only).
    pub next_retry_ms: Option<i64>,
    /// When the due index should bring the delivery back (`retrying` only): its due time for a
    /// long wait, a little after it for a queued one.
    pub index_at_ms: Option<i64>,
    pub completed_at: Option<String>,
}

/// What creating a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    New,
    /// The event has a delivery to this endpoint already: this one.
    Existing {
        delivery_id: String,
    },
}

/// Which deliveries a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub event_type: Option<String>,
}

#[async_trait::async_trait]
pub trait DeliveryLog: Send + Sync {
    /// Creates a delivery unless its event was delivered to this endpoint before (SQS handing the
    /// event out again, or a publisher announcing it again later, so with another time and so
    /// another delivery id): a guard per (endpoint, event) makes it once.
    async fn create_delivery(&self, delivery: &Delivery) -> Result<Created, StoreError>;
    async fn delivery(&self, reference: &DeliveryRef) -> Result<Option<Delivery>, StoreError>;
    /// Starts attempt `read.attempt + 1` of a delivery as read (`pending`, `retrying`, or a
    /// `sending` one whose invocation died): `Ok(false)` when it moved on since.
    async fn claim(&self, read: &Delivery, now_ms: i64) -> Result<bool, StoreError>;
    /// Writes how attempt `attempt` ended; `Ok(false)` when that attempt is no longer the one in
    /// flight (nothing written).
    async fn settle(&self, reference: &DeliveryRef, attempt: u32, settlement: &Settlement) -> Result<bool, StoreError>;
    /// A manual redelivery: a settled (or never queued `pending`) delivery goes back to `pending`
    /// for one more attempt;
    /// `Ok(None)` when there is no such delivery, `Err(Conflict)` while it is still in progress.
    async fn reopen(&self, reference: &DeliveryRef) -> Result<Option<Delivery>, StoreError>;
    /// Moves a due delivery's index entry to `at_ms` once its job is queued (the entry stays as
    /// a safety net should the job be lost); `Ok(false)` when the delivery moved on.
    async fn recheck_at(&self, reference: &DeliveryRef, attempt: u32, at_ms: i64) -> Result<bool, StoreError>;
    /// One page of an endpoint's deliveries, newest first.
    async fn deliveries_page(
        &self,
        org_id: &str,
        webhook_id: &str,
        filter: &DeliveryFilter,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Delivery>, StoreError>;
}

/// Where queued attempts go (the delivering function's own queue).
#[async_trait::async_trait]
pub trait AttemptQueue: Send + Sync {
    async fn enqueue(&self, job: &AttemptJob, delay_s: u32) -> Result<(), StoreError>;
}

/// One signed POST to an endpoint.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub url: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: &'a [u8],
}

/// What came back: the answer, and the start of its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub answer: Answer,
    pub body: Vec<u8>,
}

#[async_trait::async_trait]
pub trait EndpointCaller: Send + Sync {
    async fn post(&self, call: Call<'_>) -> Reply;
}
