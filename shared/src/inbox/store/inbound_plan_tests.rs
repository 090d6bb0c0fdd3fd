//! The inbound plan and the reading of its cancellations, without a table.

use super::*;
use crate::meta::Content;
use crate::platform::plan::Reason;

const DELIVERY: DeliveryContext<'static> = DeliveryContext {
    org_id: "org_1",
    account_id: "acc_1",
    received_at_ms: 1_700_000_001_000,
};

fn message() -> InboundMessage {
    InboundMessage {
        wamid: "wamid.1".into(),
        from: Some("15551234567".into()),
        from_user_id: None,
        timestamp: 1_700_000_000,
        message_type: "text".into(),
        content: Content::Text { body: "hi".into() },
        context: None,
        referral: None,
        errors: vec![],
    }
}

fn plan_for(contact: &KnownContact, conversation_exists: bool, freshness: Freshness) -> Plan<InboundSlot> {
    plan_with(contact, conversation_exists, freshness, false)
}

fn plan_with(
    contact: &KnownContact,
    conversation_exists: bool,
    freshness: Freshness,
    profile_stored: bool,
) -> Plan<InboundSlot> {
    let message = message();
    let key = table::message("org_1", "cv_1", 1_700_000_000_000, "msg_1");
    inbound_plan(&InboundWrite {
        delivery: &DELIVERY,
        contact,
        profile_name: Some("Ana"),
        profile_stored,
        conversation_exists,
        conversation_id: "cv_1",
        message_key: &key,
        message_id: "msg_1",
        message: &message,
        freshness,
        check_reach: false,
        now: "2023-11-14T22:13:20Z",
    })
    .unwrap()
}

fn known() -> KnownContact {
    KnownContact {
        contact_id: "ct_1".into(),
        missing_identities: vec![],
        exists: true,
        name: None,
        phone: None,
    }
}

#[test]
fn steady_state_is_claim_message_and_conversation() {
    let plan = plan_with(&known(), true, Freshness::Newest, true);
    use InboundSlot::*;
    assert_eq!(
        plan.slots().collect::<Vec<_>>(),
        vec![Message, Conversation],
        "the counters are tallied from the stream"
    );
    assert_eq!(plan.get(Message).unwrap().condition(), Some("attribute_not_exists(pk)"));
    let condition = plan.get(Conversation).unwrap().condition().unwrap();
    assert!(condition.contains("last_message_ms <= :ts"), "{condition}");
    // The update's own condition keeps the message out of a conversation resolved since.
    assert!(condition.contains("#status <> :resolved"), "{condition}");
    let WriteOp::Update { expression, .. } = plan.get(Conversation).unwrap() else {
        panic!("an existing conversation is updated");
    };
    assert!(expression.contains("contact_profile_name = :profile"));
}

#[test]
fn the_contact_is_written_when_its_profile_name_is_new_or_not_known_to_be_stored() {
    let changed = plan_with(&known(), true, Freshness::Newest, false);
    let Some(WriteOp::Update {
        expression, condition, ..
    }) = changed.get(InboundSlot::Contact)
    else {
        panic!("a changed profile name updates the contact");
    };
    assert!(expression.contains("profile_name = :name"), "{expression}");
    assert_eq!(condition.as_deref(), Some("attribute_exists(pk)"));
    // A conversation opening writes the contact whatever this Lambda remembers.
    let opening = plan_with(&known(), false, Freshness::Newest, true);
    assert!(opening.get(InboundSlot::Contact).is_some());
}

#[test]
fn a_new_customer_opens_a_conversation_and_claims_each_identity() {
    let contact = KnownContact {
        contact_id: "ct_new".into(),
        missing_identities: vec!["WA#15551234567".into(), "BSUID#US.1".into()],
        exists: false,
        name: None,
        phone: Some("15551234567".into()),
    };
    let plan = plan_for(&contact, false, Freshness::Newest);
    use InboundSlot::*;
    assert_eq!(
        plan.slots().collect::<Vec<_>>(),
        vec![
            Message,
            Conversation,
            OpenConversation,
            ContactConversation,
            Contact,
            Identity,
            Identity,
        ]
    );
    for slot in [Conversation, OpenConversation, Contact, Identity] {
        assert_eq!(
            plan.get(slot).unwrap().condition(),
            Some("attribute_not_exists(pk)"),
            "{slot:?}"
        );
    }
    // The message names what the tally counts: a new contact and conversation, on its day.
    let Some(WriteOp::Put { item: stored, .. }) = plan.get(Message) else {
        panic!("the message is put");
    };
    let facts = crate::inbox::tally::Counted::of_image(crate::inbox::tally::ImageFields::from_stream_image(
        serde_dynamo::Item::from(stored.clone()),
    ));
    assert_eq!(
        facts,
        Some(crate::inbox::tally::Counted {
            org_id: "org_1".into(),
            sent: false,
            day: "2023-11-14".into(),
            opened_conversation: true,
            new_contact: true,
        })
    );
}

#[test]
fn a_late_message_only_counts() {
    let plan = plan_for(&known(), true, Freshness::Late);
    let WriteOp::Update { expression, .. } = plan.get(InboundSlot::Conversation).unwrap() else {
        panic!("an existing conversation is updated");
    };
    assert!(!expression.contains("last_message_ms"), "{expression}");
}

fn failed(plan: &Plan<InboundSlot>, slot: InboundSlot, old: Item) -> Cancelled<InboundSlot> {
    let reasons = plan
        .slots()
        .map(|s| Reason {
            code: Some(if s == slot { "ConditionalCheckFailed" } else { "None" }.into()),
            old: (s == slot).then(|| old.clone()),
        })
        .collect();
    Cancelled::of(plan, reasons)
}

#[test]
fn a_message_stored_by_a_racing_delivery_is_a_duplicate() {
    let plan = plan_for(&known(), true, Freshness::Newest);
    let stored = Item::from([("opened_conversation".to_string(), AttributeValue::Bool(true))]);
    assert_eq!(
        after_cancel(&failed(&plan, InboundSlot::Message, stored.clone()), true, 0),
        AfterCancel::Duplicate { message: stored }
    );
}

#[test]
fn a_claim_names_the_key_and_the_first_storing_facts_come_from_its_message() {
    let key = Key {
        pk: "ORG#org_1#CONV#cv_0".into(),
        sk: "MSG#1".into(),
    };
    let WriteOp::Put { item, condition, .. } = wamid_claim("org_1", "wamid.1", &key, "cv_0", "ct_1") else {
        panic!("a claim is put");
    };
    assert_eq!(condition.as_deref(), Some("attribute_not_exists(pk)"));
    let claim = Claimed::of(&item).expect("a readable claim");
    assert_eq!(
        (
            claim.message_key.clone(),
            claim.conversation_id.as_str(),
            claim.contact_id.as_str()
        ),
        (key.clone(), "cv_0", "ct_1")
    );
    let stored = Item::from([
        ("opened_conversation".to_string(), AttributeValue::Bool(true)),
        ("check_reach".to_string(), AttributeValue::Bool(true)),
    ]);
    assert_eq!(claim.facts_of(&stored), (true, true));
    // A claim written with its message (before claims came first) holds the facts itself.
    let mut older = item.clone();
    older.insert("opened_conversation".into(), AttributeValue::Bool(true));
    assert_eq!(Claimed::of(&older).unwrap().facts_of(&Item::new()), (true, false));
    // Moved only from the key it named.
    let to = Key {
        pk: "ORG#org_1#CONV#cv_9".into(),
        sk: "MSG#2".into(),
    };
    let moved = moved_claim("org_1", "wamid.1", &key, &to, "cv_9", "ct_1");
    assert_eq!(
        moved.condition(),
        Some("message_pk = :from_pk AND message_sk = :from_sk")
    );
}

#[test]
fn an_older_message_keeps_the_newer_fields() {
    let plan = plan_for(&known(), true, Freshness::Newest);
    let ts = 1_700_000_000_000;
    let old = |last_message: i64, last_inbound: i64| {
        Item::from([
            ("status".to_string(), s("open")),
            ("last_message_ms".to_string(), n(last_message)),
            ("last_inbound_ms".to_string(), n(last_inbound)),
        ])
    };
    let freshness = |old| match after_cancel(&failed(&plan, InboundSlot::Conversation, old), true, ts) {
        AfterCancel::Retry { freshness, .. } => freshness,
        other => panic!("{other:?}"),
    };
    assert_eq!(freshness(old(ts + 5, ts - 5)), Some(Freshness::NewestInbound));
    assert_eq!(freshness(old(ts + 5, ts + 5)), Some(Freshness::Late));
    assert_eq!(freshness(old(ts, ts)), Some(Freshness::Newest));
}

#[test]
fn a_resolved_conversation_or_a_racing_creation_is_read_again() {
    let plan = plan_for(&known(), true, Freshness::Newest);
    let resolved = Item::from([("status".to_string(), s("resolved"))]);
    assert_eq!(
        after_cancel(&failed(&plan, InboundSlot::Conversation, resolved), true, 0),
        AfterCancel::Retry {
            check_reach: false,
            freshness: None,
            forget_open_conversation: true,
            forget_identities: false,
            back_off: false
        }
    );
    let after = after_cancel(&failed(&plan, InboundSlot::Contact, Item::new()), true, 0);
    assert!(matches!(
        after,
        AfterCancel::Retry {
            forget_identities: true,
            forget_open_conversation: true,
            ..
        }
    ));
}

#[test]
fn a_campaigns_mark_fails_the_update_and_its_retry_clears_it() {
    let plan = plan_for(&known(), true, Freshness::Newest);
    let condition = plan.get(InboundSlot::Conversation).unwrap().condition().unwrap();
    assert!(condition.contains("attribute_not_exists(reach_pending)"), "{condition}");
    let ts = 1_700_000_000_000;
    let marked = Item::from([
        ("status".to_string(), s("open")),
        ("last_message_ms".to_string(), n(ts - 5)),
        ("reach_pending".to_string(), AttributeValue::Bool(true)),
    ]);
    assert_eq!(
        after_cancel(&failed(&plan, InboundSlot::Conversation, marked), true, ts),
        AfterCancel::Retry {
            check_reach: true,
            freshness: Some(Freshness::Newest),
            forget_open_conversation: false,
            forget_identities: false,
            back_off: false
        }
    );
    let message = message();
    let key = table::message("org_1", "cv_1", ts, "msg_1");
    let retry = inbound_plan(&InboundWrite {
        delivery: &DELIVERY,
        contact: &known(),
        profile_name: None,
        profile_stored: true,
        conversation_exists: true,
        conversation_id: "cv_1",
        message_key: &key,
        message_id: "msg_1",
        message: &message,
        freshness: Freshness::Late,
        check_reach: true,
        now: "2023-11-14T22:13:20Z",
    })
    .unwrap();
    let WriteOp::Update {
        expression, condition, ..
    } = retry.get(InboundSlot::Conversation).unwrap()
    else {
        panic!("an existing conversation is updated");
    };
    assert!(
        expression.ends_with("REMOVE snoozed_until_ms, reach_pending"),
        "the customer's message wakes a snoozed conversation: {expression}"
    );
    assert!(!condition.as_deref().unwrap_or_default().contains("reach_pending"));
    let Some(WriteOp::Put { item: stored, .. }) = retry.get(InboundSlot::Message) else {
        panic!("the message is put");
    };
    assert_eq!(
        stored.get("check_reach"),
        Some(&AttributeValue::Bool(true)),
        "a redelivery looks again"
    );
}
