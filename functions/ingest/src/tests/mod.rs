//! Ingest's orchestration on in-memory ports (no moto): what each delivery comes to, that effects
//! are repeated for duplicates but writes are not, and which records fail, wait or are
//! dead-lettered. The stores' own conditions are held to the same rules by the contract suites;
//! SQS's dead-letter queue and the real event bus stay in the integration tests.

mod care;
mod changes;
mod outreach;
mod refusals;

use super::*;
use aws_lambda_events::event::sqs::SqsBatchResponse;
use serde_json::{Value, json};
use shared::care::memory::MemoryCare;
use shared::desk::memory::MemoryAllocator;
use shared::inbox::memory::MemoryInbox;
use shared::inbox::send_memory::{MemoryAccounts, MemoryOutbound};
use shared::outreach::campaign_sends_memory::MemoryCampaignSends;
use shared::outreach::replies_memory::MemoryTemplates;
use shared::platform::memory::{MemoryEvents, MemoryPayloads, MemoryQueue, MemoryQueueControl};
use shared::platform::sealed_secret::StoredSecret;
use shared::platform::secret::Secret;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const ORG: &str = "org_i";
const ACCOUNT: &str = "acc_i";
const PHONE_NUMBER_ID: &str = "1065550009";
const CUSTOMER: &str = "4915550009";
const DIVISION: &str = "div_sales";
const MAX_RECEIVES: u32 = 5;

fn account() -> WhatsAppAccount {
    let clear = |s: &str| StoredSecret::Clear(Secret::new(s));
    WhatsAppAccount {
        org_id: ORG.into(),
        account_id: ACCOUNT.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        waba_id: "2065550009".into(),
        display_phone_number: "15550009".into(),
        verify_token: clear("verify"),
        app_secret: clear("app-secret"),
        access_token: clear("token"),
        throughput_mps: 80,
        division_id: Some(DIVISION.into()),
        messaging_limit: None,
        out_of_hours_reply: None,
        csat_enabled: false,
        csat_template_name: None,
        created_at: "2026-12-05T00:00:00Z".into(),
        updated_at: "2026-12-05T00:00:00Z".into(),
    }
}

struct Rig {
    service: IngestService,
    now: Arc<AtomicI64>,
    inbox: Arc<MemoryInbox>,
    outbound: Arc<MemoryOutbound>,
    care: Arc<MemoryCare>,
    allocator: Arc<MemoryAllocator>,
    campaigns: Arc<MemoryCampaignSends>,
    templates: Arc<MemoryTemplates>,
    accounts: Arc<MemoryAccounts>,
    payloads: Arc<MemoryPayloads>,
    media_jobs: Arc<MemoryQueue>,
    outbound_jobs: Arc<MemoryQueue>,
    events: Arc<MemoryEvents>,
    queue: Arc<MemoryQueueControl>,
}

fn rig() -> Rig {
    rig_with(account())
}

fn rig_with(account: WhatsAppAccount) -> Rig {
    let now = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp_millis()));
    let read = now.clone();
    let clock = Clock::new(move || read.load(Ordering::SeqCst));
    let inbox = Arc::new(MemoryInbox::default());
    let outbound = Arc::new(MemoryOutbound::new(clock.clone()));
    let care = Arc::new(MemoryCare::default());
    let allocator = Arc::new(MemoryAllocator::new(inbox.clone()));
    let campaigns = Arc::new(MemoryCampaignSends::new(clock.clone()));
    let (templates, accounts, payloads) = Default::default();
    let (media_jobs, outbound_jobs, events, queue) = Default::default();
    let rig = Rig {
        service: IngestService::new(
            IngestPorts {
                inbox: ports::InboxPorts {
                    messages: inbox.clone(),
                    statuses: outbound.clone(),
                    changes: inbox.clone(),
                    account_events: inbox.clone(),
                    conversations: inbox.clone(),
                    out_of_hours: outbound.clone(),
                },
                care: ports::CarePorts {
                    sla: care.clone(),
                    expiry: care.clone(),
                    hours: care.clone(),
                    surveys: care.clone(),
                },
                outreach: ports::OutreachPorts {
                    campaigns: campaigns.clone(),
                    templates: Arc::clone(&templates) as _,
                },
                allocator: allocator.clone(),
                accounts: Arc::clone(&accounts) as _,
                platform: ports::PlatformPorts {
                    payloads: Arc::clone(&payloads) as _,
                    media_jobs: Arc::clone(&media_jobs) as _,
                    outbound_jobs: Arc::clone(&outbound_jobs) as _,
                    events: Arc::clone(&events) as _,
                },
            },
            BatchRunner::new("ingest", Box::new(Arc::clone(&queue)), MAX_RECEIVES, Order::Sequential),
            clock,
        ),
        now,
        inbox,
        outbound,
        care,
        allocator,
        campaigns,
        templates,
        accounts,
        payloads,
        media_jobs,
        outbound_jobs,
        events,
        queue,
    };
    rig.accounts.put(account, "token");
    rig
}

/// A `messages` notification of the account's number, from [`CUSTOMER`].
fn notification(messages: Value, statuses: Value) -> Vec<u8> {
    notification_to(PHONE_NUMBER_ID, messages, statuses)
}

fn notification_to(phone_number_id: &str, messages: Value, statuses: Value) -> Vec<u8> {
    let mut value = json!({"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER}]});
    if !messages.is_null() {
        value["messages"] = messages;
    }
    if !statuses.is_null() {
        value["statuses"] = statuses;
    }
    json!({"object": "whatsapp_business_account",
        "entry": [{"id": "2065550009", "changes": [{"field": "messages", "value": value}]}]})
    .to_string()
    .into_bytes()
}

fn customer_message(wamid: &str, timestamp: i64, kind: &str, body: Value) -> Value {
    let mut message = json!({"from": CUSTOMER, "id": wamid, "timestamp": timestamp.to_string(), "type": kind});
    message[kind] = body;
    message
}

fn text(wamid: &str, timestamp: i64, body: &str) -> Vec<u8> {
    notification(
        json!([customer_message(wamid, timestamp, "text", json!({"body": body}))]),
        Value::Null,
    )
}

/// An SQS record of a delivery as the webhook queues it, on its `receives`-th receive.
fn record(id: &str, body: &[u8], receives: u32) -> Value {
    let attribute = |value: &str| json!({"stringValue": value, "dataType": "String"});
    json!({"messageId": id, "receiptHandle": format!("handle-{id}"),
    "body": String::from_utf8_lossy(body),
    "attributes": {"ApproximateReceiveCount": receives.to_string()},
    "messageAttributes": {
        "sb-org-id": attribute(ORG),
        "sb-account-id": attribute(ACCOUNT),
        "sb-received-at-ms": attribute("1796400000000"),
        "sb-payload-location": attribute("inline"),
    }})
}

fn batch(records: Vec<Value>) -> SqsEvent {
    serde_json::from_value(json!({ "Records": records })).expect("an SQS event")
}

impl Rig {
    fn now_s(&self) -> i64 {
        self.now.load(Ordering::SeqCst) / 1000
    }

    async fn deliver(&self, body: &[u8]) -> (SqsBatchResponse, BatchSummary) {
        self.deliver_on(body, 1).await
    }

    async fn deliver_on(&self, body: &[u8], receives: u32) -> (SqsBatchResponse, BatchSummary) {
        self.service.process(batch(vec![record("m", body, receives)])).await
    }

    /// The events published so far, as `type:id` of what happened.
    fn events(&self) -> Vec<String> {
        self.events
            .events
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.detail["event_id"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn only_conversation(&self) -> shared::inbox::Conversation {
        let all = self.inbox.conversations(ORG);
        assert_eq!(all.len(), 1, "{all:?}");
        all[0].clone()
    }

    fn dead_letters(&self) -> Vec<(String, String)> {
        self.queue.dead_letters.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn a_new_customer_opens_one_conversation_however_often_meta_delivers() {
    let rig = rig();
    rig.allocator.picks(ORG, DIVISION, "ag_ada");
    let body = text("wamid.first", rig.now_s(), "Hello, is the blue one in stock?");
    for delivery in 0..3 {
        let (response, summary) = rig.deliver(&body).await;
        assert!(response.batch_item_failures.is_empty());
        let stored_or_duplicate = (summary.messages_stored, summary.duplicates);
        assert_eq!(stored_or_duplicate, if delivery == 0 { (1, 0) } else { (0, 1) });
    }
    assert_eq!(rig.inbox.messages(ORG).len(), 1, "stored once");
    let conversation = rig.only_conversation();
    assert_eq!((conversation.message_count, conversation.unread_count), (1, 1));
    assert_eq!(conversation.assigned_agent_id.as_deref(), Some("ag_ada"), "allocated");
    assert_eq!(conversation.division_id.as_deref(), Some(DIVISION));
    // A redelivery repeats the effects (the first may not have gone out); the events' ids are
    // stable, so the bus's consumers see the same event again.
    let events = rig.events();
    let created = format!("conversation.created:{}", conversation.conversation_id);
    assert_eq!(events.iter().filter(|e| **e == created).count(), 3);
    assert_eq!(
        events.iter().filter(|e| *e == "message.received:wamid.first").count(),
        3
    );
    assert_eq!(rig.allocator.asked().len(), 3, "asked again, taken once");
}

#[tokio::test]
async fn a_second_message_joins_the_open_conversation_and_allocates_nothing() {
    let rig = rig();
    let now = rig.now_s();
    rig.deliver(&text("wamid.one", now, "one")).await;
    let (_, summary) = rig.deliver(&text("wamid.two", now + 5, "two")).await;
    assert_eq!(summary.messages_stored, 1);
    let conversation = rig.only_conversation();
    assert_eq!(conversation.message_count, 2);
    assert_eq!(conversation.last_message_preview, "two");
    assert_eq!(rig.allocator.asked().len(), 1, "only the opening message allocates");
    let created = rig
        .events()
        .iter()
        .filter(|e| e.starts_with("conversation.created"))
        .count();
    assert_eq!(created, 1, "one conversation opened");
}

#[tokio::test]
async fn a_media_message_leaves_one_job_naming_its_media() {
    let rig = rig();
    let image = notification(
        json!([customer_message(
            "wamid.photo",
            rig.now_s(),
            "image",
            json!({"id": "media-123", "mime_type": "image/jpeg", "sha256": "abc"})
        )]),
        Value::Null,
    );
    rig.deliver(&image).await;
    let jobs = rig.media_jobs.taken();
    assert_eq!(jobs.len(), 1);
    let job: Value = serde_json::from_str(&jobs[0]).unwrap();
    assert_eq!(
        (&job["org_id"], &job["wamid"], &job["media_id"], &job["mime_type"]),
        (
            &json!(ORG),
            &json!("wamid.photo"),
            &json!("media-123"),
            &json!("image/jpeg")
        )
    );
}

/// An event bus that refuses the first `refusals` publishes.
struct RefusingBus {
    refusals: std::sync::Mutex<u32>,
    inner: Arc<MemoryEvents>,
}

#[async_trait::async_trait]
impl shared::platform::event_bus::EventPublisher for RefusingBus {
    async fn publish(&self, events: &[DomainEvent]) -> Vec<usize> {
        let refused = {
            let mut refusals = self.refusals.lock().unwrap();
            let refused = *refusals > 0;
            *refusals = refusals.saturating_sub(1);
            refused
        };
        match refused {
            true => (0..events.len()).collect(),
            false => self.inner.publish(events).await,
        }
    }
}

#[tokio::test]
async fn events_the_bus_refused_go_out_with_the_redelivery_and_the_message_is_stored_once() {
    let mut rig = rig();
    let bus = Arc::new(RefusingBus {
        refusals: std::sync::Mutex::new(1),
        inner: rig.events.clone(),
    });
    rig.service.ports.platform.events = bus;
    let body = text("wamid.once", rig.now_s(), "hello");
    let (response, summary) = rig.deliver(&body).await;
    assert_eq!(response.batch_item_failures.len(), 1, "the record fails for its events");
    assert_eq!(summary.messages_stored, 1, "but the message is stored");
    assert!(rig.events().is_empty());
    let (response, summary) = rig.deliver_on(&body, 2).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((summary.messages_stored, summary.duplicates), (0, 1));
    assert!(rig.events().contains(&"message.received:wamid.once".to_string()));
    assert_eq!(rig.inbox.messages(ORG).len(), 1);
}

/// An event bus that counts its calls and refuses the events naming one wamid.
struct CountingBus {
    calls: std::sync::Mutex<Vec<usize>>,
    refused_wamid: &'static str,
    inner: Arc<MemoryEvents>,
}

#[async_trait::async_trait]
impl shared::platform::event_bus::EventPublisher for CountingBus {
    async fn publish(&self, events: &[DomainEvent]) -> Vec<usize> {
        self.calls.lock().unwrap().push(events.len());
        let (refused, kept): (Vec<(usize, &DomainEvent)>, Vec<(usize, &DomainEvent)>) = events
            .iter()
            .enumerate()
            .partition(|(_, e)| e.detail.to_string().contains(self.refused_wamid));
        let kept: Vec<DomainEvent> = kept.into_iter().map(|(_, e)| e.clone()).collect();
        self.inner.publish(&kept).await;
        refused.into_iter().map(|(i, _)| i).collect()
    }
}

#[tokio::test]
async fn a_batchs_events_go_out_together_and_only_a_refused_ones_record_is_retried() {
    let mut rig = rig();
    let bus = Arc::new(CountingBus {
        calls: std::sync::Mutex::new(Vec::new()),
        refused_wamid: "wamid.b3",
        inner: rig.events.clone(),
    });
    rig.service.ports.platform.events = bus.clone();
    let now = rig.now_s();
    let records: Vec<Value> = (0..5)
        .map(|i| record(&format!("r{i}"), &text(&format!("wamid.b{i}"), now + i, "hi"), 1))
        .collect();
    let (response, summary) = rig.service.process(batch(records)).await;
    assert_eq!(summary.messages_stored, 5);
    // One publish for the whole batch: five received messages, the conversation's creation and
    // the new customer's contact.
    assert_eq!(*bus.calls.lock().unwrap(), vec![7]);
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, vec!["r3"], "only the record whose event was refused");
    let received = rig
        .events()
        .iter()
        .filter(|e| e.starts_with("message.received"))
        .count();
    assert_eq!(received, 4);
}

#[tokio::test]
async fn statuses_of_our_sends_move_forward_only_and_wait_for_their_send() {
    let rig = rig();
    let queued = shared::inbox::send_contract::queued_text(ORG, "cv_s", ACCOUNT, CUSTOMER);
    let key = rig.outbound.queue(queued);
    let status = |status: &str, ts: i64| json!({"id": "wamid.out", "status": status, "timestamp": ts.to_string(), "recipient_id": CUSTOMER});
    // Meta's `delivered` before the sender linked the wamid: parked.
    let (_, summary) = rig
        .deliver(&notification(Value::Null, json!([status("delivered", 20)])))
        .await;
    assert_eq!(summary.statuses_parked, 1);
    use shared::inbox::send_port::WamidLinks;
    rig.outbound.link_outbound(ORG, "wamid.out", &key).await.unwrap();
    assert_eq!(
        rig.outbound.message(&key).unwrap().status,
        "delivered",
        "applied at the link"
    );
    let (_, summary) = rig
        .deliver(&notification(
            Value::Null,
            json!([status("sent", 10), status("read", 30)]),
        ))
        .await;
    assert_eq!((summary.statuses_stale, summary.statuses_applied), (1, 1));
    assert_eq!(rig.outbound.message(&key).unwrap().status, "read");
    let events = rig.events();
    assert_eq!(
        events.iter().filter(|e| e.starts_with("message.status")).count(),
        1,
        "{events:?}"
    );
}
