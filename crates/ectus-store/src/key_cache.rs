//! A bounded cache of verified API keys, so that an authenticated request does not look its
//! key up in the database every time.
//!
//! Entries are keyed by the SHA-256 of the presented key (the secret itself is never kept)
//! and live for a short time-to-live. Only keys that verified are cached; an unknown,
//! revoked or expired key always goes to the database. Revoking a key removes it from the
//! cache of the process that revoked it at once; other processes (replicas) stop accepting it
//! within the time-to-live. An expiry time is checked on every hit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api_keys::Principal;
use crate::Timestamp;

/// The most keys kept; past it the cache starts over (a tenant rarely has that many keys in
/// use at once, and a flood of distinct valid keys costs one database read each, as before).
const CAPACITY: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    principal: Principal,
    expires_at: Option<Timestamp>,
    cached_at: Instant,
    /// When `last_used_at` was last written for this key (milliseconds since the epoch).
    recorded_use_ms: i64,
}

/// What a cache hit gives: the principal, and whether the key's last use is due to be
/// written again.
pub(crate) struct Hit {
    pub(crate) principal: Principal,
    pub(crate) record_use: bool,
}

#[derive(Debug)]
pub(crate) struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
    /// Bumped by every revocation: a verification that read the database before one is not
    /// cached after it (it may have read the key before it was revoked).
    revocations: AtomicU64,
}

impl KeyCache {
    /// A cache whose entries live `ttl`; a zero `ttl` caches nothing.
    pub(crate) fn new(ttl: Duration) -> KeyCache {
        KeyCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
            revocations: AtomicU64::new(0),
        }
    }

    /// The verified key with this hash, unless its entry is stale or the key has expired.
    pub(crate) fn get(&self, hash: &str, now_ms: i64, resolution_ms: i64) -> Option<Hit> {
        if self.ttl.is_zero() {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get_mut(hash)?;
        let fresh = entry.cached_at.elapsed() < self.ttl;
        let expired = entry.expires_at.is_some_and(|at| at.as_millis() <= now_ms);
        if !fresh || expired {
            entries.remove(hash);
            return None;
        }
        let record_use = now_ms - entry.recorded_use_ms >= resolution_ms;
        if record_use {
            entry.recorded_use_ms = now_ms;
        }
        Some(Hit {
            principal: entry.principal.clone(),
            record_use,
        })
    }

    /// The revocation count, read before a verification asks the database.
    pub(crate) fn epoch(&self) -> u64 {
        self.revocations.load(Ordering::SeqCst)
    }

    /// Remembers a key that verified against the database after `epoch` was read; nothing is
    /// kept when a revocation happened meanwhile.
    pub(crate) fn put(
        &self,
        hash: String,
        principal: Principal,
        expires_at: Option<Timestamp>,
        recorded_use_ms: i64,
        epoch: u64,
    ) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if self.revocations.load(Ordering::SeqCst) != epoch {
            return;
        }
        if entries.len() >= CAPACITY {
            let ttl = self.ttl;
            entries.retain(|_, e| e.cached_at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            hash,
            Entry {
                principal,
                expires_at,
                cached_at: Instant::now(),
                recorded_use_ms,
            },
        );
    }

    /// Forgets the key with this public prefix, once its revocation is written, and keeps
    /// verifications already under way from caching it again.
    pub(crate) fn forget_prefix(&self, prefix: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.revocations.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, e| e.principal.key_prefix != prefix);
    }
}

impl KeyCache {
    /// Forgets every key of a tenant whose state changed (scheduled for deletion, restored).
    pub(crate) fn forget_tenant(&self, tenant_id: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        self.revocations.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, e| e.principal.tenant_id != tenant_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenants::Role;

    fn principal(prefix: &str) -> Principal {
        Principal {
            key_id: format!("id-{prefix}"),
            key_prefix: prefix.to_owned(),
            tenant_id: "t".into(),
            tenant_name: "t".into(),
            role: Role::Member,
            read_only_until: None,
        }
    }

    #[test]
    fn a_cached_key_is_found_until_its_time_to_live_or_expiry_and_forgotten_on_revocation() {
        let cache = KeyCache::new(Duration::from_millis(200));
        cache.put("h1".into(), principal("p1"), None, 0, cache.epoch());
        cache.put(
            "h2".into(),
            principal("p2"),
            Some(Timestamp::from_millis(1_000)),
            0,
            cache.epoch(),
        );
        assert!(cache.get("h1", 500, 60_000).is_some());
        assert!(cache.get("h2", 500, 60_000).is_some());
        assert!(
            cache.get("h2", 1_000, 60_000).is_none(),
            "expired keys are not served"
        );
        cache.forget_prefix("p1");
        assert!(
            cache.get("h1", 500, 60_000).is_none(),
            "revoked here: gone at once"
        );
        let before_revocation = cache.epoch();
        cache.forget_prefix("p9");
        cache.put("h9".into(), principal("p9"), None, 0, before_revocation);
        assert!(
            cache.get("h9", 500, 60_000).is_none(),
            "a verification older than a revocation is not cached"
        );
        cache.put("h3".into(), principal("p3"), None, 0, cache.epoch());
        std::thread::sleep(Duration::from_millis(250));
        assert!(
            cache.get("h3", 500, 60_000).is_none(),
            "stale after the time-to-live"
        );
    }

    #[test]
    fn the_last_use_is_due_once_per_resolution() {
        let cache = KeyCache::new(Duration::from_secs(60));
        cache.put("h".into(), principal("p"), None, 1_000, cache.epoch());
        assert!(!cache.get("h", 30_000, 60_000).expect("hit").record_use);
        assert!(cache.get("h", 61_000, 60_000).expect("hit").record_use);
        assert!(!cache.get("h", 62_000, 60_000).expect("hit").record_use);
    }

    #[test]
    fn a_zero_time_to_live_caches_nothing() {
        let cache = KeyCache::new(Duration::ZERO);
        cache.put("h".into(), principal("p"), None, 0, cache.epoch());
        assert!(cache.get("h", 0, 60_000).is_none());
    }
}
