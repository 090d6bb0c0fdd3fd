//! The single DynamoDB table: attribute names, index names and the key of every entity.
//!
//! `DATA_MODEL.md` (next to this crate's Cargo.toml) lists the access patterns these keys serve.
//! template.yaml declares the same attributes and indexes; a test fails when the two disagree, and
//! local provisioning reads template.yaml itself, so there is one definition of the table.

pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const GSI1_PK: &str = "gsi1pk";
    pub const GSI1_SK: &str = "gsi1sk";
    pub const GSI2_PK: &str = "gsi2pk";
    pub const GSI2_SK: &str = "gsi2sk";
    /// Epoch seconds; DynamoDB's TTL deletes the item some time after it.
    pub const EXPIRES_AT: &str = "expires_at";
    /// Which entity an item holds, so a Query over a mixed partition can tell items apart.
    pub const ENTITY: &str = "entity";
}

pub mod index {
    /// Global identifiers to their owner: webhook account id, API key hash.
    pub const LOOKUP: &str = "gsi1";
    /// Time-ordered lists: conversations by last activity, due scheduled sends and SLA deadlines.
    pub const TIMELINE: &str = "gsi2";
}

/// The primary key of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: impl Into<String>) -> Self {
        Self { pk, sk: sk.into() }
    }
}

pub fn org_partition(org_id: &str) -> String {
    format!("ORG#{org_id}")
}

pub fn organization(org_id: &str) -> Key {
    Key::new(org_partition(org_id), "ORG")
}

pub fn whatsapp_account(org_id: &str, account_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("ACCOUNT#{account_id}"))
}

/// GSI1 key that finds an account from the path segment of its webhook URL.
pub fn webhook_lookup(account_id: &str) -> (String, String) {
    (format!("WEBHOOK#{account_id}"), "ACCOUNT".to_string())
}

/// Guard item that makes a Meta phone number id registrable once across all organizations (Meta
/// delivers a number's webhooks to one app, so two tenants cannot both own it). It holds only ids.
pub fn phone_number_claim(phone_number_id: &str) -> Key {
    Key::new(format!("PHONE#{phone_number_id}"), "CLAIM")
}

pub fn agent(org_id: &str, agent_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("AGENT#{agent_id}"))
}

/// Guard item: one agent per e-mail address within an organization.
pub fn agent_email_claim(org_id: &str, email: &str) -> Key {
    Key::new(org_partition(org_id), format!("AGENTEMAIL#{}", email.to_lowercase()))
}

pub fn api_key(org_id: &str, key_id: &str) -> Key {
    Key::new(org_partition(org_id), format!("APIKEY#{key_id}"))
}

/// GSI1 key that finds an API key record from the SHA-256 of the presented key.
pub fn api_key_lookup(key_hash_hex: &str) -> (String, String) {
    (format!("APIKEY#{key_hash_hex}"), "APIKEY".to_string())
}

/// Per-organization counters (atomic `ADD`), read by the analytics overview without a scan.
pub fn org_counters(org_id: &str) -> Key {
    Key::new(org_partition(org_id), "COUNTERS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_org_owned_key_lives_in_the_org_partition() {
        let org = "org_1";
        for key in [
            organization(org),
            whatsapp_account(org, "acc_1"),
            agent(org, "agt_1"),
            api_key(org, "key_1"),
            agent_email_claim(org, "A@B.c"),
            org_counters(org),
        ] {
            assert_eq!(key.pk, "ORG#org_1", "{key:?}");
        }
        assert_eq!(
            agent_email_claim(org, "Ada@Example.COM").sk,
            "AGENTEMAIL#ada@example.com"
        );
    }
}
