//! The contract of the inbox's ingest ports: what ingest relies on, asserted alike of the DynamoDB
//! stores (on moto, `tests/integration/contracts.rs`) and the in-memory inbox and outbound (below),
//! so the fakes ingest's unit tests run on cannot drift from DynamoDB.

use crate::inbox::CustomerIdentity;
use crate::inbox::ingest_port::{
    ConversationFacts, InboundMessages, MessageChanges, OutOfHoursReplies, OutOfHoursReply, ReplyWatch, StatusUpdates,
};
use crate::inbox::send_contract::queued_text;
use crate::inbox::send_port::{SendLedger, WamidLinks};
use crate::inbox::store::{Change, Changed, DeliveryContext, InboundOutcome, StatusOutcome};
use crate::meta::{Content, DeliveryStatus, InboundMessage, StatusUpdate};
use crate::platform::table::{self, Key};

/// The inbox's ports as ingest holds them.
pub struct InboxIngest<'a> {
    pub messages: &'a dyn InboundMessages,
    pub changes: &'a dyn MessageChanges,
    pub conversations: &'a dyn ConversationFacts,
    pub out_of_hours: &'a dyn OutOfHoursReplies,
    pub watch: &'a dyn ReplyWatch,
}

/// A text message from `from`, as Meta's notification carries it.
pub fn text(wamid: &str, from: &str, timestamp: i64, body: &str) -> InboundMessage {
    let message = serde_json::json!({"from": from, "id": wamid, "timestamp": timestamp.to_string(),
        "type": "text", "text": {"body": body}});
    let notification = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"phone_number_id": "1"}, "messages": [message]}}]}]});
    let changes = crate::meta::parse_notification(notification.to_string().as_bytes()).expect("a notification");
    match changes.into_iter().next() {
        Some(crate::meta::ParsedChange::Messages { mut messages, .. }) if !messages.is_empty() => messages.remove(0),
        _ => panic!("a text message"),
    }
}

fn stored(outcome: InboundOutcome) -> (Key, String, String, bool, bool) {
    match outcome {
        InboundOutcome::Stored {
            message_key,
            conversation_id,
            contact_id,
            new_conversation,
            new_contact,
            check_reach,
        } => {
            assert!(
                check_reach || !new_conversation,
                "a conversation that opens looks for a campaign"
            );
            (message_key, conversation_id, contact_id, new_conversation, new_contact)
        }
        other => panic!("a new wamid is stored, not {other:?}"),
    }
}

/// A customer new to `org_id` writes to `account_id` three times (one twice, one late). Answers
/// the wamid of the change recorded as an orphan (a store's test reads it back).
pub async fn inbox_ingest_contract(ports: InboxIngest<'_>, org_id: &str, account_id: &str) -> String {
    let unique = crate::platform::ids::new_id("c");
    let digits: String = unique.bytes().map(|b| char::from(b'0' + b % 10)).take(9).collect();
    let wa_id = format!("49{digits}");
    let identity = CustomerIdentity {
        user_id: None,
        wa_id: Some(wa_id.clone()),
    };
    let delivery = DeliveryContext {
        org_id,
        account_id,
        received_at_ms: 1_796_400_000_000,
    };
    let t = 1_796_400_000;
    let wamid = |n: u32| format!("wamid.{unique}-{n}");
    let store = |n: u32, timestamp: i64, body: &'static str| {
        let message = text(&wamid(n), &wa_id, timestamp, body);
        let identity = identity.clone();
        let delivery = delivery.clone();
        async move {
            ports
                .messages
                .store_inbound(&delivery, &identity, Some("Contract"), &message)
                .await
                .expect("store")
        }
    };

    // The first message opens a conversation with a new contact; its redelivery changes nothing
    // and answers the first storing's facts.
    let (key, conversation_id, contact_id, opened, new_contact) = stored(store(1, t, "first").await);
    assert!(opened && new_contact);
    assert_eq!(
        store(1, t, "first").await,
        InboundOutcome::Duplicate {
            message_key: Some(key.clone()),
            conversation_id: Some(conversation_id.clone()),
            contact_id: Some(contact_id.clone()),
            opened_conversation: true,
            check_reach: true,
            new_contact: true,
        }
    );
    // The next joins it; a late older one too, without moving its newest facts back.
    let (_, joined, same_contact, opened, new_contact) = stored(store(2, t + 10, "second").await);
    assert_eq!(
        (&joined, &same_contact, opened, new_contact),
        (&conversation_id, &contact_id, false, false)
    );
    let (_, joined, ..) = stored(store(3, t - 100, "older").await);
    assert_eq!(joined, conversation_id);
    let conversation = ports
        .conversations
        .conversation(org_id, &conversation_id)
        .await
        .unwrap()
        .expect("the conversation");
    assert_eq!(conversation.message_count, 3);
    assert_eq!(conversation.last_message_preview, "second");
    assert_eq!(conversation.contact_id, contact_id);
    assert_eq!(
        ports
            .conversations
            .conversation("org_someone_else", &conversation_id)
            .await
            .unwrap(),
        None
    );

    // A change applies once, keeping what the message said; one of a message never stored waits.
    let edit = Change::Edit(Content::Text {
        body: "first, edited".into(),
    });
    let at = "2026-12-05T10:00:00Z";
    for _ in 0..2 {
        let changed = ports
            .changes
            .apply_change(org_id, &wamid(1), &wamid(90), &edit, at)
            .await
            .unwrap();
        assert_eq!(
            changed,
            Changed::Applied {
                conversation_id: conversation_id.clone(),
                message_id: table::message_id_in(&key).unwrap().to_string(),
            }
        );
    }
    let edited = ports.changes.message(&key).await.unwrap().expect("the message");
    assert_eq!(
        edited.content,
        Content::Text {
            body: "first, edited".into()
        }
    );
    assert_eq!(edited.previous_contents, [Content::Text { body: "first".into() }]);
    assert_eq!(edited.edited_at.as_deref(), Some(at));
    let (second_key, ..) = match store(2, t + 10, "second").await {
        InboundOutcome::Duplicate {
            message_key: Some(key), ..
        } => (key, ()),
        other => panic!("stored before: {other:?}"),
    };
    ports
        .changes
        .apply_change(org_id, &wamid(2), &wamid(92), &Change::Revoke, at)
        .await
        .unwrap();
    let revoked = ports.changes.message(&second_key).await.unwrap().expect("the message");
    assert_eq!(
        revoked.content,
        Content::Revoke {
            original_message_id: wamid(2)
        }
    );
    assert_eq!(revoked.revoked_at.as_deref(), Some(at));
    assert_eq!(revoked.previous_contents, [Content::Text { body: "second".into() }]);
    let unknown = ports
        .changes
        .apply_change(org_id, "wamid.never-stored", &wamid(91), &Change::Revoke, at)
        .await
        .unwrap();
    assert_eq!(unknown, Changed::OriginalUnknown);
    ports
        .changes
        .record_orphan_change(org_id, "wamid.never-stored", &wamid(91), &Change::Revoke, at)
        .await
        .unwrap();
    let beside = table::message(org_id, &conversation_id, t * 1000 - 5, "msg_beside");
    let mut shown = edited.clone();
    shown.message_id = "msg_beside".into();
    assert!(ports.changes.put_new(&beside, &shown).await.unwrap());
    assert!(!ports.changes.put_new(&beside, &shown).await.unwrap(), "once");

    // Allocated once (to a division: giving it to an agent also counts on the agent's record,
    // which this suite does not own); the first campaign stays.
    let conversations = ports.conversations;
    assert!(
        conversations
            .allocate(org_id, &conversation_id, Some("div_c"), None)
            .await
            .unwrap()
    );
    assert!(
        !conversations
            .allocate(org_id, &conversation_id, Some("div_d"), Some("ag_d"))
            .await
            .unwrap()
    );
    conversations
        .record_campaign(org_id, &conversation_id, "cmp_first")
        .await
        .unwrap();
    conversations
        .record_campaign(org_id, &conversation_id, "cmp_second")
        .await
        .unwrap();
    let conversation = conversations
        .conversation(org_id, &conversation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            conversation.assigned_agent_id.as_deref(),
            conversation.division_id.as_deref(),
            conversation.campaign_id.as_deref()
        ),
        (None, Some("div_c"), Some("cmp_first"))
    );

    // A campaign send's mark makes the next message (and its redelivery) look for the campaign,
    // once; a customer without an open conversation has nothing to mark.
    assert!(ports.watch.mark_reached(org_id, account_id, &wa_id).await.unwrap());
    let check_of = |outcome: InboundOutcome| match outcome {
        InboundOutcome::Stored { check_reach, .. } | InboundOutcome::Duplicate { check_reach, .. } => check_reach,
    };
    assert!(check_of(store(4, t + 20, "after a campaign").await));
    assert!(
        check_of(store(4, t + 20, "after a campaign").await),
        "its redelivery looks again"
    );
    assert!(!check_of(store(5, t + 30, "and again").await), "the mark is gone");
    assert!(!ports.watch.mark_reached(org_id, "acc_other", &wa_id).await.unwrap());
    assert!(
        !ports
            .watch
            .mark_reached(org_id, account_id, "4900000000")
            .await
            .unwrap()
    );

    // One out-of-hours reply per closed period.
    let queue_in = |reopens_ms: i64| {
        let (key, message, job) = queued_text(org_id, &conversation_id, account_id, &wa_id);
        async move {
            ports
                .out_of_hours
                .queue_once(&OutOfHoursReply {
                    key: &key,
                    message: &message,
                    preview: "closed",
                    job: &job,
                    reopens_ms,
                })
                .await
                .unwrap()
        }
    };
    assert!(queue_in(1_796_634_000_000).await);
    assert!(!queue_in(1_796_634_000_000).await, "the period's reply exists");
    assert!(queue_in(1_796_720_400_000).await, "the next period is another");
    wamid(91)
}

fn status(wamid: &str, status: DeliveryStatus, timestamp: i64, callback: Option<&str>) -> StatusUpdate {
    StatusUpdate {
        wamid: wamid.into(),
        status,
        timestamp,
        recipient_id: None,
        errors: vec![],
        pricing: None,
        conversation: None,
        callback_data: callback.map(Into::into),
    }
}

/// `first` and `second`: two queued outbound messages of `org_id` without wamids.
pub async fn status_updates_contract(
    statuses: &dyn StatusUpdates,
    links: &dyn WamidLinks,
    ledger: &dyn SendLedger,
    org_id: &str,
    first: &Key,
    second: &Key,
) {
    let unique = crate::platform::ids::new_id("w");
    let (one, two) = (format!("wamid.{unique}-1"), format!("wamid.{unique}-2"));
    let apply = |s: StatusUpdate| async move { statuses.apply_status(org_id, &s).await.expect("apply") };
    let status_of = |key: &Key| {
        let key = key.clone();
        async move { ledger.pending(&key).await.unwrap().expect("the message").message.status }
    };
    // Before its send is linked a status waits, the latest by rank.
    assert_eq!(
        apply(status(&one, DeliveryStatus::Delivered, 20, None)).await,
        StatusOutcome::Parked
    );
    assert_eq!(
        apply(status(&one, DeliveryStatus::Sent, 10, None)).await,
        StatusOutcome::Stale
    );
    links.link_outbound(org_id, &one, first).await.unwrap();
    assert_eq!(status_of(first).await, "delivered", "applied at the link");
    // Forward only.
    assert_eq!(
        apply(status(&one, DeliveryStatus::Read, 30, None)).await,
        StatusOutcome::Applied {
            message_key: first.clone()
        }
    );
    assert_eq!(
        apply(status(&one, DeliveryStatus::Delivered, 20, None)).await,
        StatusOutcome::Stale
    );
    assert_eq!(status_of(first).await, "read");
    // A status naming our message id whose send answer was lost: the message takes the wamid.
    let message_id = table::message_id_in(second).unwrap().to_string();
    assert_eq!(
        apply(status(&two, DeliveryStatus::Sent, 10, Some(&message_id))).await,
        StatusOutcome::Applied {
            message_key: second.clone()
        }
    );
    let adopted = ledger.pending(second).await.unwrap().unwrap().message;
    assert_eq!(
        (adopted.status.as_str(), adopted.wamid.as_deref()),
        ("sent", Some(two.as_str()))
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::memory::MemoryInbox;
    use crate::inbox::send_memory::MemoryOutbound;
    use crate::platform::clock::Clock;

    #[tokio::test]
    async fn the_in_memory_inbox_keeps_the_ingest_contract() {
        let inbox = MemoryInbox::default();
        let outbound = MemoryOutbound::new(Clock::system());
        let ports = InboxIngest {
            messages: &inbox,
            changes: &inbox,
            conversations: &inbox,
            out_of_hours: &outbound,
            watch: &inbox,
        };
        inbox_ingest_contract(ports, "org_mem", "acc_mem").await;
    }

    #[tokio::test]
    async fn the_in_memory_statuses_keep_the_contract() {
        let outbound = MemoryOutbound::new(Clock::system());
        let first = outbound.queue(queued_text("org_mem", "cv_1", "acc_mem", "4915"));
        let second = outbound.queue(queued_text("org_mem", "cv_1", "acc_mem", "4915"));
        status_updates_contract(&outbound, &outbound, &outbound, "org_mem", &first, &second).await;
    }
}
