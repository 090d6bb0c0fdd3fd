//! The contract of the send-creation ports, asserted alike of DynamoDB (on moto,
//! `tests/integration/contracts.rs`) and the in-memory ports (below).

use super::*;
use crate::inbox::Conversation;
use crate::inbox::compose::{Composed, queued_message};
use crate::meta::Content;

fn text_to(conversation: &Conversation, conversation_id: &str, to: &str, now_ms: i64) -> (Key, Message, OutboundJob) {
    let content = Content::Text { body: "Hello".into() };
    let now = chrono::DateTime::from_timestamp_millis(now_ms).expect("a time");
    queued_message(
        Composed {
            origin: crate::inbox::origin::Origin::agent(None),
            org_id: &conversation.org_id,
            conversation_id,
            account_id: &conversation.account_id,
            to,
            message_type: "text",
            content: &content,
            reply_to: None,
        },
        now,
    )
}

fn claim(sha: &str, fingerprint: &str) -> IdempotencyClaim {
    IdempotencyClaim {
        key_sha256: sha.into(),
        fingerprint: fingerprint.into(),
    }
}

/// Given an open conversation stored in the port's store, its customer's WhatsApp id, and a time.
pub async fn send_creation_contract(sends: &dyn SendCreation, conversation: &Conversation, to: &str, now_ms: i64) {
    let (org, id) = (conversation.org_id.as_str(), conversation.conversation_id.as_str());
    let (key, message, job) = text_to(conversation, id, to, now_ms);
    let created = sends.create(&key, &message, "Hello", &job, None).await.expect("create");
    assert_eq!(created, Created::New);
    let (stored, stored_job) = sends.stored(&key).await.expect("read").expect("stored");
    assert_eq!(
        (stored.message_id, stored.status.as_str()),
        (message.message_id.clone(), "queued")
    );
    assert_eq!(stored_job, Some(job.clone()), "the job is kept with the message");
    let again = sends.create(&key, &message, "Hello", &job, None).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "stored once: {again:?}");

    // An Idempotency-Key names its first message; the same request replays it, another is refused.
    let sha = format!("{:0>64}", now_ms);
    let (first, message, job) = text_to(conversation, id, to, now_ms + 1);
    let created = sends
        .create(&first, &message, "Hello", &job, Some(&claim(&sha, "f1")))
        .await
        .expect("create");
    assert_eq!(created, Created::New);
    assert_eq!(
        sends.idempotent(org, &sha).await.expect("read"),
        Some(("f1".to_string(), first.clone()))
    );
    let (second, message, job) = text_to(conversation, id, to, now_ms + 2);
    let replay = sends
        .create(&second, &message, "Hello", &job, Some(&claim(&sha, "f1")))
        .await
        .expect("create");
    assert_eq!(replay, Created::Replay(first.clone()));
    assert_eq!(
        sends.stored(&second).await.expect("read"),
        None,
        "a replay stores nothing"
    );
    let reused = sends
        .create(&second, &message, "Hello", &job, Some(&claim(&sha, "f2")))
        .await
        .expect("create");
    assert_eq!(reused, Created::KeyReused);
    assert_eq!(sends.idempotent("org_someone_else", &sha).await.expect("read"), None);

    let (key, message, job) = text_to(conversation, "cv_none", to, now_ms + 3);
    let orphan = sends.create(&key, &message, "Hello", &job, None).await;
    assert!(
        matches!(orphan, Err(StoreError::NotFound(_))),
        "no conversation, no message: {orphan:?}"
    );
}

/// Given a medium the organization uploaded, and a template on the WABA of its account.
pub async fn send_references_contract(
    refs: &dyn SendReferences,
    account_id: &str,
    media_id: &str,
    template: &Template,
) {
    let org = template.org_id.as_str();
    assert!(refs.uploaded(org, media_id).await.expect("read"));
    assert!(!refs.uploaded(org, "upl_none").await.expect("read"));
    assert!(!refs.uploaded("org_someone_else", media_id).await.expect("read"));
    let (name, language) = (template.name.as_str(), template.language.as_str());
    match refs.template(org, account_id, name, language).await.expect("read") {
        TemplateFound::Found(found) => assert_eq!(found.template_id, template.template_id),
        other => panic!("the template is on the account's WABA: {other:?}"),
    }
    assert_eq!(
        refs.template(org, account_id, name, "xx_XX").await.expect("read"),
        TemplateFound::Missing,
        "another language is another template"
    );
    assert_eq!(
        refs.template(org, "acc_none", name, language).await.expect("read"),
        TemplateFound::NoAccount
    );
    assert_eq!(
        refs.template("org_someone_else", account_id, name, language)
            .await
            .expect("read"),
        TemplateFound::NoAccount
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::memory::MemoryInbox;
    use crate::inbox::send_memory::MemoryOutbound;
    use crate::platform::clock::Clock;
    use std::sync::Arc;

    #[tokio::test]
    async fn the_in_memory_send_creation_keeps_the_contract() {
        let inbox = Arc::new(MemoryInbox::default());
        let (conversation, _) = inbox.put_customer("org_1", "cv_1", "4915", 1_000);
        let sends = MemorySends::new(Arc::new(MemoryOutbound::new(Clock::fixed(2_000))), inbox);
        send_creation_contract(&sends, &conversation, "4915", 1_796_378_400_000).await;
    }

    #[tokio::test]
    async fn the_in_memory_references_keep_the_contract() {
        let refs = MemoryReferences::default();
        refs.put_upload("org_1", "upl_1");
        refs.put_account("org_1", "acc_1", "waba_1");
        let template: Template = serde_json::from_value(serde_json::json!({"template_id": "waba_1:hello:en_US",
            "org_id": "org_1", "waba_id": "waba_1", "name": "hello", "language": "en_US", "status": "APPROVED"}))
        .unwrap();
        refs.put_template(template.clone());
        send_references_contract(&refs, "acc_1", "upl_1", &template).await;
    }
}
