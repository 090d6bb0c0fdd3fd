//! What the campaigns function works through, each a port: DynamoDB, KMS, SQS and the Graph API
//! in Lambda ([`CampaignsPorts::from_aws`]), in-memory fakes in its unit tests.

use crate::sync::{StoredTemplateSync, TemplateSyncPass};
use crate::{CampaignsConfig, GRAPH_TIMEOUT};
use shared::access::account_cache::AccountCache;
use shared::access::account_records::AccountRecords;
use shared::access::tenancy_store::TenancyStore;
use shared::inbox::contact_store::ContactStore;
use shared::inbox::reads::TaggedContacts;
use shared::meta::graph::GraphClient;
use shared::outreach::campaign_replies::TemplateLookup;
use shared::outreach::campaign_runs::CampaignRuns;
use shared::outreach::campaign_store::CampaignStore;
use shared::outreach::template_store::TemplateStore;
use shared::platform::job_queue::{JobQueue, SqsJobQueue};
use shared::platform::secret_keeper::KmsSecretKeeper;
use std::sync::Arc;

#[derive(Clone)]
pub struct CampaignsPorts {
    /// Outreach: campaigns, their recipients and the messaging limit's window.
    pub campaigns: Arc<dyn CampaignRuns>,
    pub templates: Arc<dyn TemplateLookup>,
    /// Inbox: the contacts a tag names.
    pub contacts: Arc<dyn TaggedContacts>,
    /// Access: the number's throughput and messaging limit.
    pub accounts: Arc<dyn AccountRecords>,
    /// The scheduled pull of templates from Meta.
    pub template_sync: Arc<dyn TemplateSyncPass>,
    /// The campaign queue itself: follow-up steps.
    pub jobs: Arc<dyn JobQueue>,
    /// The sender's queue.
    pub outbound: Arc<dyn JobQueue>,
}

impl CampaignsPorts {
    pub fn from_aws(config: &CampaignsConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let table = &config.table_name;
        Self {
            campaigns: Arc::new(CampaignStore::new(dynamo.clone(), table)),
            templates: Arc::new(TemplateStore::new(dynamo.clone(), table)),
            contacts: Arc::new(ContactStore::new(dynamo.clone(), table)),
            accounts: Arc::new(TenancyStore::new(dynamo.clone(), table)),
            template_sync: Arc::new(StoredTemplateSync {
                tenancy: TenancyStore::new(dynamo.clone(), table),
                accounts: AccountCache::opening_tokens(
                    TenancyStore::new(dynamo.clone(), table),
                    KmsSecretKeeper::shared(aws, &config.secrets_key_id),
                ),
                graph: GraphClient::new(&config.graph_api_base_url, &config.graph_api_version, GRAPH_TIMEOUT),
                templates: TemplateStore::new(dynamo, table),
            }),
            jobs: Arc::new(SqsJobQueue::new(sqs.clone(), &config.consumer.queue_url)),
            outbound: Arc::new(SqsJobQueue::new(sqs, &config.outbound_queue_url)),
        }
    }
}
