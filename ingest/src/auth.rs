//! Resolves `Authorization: Bearer <key>` to a merchant, with a short-lived cache so a
//! heartbeat does not cost a PostgreSQL round trip.
//!
//! The cache is keyed by the key's SHA-256, never by the key itself. A revocation is
//! announced by PostgreSQL (LISTEN `api_keys`) and drops that entry at once; the TTL
//! bounds how long a missed announcement could matter. When PostgreSQL is down, a key seen active before keeps
//! working from the (expired) cache: refusing every plugin because of our outage would
//! lose data; an unknown key is refused with 503 so the plugin retries later.
//!
//! Valid and invalid keys are cached apart, each bounded: valid keys least recently used
//! first out, invalid ones oldest first out, so a flood of made-up keys can never evict
//! the real merchants' keys (which an outage of PostgreSQL would then need). A lookup
//! that finds no valid key counts against the client address's budget of failed
//! authentications; past it the address gets 429 before any lookup.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use runtime::rate_limit::{Limit, TokenBuckets};

use axum::http::{header, HeaderMap};
use sqlx::PgPool;
use store::api_keys::{self, KeyStatus};
use uuid::Uuid;

use crate::error::IngestError;

/// Unknown and revoked keys are remembered briefly too, so a misconfigured plugin
/// hammering us with a bad key does not hammer PostgreSQL.
const NEGATIVE_TTL: Duration = Duration::from_secs(5);
/// Valid keys kept (real merchants' keys are far fewer).
const MAX_VALID: usize = 100_000;
/// Invalid keys kept (a flood of made-up keys only ever evicts its own kind).
const MAX_INVALID: usize = 10_000;

struct Entry {
    status: KeyStatus,
    at: Instant,
    /// A tick of the cache's clock at the last use (least recently used goes first).
    used: AtomicU64,
}

/// Two bounded maps: valid keys (LRU) and invalid ones (FIFO).
pub struct KeyCache {
    valid: HashMap<[u8; 32], Entry>,
    invalid: HashMap<[u8; 32], Entry>,
    invalid_order: VecDeque<[u8; 32]>,
    clock: AtomicU64,
    max_valid: usize,
    max_invalid: usize,
}

impl KeyCache {
    pub fn new(max_valid: usize, max_invalid: usize) -> Self {
        Self {
            valid: HashMap::new(),
            invalid: HashMap::new(),
            invalid_order: VecDeque::new(),
            clock: AtomicU64::new(0),
            max_valid: max_valid.max(1),
            max_invalid: max_invalid.max(1),
        }
    }

    /// The cached status and when it was looked up; marks the entry used.
    pub fn get(&self, digest: &[u8; 32]) -> Option<(KeyStatus, Instant)> {
        let e = self
            .valid
            .get(digest)
            .or_else(|| self.invalid.get(digest))?;
        e.used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        Some((e.status.clone(), e.at))
    }

    pub fn insert(&mut self, digest: [u8; 32], status: KeyStatus, now: Instant) {
        self.remove(&digest);
        let entry = Entry {
            status,
            at: now,
            used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)),
        };
        if matches!(entry.status, KeyStatus::Active { .. }) {
            if self.valid.len() >= self.max_valid {
                let oldest = self
                    .valid
                    .iter()
                    .min_by_key(|(_, e)| e.used.load(Ordering::Relaxed))
                    .map(|(k, _)| *k);
                if let Some(k) = oldest {
                    self.valid.remove(&k);
                }
            }
            self.valid.insert(digest, entry);
        } else {
            while self.invalid.len() >= self.max_invalid {
                match self.invalid_order.pop_front() {
                    Some(k) => {
                        self.invalid.remove(&k);
                    }
                    None => break,
                }
            }
            self.invalid.insert(digest, entry);
            self.invalid_order.push_back(digest);
        }
    }

    pub fn remove(&mut self, digest: &[u8; 32]) {
        self.valid.remove(digest);
        if self.invalid.remove(digest).is_some() {
            self.invalid_order.retain(|k| k != digest);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub merchant_id: Uuid,
    pub key_id: Uuid,
    pub tier: std::sync::Arc<str>,
}

pub type Lookup<'a> = runtime::BoxFuture<'a, sqlx::Result<KeyStatus>>;

/// Where keys are looked up: PostgreSQL in production, `MemoryKeys` in the
/// in-process tests.
pub trait KeyDirectory: Send + Sync + 'static {
    fn lookup<'a>(&'a self, secret: &'a str) -> Lookup<'a>;
}

impl KeyDirectory for PgPool {
    fn lookup<'a>(&'a self, secret: &'a str) -> Lookup<'a> {
        Box::pin(api_keys::lookup(self, secret))
    }
}

/// Keys held in memory (the in-process tests' twin of the `api_keys` table). A key not
/// added is unknown; `unavailable` makes every lookup fail as if PostgreSQL were down.
#[derive(Default)]
pub struct MemoryKeys {
    keys: RwLock<HashMap<String, KeyStatus>>,
    unavailable: std::sync::atomic::AtomicBool,
}

impl MemoryKeys {
    pub fn insert(&self, secret: &str, status: KeyStatus) {
        self.keys
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(secret.to_owned(), status);
    }

    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::Relaxed);
    }
}

impl KeyDirectory for MemoryKeys {
    fn lookup<'a>(&'a self, secret: &'a str) -> Lookup<'a> {
        let found = if self.unavailable.load(Ordering::Relaxed) {
            Err(sqlx::Error::PoolTimedOut)
        } else {
            Ok(self
                .keys
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(secret)
                .cloned()
                .unwrap_or(KeyStatus::Unknown))
        };
        Box::pin(std::future::ready(found))
    }
}

pub struct Authenticator {
    keys: std::sync::Arc<dyn KeyDirectory>,
    ttl: Duration,
    retry_after_secs: u64,
    cache: RwLock<KeyCache>,
    /// Failed lookups per client address.
    failures: TokenBuckets<IpAddr>,
    failure_limit: Limit,
}

const CHANNEL: &str = "api_keys";

impl Authenticator {
    /// An authenticator that forgets a key as soon as PostgreSQL announces its revocation.
    pub fn start(
        pool: PgPool,
        ttl: Duration,
        retry_after_secs: u64,
        failure_limit: Limit,
    ) -> std::sync::Arc<Self> {
        let auth = std::sync::Arc::new(Self::new(
            std::sync::Arc::new(pool.clone()),
            ttl,
            retry_after_secs,
            failure_limit,
        ));
        let listening = auth.clone();
        tokio::spawn(store::listen::follow(
            pool,
            &[CHANNEL],
            ttl,
            move |payload| {
                if let Some(digest) =
                    payload.and_then(|p| <[u8; 32]>::try_from(hex::decode(p).ok()?).ok())
                {
                    listening.forget(&digest);
                }
                std::future::ready(())
            },
        ));
        auth
    }

    /// An authenticator over any key directory, without revocation announcements
    /// (the TTL alone bounds how long a revoked key is still served from the cache).
    pub fn new(
        keys: std::sync::Arc<dyn KeyDirectory>,
        ttl: Duration,
        retry_after_secs: u64,
        failure_limit: Limit,
    ) -> Self {
        Self {
            keys,
            ttl,
            retry_after_secs,
            cache: RwLock::new(KeyCache::new(MAX_VALID, MAX_INVALID)),
            failures: TokenBuckets::default(),
            failure_limit,
        }
    }

    fn forget(&self, digest: &[u8; 32]) {
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(digest);
    }

    /// Authenticates a key the cache may already know (the handlers, after the
    /// rate-limit layer looked it up for the same request).
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Merchant, IngestError> {
        self.resolve(headers, None).await
    }

    /// Authenticates a request from `client`: a key not in the cache is looked up only
    /// while the address has failed authentications left.
    pub async fn authenticate_from(
        &self,
        headers: &HeaderMap,
        client: IpAddr,
    ) -> Result<Merchant, IngestError> {
        self.resolve(headers, Some(client)).await
    }

    async fn resolve(
        &self,
        headers: &HeaderMap,
        client: Option<IpAddr>,
    ) -> Result<Merchant, IngestError> {
        let secret = bearer(headers).ok_or(IngestError::MissingApiKey)?;
        let digest = store::secret::hash(secret);
        let cached = self.cached(&digest);
        // A key known valid is refreshed whatever the address's budget (other shops on
        // a shared host may have spent it).
        let budget = match &cached {
            Some((KeyStatus::Active { .. }, _)) => None,
            _ => client,
        };
        let status = match cached {
            Some((status, fresh)) if fresh => status,
            _ => match self.lookup(secret, budget).await? {
                Ok(status) => {
                    self.remember(digest, status.clone());
                    status
                }
                Err(e) => match cached {
                    Some((status @ KeyStatus::Active { .. }, _)) => {
                        tracing::warn!(error = %e, "key lookup failed; serving the cached key");
                        status
                    }
                    _ => {
                        tracing::error!(error = %e, "key lookup failed");
                        return Err(IngestError::AuthUnavailable {
                            retry_after_secs: self.retry_after_secs,
                        });
                    }
                },
            },
        };
        match status {
            KeyStatus::Active {
                key_id,
                merchant_id,
                tier,
            } => Ok(Merchant {
                merchant_id,
                key_id,
                tier,
            }),
            KeyStatus::Revoked => Err(IngestError::RevokedApiKey),
            KeyStatus::Unknown => Err(IngestError::InvalidApiKey),
        }
    }

    /// Asks PostgreSQL, within the client's budget of failed authentications (the
    /// outer error); a lookup that finds no valid key spends one of them.
    async fn lookup(
        &self,
        secret: &str,
        client: Option<IpAddr>,
    ) -> Result<sqlx::Result<KeyStatus>, IngestError> {
        let now = Instant::now();
        if let Some(ip) = client {
            self.failures
                .check(&ip, self.failure_limit, now)
                .map_err(|l| IngestError::RateLimited {
                    retry_after_secs: l.retry_after_secs(),
                    limit: l.limit.burst as u64,
                })?;
        }
        let found = self.keys.lookup(secret).await;
        if let (Some(ip), Ok(KeyStatus::Unknown | KeyStatus::Revoked)) = (client, &found) {
            let _ = self.failures.take(ip, self.failure_limit, now);
        }
        Ok(found)
    }

    /// The cached status and whether it is still fresh.
    fn cached(&self, digest: &[u8; 32]) -> Option<(KeyStatus, bool)> {
        let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
        cache.get(digest).map(|(status, at)| {
            let ttl = match status {
                KeyStatus::Active { .. } => self.ttl,
                _ => NEGATIVE_TTL,
            };
            (status, at.elapsed() < ttl)
        })
    }

    fn remember(&self, digest: [u8; 32], status: KeyStatus) {
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(digest, status, Instant::now());
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn active() -> KeyStatus {
        KeyStatus::Active {
            key_id: Uuid::new_v4(),
            merchant_id: Uuid::new_v4(),
            tier: "standard".into(),
        }
    }

    fn digest(n: u32) -> [u8; 32] {
        let mut d = [0u8; 32];
        d[..4].copy_from_slice(&n.to_be_bytes());
        d
    }

    /// Defect (issue 16.4): at 100,000 entries the cache was cleared wholesale, so a
    /// flood of made-up keys evicted every real merchant's key.
    #[test]
    fn a_flood_of_invalid_keys_never_evicts_a_valid_one() {
        let mut cache = KeyCache::new(3, 10);
        let now = Instant::now();
        cache.insert(digest(1), active(), now);
        for n in 1000..50_000 {
            cache.insert(digest(n), KeyStatus::Unknown, now);
        }
        assert!(cache.get(&digest(1)).is_some());
        assert_eq!(cache.invalid.len(), 10);
        assert!(
            cache.get(&digest(49_999)).is_some(),
            "the newest invalid key is kept"
        );
        assert!(
            cache.get(&digest(1000)).is_none(),
            "the oldest invalid key went first"
        );
    }

    #[test]
    fn valid_keys_go_least_recently_used_first() {
        let mut cache = KeyCache::new(2, 10);
        let now = Instant::now();
        cache.insert(digest(1), active(), now);
        cache.insert(digest(2), active(), now);
        assert!(cache.get(&digest(1)).is_some()); // 2 is now the least recently used
        cache.insert(digest(3), active(), now);
        assert!(cache.get(&digest(1)).is_some());
        assert!(cache.get(&digest(2)).is_none());
        assert!(cache.get(&digest(3)).is_some());
        // A key revoked later moves from one map to the other.
        cache.insert(digest(3), KeyStatus::Revoked, now);
        assert_eq!(cache.valid.len(), 1);
        assert_eq!(
            cache.get(&digest(3)).map(|(s, _)| s),
            Some(KeyStatus::Revoked)
        );
    }

    #[test]
    fn reads_bearer_tokens_only() {
        let cases = [
            ("Bearer ptk_abc", Some("ptk_abc")),
            ("bearer  ptk_abc ", Some("ptk_abc")),
            ("Basic dXNlcjpwYXNz", None),
            ("Bearer ", None),
            ("ptk_abc", None),
        ];
        for (value, want) in cases {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(bearer(&h), want, "{value}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
