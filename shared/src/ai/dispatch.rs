//! Which customer messages reach the AI agents: a customer's message (never a rule's effect) on a
//! number some active agent is assigned to, that the keyword bot did not answer, is queued as a
//! turn. Everything else about the turn (the division, tags, who holds the conversation) is
//! decided when it is answered, on fresh reads.

use crate::ai::agent::may_answer;
use crate::ai::ports::{AgentBook, TurnJob, TurnQueue};
use crate::automation::rule::Trigger;
use crate::automation::walk::Incoming;
use crate::platform::StoreError;
use serde_json::Value;
use std::sync::Arc;

pub struct AiDispatch {
    pub agents: Arc<dyn AgentBook>,
    pub queue: Arc<dyn TurnQueue>,
}

impl AiDispatch {
    /// Queues the event's turn when an AI agent may answer it; `true` when queued.
    pub async fn offer(&self, event: &Incoming, detail: &Value) -> Result<bool, StoreError> {
        let (Trigger::MessageReceived, None, Some(conversation_id), Some(contact_id)) =
            (event.trigger, &event.cause, &event.conversation_id, &event.contact_id)
        else {
            return Ok(false);
        };
        let text = |name: &str| detail.get(name).and_then(Value::as_str).filter(|t| !t.is_empty());
        let (Some(wamid), Some(account_id)) = (text("wamid"), text("account_id")) else {
            return Ok(false);
        };
        let agents = self.agents.agents(&event.org_id).await?;
        if !may_answer(&agents, account_id) {
            return Ok(false);
        }
        self.queue
            .enqueue(&TurnJob {
                org_id: event.org_id.clone(),
                conversation_id: conversation_id.clone(),
                contact_id: contact_id.clone(),
                wamid: wamid.into(),
                event_id: event.event_id.clone(),
                account_id: account_id.into(),
            })
            .await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ai::agent::{Assignment, CHANNEL};
    use crate::ai::memory::{MemoryAi, MemoryTurnQueue};
    use serde_json::json;

    fn event(cause: Option<crate::automation::walk::Cause>) -> Incoming {
        Incoming {
            org_id: "o".into(),
            event_id: "message.received:w1".into(),
            trigger: Trigger::MessageReceived,
            conversation_id: Some("cv_1".into()),
            contact_id: Some("ct_1".into()),
            payload_hash: "h".into(),
            cause,
            occurred_ms: None,
        }
    }

    #[tokio::test]
    async fn a_customers_message_on_an_assigned_number_is_queued_once_per_wamid() {
        let ai = Arc::new(MemoryAi::default());
        let queue = Arc::new(MemoryTurnQueue::default());
        let dispatch = AiDispatch {
            agents: ai.clone(),
            queue: queue.clone(),
        };
        let detail = json!({"wamid": "wamid.1", "account_id": "acc_1"});
        assert!(!dispatch.offer(&event(None), &detail).await.unwrap(), "no agent yet");
        let mut agent = crate::ai::contract::agent("o", "aia_1");
        agent.assignments = vec![Assignment {
            assignment_id: "asg_1".into(),
            channel: CHANNEL.into(),
            account_id: Some("acc_1".into()),
            division_id: None,
            contact_tags: vec![],
            priority: 0,
            is_active: true,
            created_at: "t".into(),
        }];
        ai.put_agent(&agent, None).await.unwrap();
        assert!(dispatch.offer(&event(None), &detail).await.unwrap());
        assert!(dispatch.offer(&event(None), &detail).await.unwrap());
        assert_eq!(queue.jobs().len(), 1, "deduplicated by the message");
        assert_eq!(queue.jobs()[0].wamid, "wamid.1");
        let other_number = json!({"wamid": "wamid.2", "account_id": "acc_2"});
        assert!(!dispatch.offer(&event(None), &other_number).await.unwrap());
        let caused = Some(crate::automation::walk::Cause {
            rule_id: "aru_1".into(),
            depth: 1,
        });
        assert!(
            !dispatch
                .offer(&event(caused), &json!({"wamid": "wamid.3", "account_id": "acc_1"}))
                .await
                .unwrap()
        );
    }
}
