//! Identifier generation and validation. Ids are a short type prefix and a lowercase ULID
//! (`acc_01j9...`): sortable by creation time, safe in URLs and key strings.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// True for strings that may be an id of ours: 1 to 64 of `[a-z0-9_-]`. Checked before any
/// lookup so that a hostile path segment never reaches a key expression or a log line unbounded.
pub fn is_well_formed(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_well_formed_and_distinct() {
        let a = new_id("acc");
        let b = new_id("acc");
        assert!(a.starts_with("acc_") && is_well_formed(&a) && a != b);
    }

    #[test]
    fn hostile_segments_are_rejected() {
        for bad in ["", "ACC_1", "acc 1", "acc#1", "../etc", &"a".repeat(65), "acc_é"] {
            assert!(!is_well_formed(bad), "{bad:?}");
        }
    }
}
