//! What ingest refuses, waits for or dead-letters: a change for a number the account does not own
//! (not stored, not retried), a body that is not a notification or a record without the webhook's
//! attributes (dead-lettered at once with the reason), a claim-checked payload outside the
//! organization's prefix (refused), an account not known yet (retried).

use super::*;

#[tokio::test]
async fn a_change_for_another_phone_number_is_not_stored() {
    let rig = rig();
    let foreign = notification_to(
        "999999999",
        json!([customer_message("wamid.foreign", 1, "text", json!({"body": "hi"}))]),
        Value::Null,
    );
    let (response, summary) = rig.deliver(&foreign).await;
    assert!(
        response.batch_item_failures.is_empty(),
        "not retried: it can never succeed"
    );
    assert_eq!((summary.tenant_mismatches, summary.messages_stored), (1, 0));
    assert!(rig.inbox.conversations(ORG).is_empty());
    assert!(rig.events().is_empty());
}

#[tokio::test]
async fn only_the_poison_record_fails_and_other_fields_are_recorded() {
    let rig = rig();
    let template = json!({"object": "whatsapp_business_account", "entry": [{"id": "2065550009", "changes": [
        {"field": "message_template_status_update", "value": {"event": "APPROVED", "message_template_id": 1, "message_template_name": "order_update", "message_template_language": "en_US"}}]}]});
    let event = batch(vec![
        record("ok", &text("wamid.good", rig.now_s(), "fine"), 1),
        record("bad", b"{\"not\":\"a notification\"}", 1),
        record("tpl", template.to_string().as_bytes(), 1),
    ]);
    let (response, summary) = rig.service.process(event).await;
    assert!(response.batch_item_failures.is_empty(), "nothing is retried");
    assert_eq!(
        (summary.messages_stored, summary.other_changes, summary.failed_records),
        (1, 1, 1)
    );
    let dead = rig.dead_letters();
    assert_eq!(dead.len(), 1, "a body that can never be read is dead-lettered at once");
    assert_eq!(dead[0].0, "{\"not\":\"a notification\"}");
    assert!(dead[0].1.contains("not a WhatsApp notification"), "{}", dead[0].1);
    assert_eq!(rig.inbox.account_events(ORG), ["message_template_status_update"]);
}

#[tokio::test]
async fn a_record_without_the_webhooks_attributes_is_dead_lettered_with_its_reason() {
    let rig = rig();
    let mut bare = record("m", &text("wamid.x", rig.now_s(), "x"), 1);
    bare["messageAttributes"] = json!({});
    let (response, _) = rig.service.process(batch(vec![bare])).await;
    assert!(response.batch_item_failures.is_empty());
    let dead = rig.dead_letters();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.contains("not a webhook delivery"), "{}", dead[0].1);
    assert!(rig.inbox.messages(ORG).is_empty());
}

#[tokio::test]
async fn a_claim_checked_payload_is_read_from_the_organizations_prefix_only() {
    let rig = rig();
    let key = format!("{}/{ORG}/2026/12/05/delivery-1.json", delivery::PAYLOAD_PREFIX);
    let body = text("wamid.big", rig.now_s(), "a long story");
    rig.payloads.objects.lock().unwrap().insert(key.clone(), body);
    let pointer = |key: &str| {
        let mut r = record(
            "m",
            json!({"bucket": "memory-payloads", "key": key, "size": 100})
                .to_string()
                .as_bytes(),
            1,
        );
        r["messageAttributes"]["sb-payload-location"]["stringValue"] = json!("s3");
        r
    };
    let (response, summary) = rig.service.process(batch(vec![pointer(&key)])).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(summary.messages_stored, 1);

    let foreign = format!("{}/org_other/2026/12/05/delivery-1.json", delivery::PAYLOAD_PREFIX);
    rig.payloads
        .objects
        .lock()
        .unwrap()
        .insert(foreign.clone(), text("wamid.theirs", rig.now_s(), "not yours"));
    let (response, _) = rig.service.process(batch(vec![pointer(&foreign)])).await;
    assert!(response.batch_item_failures.is_empty());
    let dead = rig.dead_letters();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].1.contains("outside the organization's prefix"), "{}", dead[0].1);
    assert_eq!(
        rig.inbox.messages(ORG).len(),
        1,
        "the other organization's payload is not read"
    );
}

#[tokio::test]
async fn a_delivery_for_an_unknown_account_is_retried_not_dropped() {
    let rig = rig();
    rig.accounts.remove(ORG, ACCOUNT);
    let (response, summary) = rig.deliver(&text("wamid.early", rig.now_s(), "hi")).await;
    assert_eq!(response.batch_item_failures.len(), 1, "retried by SQS");
    assert_eq!(summary.failed_records, 1);
    assert!(rig.dead_letters().is_empty());
    assert!(rig.inbox.messages(ORG).is_empty());
}
