//! Opaque pagination cursors: a page's last evaluated key, base64url JSON. A cursor is only ever
//! used within the caller's organization (checked on decode), so a forged one cannot cross tenants.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::BTreeMap;

pub fn encode(key: &BTreeMap<String, String>) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).expect("a string map serialises"))
}

/// Decodes a cursor whose every key value lies under `org_partition` (`ORG#<org>` prefix).
pub fn decode(cursor: &str, org_partition: &str) -> Option<BTreeMap<String, String>> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let key: BTreeMap<String, String> = serde_json::from_slice(&bytes).ok()?;
    let scoped = key
        .iter()
        .filter(|(name, _)| name.ends_with("pk"))
        .all(|(_, value)| value == org_partition || value.starts_with(&format!("{org_partition}#")));
    (scoped && !key.is_empty() && key.len() <= 6).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_stay_in_their_organization() {
        let key = BTreeMap::from([
            ("pk".to_string(), "ORG#org_1#CONV#cv".to_string()),
            ("sk".to_string(), "MSG#1".to_string()),
        ]);
        let cursor = encode(&key);
        assert_eq!(decode(&cursor, "ORG#org_1"), Some(key.clone()));
        assert_eq!(decode(&cursor, "ORG#org_2"), None, "another org's cursor");
        assert_eq!(
            decode(&cursor, "ORG#org_"),
            None,
            "a prefix of the org id is not the org"
        );
        assert_eq!(decode("not base64!", "ORG#org_1"), None);
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode(b"[1,2]"), "ORG#org_1"), None);
    }
}
