//! The model's side of a turn, shared by answering a customer and the test chat: the prompt (the
//! agent's instructions, its corrections as examples, its tools), up to three rounds of tool
//! calls, and how it ends: a reply, or a handoff. Live, the tools act on the conversation (the
//! contact's context, the routing); in the test chat they are only recorded.

use super::AiResponder;
use crate::ai::agent::AiAgent;
use crate::ai::handoff::{self, Handoff, Reason};
use crate::ai::model::{ChatMessage, Part, Role};
use crate::ai::ports::TurnJob;
use crate::ai::turn::{self, MAX_TOOL_ROUNDS, ToolCall};
use crate::ai::{catalog, evaluation, orchestration};
use crate::inbox::Contact;
use serde_json::{Value, json};

/// A turn on a real conversation: where tools act.
pub(crate) struct Live<'a> {
    pub(crate) job: &'a TurnJob,
    pub(crate) contact: Option<&'a Contact>,
}

/// How the model's side of a turn ended, and which agent (a parent may have routed) ended it.
pub(crate) enum Ended<'a> {
    Replied {
        agent: &'a AiAgent,
        text: String,
        resolve: bool,
    },
    HandOff {
        agent: &'a AiAgent,
        handoff: Handoff,
    },
}

/// One tool call and what it answered, as the test chat shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ToolLog {
    pub name: String,
    pub input: Value,
    pub result: Value,
    pub failed: bool,
}

impl AiResponder {
    /// Asks the model with `history` until it replies (or hands over); `live`: the conversation
    /// the tools act on (none: the test chat, where they are recorded in `log` only).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn run_tools<'a>(
        &self,
        org: &str,
        mut agent: &'a AiAgent,
        agents: &'a [AiAgent],
        contact: Option<&Contact>,
        history: Vec<ChatMessage>,
        live: Option<&Live<'_>>,
        last_try: bool,
        log: &mut Vec<ToolLog>,
    ) -> Result<Ended<'a>, super::TurnError> {
        let mut messages = history.clone();
        let mut resolve = false;
        let mut routed_once = false;
        // The agent's products and corrections, read once per agent (again only after routing).
        let mut read_for: Option<&str> = None;
        let mut products = Vec::new();
        let mut examples = Vec::new();
        for _ in 0..MAX_TOOL_ROUNDS {
            if read_for != Some(agent.ai_agent_id.as_str()) {
                products = self.ports.products.products(org, &agent.ai_agent_id).await?;
                let corrections = self
                    .ports
                    .evaluations
                    .evaluations(org, &agent.ai_agent_id, evaluation::EXAMPLES * 2)
                    .await?;
                examples = evaluation::examples(&corrections);
                read_for = Some(agent.ai_agent_id.as_str());
            }
            let targets = orchestration::targets(agent, agents);
            let system = turn::system_prompt(agent, contact, &examples);
            let tools = turn::tools(&targets, products.iter().any(|p| p.is_active));
            let prompt = turn::prompt(agent, system, messages.clone(), tools, self.guardrail.clone());
            let reply = match self.call(org, agent, &prompt, last_try).await? {
                Ok(reply) => reply,
                Err(reason) => {
                    let handoff = handoff::decide(&agent.handoff_rules, reason);
                    return Ok(Ended::HandOff { agent, handoff });
                }
            };
            let calls = reply.tool_uses();
            if calls.is_empty() {
                return Ok(Ended::Replied {
                    agent,
                    text: reply.text(),
                    resolve,
                });
            }
            let mut results = Vec::new();
            let mut rerouted = false;
            for (id, name, input) in calls {
                let result = match turn::tool_call(name, input) {
                    Err(refused) => Err(refused),
                    Ok(ToolCall::Handoff { reason, division_id }) => {
                        let mut handoff = handoff::decide(&agent.handoff_rules, Reason::Tool { reason });
                        if division_id.is_some() {
                            handoff.target_division_id = division_id;
                        }
                        log.push(ToolLog {
                            name: name.into(),
                            input: input.clone(),
                            result: json!({"handed_over": true}),
                            failed: false,
                        });
                        return Ok(Ended::HandOff { agent, handoff });
                    }
                    Ok(ToolCall::Resolve) => {
                        resolve = true;
                        Ok(json!({"resolved_after_reply": true}))
                    }
                    Ok(ToolCall::UpdateContactContext { facts }) => match live {
                        Some(live) => self.remember(live.job, live.contact, &facts).await?,
                        None => Ok(json!({"would_remember": facts})),
                    },
                    Ok(ToolCall::LookupProduct { query }) => {
                        let found: Vec<Value> = catalog::lookup(&products, &query)
                            .into_iter()
                            .map(catalog::Product::for_model)
                            .collect();
                        Ok(json!({"products": found}))
                    }
                    Ok(ToolCall::RouteToAgent { ai_agent_id }) => {
                        match targets.iter().map(|(a, _)| *a).find(|c| c.ai_agent_id == ai_agent_id) {
                            Some(child) if !routed_once => {
                                if let Some(live) = live {
                                    self.ports
                                        .sessions
                                        .route(org, &live.job.conversation_id, &child.ai_agent_id)
                                        .await?;
                                }
                                log.push(ToolLog {
                                    name: name.into(),
                                    input: input.clone(),
                                    result: json!({"routed_to": child.ai_agent_id}),
                                    failed: false,
                                });
                                routed_once = true;
                                rerouted = true;
                                agent = child;
                                break;
                            }
                            _ => Err(format!("ai_agent_id: not an agent this one routes to: {ai_agent_id}")),
                        }
                    }
                };
                let failed = result.is_err();
                let content = result.unwrap_or_else(|refused| json!({"error": refused}));
                log.push(ToolLog {
                    name: name.into(),
                    input: input.clone(),
                    result: content.clone(),
                    failed,
                });
                results.push(Part::ToolResult {
                    id: id.to_string(),
                    failed,
                    content,
                });
            }
            if rerouted {
                // Routed: the child starts the turn afresh from the conversation itself.
                messages = history.clone();
                continue;
            }
            messages.push(ChatMessage {
                role: Role::Assistant,
                parts: reply.parts.clone(),
            });
            messages.push(ChatMessage {
                role: Role::User,
                parts: results,
            });
        }
        let handoff = handoff::decide(
            &agent.handoff_rules,
            Reason::ModelFailure {
                detail: format!("no answer after {MAX_TOOL_ROUNDS} tool rounds"),
            },
        );
        Ok(Ended::HandOff { agent, handoff })
    }
}
