//! Corrections of AI replies (seed 001's AiEvaluation): an agent on the page says what the AI
//! should have answered; the newest corrections of an agent are shown to it as examples. Which
//! corrections become examples, and how, is pure.

use crate::ai::agent::Refusal;
use serde::{Deserialize, Serialize};

pub const MAX_CORRECTED_CHARS: usize = 4_096;
pub const MAX_CONTEXT_MESSAGES: usize = 20;
/// Corrections kept per agent (a new one past it is refused).
pub const MAX_PER_AGENT: usize = 500;
/// Corrections given to the model with every turn, newest first.
pub const EXAMPLES: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub org_id: String,
    pub evaluation_id: String,
    pub ai_agent_id: String,
    pub conversation_id: String,
    /// The AI's message corrected.
    pub message_id: String,
    /// What the customer wrote before it (the example's question).
    #[serde(default)]
    pub customer_message: Option<String>,
    pub original_response: String,
    pub corrected_response: String,
    #[serde(default)]
    pub context_message_ids: Vec<String>,
    /// The person who corrected it.
    pub evaluated_by: String,
    pub created_at: String,
}

impl Evaluation {
    pub fn check(&self) -> Result<(), Refusal> {
        let corrected = &self.corrected_response;
        if corrected.trim().is_empty()
            || corrected.chars().count() > MAX_CORRECTED_CHARS
            || corrected.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Refusal::new(
                "corrected_response",
                format!("1 to {MAX_CORRECTED_CHARS} characters, no control characters"),
            ));
        }
        if self.context_message_ids.len() > MAX_CONTEXT_MESSAGES
            || self
                .context_message_ids
                .iter()
                .any(|id| !crate::platform::ids::is_well_formed(id))
        {
            return Err(Refusal::new(
                "context_message_ids",
                format!("at most {MAX_CONTEXT_MESSAGES} message ids"),
            ));
        }
        Ok(())
    }
}

/// The examples a turn shows the model: (what the customer wrote, the better answer), from the
/// newest corrections that know the customer's words.
pub fn examples(newest_first: &[Evaluation]) -> Vec<(String, String)> {
    newest_first
        .iter()
        .filter_map(|e| Some((e.customer_message.clone()?, e.corrected_response.clone())))
        .take(EXAMPLES)
        .collect()
}
