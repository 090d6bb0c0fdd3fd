//! The contract of the sla-checks ports (`check_ports.rs`), asserted alike of the DynamoDB stores
//! (on moto, `tests/integration/contracts.rs`) and `memory::MemoryCare` (below). It runs after
//! `contract::care_contract` on the same conversation, whose clocks that suite started and whose
//! expiry it armed.

use crate::care::chat_expiry_store::ExpiryEntry;
use crate::care::check_ports::{ExpiryEntries, SlaClockBook, SlaLifecycle};
use crate::care::sla_clock::{SlaBreachLog, SlaClocks, SlaKind, Tally};
use crate::inbox::Conversation;
use crate::platform::StoreError;
use crate::platform::table::{DUE_SHARDS, shard_of};
use crate::platform::tick::{ShardPages, minute_of};

pub struct Checks<'a> {
    pub clocks: &'a dyn SlaClockBook,
    pub lifecycle: &'a dyn SlaLifecycle,
    pub expiries: &'a dyn ExpiryEntries,
}

/// Everything the due index holds for `org_id` in the minute of `at_ms`.
async fn due_in_minute<T>(pages: &dyn ShardPages<T>, org_id: &str, at_ms: i64) -> Vec<T> {
    let (minute, shard) = (minute_of(at_ms), shard_of(org_id, DUE_SHARDS));
    let (mut all, mut after) = (vec![], None);
    loop {
        let (page, next) = pages.shard_page(&minute, shard, after).await.expect("page");
        all.extend(page);
        match next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

fn is_of(clocks: &SlaClocks, id: &str) -> bool {
    clocks.conversation_id == id
}

fn breach(clocks: &SlaClocks, at_ms: i64) -> SlaBreachLog {
    SlaBreachLog {
        breach_id: "slab_contract".into(),
        org_id: clocks.org_id.clone(),
        conversation_id: clocks.conversation_id.clone(),
        sla_policy_id: clocks.policy_id.clone(),
        breach_type: SlaKind::FirstResponse,
        cycle: clocks.cycle,
        threshold_secs: 600,
        actual_secs: 601,
        breached_at: crate::inbox::rfc3339_millis(at_ms),
    }
}

pub async fn sla_checks_contract(ports: Checks<'_>, conversation: &Conversation) {
    let (org, id) = (conversation.org_id.as_str(), conversation.conversation_id.as_str());

    // Started clocks wait in the index at their next deadline.
    let started = ports.clocks.clocks(org, id).await.unwrap().expect("clocks started");
    let due = started.due_at_ms(started.updated_ms).expect("a deadline");
    let waiting = due_in_minute::<SlaClocks>(ports.clocks, org, due).await;
    assert!(
        waiting.iter().any(|c| is_of(c, id)),
        "indexed at their deadline's minute"
    );
    assert!(ports.clocks.clocks("org_someone_else", id).await.unwrap().is_none());

    // Saved once per version, with each breach logged once.
    let at = started.updated_ms + 1_000;
    let mut current = started.clone();
    let tally = Tally {
        first_response_breached: 1,
        ..Tally::default()
    };
    ports
        .clocks
        .save(&mut current, at, tally, &[breach(&started, at)])
        .await
        .expect("saved");
    assert_eq!(current.version, started.version + 1);
    let mut stale = started.clone();
    let conflict = ports.clocks.save(&mut stale, at, Tally::default(), &[]).await;
    assert!(matches!(conflict, Err(StoreError::Conflict(_))), "{conflict:?}");
    assert_eq!(
        stale.version, started.version,
        "a refused save keeps the version it read"
    );
    let mut again = current.clone();
    let logged = ports
        .clocks
        .save(&mut again, at, Tally::default(), &[breach(&started, at)])
        .await;
    assert!(
        matches!(logged, Err(StoreError::Conflict(_))),
        "a breach is logged once: {logged:?}"
    );
    let read = ports.clocks.clocks(org, id).await.unwrap().expect("clocks");
    assert_eq!(read.version, current.version, "nothing of the refused save was written");

    // Stopped at a resolve, they leave the index; stopping again changes nothing.
    ports.lifecycle.resolved(org, id, at + 1_000).await.expect("stopped");
    ports.lifecycle.resolved(org, id, at + 2_000).await.expect("again");
    ports
        .lifecycle
        .resolved(org, "cv_none", at)
        .await
        .expect("no clocks, nothing to stop");
    let stopped = ports.clocks.clocks(org, id).await.unwrap().expect("clocks");
    assert_eq!(stopped.next_due_ms(), None, "nothing left to fire");
    assert_eq!(stopped.version, current.version + 1, "stopped once");
    let waiting = due_in_minute::<SlaClocks>(ports.clocks, org, due).await;
    assert!(!waiting.iter().any(|c| is_of(c, id)), "no longer due");
    // Reopened, a fresh resolution clock waits in the index again.
    let reopened_at = at + 3_000;
    ports.lifecycle.reopened(org, id, reopened_at).await.expect("reopened");
    let reopened = ports.clocks.clocks(org, id).await.unwrap().expect("clocks");
    let due_again = reopened
        .due_at_ms(reopened_at)
        .expect("the resolution clock runs again");
    assert_eq!(reopened.version, stopped.version + 1);
    let waiting = due_in_minute::<SlaClocks>(ports.clocks, org, due_again).await;
    assert!(waiting.iter().any(|c| is_of(c, id)), "due again");

    // The expiry entry waits at its minute; the rule is the channel's.
    assert!(ports.expiries.rule(org, "whatsapp").await.unwrap().is_some());
    assert!(ports.expiries.rule(org, "instagram").await.unwrap().is_none());
    let armed_at = conversation.last_message_ms + 24 * 3_600_000;
    let find = |entries: Vec<ExpiryEntry>| entries.into_iter().find(|e| e.conversation_id == id);
    let entry = find(due_in_minute(ports.expiries, org, armed_at).await).expect("armed");
    assert_eq!((entry.due_ms, entry.resolving), (armed_at, false));

    // Claimed once; only as read.
    let moved = ExpiryEntry {
        due_ms: entry.due_ms + 1,
        ..entry.clone()
    };
    assert!(
        !ports.expiries.claim(&moved, at).await.unwrap(),
        "an entry that moved is not claimed"
    );
    assert!(ports.expiries.claim(&entry, at).await.unwrap());
    assert!(!ports.expiries.claim(&entry, at).await.unwrap(), "claimed once");
    let claimed = find(due_in_minute(ports.expiries, org, armed_at).await).expect("still indexed");
    assert_eq!((claimed.resolving, claimed.claimed_ms), (true, at));

    // Re-armed (unclaimed) at a later minute, and gone from the earlier one.
    let later = armed_at + 3_600_000;
    assert!(
        !ports.expiries.rearm(&entry, later).await.unwrap(),
        "the unclaimed copy is stale"
    );
    assert!(ports.expiries.rearm(&claimed, later).await.unwrap());
    assert!(find(due_in_minute(ports.expiries, org, armed_at).await).is_none());
    let rearmed = find(due_in_minute(ports.expiries, org, later).await).expect("re-armed");
    assert_eq!((rearmed.due_ms, rearmed.resolving), (later, false));

    // Dropped only as read.
    ports
        .expiries
        .drop_entry(&entry)
        .await
        .expect("a stale drop is no error");
    assert!(
        find(due_in_minute(ports.expiries, org, later).await).is_some(),
        "a moved entry stays"
    );
    ports.expiries.drop_entry(&rearmed).await.expect("dropped");
    assert!(find(due_in_minute(ports.expiries, org, later).await).is_none());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::care::contract::{Care, care_contract, default_policy, idle_rule, office_hours, sent_survey};
    use crate::care::memory::MemoryCare;
    use crate::inbox::memory::MemoryInbox;

    #[tokio::test]
    async fn the_in_memory_care_keeps_the_ingest_and_sla_checks_contracts() {
        let care = MemoryCare::default();
        let (conversation, _) = MemoryInbox::default().put_customer("org_mem", "cv_care", "4915", 1_796_400_000_000);
        care.put_policy(default_policy("org_mem"));
        care.put_rule(idle_rule("org_mem"));
        care.put_hours(office_hours("org_mem"));
        let survey = sent_survey("org_mem", "acc_1", "cv_done", 1_796_400_000_000);
        care.put_survey(survey.clone(), "4915");
        let ingest = Care {
            sla: &care,
            expiry: &care,
            hours: &care,
            surveys: &care,
        };
        care_contract(ingest, &conversation, &survey, "4915").await;
        let checks = Checks {
            clocks: &care,
            lifecycle: &care,
            expiries: &care,
        };
        sla_checks_contract(checks, &conversation).await;
        assert_eq!(care.count("org_mem", "sla_first_response_breached"), 1, "counted once");
    }
}
