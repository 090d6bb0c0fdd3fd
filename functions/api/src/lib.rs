//! The agent API (`/v1`, JSON), and the agents' page (`/app`, [`page`]). Every API request but the
//! OpenAPI document, sign-in and registration is authenticated by `Authorization: Bearer <key>`
//! (an API key or a session token); the key's organization scopes every read and write, so another
//! organization's ids answer 404, and its agent's role narrowed by the key's scopes decides what it
//! may do (403 otherwise). Routes: [`routes::ROUTES`]; the document: `GET /v1/openapi.json`.

mod auth;
pub mod decode;
mod handlers;
pub mod openapi;
mod page;
mod request;
pub mod routes;
pub mod rules;
pub mod views;
mod visibility;

use auth::KeyCache;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::access::account_cache::AccountCache;
use shared::access::account_store::AccountStore;
use shared::access::agent_store::AgentStore;
use shared::access::login_store::LoginStore;
use shared::access::role_cache::RoleCache;
use shared::access::role_store::RoleStore;
use shared::access::tenancy_store::TenancyStore;
use shared::care::chat_expiry_store::ChatExpiryStore;
use shared::care::csat_store::CsatStore;
use shared::care::sla_keeper::SlaKeeper;
use shared::care::sla_policy_store::SlaPolicyStore;
use shared::care::working_hours_store::WorkingHoursStore;
use shared::desk::conversation_desk::ConversationDesk;
use shared::desk::division_store::DivisionStore;
use shared::desk::quick_reply_store::QuickReplyStore;
use shared::inbox::agent_send::AgentSends;
use shared::inbox::contact_store::ContactStore;
use shared::inbox::conversation_store::ConversationStore;
use shared::inbox::media_links::MediaLinks;
use shared::inbox::store::{Counters, MessageStore};
use shared::inbox::upload_store::UploadStore;
use shared::meta::graph::GraphClient;
use shared::outreach::campaign_store::CampaignStore;
use shared::outreach::scheduled_store::ScheduledStore;
use shared::outreach::template_store::TemplateStore;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::event_bus::{EventBridgePublisher, EventPublisher};
use shared::platform::http_error::HttpError;
use shared::platform::job_queue::{JobQueue, SqsJobQueue};
use shared::platform::payload_store::{PayloadStore, S3PayloadStore};
use shared::platform::secret_keeper::KmsSecretKeeper;
use std::sync::Arc;
use tracing::{Instrument, info_span, warn};

/// Longest wait for the Graph API (template calls), inside the function's 10 s.
pub const GRAPH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6);

/// Largest JSON body the API reads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub table_name: String,
    /// The KMS key that seals account secrets.
    pub secrets_key_id: String,
    pub outbound_queue_url: String,
    pub media_bucket: String,
    pub graph_api_base_url: String,
    pub graph_api_version: String,
    pub campaign_queue_url: String,
    /// `POST /v1/register` creates organizations (else it answers 404).
    pub self_registration: bool,
    /// Agents' changes to conversations are announced here (`conversation.changed`).
    pub event_bus_name: String,
    /// The WebSocket URL the page opens for live updates.
    pub live_url: String,
    /// The deliveries function's queue (webhook tests and redeliveries).
    pub deliveries_queue_url: String,
    /// Where outgoing webhooks may point.
    pub webhook_reach: shared::integrations::address_policy::Reach,
    /// The Bedrock models AI agents may be set to.
    pub ai_models: Vec<String>,
    /// The AI agents function (the test chat invokes it).
    pub ai_agents_function: String,
}

impl ApiConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            secrets_key_id: env.required(vars::SECRETS_KEY_ID)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            media_bucket: env.required(vars::MEDIA_BUCKET)?,
            graph_api_base_url: env.required(vars::GRAPH_API_BASE_URL)?,
            graph_api_version: env.required(vars::GRAPH_API_VERSION)?,
            campaign_queue_url: env.required(vars::CAMPAIGN_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            live_url: env.required(vars::LIVE_URL)?,
            deliveries_queue_url: env.required(vars::DELIVERIES_QUEUE_URL)?,
            webhook_reach: shared::integrations::address_policy::Reach::from_env(env)?,
            ai_agents_function: env.required(vars::AI_AGENTS_FUNCTION)?,
            ai_models: env
                .required(vars::AI_MODELS)?
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect(),
            self_registration: match env.get(vars::SELF_REGISTRATION).as_deref().map(str::trim) {
                None | Some("" | "disabled") => false,
                Some("enabled") => true,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: vars::SELF_REGISTRATION,
                        value: other.to_string(),
                        reason: "expected enabled or disabled",
                    });
                }
            },
        })
    }
}

/// The API's stores and clients, one group per context (as `shared` is laid out).
pub struct ApiService {
    inbox: InboxPorts,
    access: AccessPorts,
    desk: DeskPorts,
    outreach: OutreachPorts,
    care: CarePorts,
    automation: AutomationPorts,
    bot: BotPorts,
    ai: AiPorts,
    integrations: IntegrationsPorts,
    events: Box<dyn EventPublisher>,
    live_url: String,
    /// "Now" for every handler (the system's in Lambda).
    clock: shared::platform::clock::Clock,
}

/// Messages, conversations, contacts and their media; the outbound queue.
struct InboxPorts {
    messages: MessageStore,
    counters: Counters,
    /// An agent's sends, decided on ports.
    agent_sends: AgentSends,
    conversations: ConversationStore,
    contacts: ContactStore,
    uploads: UploadStore,
    /// Links to stored media for the page.
    media_links: MediaLinks,
    media: Box<dyn PayloadStore>,
}

/// Agents, keys, sessions, organizations and their accounts.
struct AccessPorts {
    agents: AgentStore,
    tenancy: TenancyStore,
    accounts: AccountStore,
    /// Accounts with their access tokens, for template calls to the Graph API.
    meta_accounts: AccountCache,
    /// Sign-in e-mails, sessions and failed attempts.
    logins: LoginStore,
    keys: KeyCache,
    /// Custom roles, and what each role id grants (cached).
    role_store: RoleStore,
    roles: RoleCache,
    self_registration: bool,
}

/// Divisions and quick replies; agents' moves on conversations.
struct DeskPorts {
    divisions: DivisionStore,
    quick_replies: QuickReplyStore,
    /// Assign, transfer, resolve and reopen, and what follows each.
    moves: ConversationDesk,
}

/// Templates, campaigns (and the campaigns function's queue), scheduled messages, the Graph API.
struct OutreachPorts {
    templates: TemplateStore,
    campaigns: CampaignStore,
    scheduled: ScheduledStore,
    campaign_jobs: Box<dyn JobQueue>,
    graph: GraphClient,
}

/// Working hours, SLA policies and clocks, chat expiration, satisfaction surveys.
struct CarePorts {
    working_hours: WorkingHoursStore,
    sla_policies: SlaPolicyStore,
    /// Conversations' SLA clocks.
    sla: SlaKeeper,
    /// Chat expiration rules and conversations' expiry entries.
    chat_expiry: ChatExpiryStore,
    /// Satisfaction surveys.
    csat: CsatStore,
}

/// Automation rules, their ledger and switch; an event's facts for dry runs.
struct AutomationPorts {
    rules: shared::automation::rule_store::RuleStore,
    facts: shared::automation::effects::StoredFacts,
}

/// The keyword bot's scenarios and templates.
struct BotPorts {
    scenarios: shared::bot::store::ScenarioStore,
}

/// AI agents and their usage; the models this deployment allows.
struct AiPorts {
    agents: shared::ai::agent_store::AiAgentStore,
    sessions: shared::ai::session_store::SessionStore,
    products: shared::ai::product_store::ProductStore,
    evaluations: shared::ai::evaluation_store::EvaluationStore,
    /// The AI agents function, for the test chat.
    test_chats: Arc<dyn shared::ai::test_chat::TestChats>,
    usage: shared::ai::usage_store::UsageStore,
    models: Vec<String>,
}

/// Outgoing webhooks: endpoints, their delivery log, the deliveries function's queue, the key
/// that seals their secrets (the API seals; only the deliveries function opens).
struct IntegrationsPorts {
    endpoints: Arc<dyn shared::integrations::ports::Endpoints>,
    deliveries: Arc<dyn shared::integrations::ports::DeliveryLog>,
    attempts: Arc<dyn shared::integrations::ports::AttemptQueue>,
    keeper: Arc<dyn shared::platform::secret_keeper::SecretKeeper>,
    reach: shared::integrations::address_policy::Reach,
}

impl ApiService {
    /// Answers test chats with `test_chats` (tests: the AI agents function in the same process).
    pub fn set_test_chats(&mut self, test_chats: Arc<dyn shared::ai::test_chat::TestChats>) {
        self.ai.test_chats = test_chats;
    }

    /// Reads "now" from `clock` (tests move time instead of waiting).
    pub fn with_clock(mut self, clock: shared::platform::clock::Clock) -> Self {
        self.access.keys = self.access.keys.with_clock(clock.clone());
        self.desk.moves = self.desk.moves.with_clock(clock.clone());
        self.inbox.agent_sends = self.inbox.agent_sends.with_clock(clock.clone());
        self.clock = clock;
        self
    }

    pub fn from_aws(config: &ApiConfig, aws: &aws_config::SdkConfig) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let table = &config.table_name;
        let sqs = aws_sdk_sqs::Client::new(aws);
        let keeper = || KmsSecretKeeper::shared(aws, &config.secrets_key_id);
        Self {
            inbox: InboxPorts {
                messages: MessageStore::new(dynamo.clone(), table),
                counters: Counters::new(dynamo.clone(), table),
                agent_sends: AgentSends::on_dynamo(&dynamo, &sqs, table, &config.outbound_queue_url),
                conversations: ConversationStore::new(dynamo.clone(), table),
                contacts: ContactStore::new(dynamo.clone(), table),
                uploads: UploadStore::new(dynamo.clone(), table),
                media_links: MediaLinks::new(aws_sdk_s3::Client::new(aws), &config.media_bucket),
                media: Box::new(S3PayloadStore::new(aws_sdk_s3::Client::new(aws), &config.media_bucket)),
            },
            access: AccessPorts {
                agents: AgentStore::new(dynamo.clone(), table),
                tenancy: TenancyStore::new(dynamo.clone(), table),
                accounts: AccountStore::new(dynamo.clone(), table, keeper()),
                meta_accounts: AccountCache::opening_tokens(TenancyStore::new(dynamo.clone(), table), keeper()),
                logins: LoginStore::new(dynamo.clone(), table),
                keys: KeyCache::new(
                    Box::new(auth::DynamoKeyDirectory {
                        tenancy: TenancyStore::new(dynamo.clone(), table),
                        agents: AgentStore::new(dynamo.clone(), table),
                    }),
                    Box::new(AgentStore::new(dynamo.clone(), table)),
                ),
                role_store: RoleStore::new(dynamo.clone(), table),
                roles: RoleCache::new(Box::new(RoleStore::new(dynamo.clone(), table))),
                self_registration: config.self_registration,
            },
            desk: DeskPorts {
                divisions: DivisionStore::new(dynamo.clone(), table),
                quick_replies: QuickReplyStore::new(dynamo.clone(), table),
                moves: ConversationDesk::on_dynamo(&dynamo, &sqs, table, &config.outbound_queue_url),
            },
            outreach: OutreachPorts {
                templates: TemplateStore::new(dynamo.clone(), table),
                campaigns: CampaignStore::new(dynamo.clone(), table),
                scheduled: ScheduledStore::new(dynamo.clone(), table),
                campaign_jobs: Box::new(SqsJobQueue::new(sqs.clone(), &config.campaign_queue_url)),
                graph: GraphClient::new(&config.graph_api_base_url, &config.graph_api_version, GRAPH_TIMEOUT),
            },
            care: CarePorts {
                working_hours: WorkingHoursStore::new(dynamo.clone(), table),
                sla_policies: SlaPolicyStore::new(dynamo.clone(), table),
                sla: SlaKeeper::new(dynamo.clone(), table),
                chat_expiry: ChatExpiryStore::new(dynamo.clone(), table),
                csat: CsatStore::new(dynamo.clone(), table),
            },
            automation: AutomationPorts {
                rules: shared::automation::rule_store::RuleStore::new(dynamo.clone(), table),
                facts: shared::automation::effects::StoredFacts {
                    conversations: ConversationStore::new(dynamo.clone(), table),
                    contacts: ContactStore::new(dynamo.clone(), table),
                    working_hours: WorkingHoursStore::new(dynamo.clone(), table),
                },
            },
            bot: BotPorts {
                scenarios: shared::bot::store::ScenarioStore::new(dynamo.clone(), table),
            },
            ai: AiPorts {
                agents: shared::ai::agent_store::AiAgentStore::new(dynamo.clone(), table),
                sessions: shared::ai::session_store::SessionStore::new(dynamo.clone(), table),
                products: shared::ai::product_store::ProductStore::new(dynamo.clone(), table),
                evaluations: shared::ai::evaluation_store::EvaluationStore::new(dynamo.clone(), table),
                test_chats: Arc::new(shared::ai::test_chat::LambdaTestChats::new(
                    aws_sdk_lambda::Client::new(aws),
                    &config.ai_agents_function,
                )),
                usage: shared::ai::usage_store::UsageStore::new(dynamo.clone(), table),
                models: config.ai_models.clone(),
            },
            integrations: IntegrationsPorts {
                endpoints: Arc::new(shared::integrations::endpoint_store::EndpointStore::new(
                    dynamo.clone(),
                    table,
                )),
                deliveries: Arc::new(shared::integrations::delivery_store::DeliveryStore::new(dynamo, table)),
                attempts: Arc::new(shared::integrations::attempt_queue::QueuedAttempts(Arc::new(
                    SqsJobQueue::new(sqs.clone(), &config.deliveries_queue_url),
                ))),
                keeper: keeper(),
                reach: config.webhook_reach,
            },
            events: Box::new(EventBridgePublisher::new(
                aws_sdk_eventbridge::Client::new(aws),
                &config.event_bus_name,
            )),
            live_url: config.live_url.clone(),
            clock: shared::platform::clock::Clock::system(),
        }
    }

    pub async fn handle(&self, request: Request) -> Result<Response<Body>, lambda_http::Error> {
        let request_id = request
            .headers()
            .get("x-amzn-trace-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let span = info_span!("api", method = %request.method(), path = %request.uri().path(), %request_id, org = tracing::field::Empty, agent = tracing::field::Empty, key = tracing::field::Empty);
        let response = async {
            match self.route(&request).await {
                Ok(response) => response,
                Err(error) => {
                    if error.status.is_server_error() {
                        warn!(status = error.status.as_u16(), "{}", error.message);
                    }
                    error.into_response()
                }
            }
        }
        .instrument(span)
        .await;
        let mut response = response;
        // API Gateway answers only over HTTPS: browsers are told never to try plain HTTP.
        response.headers_mut().insert(
            lambda_http::http::header::STRICT_TRANSPORT_SECURITY,
            lambda_http::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
        Ok(response)
    }

    async fn route(&self, request: &Request) -> Result<Response<Body>, HttpError> {
        if let Some(asset) =
            page::asset(request.uri().path()).filter(|_| request.method() == lambda_http::http::Method::GET)
        {
            let media_origin = self.inbox.media_links.origin().await;
            return Ok(page::respond(asset, request, &self.live_url, media_origin.as_deref()));
        }
        let (route, parameters) = match routes::find(request.method().as_str(), request.uri().path()) {
            Ok(found) => found,
            Err(routes::Miss::MethodNotAllowed { allowed }) => {
                return Err(HttpError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    format!("this path takes {}", allowed.join(", ")),
                )
                .with_header("allow", allowed.join(", ")));
            }
            Err(routes::Miss::NoSuchPath) => return Err(HttpError::not_found("no such route")),
        };
        if route.public {
            return handlers::dispatch_public(self, route, request).await;
        }
        let caller = match request::bearer(request) {
            Some(token) if shared::access::session::is_session_token(token) => {
                handlers::sign_in::caller_of(self, token).await?
            }
            _ => {
                let (key, agent) = self.access.keys.authenticate(request).await?;
                let grants = self.access.roles.grants(&agent.org_id, &agent.role).await?;
                auth::Caller::of(agent, key.key_id, Some(key.scopes), grants)
            }
        };
        tracing::Span::current()
            .record("org", caller.org_id.as_str())
            .record("agent", caller.agent_id.as_str())
            .record("key", caller.key_id.as_str());
        if let Some(permission) = route.permission {
            caller.require(permission)?;
        }
        let context = request::Context {
            caller,
            request,
            parameters,
        };
        visibility::check(self, &context).await?;
        // Boxed: the handlers' futures are large, and a request needs only one of them.
        let response = Box::pin(handlers::dispatch(self, route, &context)).await?;
        if route.changes_a_conversation() && response.status().is_success() {
            self.announce_change(route, &context).await;
        }
        Ok(response)
    }

    /// Tells the other agents' pages (through the bus and the notifier) that a conversation
    /// changed. The change is already stored: a failed publish is logged and counted, and the
    /// pages catch up at their next fetch or reconnect.
    async fn announce_change(&self, route: &routes::Route, context: &request::Context<'_>) {
        let Some(conversation_id) = context.parameters.get("conversation_id") else {
            return;
        };
        use shared::platform::events::DomainEvent;
        let (org, agent) = (&context.caller.org_id, &context.caller.agent_id);
        let mut events = vec![DomainEvent::conversation_changed(
            org,
            conversation_id,
            &route.operation_id(),
            agent,
        )];
        // Integrations get the moves they subscribe to by name (the request succeeded, so its
        // body is the change as made).
        let body = || serde_json::from_slice::<serde_json::Value>(context.request.body().as_ref()).unwrap_or_default();
        let text = |body: &serde_json::Value, field: &str| body.get(field).and_then(|v| v.as_str()).map(str::to_string);
        match route.operation {
            routes::Operation::Resolve => events.push(DomainEvent::conversation_resolved(org, conversation_id, agent)),
            routes::Operation::Assign => {
                let body = body();
                events.push(DomainEvent::conversation_assigned(
                    org,
                    conversation_id,
                    text(&body, "agent_id").as_deref(),
                    text(&body, "division_id").as_deref(),
                    agent,
                ));
            }
            routes::Operation::Transfer => {
                let body = body();
                events.push(DomainEvent::conversation_assigned(
                    org,
                    conversation_id,
                    text(&body, "to_agent_id").as_deref(),
                    text(&body, "to_division_id").as_deref(),
                    agent,
                ));
            }
            _ => {}
        }
        if !self.events.publish(&events).await.is_empty() {
            warn!("conversation.changed not published");
            shared::platform::telemetry::emit_metric("ChangesNotAnnounced", 1.0, "Count", &[("Function", "api")]);
        }
    }
}
