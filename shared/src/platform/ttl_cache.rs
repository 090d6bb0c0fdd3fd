//! A bounded cache whose entries expire: what a warm Lambda may remember between invocations.
//!
//! Bounded because anyone on the internet chooses the keys of some caches (bearer tokens, webhook
//! path segments): past `capacity` the oldest insertions are evicted first, so memory stays flat
//! whatever arrives. Each insertion carries its own time to live, which lets a caller keep "not
//! found" answers for less time than found ones.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Slot<V> {
    value: V,
    expires: Instant,
    generation: u64,
}

struct Inner<K, V> {
    slots: HashMap<K, Slot<V>>,
    /// Insertion order, for eviction; entries whose generation no longer matches are skipped.
    order: VecDeque<(K, u64)>,
    next_generation: u64,
}

pub struct TtlCache<K, V> {
    capacity: usize,
    inner: Mutex<Inner<K, V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                slots: HashMap::new(),
                order: VecDeque::new(),
                next_generation: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic elsewhere while holding the lock leaves a consistent map: keep using it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value, if present and not expired at `now`.
    pub fn get_at(&self, key: &K, now: Instant) -> Option<V> {
        self.lock()
            .slots
            .get(key)
            .filter(|slot| slot.expires > now)
            .map(|slot| slot.value.clone())
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.get_at(key, Instant::now())
    }

    pub fn insert_at(&self, key: K, value: V, ttl: Duration, now: Instant) {
        let mut inner = self.lock();
        let generation = inner.next_generation;
        inner.next_generation += 1;
        inner.order.push_back((key.clone(), generation));
        inner.slots.insert(
            key,
            Slot {
                value,
                expires: now + ttl,
                generation,
            },
        );
        while inner.slots.len() > self.capacity {
            let Some((oldest, generation)) = inner.order.pop_front() else {
                break;
            };
            if inner
                .slots
                .get(&oldest)
                .is_some_and(|slot| slot.generation == generation)
            {
                inner.slots.remove(&oldest);
            }
        }
        // Re-inserted keys leave stale order entries behind; drop them before they pile up.
        if inner.order.len() > self.capacity * 2 {
            let Inner { slots, order, .. } = &mut *inner;
            order.retain(|(key, generation)| slots.get(key).is_some_and(|slot| slot.generation == *generation));
        }
    }

    pub fn insert(&self, key: K, value: V, ttl: Duration) {
        self.insert_at(key, value, ttl, Instant::now());
    }

    pub fn remove(&self, key: &K) {
        self.lock().slots.remove(key);
    }

    /// Drops every entry for which `keep` answers false.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.lock().slots.retain(|key, slot| keep(key, &slot.value));
    }

    pub fn len(&self) -> usize {
        self.lock().slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries held, counting order bookkeeping: what memory the cache costs, in entries.
    pub fn footprint(&self) -> usize {
        let inner = self.lock();
        inner.slots.len() + inner.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_their_own_ttl() {
        let cache = TtlCache::new(10);
        let t0 = Instant::now();
        cache.insert_at("found", 1, Duration::from_secs(30), t0);
        cache.insert_at("missing", 0, Duration::from_secs(5), t0);
        let later = t0 + Duration::from_secs(6);
        assert_eq!(cache.get_at(&"found", later), Some(1));
        assert_eq!(cache.get_at(&"missing", later), None);
        assert_eq!(cache.get_at(&"found", t0 + Duration::from_secs(30)), None);
    }

    #[test]
    fn a_flood_of_distinct_keys_keeps_memory_at_capacity() {
        let cache = TtlCache::new(100);
        let now = Instant::now();
        for i in 0..100_000 {
            cache.insert_at(i, i, Duration::from_secs(60), now);
            assert!(cache.len() <= 100);
        }
        assert!(cache.footprint() <= 100 + 200 + 1, "{}", cache.footprint());
        // The newest survive, the oldest went first.
        assert_eq!(cache.get_at(&99_999, now), Some(99_999));
        assert_eq!(cache.get_at(&0, now), None);
    }

    #[test]
    fn re_inserting_one_key_does_not_grow_the_order_or_evict_it_early() {
        let cache = TtlCache::new(3);
        let now = Instant::now();
        for _ in 0..1_000 {
            cache.insert_at("hot", 1, Duration::from_secs(60), now);
        }
        assert!(cache.footprint() <= 3 + 6 + 1);
        cache.insert_at("a", 2, Duration::from_secs(60), now);
        cache.insert_at("b", 3, Duration::from_secs(60), now);
        assert_eq!(cache.get_at(&"hot", now), Some(1));
        cache.insert_at("c", 4, Duration::from_secs(60), now);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get_at(&"hot", now), None, "the oldest insertion goes first");
    }

    #[test]
    fn retain_and_remove_drop_entries() {
        let cache = TtlCache::new(10);
        cache.insert("a", 1, Duration::from_secs(60));
        cache.insert("b", 2, Duration::from_secs(60));
        cache.retain(|_, v| *v != 1);
        assert_eq!(cache.get(&"a"), None);
        cache.remove(&"b");
        assert!(cache.is_empty());
    }
}
