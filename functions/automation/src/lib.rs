//! The automation function: a bus rule sends the events rules start on to its queue; each event
//! walks its organization's rules (`shared::automation::engine`), and a customer's message gets
//! the keyword bot's turn (`shared::bot::responder`), on DynamoDB and the desk's and inbox's use
//! cases. Messages also start the time triggers' waits, which a schedule reads every minute
//! (`waits`). A record that fails to be stored is retried by SQS and dead-lettered in the
//! end; a rule's refused action (a closed window, a gone agent) is recorded on its run instead.

mod waits;

pub use waits::{CLOCK, WaitRun};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::LambdaEvent;
use serde_json::Value;
use shared::ai::agent_store::{AiAgentStore, CachedAgents};
use shared::ai::dispatch::AiDispatch;
use shared::ai::turn_queue::SqsTurnQueue;
use shared::automation::effects::{DeskEffects, StoredFacts};
use shared::automation::engine::{Engine, EnginePorts};
use shared::automation::envelope::{CachedRules, incoming_of};
use shared::automation::rule_store::RuleStore;
use shared::automation::wait_clock::{WaitClock, WaitPorts};
use shared::automation::wait_store::WaitStore;
use shared::bot::adapters::CachedScenarios;
use shared::bot::responder::{BotPorts, Responder};
use shared::bot::store::ScenarioStore;
use shared::inbox::agent_send::AgentSends;
use shared::platform::StoreError;
use shared::platform::clock::Clock;
use shared::platform::config::{ConfigError, EnvSource, vars};
use shared::platform::sqs_batch::{Attempt, BatchCounts, BatchRunner, ConsumerSettings, Order, Outcome, RecordHandler};
use std::sync::Arc;
use tracing::{Instrument, info, info_span};

#[derive(Debug, Clone)]
pub struct AutomationConfig {
    pub table_name: String,
    pub consumer: ConsumerSettings,
    pub event_bus_name: String,
    pub outbound_queue_url: String,
    /// Where a rule's `send_to_webhook` queues its delivery's attempt.
    pub deliveries_queue_url: String,
    /// Where customers' messages for AI agents are queued.
    pub ai_turns_queue_url: String,
}

impl AutomationConfig {
    pub fn from_env(env: &impl EnvSource) -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: env.required(vars::TABLE_NAME)?,
            consumer: ConsumerSettings::from_env(env, vars::AUTOMATION_QUEUE_URL)?,
            event_bus_name: env.required(vars::EVENT_BUS_NAME)?,
            outbound_queue_url: env.required(vars::OUTBOUND_QUEUE_URL)?,
            deliveries_queue_url: env.required(vars::DELIVERIES_QUEUE_URL)?,
            ai_turns_queue_url: env.required(vars::AI_TURNS_QUEUE_URL)?,
        })
    }
}

pub struct AutomationService {
    engine: Engine,
    bot: Responder,
    ai: AiDispatch,
    waits: WaitClock,
    wait_store: WaitStore,
    clock: Clock,
    runner: BatchRunner,
}

impl AutomationService {
    pub fn from_aws(config: &AutomationConfig, aws: &aws_config::SdkConfig) -> Self {
        use shared::inbox::contact_store::ContactStore;
        use shared::inbox::conversation_store::ConversationStore;
        let dynamo = aws_sdk_dynamodb::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let table = config.table_name.as_str();
        let store = RuleStore::new(dynamo.clone(), table);
        let rules = Arc::new(CachedRules::new(Box::new(store.clone())));
        let scenario_store = ScenarioStore::new(dynamo.clone(), table);
        let scenarios = Arc::new(CachedScenarios::new(Box::new(scenario_store.clone())));
        let bot = Responder::new(
            BotPorts {
                scenarios: scenarios.clone(),
                control: rules.clone(),
                conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
                contacts: Arc::new(ContactStore::new(dynamo.clone(), table)),
                counter: Arc::new(scenario_store),
                ledger: Arc::new(store.clone()),
                sends: Arc::new(AgentSends::on_dynamo(&dynamo, &sqs, table, &config.outbound_queue_url)),
            },
            Clock::system(),
        );
        let wait_store = WaitStore::new(dynamo.clone(), table);
        let waits = WaitClock::new(WaitPorts {
            rules: rules.clone(),
            conversations: Arc::new(ConversationStore::new(dynamo.clone(), table)),
            waits: Arc::new(wait_store.clone()),
        });
        let ports = EnginePorts {
            rules,
            facts: Arc::new(StoredFacts {
                conversations: ConversationStore::new(dynamo.clone(), table),
                contacts: ContactStore::new(dynamo.clone(), table),
                working_hours: shared::care::working_hours_store::WorkingHoursStore::new(dynamo.clone(), table),
            }),
            ledger: Arc::new(store),
            effects: Arc::new(DeskEffects::on_aws(
                aws,
                table,
                &config.event_bus_name,
                &config.outbound_queue_url,
                &config.deliveries_queue_url,
                scenarios,
            )),
        };
        let ai = AiDispatch {
            agents: Arc::new(CachedAgents::new(Box::new(AiAgentStore::new(dynamo.clone(), table)))),
            queue: Arc::new(SqsTurnQueue::new(sqs.clone(), &config.ai_turns_queue_url)),
        };
        Self {
            engine: Engine::new(ports, Clock::system()),
            bot,
            ai,
            waits,
            wait_store,
            clock: Clock::system(),
            runner: BatchRunner::from_aws("automation", sqs, &config.consumer, Order::Concurrent),
        }
    }

    /// The queue's records, or the minute's schedule (the waits).
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
        if event.payload.get("Records").is_some() {
            let batch: SqsEvent = serde_json::from_value(event.payload)?;
            let (response, _) = Box::pin(self.process(batch)).await;
            return Ok(serde_json::to_value(response)?);
        }
        let run = self.tick(&event.payload).await?;
        Ok(serde_json::json!({"fired": run.fired, "ended": run.ended, "left": run.left}))
    }

    /// The minute's schedule: the waits due by the scheduled event's time.
    pub async fn tick(&self, scheduled: &Value) -> Result<WaitRun, StoreError> {
        self.run_waits(self.clock.now_for(scheduled)).await
    }

    pub async fn process(&self, event: SqsEvent) -> (SqsBatchResponse, BatchCounts) {
        self.runner.run(self, &event).await
    }
}

#[async_trait::async_trait]
impl RecordHandler for AutomationService {
    type Error = StoreError;

    async fn process(&self, record: &SqsMessage, _attempt: Attempt) -> Result<Outcome, StoreError> {
        let envelope: Value = match serde_json::from_str(record.body.as_deref().unwrap_or_default()) {
            Ok(body) => body,
            Err(err) => return Ok(Outcome::failed(format!("not JSON: {err}"))),
        };
        if let Some(started) = shared::automation::waits::started(&envelope) {
            let span = info_span!("wait", org = %started.org_id, conversation = %started.conversation_id);
            self.waits.arm(&started).instrument(span).await?;
        }
        let (incoming, detail) = match incoming_of(&envelope) {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(Outcome::Done),
            Err(reason) => return Ok(Outcome::failed(reason)),
        };
        let span = info_span!("automation", org = %incoming.org_id, event = %incoming.event_id);
        let runs = self.engine.handle(&incoming, &detail).instrument(span.clone()).await?;
        let executed = runs.iter().filter(|r| r.executed && r.skipped.is_none()).count();
        span.in_scope(|| info!(matched = runs.len(), executed, "event walked"));
        let bot_turn = self.bot.handle(&incoming, &detail).instrument(span.clone()).await?;
        // A message the keyword bot answered is not the AI's to answer too.
        if bot_turn.is_none() && self.ai.offer(&incoming, &detail).instrument(span.clone()).await? {
            span.in_scope(|| info!("queued for an AI agent"));
        }
        if let Some(turn) = bot_turn {
            let sent = turn.results.iter().filter(|r| r.action == "send" && r.ok).count();
            shared::platform::telemetry::emit_metric(
                "BotMessagesSent",
                sent as f64,
                "Count",
                &[("Function", "automation")],
            );
        }
        if executed > 0 {
            shared::platform::telemetry::emit_metric(
                "AutomationRulesRun",
                executed as f64,
                "Count",
                &[("Function", "automation")],
            );
        }
        Ok(Outcome::Done)
    }
}
