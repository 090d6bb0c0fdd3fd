//! The contract of [`TallyBook`]: a chunk's sums are added once with its claim, and a chunk found
//! claimed answers how far its claim counted. Held by the memory book (below) and DynamoDB on moto
//! (`tests/integration/contracts.rs`, which reads the counters back).

use crate::inbox::tally::{Counted, StreamedRecord, Tallied, TallyBook, chunks};

/// A claim of `org_id` at `sequence`.
pub fn claim_record(org_id: &str, sequence: u128, opened: bool) -> StreamedRecord {
    StreamedRecord {
        sequence,
        counted: Some(Counted {
            org_id: org_id.into(),
            sent: false,
            day: "2026-12-05".into(),
            opened_conversation: opened,
            new_contact: false,
        }),
    }
}

/// Commits two records, then a retried batch holding them and one more. `base` keeps sequence
/// numbers apart between runs on one table. Answers the messages counted (3).
pub async fn tally_book_contract(book: &dyn TallyBook, org_id: &str, base: u128) -> i64 {
    let first = chunks(
        &[
            claim_record(org_id, base + 1, true),
            claim_record(org_id, base + 2, false),
        ],
        None,
    );
    assert_eq!(first.len(), 1);
    assert_eq!(book.commit(&first[0], 0).await.unwrap(), Tallied::Added);
    assert_eq!(
        book.commit(&first[0], 1).await.unwrap(),
        Tallied::CountedBefore { through: base + 2 },
        "the same chunk again adds nothing, on any shard"
    );
    let retried = chunks(
        &[
            claim_record(org_id, base + 1, true),
            claim_record(org_id, base + 2, false),
            claim_record(org_id, base + 3, false),
        ],
        None,
    );
    assert_eq!(
        book.commit(&retried[0], 0).await.unwrap(),
        Tallied::CountedBefore { through: base + 2 }
    );
    let rest = chunks(&[claim_record(org_id, base + 3, false)], Some(base + 2));
    assert_eq!(book.commit(&rest[0], 1).await.unwrap(), Tallied::Added);
    3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inbox::tally_memory::MemoryTally;

    #[tokio::test]
    async fn the_memory_book_keeps_the_contract() {
        let book = MemoryTally::default();
        assert_eq!(tally_book_contract(&book, "org_t", 1000).await, 3);
        assert_eq!(book.counter("org_t", "messages_received"), 3);
        assert_eq!(book.counter("org_t", "conversations_created"), 1);
        assert_eq!(book.counter("org_t", "day.2026-12-05.messages_received"), 3);
    }
}
