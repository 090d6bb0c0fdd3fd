//! The ingest function's real handler, fed SQS events, against moto.

mod claims;
mod refusals;
mod statuses;

use ingest::IngestService;
use integration_tests::*;
use serde_json::{Value, json};
use shared::inbox::store::StatusOutcome;
use shared::inbox::{Direction, Message};
use shared::meta::{Content, DeliveryStatus, StatusUpdate};
use shared::platform::table;

/// What these tests ask of the shared fixture.
trait IngestFixture {
    async fn only_conversation(&self) -> shared::inbox::Conversation;
}

impl IngestFixture for Fixture {
    async fn only_conversation(&self) -> shared::inbox::Conversation {
        let conversations = self
            .inbox()
            .list_conversations(&self.a.account.org_id, 10)
            .await
            .unwrap();
        assert_eq!(conversations.len(), 1, "one conversation");
        conversations.into_iter().next().unwrap()
    }
}

fn text(wamid: &str, timestamp: i64, body: &str) -> Value {
    json!({"from": "16505551234", "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": {"body": body}})
}

fn of_type(wamid: &str, timestamp: i64, kind: &str, body: Value) -> Value {
    let mut message = json!({"from": "16505551234", "id": wamid, "timestamp": timestamp.to_string(), "type": kind});
    message[kind] = body;
    message
}

#[tokio::test]
async fn every_message_type_round_trips_in_meta_timestamp_order() {
    let f = Fixture::new().await;
    let mut contacts_message = of_type("wamid.contacts", 1_700_000_007, "contacts", Value::Null);
    contacts_message["contacts"] =
        json!([{"name": {"formatted_name": "Ada Lovelace"}, "phones": [{"phone": "+44 20"}]}]);
    let mut replied = text("wamid.reply", 1_700_000_016, "this one");
    replied["context"] = json!({"from": "15550783881", "id": "wamid.original", "forwarded": false});
    let mut referred = text("wamid.ad", 1_700_000_017, "from the ad");
    referred["referral"] = json!({"source_url": "https://fb.me/x", "source_type": "ad", "source_id": "123"});
    // Deliberately out of order: Meta timestamps decide the order, not arrival.
    let messages = json!([
        of_type(
            "wamid.video",
            1_700_000_004,
            "video",
            json!({"id": "m-video", "mime_type": "video/mp4"})
        ),
        text("wamid.text", 1_700_000_001, "hello"),
        of_type(
            "wamid.image",
            1_700_000_002,
            "image",
            json!({"id": "m-image", "mime_type": "image/jpeg", "sha256": "abc", "caption": "blue"})
        ),
        of_type(
            "wamid.audio",
            1_700_000_003,
            "audio",
            json!({"id": "m-audio", "mime_type": "audio/ogg", "voice": true})
        ),
        of_type(
            "wamid.document",
            1_700_000_005,
            "document",
            json!({"id": "m-doc", "filename": "invoice.pdf"})
        ),
        of_type(
            "wamid.sticker",
            1_700_000_006,
            "sticker",
            json!({"id": "m-sticker", "animated": false})
        ),
        contacts_message,
        of_type(
            "wamid.location",
            1_700_000_008,
            "location",
            json!({"latitude": 52.37, "longitude": 4.89, "name": "Dam"})
        ),
        of_type(
            "wamid.button_reply",
            1_700_000_009,
            "interactive",
            json!({"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}})
        ),
        of_type(
            "wamid.list_reply",
            1_700_000_010,
            "interactive",
            json!({"type": "list_reply", "list_reply": {"id": "l2", "title": "Blue", "description": "Navy blue"}})
        ),
        of_type(
            "wamid.nfm_reply",
            1_700_000_011,
            "interactive",
            json!({"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent", "response_json": "{\"size\":\"M\"}"}})
        ),
        of_type(
            "wamid.button",
            1_700_000_012,
            "button",
            json!({"payload": "STOP", "text": "Stop promotions"})
        ),
        of_type(
            "wamid.reaction",
            1_700_000_013,
            "reaction",
            json!({"message_id": "wamid.text", "emoji": "👍"})
        ),
        of_type(
            "wamid.order",
            1_700_000_014,
            "order",
            json!({"catalog_id": "cat", "text": "asap", "product_items": [{"product_retailer_id": "sku1", "quantity": 2, "item_price": 9.5, "currency": "EUR"}]})
        ),
        of_type(
            "wamid.system",
            1_700_000_015,
            "system",
            json!({"type": "user_changed_number", "body": "changed", "wa_id": "16505559999"})
        ),
        replied,
        referred,
        of_type("wamid.unsupported", 1_700_000_018, "unsupported", Value::Null),
        of_type("wamid.hologram", 1_700_000_019, "hologram", json!({"beam": 3})),
    ]);
    let count = messages.as_array().unwrap().len();
    let body = f.notification(messages, Value::Null);
    let (response, summary) = f.ingest().process(ingest_event(&[("m1", &f.a.account, &body)])).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    assert_eq!(summary.messages_stored as usize, count);

    let conversation = f.only_conversation().await;
    assert_eq!(conversation.unread_count as usize, count);
    assert_eq!(
        conversation.window_expires_at,
        Some(1_700_000_019 + 86_400),
        "window from the newest inbound message"
    );
    assert_eq!(conversation.last_message_preview, "[unsupported: hologram]");
    let stored = f
        .inbox()
        .list_messages(&f.a.account.org_id, &conversation.conversation_id, false, 100)
        .await
        .unwrap();
    assert_eq!(stored.len(), count);
    let order: Vec<i64> = stored.iter().map(|m| m.meta_timestamp).collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "listed in Meta timestamp order: {order:?}"
    );
    let by_wamid = |w: &str| {
        stored
            .iter()
            .find(|m| m.wamid.as_deref() == Some(w))
            .unwrap_or_else(|| panic!("{w} stored"))
    };
    assert_eq!(by_wamid("wamid.text").content, Content::Text { body: "hello".into() });
    assert!(matches!(
        by_wamid("wamid.audio").content,
        Content::Media { voice: Some(true), .. }
    ));
    assert_eq!(by_wamid("wamid.image").media.as_ref().unwrap().media_id, "m-image");
    assert!(
        matches!(by_wamid("wamid.location").content, Content::Location { latitude, .. } if (latitude - 52.37).abs() < 1e-9)
    );
    assert!(
        matches!(by_wamid("wamid.contacts").content, Content::Contacts { ref contacts } if contacts[0]["name"]["formatted_name"] == "Ada Lovelace")
    );
    assert!(
        matches!(by_wamid("wamid.nfm_reply").content, Content::Interactive { response: Some(ref r), .. } if r["size"] == "M")
    );
    assert!(
        matches!(by_wamid("wamid.order").content, Content::Order { ref product_items, .. } if product_items[0]["quantity"] == 2)
    );
    assert!(
        matches!(by_wamid("wamid.system").content, Content::System { ref new_wa_id, .. } if new_wa_id.as_deref() == Some("16505559999"))
    );
    assert!(
        matches!(by_wamid("wamid.hologram").content, Content::Unsupported { ref raw, .. } if raw["hologram"]["beam"] == 3)
    );
    assert_eq!(
        by_wamid("wamid.reply").context.as_ref().unwrap()["id"],
        "wamid.original"
    );
    assert_eq!(by_wamid("wamid.ad").referral.as_ref().unwrap()["source_type"], "ad");
    assert!(
        stored
            .iter()
            .all(|m| m.direction == Direction::Inbound && m.received_at_ms == received_at_ms())
    );

    let contact = f
        .inbox()
        .contact(&f.a.account.org_id, &conversation.contact_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.profile_name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(contact.wa_id.as_deref(), Some("16505551234"));
    let media_jobs = f.stack.drain("MediaQueue").await;
    assert_eq!(
        media_jobs.len(),
        5,
        "one media job per image, audio, video, document, sticker"
    );
}

#[tokio::test]
async fn the_same_delivery_five_times_stores_one_message_and_one_unread() {
    let f = Fixture::new().await;
    let body = f.notification(json!([text("wamid.dup", 1_700_000_100, "are you there?")]), Value::Null);
    // Sequential redeliveries, each by a fresh sandbox.
    for attempt in 0..2 {
        let (response, _) = f
            .ingest()
            .process(ingest_event(&[(&format!("seq{attempt}"), &f.a.account, &body)]))
            .await;
        assert!(response.batch_item_failures.is_empty());
    }
    // Concurrent deliveries (Meta retry racing the second app's copy), and twice in one batch.
    let services: Vec<IngestService> = (0..2).map(|_| f.ingest()).collect();
    let runs = services.iter().enumerate().map(|(i, service)| {
        let body = body.clone();
        let account = f.a.account.clone();
        async move {
            service
                .process(ingest_event(&[(&format!("par{i}"), &account, &body)]))
                .await
        }
    });
    for (response, _) in futures::future::join_all(runs).await {
        assert!(response.batch_item_failures.is_empty());
    }
    let (response, summary) = f
        .ingest()
        .process(ingest_event(&[
            ("b1", &f.a.account, &body),
            ("b2", &f.a.account, &body),
        ]))
        .await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!((summary.messages_stored, summary.duplicates), (0, 2));

    let conversation = f.only_conversation().await;
    assert_eq!(conversation.unread_count, 1);
    assert_eq!(conversation.message_count, 1);
    let stored = f
        .inbox()
        .list_messages(&f.a.account.org_id, &conversation.conversation_id, false, 10)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    f.stack.tally().await;
    let counters = f.inbox().counters(&f.a.account.org_id).await.unwrap();
    assert_eq!(counters.get("messages_received"), Some(&1));
    assert_eq!(counters.get("conversations_created"), Some(&1));
}

#[tokio::test]
async fn a_late_older_message_is_stored_in_order_without_moving_the_conversation_back() {
    let f = Fixture::new().await;
    let newer = f.notification(json!([text("wamid.new", 1_700_000_500, "second")]), Value::Null);
    let older = f.notification(json!([text("wamid.old", 1_700_000_400, "first")]), Value::Null);
    let service = f.ingest();
    assert!(
        service
            .process(ingest_event(&[("a", &f.a.account, &newer)]))
            .await
            .0
            .batch_item_failures
            .is_empty()
    );
    assert!(
        service
            .process(ingest_event(&[("b", &f.a.account, &older)]))
            .await
            .0
            .batch_item_failures
            .is_empty()
    );
    let conversation = f.only_conversation().await;
    assert_eq!(conversation.last_message_preview, "second");
    assert_eq!(conversation.window_expires_at, Some(1_700_000_500 + 86_400));
    assert_eq!(conversation.unread_count, 2);
    let stored = f
        .inbox()
        .list_messages(&f.a.account.org_id, &conversation.conversation_id, false, 10)
        .await
        .unwrap();
    let bodies: Vec<String> = stored.iter().map(|m| m.content.preview()).collect();
    assert_eq!(bodies, vec!["first", "second"]);
}

fn outbound(org_id: &str, conversation_id: &str, message_id: &str) -> Message {
    Message {
        org_id: org_id.into(),
        conversation_id: conversation_id.into(),
        message_id: message_id.into(),
        wamid: None,
        direction: Direction::Outbound,
        message_type: "text".into(),
        content: Content::Text {
            body: "We have it in navy".into(),
        },
        status: "queued".into(),
        status_rank: 0,
        meta_timestamp: 1_700_001_000,
        received_at_ms: 0,
        context: None,
        referral: None,
        errors: vec![],
        media: None,
        status_errors: vec![],
        pricing: None,
        created_at: "2023-11-14T22:30:00.000Z".into(),
        edited_at: None,
        revoked_at: None,
        previous_contents: vec![],
        origin: None,
    }
}

fn status(wamid: &str, status: &str, timestamp: i64) -> Value {
    json!({"id": wamid, "status": status, "timestamp": timestamp.to_string(), "recipient_id": "16505551234"})
}

#[tokio::test]
async fn domain_events_reach_the_bus_once_per_new_message() {
    let f = Fixture::new().await;
    let tap = integration_tests::event_tap::EventTap::new(&f.stack).await;

    let body = f.notification(
        json!([
            text("wamid.ev1", 1_700_000_800, "one"),
            text("wamid.ev2", 1_700_000_801, "two")
        ]),
        Value::Null,
    );
    f.ingest().process(ingest_event(&[("e1", &f.a.account, &body)])).await;
    let events = tap.received(4).await;
    let mut kinds: Vec<String> = events
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            "contact.created",
            "conversation.created",
            "message.received",
            "message.received"
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e["detail"]["org_id"] == f.a.account.org_id.as_str() && e["source"] == "switchboard")
    );
    let received_ids: Vec<&str> = events
        .iter()
        .filter(|e| e["detail-type"] == "message.received")
        .map(|e| e["detail"]["event_id"].as_str().unwrap())
        .collect();
    assert!(
        received_ids.contains(&"message.received:wamid.ev1") && received_ids.contains(&"message.received:wamid.ev2")
    );

    // A redelivery stores nothing new but announces again, with the same event ids.
    let (_, summary) = f.ingest().process(ingest_event(&[("e2", &f.a.account, &body)])).await;
    assert_eq!((summary.messages_stored, summary.duplicates), (0, 2));
    let again = tap.received(4).await;
    let mut ids: Vec<String> = again
        .iter()
        .map(|e| e["detail"]["event_id"].as_str().unwrap().to_string())
        .collect();
    let mut first_ids: Vec<String> = events
        .iter()
        .map(|e| e["detail"]["event_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    first_ids.sort();
    assert_eq!(ids, first_ids);
}
