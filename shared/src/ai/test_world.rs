//! The responder's ports on in-memory fakes, shared by its tests and the test chat's.

use crate::ai::memory::{MemoryAi, ScriptedModel};
use crate::ai::model::{ModelError, Part, Reply, Stop, Usage};
use crate::ai::responder::AiPorts;
use crate::automation::memory::RecordingEffects;
use crate::bot::memory::RecordingSends;
use crate::inbox::memory::MemoryInbox;
use std::sync::Arc;

pub(crate) fn ports(
    ai: &Arc<MemoryAi>,
    inbox: &Arc<MemoryInbox>,
    model: &Arc<ScriptedModel>,
    sends: &Arc<RecordingSends>,
    effects: &Arc<RecordingEffects>,
) -> AiPorts {
    AiPorts {
        agents: ai.clone(),
        products: ai.clone(),
        evaluations: ai.clone(),
        sessions: ai.clone(),
        usage: ai.clone(),
        model: model.clone(),
        conversations: inbox.clone(),
        contacts: inbox.clone(),
        contexts: ai.clone(),
        messages: ai.clone(),
        sends: sends.clone(),
        effects: effects.clone(),
    }
}

/// The model answering `reply` in text, having spent `tokens` (in, out).
pub(crate) fn text(reply: &str, tokens: (u64, u64)) -> Result<Reply, ModelError> {
    Ok(Reply {
        parts: vec![Part::Text(reply.into())],
        stop: Stop::EndTurn,
        usage: Usage {
            input_tokens: tokens.0,
            output_tokens: tokens.1,
        },
    })
}

/// The model calling `name` with `input`.
pub(crate) fn tool(name: &str, input: serde_json::Value) -> Result<Reply, ModelError> {
    Ok(Reply {
        parts: vec![Part::ToolUse {
            id: format!("tu_{name}"),
            name: name.into(),
            input,
        }],
        stop: Stop::ToolUse,
        usage: Usage {
            input_tokens: 100,
            output_tokens: 10,
        },
    })
}
