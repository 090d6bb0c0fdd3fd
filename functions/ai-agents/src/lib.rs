//! The AI agents function: the automation function queues a customer's message for an AI agent
//! on a FIFO queue grouped by conversation (its delay is the burst wait), and each turn is
//! answered here by `shared::ai::responder` on Amazon Bedrock, DynamoDB and the desk's effects.
//! A throttled or failing model is retried with backoff; its last try hands over to people. A
//! record that cannot be read is dead-lettered. The API invokes it synchronously for the test
//! chat (`shared::ai::test_chat`).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use shared::ai::agent_store::{AiAgentStore, CachedAgents};
use shared::ai::bedrock::BedrockModel;
use shared::ai::model::Guardrail;
use shared::ai::ports::TurnJob;
use shared::ai::product_store::{CachedProducts, ProductStore};
use shared::ai::responder::{AiPorts, AiResponder, TurnError, TurnOutcome};
use shared::ai::session_store::SessionStore;
use shared::ai::test_chat::wire;
use shared::ai::usage_store::UsageStore;
use shared::automation::effects::DeskEffects;
use shared::bot::adapters::CachedScenarios;
use shared::bot::store::ScenarioStore;
use shared::inbox::agent_send::AgentSends;
use shared::inbox::contact_store::ContactStore;
use shared::inbox::conversation_store::ConversationStore;
use shared::inbox::store::MessageStore;
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::sqs_batch::{Attempt, BatchCounts, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use shared::platform::telemetry::emit_metric;
use std::sync::Arc;
use tracing::{Instrument, info, info_span};

#[derive(Debug, Clone)]
pub struct AiAgentsConfig {
    pub table_name: String,
    pub consumer: ConsumerSettings,
    pub event_bus_name: String,
    pub outbound_queue_url: String,
    pub deliveries_queue_url: String,
    pub guardrail: Option<Guardrail>,
}

impl AiAgentsConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        let guardrail = match (env.get(vars::AI_GUARDRAIL_ID), env.get(vars::AI_GUARDRAIL_VERSION)) {
            (Some(id), version) if !id.trim().is_empty() => Some(Guardrail {
                id: id.trim().into(),
                version: version
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| "DRAFT".into()),
            }),
            _ => None,
        };
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            consumer: ConsumerSettings::from_env(env, vars::AI_TURNS_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            deliveries_queue_url: env.required(vars::DELIVERIES_QUEUE_URL)?,
            guardrail,
        })
    }
}

pub struct AiAgentsService {
    responder: AiResponder,
    runner: BatchRunner,
}

impl AiAgentsService {
    pub fn from_aws(config: &AiAgentsConfig, aws: &aws_config::SdkConfig) -> Self {
        Self::with_model(config, aws, Arc::new(BedrockModel::from_aws(aws)))
    }

    /// As [`Self::from_aws`], with the model given (a local stack's Bedrock endpoint).
    pub fn with_model(
        config: &AiAgentsConfig,
        aws: &aws_config::SdkConfig,
        model: Arc<dyn shared::ai::model::Model>,
    ) -> Self {
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let table = config.table_name.as_str();
        let sessions = Arc::new(SessionStore::new(dynamo.clone(), table));
        let scenarios = Arc::new(CachedScenarios::new(Box::new(ScenarioStore::new(
            dynamo.clone(),
            table,
        ))));
        let ports = AiPorts {
            agents: Arc::new(CachedAgents::new(Box::new(AiAgentStore::new(dynamo.clone(), table)))),
            products: Arc::new(CachedProducts::new(Box::new(ProductStore::new(dynamo.clone(), table)))),
            evaluations: Arc::new(shared::ai::evaluation_store::EvaluationStore::new(
                dynamo.clone(),
                table,
            )),
            sessions,
            usage: Arc::new(UsageStore::new(dynamo.clone(), table)),
            model,
            conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
            contacts: Arc::new(ContactStore::new(dynamo.clone(), table)),
            contexts: Arc::new(ContactStore::new(dynamo.clone(), table)),
            messages: Arc::new(MessageStore::new(dynamo.clone(), table)),
            sends: Arc::new(AgentSends::on_dynamo(&dynamo, &sqs, table, &config.outbound_queue_url)),
            effects: Arc::new(DeskEffects::on_aws(
                aws,
                table,
                &config.event_bus_name,
                &config.outbound_queue_url,
                &config.deliveries_queue_url,
                scenarios,
            )),
        };
        Self {
            responder: AiResponder::new(ports, Clock::system(), config.guardrail.clone()),
            runner: BatchRunner::from_aws("ai-agents", sqs, &config.consumer, Order::Sequential),
        }
    }

    /// The turn queue's records, or a test chat the API invokes synchronously.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
        if event.payload.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            return Ok(serde_json::to_value(self.process(batch).await.0)?);
        }
        let invocation: wire::Invocation = serde_json::from_value(event.payload)?;
        Ok(serde_json::to_value(self.test_chat(&invocation.test_chat).await)?)
    }

    /// A test chat's answer (nothing is sent, no conversation changes).
    pub async fn test_chat(&self, request: &shared::ai::test_chat::TestChatRequest) -> wire::Answer {
        let span = info_span!("ai_test_chat", org = %request.org_id, ai_agent = %request.ai_agent_id);
        self.responder.test_chat(request).instrument(span).await.into()
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, BatchCounts) {
        self.runner.run(self, &event).await
    }
}

/// The function answering a test chat in the caller's process (what Lambda's Invoke does).
#[async_trait::async_trait]
impl shared::ai::test_chat::TestChats for AiAgentsService {
    async fn test_chat(
        &self,
        request: &shared::ai::test_chat::TestChatRequest,
    ) -> Result<shared::ai::test_chat::TestChatReply, shared::ai::test_chat::TestChatError> {
        AiAgentsService::test_chat(self, request).await.into()
    }
}

#[async_trait::async_trait]
impl RecordHandler for AiAgentsService {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, attempt: Attempt) -> Result<Outcome, StoreError> {
        let job: TurnJob = match serde_json::from_str(record.body.as_deref().unwrap_or_default()) {
            Ok(job) => job,
            Err(err) => return Ok(Outcome::failed(format!("not a turn: {err}"))),
        };
        let span = info_span!("ai_turn", org = %job.org_id, conversation = %job.conversation_id, wamid = %job.wamid);
        match self
            .responder
            .answer(&job, attempt.is_last())
            .instrument(span.clone())
            .await
        {
            Ok(outcome) => {
                let metric = match &outcome {
                    TurnOutcome::Answered { .. } => "AiReplies",
                    TurnOutcome::HandedOff(_) => "AiHandoffs",
                    TurnOutcome::Quiet(_) => "AiQuietTurns",
                };
                emit_metric(metric, 1.0, "Count", &[("Function", "ai-agents")]);
                span.in_scope(|| info!(?outcome, "turn done"));
                Ok(Outcome::Done)
            }
            Err(TurnError::Model(err)) => {
                emit_metric("AiModelRetries", 1.0, "Count", &[("Function", "ai-agents")]);
                Ok(Outcome::retry(attempt.error_backoff_seconds(), err))
            }
            Err(TurnError::Store(err)) => Err(err),
        }
    }
}
