//! What a role id grants, cached per warm Lambda: a built-in role costs nothing, a custom role one
//! GetItem per `TTL`. A role's change therefore takes effect on every warm Lambda within `TTL`
//! (at once on the one that made it, which forgets its entry).

use crate::access::role_store::RoleStore;
use crate::access::roles::Grants;
use crate::platform::StoreError;
use crate::platform::ttl_cache::TtlCache;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

pub const TTL: Duration = Duration::from_secs(30);
const CAPACITY: usize = 1_000;

static ADMIN: LazyLock<Arc<Grants>> = LazyLock::new(|| Arc::new(Grants::admin()));
static AGENT: LazyLock<Arc<Grants>> = LazyLock::new(|| Arc::new(Grants::agent()));

/// Where custom roles are read: one narrow seam, so the cache is shown without AWS.
#[async_trait::async_trait]
pub trait RoleReads: Send + Sync {
    /// The permission codes of a custom role; `None` when it does not exist.
    async fn permissions(&self, org_id: &str, role_id: &str) -> Result<Option<Vec<String>>, StoreError>;
}

#[async_trait::async_trait]
impl RoleReads for RoleStore {
    async fn permissions(&self, org_id: &str, role_id: &str) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self.role(org_id, role_id).await?.map(|role| role.permissions))
    }
}

pub struct RoleCache {
    reads: Box<dyn RoleReads>,
    entries: TtlCache<(String, String), Arc<Grants>>,
}

impl RoleCache {
    pub fn new(reads: Box<dyn RoleReads>) -> Self {
        Self {
            reads,
            entries: TtlCache::new(CAPACITY),
        }
    }

    /// What `role_id` grants in `org_id`; a role that does not exist (any more) grants nothing.
    pub async fn grants(&self, org_id: &str, role_id: &str) -> Result<Arc<Grants>, StoreError> {
        match role_id {
            crate::access::roles::ADMIN => return Ok(ADMIN.clone()),
            crate::access::roles::AGENT => return Ok(AGENT.clone()),
            _ => {}
        }
        let key = (org_id.to_string(), role_id.to_string());
        if let Some(grants) = self.entries.get(&key) {
            return Ok(grants);
        }
        let codes = self.reads.permissions(org_id, role_id).await?.unwrap_or_default();
        let grants = Arc::new(Grants::of(&codes));
        self.entries.insert(key, grants.clone(), TTL);
        Ok(grants)
    }

    /// Drops a role's entry (this Lambda changed or deleted it).
    pub fn forget(&self, org_id: &str, role_id: &str) {
        self.entries.remove(&(org_id.to_string(), role_id.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(Arc<AtomicUsize>);

    #[async_trait::async_trait]
    impl RoleReads for Counting {
        async fn permissions(&self, _: &str, role_id: &str) -> Result<Option<Vec<String>>, StoreError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok((role_id == "rol_1").then(|| vec!["contacts.read".to_string()]))
        }
    }

    #[tokio::test]
    async fn a_custom_role_is_read_once_per_ttl_and_a_built_in_one_never() {
        let reads = Arc::new(AtomicUsize::new(0));
        let cache = RoleCache::new(Box::new(Counting(reads.clone())));
        for _ in 0..3 {
            assert!(cache.grants("org_1", "rol_1").await.unwrap().grants("contacts.read"));
            assert!(cache.grants("org_1", "admin").await.unwrap().grants("roles.manage"));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        let missing = cache.grants("org_1", "rol_gone").await.unwrap();
        assert_eq!(missing.codes().count(), 0, "a missing role grants nothing");
        cache.forget("org_1", "rol_1");
        cache.grants("org_1", "rol_1").await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        assert!(cache.grants("org_2", "rol_1").await.unwrap().grants("contacts.read"));
        assert_eq!(reads.load(Ordering::SeqCst), 4, "cached per organization");
    }
}
