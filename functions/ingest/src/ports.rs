//! What ingest works through, grouped by context, each a port: DynamoDB, S3, SQS and EventBridge in
//! Lambda ([`IngestPorts::from_aws`]), in-memory fakes in its unit tests.

use crate::IngestConfig;
use shared::access::account_cache::AccountCache;
use shared::access::agent_store::AgentStore;
use shared::access::tenancy_store::TenancyStore;
use shared::care::chat_expiry_store::ChatExpiryStore;
use shared::care::csat_store::CsatStore;
use shared::care::ports::{ExpiryArming, HoursInForce, SlaStarts, SurveyAnswers};
use shared::care::sla_keeper::SlaKeeper;
use shared::care::working_hours_store::WorkingHoursStore;
use shared::desk::allocator::{Allocate, Allocator};
use shared::desk::division_store::DivisionStore;
use shared::inbox::conversation_store::ConversationStore;
use shared::inbox::ingest_port::{
    AccountEventLog, ConversationFacts, InboundMessages, MessageChanges, OutOfHoursReplies, StatusUpdates,
    StoredOutOfHoursReplies,
};
use shared::inbox::outbound_store::OutboundStore;
use shared::inbox::send_port::SendAccounts;
use shared::inbox::store::{AccountEvents, InboundLedger, MessageStore, StatusLedger};
use shared::outreach::campaign_replies::{CampaignReplies, TemplateLookup};
use shared::outreach::campaign_store::CampaignStore;
use shared::outreach::template_store::TemplateStore;
use shared::platform::event_bus::{EventBridgePublisher, EventPublisher};
use shared::platform::job_queue::{JobQueue, SqsJobQueue};
use shared::platform::payload_store::{PayloadStore, S3PayloadStore};
use std::sync::Arc;

/// The inbox: messages, statuses, changes, conversations and the out-of-hours reply.
#[derive(Clone)]
pub struct InboxPorts {
    pub messages: Arc<dyn InboundMessages>,
    pub statuses: Arc<dyn StatusUpdates>,
    pub changes: Arc<dyn MessageChanges>,
    pub account_events: Arc<dyn AccountEventLog>,
    pub conversations: Arc<dyn ConversationFacts>,
    pub out_of_hours: Arc<dyn OutOfHoursReplies>,
}

/// Care: SLA clocks, expiry, working hours, surveys.
#[derive(Clone)]
pub struct CarePorts {
    pub sla: Arc<dyn SlaStarts>,
    pub expiry: Arc<dyn ExpiryArming>,
    pub hours: Arc<dyn HoursInForce>,
    pub surveys: Arc<dyn SurveyAnswers>,
}

/// Outreach: campaign statuses, replies and opt-outs; templates.
#[derive(Clone)]
pub struct OutreachPorts {
    pub campaigns: Arc<dyn CampaignReplies>,
    pub templates: Arc<dyn TemplateLookup>,
}

/// What leaves ingest after a record's writes, and the claim-checked payloads it reads.
#[derive(Clone)]
pub struct PlatformPorts {
    pub payloads: Arc<dyn PayloadStore>,
    pub media_jobs: Arc<dyn JobQueue>,
    pub outbound_jobs: Arc<dyn JobQueue>,
    pub events: Arc<dyn EventPublisher>,
}

#[derive(Clone)]
pub struct IngestPorts {
    pub inbox: InboxPorts,
    pub care: CarePorts,
    pub outreach: OutreachPorts,
    /// The desk: a new conversation to its division's agents.
    pub allocator: Arc<dyn Allocate>,
    /// Access: the delivery's WhatsApp account.
    pub accounts: Arc<dyn SendAccounts>,
    pub platform: PlatformPorts,
}

impl IngestPorts {
    pub fn from_aws(config: &IngestConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let table = &config.table_name;
        let conversations = || ConversationStore::new(dynamo.clone(), table);
        Self {
            inbox: InboxPorts {
                messages: Arc::new(InboundLedger::new(dynamo.clone(), table)),
                statuses: Arc::new(StatusLedger::new(dynamo.clone(), table)),
                changes: Arc::new(MessageStore::new(dynamo.clone(), table)),
                account_events: Arc::new(AccountEvents::new(dynamo.clone(), table)),
                conversations: Arc::new(conversations()),
                out_of_hours: Arc::new(StoredOutOfHoursReplies {
                    sends: OutboundStore::new(dynamo.clone(), table),
                    conversations: conversations(),
                }),
            },
            care: CarePorts {
                sla: Arc::new(SlaKeeper::new(dynamo.clone(), table)),
                expiry: Arc::new(ChatExpiryStore::new(dynamo.clone(), table)),
                hours: Arc::new(WorkingHoursStore::new(dynamo.clone(), table)),
                surveys: Arc::new(CsatStore::new(dynamo.clone(), table)),
            },
            outreach: OutreachPorts {
                campaigns: Arc::new(CampaignStore::new(dynamo.clone(), table)),
                templates: Arc::new(TemplateStore::new(dynamo.clone(), table)),
            },
            allocator: Arc::new(Allocator::new(
                DivisionStore::new(dynamo.clone(), table),
                AgentStore::new(dynamo.clone(), table),
                conversations(),
            )),
            accounts: Arc::new(AccountCache::new(TenancyStore::new(dynamo.clone(), table))),
            platform: PlatformPorts {
                payloads: Arc::new(S3PayloadStore::new(
                    aws_sdk_s3::Client::new(aws),
                    &config.payload_bucket,
                )),
                media_jobs: Arc::new(SqsJobQueue::new(sqs.clone(), &config.media_queue_url)),
                outbound_jobs: Arc::new(SqsJobQueue::new(sqs, &config.outbound_queue_url)),
                events: Arc::new(EventBridgePublisher::new(
                    aws_sdk_eventbridge::Client::new(aws),
                    &config.event_bus_name,
                )),
            },
        }
    }
}
