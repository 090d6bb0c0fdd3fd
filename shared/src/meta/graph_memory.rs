//! Meta's send endpoint scripted, for tests: answers given in order (then an accepted send with a
//! new wamid each time), and every request kept as Meta would have received it.

use crate::meta::GraphError;
use crate::meta::graph::MessageSender;
use std::collections::VecDeque;
use std::sync::Mutex;

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct SentRequest {
    pub phone_number_id: String,
    pub access_token: String,
    pub body: serde_json::Value,
}

#[derive(Default)]
pub struct ScriptedGraph {
    answers: Mutex<VecDeque<Result<String, GraphError>>>,
    requests: Mutex<Vec<SentRequest>>,
}

impl ScriptedGraph {
    /// The next sends get these answers, in order.
    pub fn answer(&self, answers: impl IntoIterator<Item = Result<String, GraphError>>) {
        self.answers.lock().unwrap_or_else(|e| e.into_inner()).extend(answers);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<SentRequest> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A refusal as Meta words one: HTTP `status` with Meta's error `code`.
    pub fn refusal(status: u16, code: i64) -> GraphError {
        GraphError::Http {
            status,
            code: Some(code),
            message: format!("(#{code}) refused by the script"),
        }
    }
}

#[async_trait::async_trait]
impl MessageSender for ScriptedGraph {
    async fn send_message(
        &self,
        phone_number_id: &str,
        access_token: &str,
        body: &serde_json::Value,
    ) -> Result<String, GraphError> {
        let count = {
            let mut requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            requests.push(SentRequest {
                phone_number_id: phone_number_id.into(),
                access_token: access_token.into(),
                body: body.clone(),
            });
            requests.len()
        };
        let scripted = self.answers.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        scripted.unwrap_or_else(|| Ok(format!("wamid.scripted{count}")))
    }
}
