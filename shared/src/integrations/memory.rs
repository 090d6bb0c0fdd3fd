//! In-memory ports of outgoing webhooks (the dispatcher's tests, the contract suite, the bench):
//! they keep the DynamoDB adapters' conditions, so a test that passes here asks nothing of the
//! table it would not grant.

use crate::integrations::delivery_policy::Answer;
use crate::integrations::ports::{
    AttemptQueue, Call, Created, DeliveryFilter, DeliveryLog, EndpointCaller, EndpointChanges, Endpoints, Failing,
    Reply, Settlement,
};
use crate::integrations::{AttemptJob, Delivery, DeliveryRef, DeliveryStatus, Endpoint, MAX_ENDPOINTS_PER_ORG};
use crate::platform::StoreError;
use crate::platform::records::{Page, PageKey};
use crate::platform::sealed_secret::{self, SealedSecret, SecretContext};
use crate::platform::secret::Secret;
use crate::platform::secret_keeper::SecretKeeper;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
pub struct MemoryEndpoints {
    pub endpoints: Mutex<BTreeMap<(String, String), Endpoint>>,
}

#[async_trait::async_trait]
impl Endpoints for MemoryEndpoints {
    async fn endpoints_of(&self, org_id: &str) -> Result<Vec<Endpoint>, StoreError> {
        Ok(lock(&self.endpoints)
            .values()
            .filter(|e| e.org_id == org_id)
            .cloned()
            .collect())
    }

    async fn endpoint(&self, org_id: &str, webhook_id: &str) -> Result<Option<Endpoint>, StoreError> {
        Ok(lock(&self.endpoints)
            .get(&(org_id.to_string(), webhook_id.to_string()))
            .cloned())
    }

    async fn create_endpoint(&self, endpoint: &Endpoint) -> Result<bool, StoreError> {
        let mut endpoints = lock(&self.endpoints);
        if endpoints.values().filter(|e| e.org_id == endpoint.org_id).count() >= MAX_ENDPOINTS_PER_ORG {
            return Ok(false);
        }
        endpoints.insert((endpoint.org_id.clone(), endpoint.webhook_id.clone()), endpoint.clone());
        Ok(true)
    }

    async fn update_endpoint(
        &self,
        org_id: &str,
        webhook_id: &str,
        changes: EndpointChanges,
        now: &str,
    ) -> Result<Option<Endpoint>, StoreError> {
        let mut endpoints = lock(&self.endpoints);
        let Some(endpoint) = endpoints.get_mut(&(org_id.to_string(), webhook_id.to_string())) else {
            return Ok(None);
        };
        changes.apply_to(endpoint, now);
        Ok(Some(endpoint.clone()))
    }

    async fn delete_endpoint(&self, org_id: &str, webhook_id: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.endpoints)
            .remove(&(org_id.to_string(), webhook_id.to_string()))
            .is_some())
    }

    async fn record_success(&self, org_id: &str, webhook_id: &str, now: &str) -> Result<(), StoreError> {
        if let Some(e) = lock(&self.endpoints).get_mut(&(org_id.to_string(), webhook_id.to_string())) {
            e.consecutive_failures = 0;
            e.failing_since_ms = None;
            e.last_success_at = Some(now.into());
            e.last_triggered_at = Some(now.into());
        }
        Ok(())
    }

    async fn record_failure(
        &self,
        org_id: &str,
        webhook_id: &str,
        now_ms: i64,
        now: &str,
    ) -> Result<Option<Failing>, StoreError> {
        let mut endpoints = lock(&self.endpoints);
        let Some(e) = endpoints.get_mut(&(org_id.to_string(), webhook_id.to_string())) else {
            return Ok(None);
        };
        e.consecutive_failures += 1;
        let since = *e.failing_since_ms.get_or_insert(now_ms);
        e.last_triggered_at = Some(now.into());
        Ok(Some(Failing {
            since_ms: since,
            consecutive: e.consecutive_failures,
        }))
    }

    async fn disable(&self, org_id: &str, webhook_id: &str, reason: &str, now: &str) -> Result<bool, StoreError> {
        let mut endpoints = lock(&self.endpoints);
        match endpoints.get_mut(&(org_id.to_string(), webhook_id.to_string())) {
            Some(e) if e.is_active => {
                e.is_active = false;
                e.disabled_reason = Some(reason.into());
                e.updated_at = now.into();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[derive(Default)]
pub struct MemoryDeliveryLog {
    pub deliveries: Mutex<BTreeMap<(String, String, String), Delivery>>,
    /// The due index: when each delivery should be looked at again.
    pub due: Mutex<BTreeMap<(String, String, String), i64>>,
    /// (org, endpoint, event) to the event's delivery.
    pub guards: Mutex<BTreeMap<(String, String, String), String>>,
}

fn key_of(r: &DeliveryRef) -> (String, String, String) {
    (r.org_id.clone(), r.webhook_id.clone(), r.delivery_id.clone())
}

impl MemoryDeliveryLog {
    /// Every delivery, in key order.
    pub fn all(&self) -> Vec<Delivery> {
        lock(&self.deliveries).values().cloned().collect()
    }

    /// The deliveries the due index holds at or before `now_ms`.
    pub fn due_by(&self, now_ms: i64) -> Vec<Delivery> {
        let due = lock(&self.due);
        let deliveries = lock(&self.deliveries);
        due.iter()
            .filter(|(_, at)| **at <= now_ms)
            .filter_map(|(key, _)| deliveries.get(key).cloned())
            .collect()
    }
}

#[async_trait::async_trait]
impl DeliveryLog for MemoryDeliveryLog {
    async fn create_delivery(&self, delivery: &Delivery) -> Result<Created, StoreError> {
        let guard = (
            delivery.org_id.clone(),
            delivery.webhook_id.clone(),
            delivery.event_id.clone(),
        );
        if let Some(delivery_id) = lock(&self.guards).get(&guard)
            && *delivery_id != delivery.delivery_id
        {
            return Ok(Created::Existing {
                delivery_id: delivery_id.clone(),
            });
        }
        lock(&self.guards).insert(guard, delivery.delivery_id.clone());
        let mut deliveries = lock(&self.deliveries);
        let key = key_of(&delivery.reference());
        if deliveries.contains_key(&key) {
            return Ok(Created::Existing {
                delivery_id: delivery.delivery_id.clone(),
            });
        }
        deliveries.insert(key, delivery.clone());
        Ok(Created::New)
    }

    async fn delivery(&self, reference: &DeliveryRef) -> Result<Option<Delivery>, StoreError> {
        Ok(lock(&self.deliveries).get(&key_of(reference)).cloned())
    }

    async fn claim(&self, read: &Delivery, now_ms: i64) -> Result<bool, StoreError> {
        let mut deliveries = lock(&self.deliveries);
        match deliveries.get_mut(&key_of(&read.reference())) {
            Some(d)
                if d.attempt == read.attempt
                    && d.status == read.status
                    && d.status != DeliveryStatus::Succeeded
                    && d.status != DeliveryStatus::Failed =>
            {
                d.status = DeliveryStatus::Sending;
                d.attempt += 1;
                d.attempt_started_ms = Some(now_ms);
                d.next_retry_ms = None;
                lock(&self.due).remove(&key_of(&read.reference()));
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn settle(&self, reference: &DeliveryRef, attempt: u32, s: &Settlement) -> Result<bool, StoreError> {
        let mut deliveries = lock(&self.deliveries);
        match deliveries.get_mut(&key_of(reference)) {
            Some(d) if d.attempt == attempt && d.status == DeliveryStatus::Sending => {
                d.status = s.status;
                d.http_status = s.http_status;
                d.response_body = s.response_body.clone();
                d.error_message = s.error_message.clone();
                d.next_retry_ms = s.next_retry_ms;
                d.completed_at = s.completed_at.clone();
                let mut due = lock(&self.due);
                match s.index_at_ms {
                    Some(at) => due.insert(key_of(reference), at),
                    None => due.remove(&key_of(reference)),
                };
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn reopen(&self, reference: &DeliveryRef) -> Result<Option<Delivery>, StoreError> {
        let mut deliveries = lock(&self.deliveries);
        let Some(d) = deliveries.get_mut(&key_of(reference)) else {
            return Ok(None);
        };
        if !matches!(
            d.status,
            DeliveryStatus::Succeeded | DeliveryStatus::Failed | DeliveryStatus::Pending
        ) {
            return Err(StoreError::Conflict("a delivery in progress".into()));
        }
        d.status = DeliveryStatus::Pending;
        d.max_attempts = d.attempt + 1;
        d.completed_at = None;
        d.next_retry_ms = None;
        Ok(Some(d.clone()))
    }

    async fn recheck_at(&self, reference: &DeliveryRef, attempt: u32, at_ms: i64) -> Result<bool, StoreError> {
        let mut deliveries = lock(&self.deliveries);
        match deliveries.get_mut(&key_of(reference)) {
            Some(d) if d.attempt == attempt && d.status == DeliveryStatus::Retrying => {
                d.next_retry_ms = d.next_retry_ms.or(Some(at_ms));
                lock(&self.due).insert(key_of(reference), at_ms);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn deliveries_page(
        &self,
        org_id: &str,
        webhook_id: &str,
        filter: &DeliveryFilter,
        limit: i32,
        start: Option<PageKey>,
    ) -> Result<Page<Delivery>, StoreError> {
        let after = start.and_then(|s| s.get("delivery_id").cloned());
        let mut matching: Vec<Delivery> = lock(&self.deliveries)
            .values()
            .filter(|d| d.org_id == org_id && d.webhook_id == webhook_id)
            .filter(|d| after.as_ref().is_none_or(|a| &d.delivery_id < a))
            .cloned()
            .collect();
        matching.reverse();
        let limit = limit.max(1) as usize;
        let next = (matching.len() > limit)
            .then(|| PageKey::from([("delivery_id".to_string(), matching[limit - 1].delivery_id.clone())]));
        matching.truncate(limit);
        matching.retain(|d| {
            filter.status.is_none_or(|s| d.status == s) && filter.event_type.as_ref().is_none_or(|t| &d.event_type == t)
        });
        Ok(Page { items: matching, next })
    }
}

/// Queued attempts, with their delays.
#[derive(Default)]
pub struct MemoryAttempts {
    pub jobs: Mutex<Vec<(AttemptJob, u32)>>,
}

impl MemoryAttempts {
    pub fn take(&self) -> Vec<(AttemptJob, u32)> {
        std::mem::take(&mut *lock(&self.jobs))
    }
}

#[async_trait::async_trait]
impl AttemptQueue for MemoryAttempts {
    async fn enqueue(&self, job: &AttemptJob, delay_s: u32) -> Result<(), StoreError> {
        lock(&self.jobs).push((job.clone(), delay_s));
        Ok(())
    }
}

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Received {
    pub url: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// An endpoint caller that answers each URL with its scripted answers in turn (then 200), and
/// records every call.
#[derive(Default)]
pub struct ScriptedCaller {
    pub script: Mutex<HashMap<String, Vec<Answer>>>,
    pub calls: Mutex<Vec<Received>>,
}

impl ScriptedCaller {
    pub fn answer(&self, url: &str, answers: Vec<Answer>) {
        lock(&self.script).insert(url.to_string(), answers);
    }

    pub fn calls(&self) -> Vec<Received> {
        lock(&self.calls).clone()
    }
}

#[async_trait::async_trait]
impl EndpointCaller for ScriptedCaller {
    async fn post(&self, call: Call<'_>) -> Reply {
        lock(&self.calls).push(Received {
            url: call.url.to_string(),
            headers: call.headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            body: call.body.to_vec(),
        });
        let mut script = lock(&self.script);
        let answer = match script.get_mut(call.url) {
            Some(answers) if !answers.is_empty() => answers.remove(0),
            _ => Answer::Status {
                code: 200,
                retry_after_s: None,
            },
        };
        Reply {
            answer,
            body: b"ok".to_vec(),
        }
    }
}

/// A secret keeper with one fixed data key: the envelope format without KMS.
pub struct PlainKeeper;

const PLAIN_KEY: [u8; 32] = [7; 32];

#[async_trait::async_trait]
impl SecretKeeper for PlainKeeper {
    async fn seal(&self, secret: &Secret, context: &SecretContext<'_>) -> Result<SealedSecret, StoreError> {
        Ok(sealed_secret::seal(&PLAIN_KEY, b"plain", secret, context)?)
    }

    async fn open_sealed(&self, sealed: &SealedSecret, context: &SecretContext<'_>) -> Result<Secret, StoreError> {
        Ok(sealed_secret::open(&PLAIN_KEY, sealed, context)?)
    }
}
