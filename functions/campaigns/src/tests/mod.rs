//! The campaigns function's decisions on in-memory ports (no moto): what the tick does with each
//! due campaign, what a feed step queues, skips, pauses or completes, how tags become recipients.
//! The stores' own conditions are held to the same rules by `campaign_runs_contract`; SQS's
//! delays, concurrent invocations and a step cut off mid-way stay in the integration tests.

mod feed;

use super::*;
use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::json;
use shared::access::tenancy::WhatsAppAccount;
use shared::inbox::memory::MemoryInbox;
use shared::inbox::send_memory::MemoryAccounts;
use shared::outreach::campaign::{Campaign, Recipient, rank};
use shared::outreach::campaign_sends_contract::{pending_recipient, running_campaign};
use shared::outreach::campaign_sends_memory::MemoryCampaignSends;
use shared::outreach::replies_memory::MemoryTemplates;
use shared::platform::memory::{MemoryQueue, MemoryQueueControl};
use shared::platform::sealed_secret::StoredSecret;
use shared::platform::secret::Secret;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

const ORG: &str = "org_c";
const CAMPAIGN: &str = "cmp_c";
const ACCOUNT: &str = "acc_contract";
/// 2026-12-05T10:00:00Z.
const NOW_MS: i64 = 1_796_464_800_000;

fn account(messaging_limit: Option<u32>) -> WhatsAppAccount {
    let clear = |s: &str| StoredSecret::Clear(Secret::new(s));
    WhatsAppAccount {
        org_id: ORG.into(),
        account_id: ACCOUNT.into(),
        phone_number_id: "1065550010".into(),
        waba_id: "2065550010".into(),
        display_phone_number: "15550010".into(),
        verify_token: clear("verify"),
        app_secret: clear("app-secret"),
        access_token: clear("token"),
        throughput_mps: 80,
        division_id: None,
        messaging_limit,
        out_of_hours_reply: None,
        csat_enabled: false,
        csat_template_name: None,
        created_at: "2026-12-05T00:00:00Z".into(),
        updated_at: "2026-12-05T00:00:00Z".into(),
    }
}

/// The template sync's share of a tick, counted.
#[derive(Default)]
struct CountingSync {
    steps: AtomicU32,
}

#[async_trait::async_trait]
impl TemplateSyncPass for CountingSync {
    async fn step(&self, _now_ms: i64) -> Result<u32, StoreError> {
        self.steps.fetch_add(1, Ordering::SeqCst);
        Ok(0)
    }
}

struct Rig {
    service: CampaignsService,
    campaigns: Arc<MemoryCampaignSends>,
    templates: Arc<MemoryTemplates>,
    inbox: Arc<MemoryInbox>,
    accounts: Arc<MemoryAccounts>,
    sync: Arc<CountingSync>,
    jobs: Arc<MemoryQueue>,
    outbound: Arc<MemoryQueue>,
    queue: Arc<MemoryQueueControl>,
}

fn rig() -> Rig {
    let now = Arc::new(AtomicI64::new(NOW_MS));
    let clock = Clock::new(move || now.load(Ordering::SeqCst));
    let campaigns = Arc::new(MemoryCampaignSends::new(clock.clone()));
    let (templates, inbox, accounts, sync) = Default::default();
    let (jobs, outbound, queue) = Default::default();
    let rig = Rig {
        service: CampaignsService::new(
            CampaignsPorts {
                campaigns: campaigns.clone(),
                templates: Arc::clone(&templates) as _,
                contacts: Arc::clone(&inbox) as _,
                accounts: Arc::clone(&accounts) as _,
                template_sync: Arc::clone(&sync) as _,
                jobs: Arc::clone(&jobs) as _,
                outbound: Arc::clone(&outbound) as _,
            },
            BatchRunner::new("campaigns", Box::new(Arc::clone(&queue)), 5, Order::Sequential),
            clock,
        ),
        campaigns,
        templates,
        inbox,
        accounts,
        sync,
        jobs,
        outbound,
        queue,
    };
    rig.accounts.put(account(None), "token");
    rig.put_template("APPROVED", "UTILITY");
    rig
}

impl Rig {
    fn put_template(&self, status: &str, category: &str) {
        self.templates.put(
            serde_json::from_value(
                json!({"template_id": "tpl_contract", "org_id": ORG, "waba_id": "2065550010",
                "name": "restock", "language": "en", "category": category, "status": status,
                "components": "[{\"type\":\"BODY\",\"text\":\"The blue one is back\"}]"}),
            )
            .expect("a template"),
        );
    }

    /// The campaign in `status`, with recipients of these statuses (phones 1555000000<i>).
    fn put_campaign(&self, status: CampaignStatus, recipients: &[&str]) -> Vec<String> {
        let mut campaign = running_campaign(ORG, CAMPAIGN);
        campaign.status = status;
        campaign.total_recipients = recipients.len() as u64;
        self.campaigns.put_campaign(campaign);
        let mut phones = vec![];
        for (i, status) in recipients.iter().enumerate() {
            let phone = format!("1555000000{i}");
            let mut recipient = pending_recipient(ORG, CAMPAIGN, &phone);
            recipient.status = status.to_string();
            recipient.status_rank = shared::outreach::campaign::rank_of(status).unwrap_or(rank::PENDING);
            self.campaigns.put_recipient(recipient);
            phones.push(phone);
        }
        phones
    }

    fn campaign(&self) -> Campaign {
        self.campaigns.campaign_now(ORG, CAMPAIGN).expect("the campaign")
    }

    fn edit(&self, edit: impl FnOnce(&mut Campaign)) {
        let mut campaign = self.campaign();
        edit(&mut campaign);
        self.campaigns.put_campaign(campaign);
    }

    async fn run(&self, job: CampaignJob) {
        let body = serde_json::to_string(&job).unwrap();
        let event: SqsEvent = serde_json::from_value(json!({"Records": [{"messageId": "m1", "receiptHandle": "h1",
            "body": body, "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}}]}))
        .unwrap();
        let (response, _) = self.service.process(event).await;
        assert!(response.batch_item_failures.is_empty(), "{job:?} failed");
    }

    async fn feed(&self) {
        self.run(CampaignJob::Feed {
            org_id: ORG.into(),
            campaign_id: CAMPAIGN.into(),
        })
        .await
    }

    fn recipient(&self, phone: &str) -> Recipient {
        self.campaigns
            .recipients_of(ORG, CAMPAIGN)
            .into_iter()
            .find(|r| r.phone == phone)
            .expect("the recipient")
    }

    /// Campaign jobs queued since the last look.
    fn follow_ups(&self) -> Vec<CampaignJob> {
        self.jobs
            .taken()
            .iter()
            .map(|body| serde_json::from_str(body).expect("a campaign job"))
            .collect()
    }
}

fn feed_job() -> CampaignJob {
    CampaignJob::Feed {
        org_id: ORG.into(),
        campaign_id: CAMPAIGN.into(),
    }
}

#[tokio::test]
async fn the_tick_starts_a_due_scheduled_campaign_and_queues_its_first_feed() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::Scheduled, &["pending", "pending"]);
    rig.campaigns.set_due(ORG, CAMPAIGN, NOW_MS - 1);
    let summary = rig.service.tick(&json!({})).await.unwrap();
    assert_eq!((summary.started, summary.dropped), (1, 0));
    let campaign = rig.campaign();
    assert_eq!(campaign.status, CampaignStatus::InProgress);
    assert!(campaign.started_at.is_some());
    assert_eq!(
        rig.campaigns.due_at(ORG, CAMPAIGN),
        Some(NOW_MS + WATCHDOG_MS),
        "watched"
    );
    assert_eq!(rig.follow_ups(), [feed_job()]);
    assert_eq!(rig.sync.steps.load(Ordering::SeqCst), 1, "the sync pass gets its share");
}

#[tokio::test]
async fn the_tick_leaves_a_scheduled_campaign_without_recipients_and_takes_it_out_of_the_index() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::Scheduled, &[]);
    rig.campaigns.set_due(ORG, CAMPAIGN, NOW_MS - 1);
    let summary = rig.service.tick(&json!({})).await.unwrap();
    assert_eq!((summary.started, summary.dropped), (0, 1));
    assert_eq!(rig.campaign().status, CampaignStatus::Scheduled);
    assert_eq!(rig.campaigns.due_at(ORG, CAMPAIGN), None);
    assert!(rig.follow_ups().is_empty());
}

#[tokio::test]
async fn the_tick_resumes_a_campaign_the_messaging_limit_paused_from_its_rewind() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::Paused, &["pending", "pending"]);
    rig.edit(|c| {
        c.pause_reason = Some("messaging_limit".into());
        c.feed_rewind = Some("15550000000".into());
    });
    rig.campaigns.set_due(ORG, CAMPAIGN, NOW_MS - 1);
    let summary = rig.service.tick(&json!({})).await.unwrap();
    assert_eq!(summary.started, 1);
    let campaign = rig.campaign();
    assert_eq!(campaign.status, CampaignStatus::InProgress);
    assert_eq!(campaign.pause_reason, None);
    assert_eq!(campaign.feed_cursor.as_deref(), Some("15550000000"));
    assert_eq!(rig.follow_ups(), [feed_job()]);
}

#[tokio::test]
async fn the_tick_gives_a_running_campaign_whose_job_was_lost_its_job_again() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::InProgress, &["pending"]);
    rig.campaigns.set_due(ORG, CAMPAIGN, NOW_MS - 1);
    let summary = rig.service.tick(&json!({})).await.unwrap();
    assert_eq!(summary.requeued, 1);
    assert_eq!(rig.follow_ups(), [feed_job()]);
    assert_eq!(rig.campaigns.due_at(ORG, CAMPAIGN), Some(NOW_MS + WATCHDOG_MS));
    // A paused one (by an agent) is not the tick's to resume: out of the index.
    rig.edit(|c| c.status = CampaignStatus::Paused);
    rig.campaigns.set_due(ORG, CAMPAIGN, NOW_MS - 1);
    let summary = rig.service.tick(&json!({})).await.unwrap();
    assert_eq!(summary.dropped, 1);
    assert!(rig.follow_ups().is_empty());
}

#[tokio::test]
async fn tags_become_recipients_once_and_the_campaign_goes_back_to_where_it_was() {
    let rig = rig();
    rig.put_campaign(CampaignStatus::Preparing, &[]);
    rig.edit(|c| {
        c.pending_tags = vec!["vip".into()];
        c.prepared_status = Some(CampaignStatus::Draft);
    });
    for i in 0..3 {
        let (_, mut contact) = rig
            .inbox
            .put_customer(ORG, &format!("cv_{i}"), &format!("4915550000{i}"), 1);
        contact.tags = vec!["vip".into()];
        rig.inbox.put_contact(contact);
    }
    let (_, mut untagged) = rig.inbox.put_customer(ORG, "cv_9", "49155500009", 1);
    untagged.tags = vec!["other".into()];
    rig.inbox.put_contact(untagged);
    let expand = CampaignJob::Expand {
        org_id: ORG.into(),
        campaign_id: CAMPAIGN.into(),
    };
    rig.run(expand.clone()).await;
    let campaign = rig.campaign();
    assert_eq!(campaign.status, CampaignStatus::Draft, "back where it was");
    assert_eq!(
        (campaign.tags.clone(), campaign.pending_tags.clone()),
        (vec!["vip".to_string()], vec![])
    );
    assert_eq!(campaign.total_recipients, 3);
    let phones: Vec<String> = rig
        .campaigns
        .recipients_of(ORG, CAMPAIGN)
        .into_iter()
        .map(|r| r.phone)
        .collect();
    assert_eq!(phones, ["49155500000", "49155500001", "49155500002"]);
    // A redelivered job finds nothing to do.
    rig.run(expand).await;
    assert_eq!(rig.campaign().total_recipients, 3);
}

#[tokio::test]
async fn a_body_that_is_not_a_campaign_job_is_dead_lettered_at_once() {
    let rig = rig();
    let event: SqsEvent = serde_json::from_value(json!({"Records": [{"messageId": "m1", "receiptHandle": "h1",
        "body": "{\"kind\":\"nonsense\"}", "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}}]}))
    .unwrap();
    let (response, _) = rig.service.process(event).await;
    assert!(response.batch_item_failures.is_empty());
    let dead = rig.queue.dead_letters.lock().unwrap().clone();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.contains("not a campaign job"), "{}", dead[0].1);
}
